"""Which figures of two years' tables correspond, in any two editions.

A figure is named by its model path (table, row…, column), and the editions keep the same
paths wherever the statute kept the same row (schemas/edition2019.py imports the 2021
labels).  So a table is compared figure by figure when both editions have it with the same
columns, its rows being the union of both editions' rows in printed order; a row key that
is a prefix of the other edition's rows is the group those rows add up to.  What has no
counterpart, derived so from the layouts:

- 表三 （六）其他处理: one row in 2019 (``table3.other.<列>``), three sub-rows in 2021
  (``table3.other.no_correction|unpaid_fee|other.<列>``: 逾期不补正, 逾期未缴费, 其他).  The
  2019 row is compared with the sum of the 2021 sub-rows (or the group's own figure, where
  a published report printed the group as one row); the 2021 sub-rows have no 2019
  counterpart and show "—".  Every other row of 表三, and all of 表四, are the same in
  both editions.
- 表二: 2019 has five blocks (本年新制作/新公开/对外公开总数量; 上一年项目数量/本年增减/处理决定
  数量 with 其他对外管理服务事项; 采购) and 2021 four (本年制发/废止/现行有效件数; 本年处理决定
  数量; 本年收费金额): no column in common, so each year's 表二 is shown on its own.
- The 2008 edition has no statutory table: the other year's tables are shown on their own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nianbao import schemas
from nianbao.checks.engine import Context
from nianbao.compare.diff import MISSING, Change, change
from nianbao.schemas.layout import TableLayout
from nianbao.validate import Validated

Key = tuple[str, ...]
LONG_ROWS = 12


@dataclass
class Figure:
    """One figure of both years: its labels, both values and the change."""

    table: str            # 二 / 三 / 四
    path: Key             # model path (this year's edition where it has the row)
    row: tuple[str, ...]  # row label, outermost first
    column: str           # official column label, as the findings name it
    last: Any
    this: Any
    change: Change
    rank: int = 0         # 1 = the largest change of all tables; 0 = not among the largest

    @property
    def words(self) -> str:
        """表三“（三）不予公开 / 1.属于国家秘密”“总计”, for the list of largest changes."""
        return f"表{self.table}“{' / '.join(self.row[-2:])}”“{self.column}”"


@dataclass
class Row:
    """A row of a block: a heading (label only) or figures, one per column."""

    label: str
    depth: int
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Block:
    """Rows printed under one header (表二 has a block per 第二十条 item)."""

    title: str
    header: list[list[tuple[str, int, int]]]   # rows of (text, rowspan, colspan)
    rows: list[Row]

    @property
    def width(self) -> int:
        """The number of figure columns."""
        return sum(colspan for _, _, colspan in self.header[0])


@dataclass
class TableView:
    """A statutory table of both years (year None), or of one year alone."""

    table_id: str
    blocks: list[Block]
    year: int | None = None

    @property
    def figures(self) -> list[Figure]:
        return [f for b in self.blocks for r in b.rows for f in r.figures]


@dataclass
class TableGroup:
    """One statutory table: compared (one view of both years), or each year's on its own
    (one view per year that has the table), with what the reader must know about it."""

    table_id: str
    heading: str
    views: list[TableView]
    note: str = ""

    @property
    def long(self) -> bool:
        """Longer than a printed page holds with the rest (表三): it starts a page."""
        return max(len(b.rows) for v in self.views for b in v.blocks) > LONG_ROWS


@dataclass
class _Shape:
    """One edition's table as rows: keys in printed order, labels, columns and banners."""

    keys: list[Key]
    labels: dict[Key, tuple[str, ...]]
    columns: dict[Key, tuple[tuple[str, str], ...]]   # row → ((column key, label), …)
    banner: dict[Key, str]


def _shape(layout: TableLayout, validated: Validated) -> _Shape:
    banners: dict[Key, str] = {}
    title = ""
    for row in layout.rows:
        for cell in row:
            if cell.kind == "banner":
                title = cell.text
            elif cell.kind == "value" and cell.path:
                banners[cell.path[1:-1]] = title
    shape = _Shape([], {}, {}, banners)
    for slot in layout.slots:
        key, parts = slot.path[1:-1], slot.column_label.split(" / ")
        if key not in shape.labels:
            shape.keys.append(key)
            # 表四 has no row labels: its rows are the column groups (行政诉讼 / 复议后起诉)
            rows = slot.row_label.split(" / ") if slot.row_label else parts[:-1]
            shape.labels[key] = tuple(rows)
            shape.columns[key] = ()
        shape.columns[key] += ((slot.path[-1], parts[-1] if not slot.row_label
                                else slot.column_label),)
    _add_printed_groups(shape, layout.slots[0].path[0], validated)
    return shape


def _add_printed_groups(shape: _Shape, table_key: str, validated: Validated) -> None:
    """A group a published report printed as one row (its sub-rows unknown) is a row too."""
    raw = validated.raw
    for path in raw.group_rows if raw is not None else {}:
        key = path[1:-1]
        sub = next((k for k in shape.keys if k[:len(key)] == key), None)
        if path[0] != table_key or key in shape.labels or sub is None:
            continue
        shape.keys.insert(shape.keys.index(sub), key)
        shape.labels[key] = shape.labels[sub][:-1]
        shape.columns[key] = shape.columns[sub]
        shape.banner[key] = shape.banner[sub]


T = TypeVar("T", bound=Hashable)


def merge(first: list[T], second: list[T]) -> list[T]:
    """first's keys in order, each of second's others placed after the key before it in
    second (2019's （六） row lands before 2021's （六） sub-rows)."""
    out = list(first)
    at = -1
    for k in second:
        if k in out:
            at = out.index(k)
        else:
            at += 1
            out.insert(at, k)
    return out


@functools.cache
def _paths(edition_id: str) -> tuple[Key, ...]:
    return tuple(s.path for s in schemas.EDITIONS[edition_id].slots)


def value(validated: Validated, table_key: str, row: Key, column: str) -> Any:
    """A figure of one year: its cell, its group's printed figure, the sum of its sub-rows
    (None when one is blank), or MISSING when that edition has no such row."""
    path = (table_key, *row, column)
    ctx = Context(validated)
    paths = _paths(validated.edition.id)
    if path in ctx.group_rows or path in paths:
        return ctx.value(path)
    subs = [p for p in paths   # deeper rows only: 2019's table3.other.other is no sub-row
            if len(p) > len(path) and p[:len(path) - 1] == path[:-1] and p[-1] == column]
    if not subs:
        return MISSING
    parts = [ctx.value(p) for p in subs]
    return None if any(p is None for p in parts) else sum(parts)


def _header(columns: tuple[tuple[str, str], ...]) -> list[list[tuple[str, int, int]]]:
    """One header row, or two where columns share a parent (法人或其他组织 over five)."""
    split = [label.split(" / ") for _, label in columns]
    if all(len(s) == 1 for s in split):
        return [[(s[0], 1, 1) for s in split]]
    top: list[tuple[str, int, int]] = []
    below: list[tuple[str, int, int]] = []
    for s in split:
        if len(s) == 1:
            top.append((s[0], 2, 1))
        elif top and top[-1][0] == s[0] and top[-1][1] == 1:
            top[-1] = (s[0], 1, top[-1][2] + 1)
            below.append((s[-1], 1, 1))
        else:
            top.append((s[0], 1, 1))
            below.append((s[-1], 1, 1))
    return [top, below]


def _blocks(keys: list[Key], shapes: list[_Shape], make: Callable[..., Figure]) -> list[Block]:
    """Consecutive rows under the same banner and columns form a block; a row's outer
    labels are printed once, as heading rows above it."""
    blocks: list[Block] = []
    shown: set[tuple[str, ...]] = set()
    for key in keys:
        shape = next(s for s in shapes if key in s.labels)
        labels, columns = shape.labels[key], shape.columns[key]
        title = shape.banner[key]
        if not blocks or (blocks[-1].title, blocks[-1].header) != (title, _header(columns)):
            blocks.append(Block(title, _header(columns), []))
            shown = set()
        for depth in range(1, len(labels)):
            if labels[:depth] not in shown:
                shown.add(labels[:depth])
                blocks[-1].rows.append(Row(labels[depth - 1], depth - 1))
        shown.add(labels)
        blocks[-1].rows.append(Row(labels[-1], len(labels) - 1,
                                   [make(key, c, label, labels) for c, label in columns]))
    return blocks


def table_views(last: Validated, this: Validated) -> list[TableGroup]:
    """Tables 二, 三, 四 of both years: compared where their columns agree, else each alone."""
    ids = list(dict.fromkeys(t.table_id for v in (this, last) for t in v.edition.tables))
    groups: list[TableGroup] = []
    for table_id in ids:
        have = [(v, t) for v in (last, this)
                for t in v.edition.tables if t.table_id == table_id]
        shapes = [_shape(t, v) for v, t in have]
        if len(have) == 2 and _same_columns(shapes[0], shapes[1]):
            groups.append(_pair(table_id, have[1][1], last, this, shapes[0], shapes[1]))
            continue
        other = this if have[0][0] is last else last
        note = ("两年的格式版本不同，本表栏目不对应，分别列出" if len(have) == 2 else
                f"{other.report.year}年的格式（{other.edition.id}年）没有本表")
        groups.append(TableGroup(table_id, have[0][1].heading,
                                 [_alone(t, v, shape) for (v, t), shape in zip(have, shapes)],
                                 note))
    return groups


def _same_columns(a: _Shape, b: _Shape) -> bool:
    cols = [{c for cs in s.columns.values() for c, _ in cs} for s in (a, b)]
    return cols[0] == cols[1]


def _pair(table_id: str, layout: TableLayout, last: Validated, this: Validated,
          was: _Shape, now: _Shape) -> TableGroup:
    table_key = layout.slots[0].path[0]

    def make(key: Key, column: str, label: str, labels: tuple[str, ...]) -> Figure:
        a, b = value(last, table_key, key, column), value(this, table_key, key, column)
        return Figure(table_id, (table_key, *key, column), labels, label, a, b, change(a, b))

    keys = merge(now.keys, was.keys)
    return TableGroup(table_id, layout.heading, [TableView(table_id, _blocks(keys, [now, was], make))],
                      _note(keys, was, now, last, this))


def _note(keys: list[Key], was: _Shape, now: _Shape, last: Validated, this: Validated) -> str:
    """What has no counterpart, said in the words of the labels (empty when all match)."""
    words = []
    for key in keys:
        if (key in now.labels) == (key in was.labels):
            continue
        mine, other, one, many = ((now, was, this, last) if key in now.labels
                                  else (was, now, last, this))
        subs = [k for k in other.keys if k[:len(key)] == key]
        label = mine.labels[key][-1]
        if subs:
            words.append(f"“{label}”{one.report.year}年只有一行，{many.report.year}年分为"
                         f"{len(subs)}个子行：这一行与{many.report.year}年子行之和比较，"
                         f"子行在{one.report.year}年没有对应数字（“—”）")
        elif not any(key[:len(k)] == k for k in other.keys):   # a sub-row: said above
            words.append(f"“{label}”只有{one.report.year}年有")
    if not words:
        return ""
    return (f"{last.report.year}年为{last.edition.id}年格式，{this.report.year}年为"
            f"{this.edition.id}年格式：" + "；".join(words) + "。")


def _alone(layout: TableLayout, v: Validated, shape: _Shape) -> TableView:
    table_key = layout.slots[0].path[0]

    def make(key: Key, column: str, label: str, labels: tuple[str, ...]) -> Figure:
        x = value(v, table_key, key, column)
        return Figure(layout.table_id, (table_key, *key, column), labels, label, MISSING, x,
                      change(MISSING, x))

    return TableView(layout.table_id, _blocks(shape.keys, [shape], make), v.report.year)
