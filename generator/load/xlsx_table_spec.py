"""The statutory tables' labels as the locator looks for them (xlsx_tables.py).

`table_spec` turns a layout of schemas/ into what the locator matches against: every label
with its normalised text, kind and place; which texts identify each layout row; which
header cell governs each value cell (formats.md §2.2–2.4).  Built once per layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nianbao.load.xlsx_book import Pos
from nianbao.load.xlsx_labels import normalise
from nianbao.schemas.layout import Path, TableLayout, place

LOOKED_FOR_MAX = 20  # labels named in the "table not found" message are short ones


@dataclass(frozen=True)
class LabelSpec:
    """A label, header, banner or note cell of a layout, and the value cells it names."""

    text: str
    norm: str
    kind: str
    row: int
    col: int
    rowspan: int
    colspan: int
    paths: tuple[Path, ...]
    governing: bool  # a row label or leaf header: its values cannot be placed without it


@dataclass(frozen=True)
class TableSpec:
    """What the locator needs to know about one layout."""

    layout: TableLayout
    labels: tuple[LabelSpec, ...]
    keys: dict[int, tuple[str, ...]]  # layout row → normalised texts identifying it
    need: dict[int, int]  # layout row → how many of its keys must be present
    head_of: dict[Pos, LabelSpec]  # value cell (grid row, col) → its governing header
    data_rows: tuple[int, ...]  # value rows without a row label of their own
    looked_for: tuple[str, ...]


def _blocks(grid: list) -> list[int]:
    """Block number of every layout row (a banner starts a new block; table 二)."""
    out, block = [], 0
    for row in grid:
        if row[0][0].kind == "banner":
            block += 1
        out.append(block)
    return out


def _governing_head(grid: list, r: int, c: int) -> Pos | None:
    """The nearest header cell above a value cell, within its block."""
    for rr in range(r - 1, -1, -1):
        cell, ar, ac = grid[rr][c]
        if cell.kind == "head":
            return ar, ac
        if cell.kind == "banner":
            return None
    return None


def _paths(cell, ar: int, ac: int, slots: Sequence, blocks: list[int]) -> tuple[Path, ...]:
    """Value cells a label names: its rows (labels), its block (banners), its columns (heads)."""
    if cell.kind == "label":
        hit = [s for s in slots if ar <= s.grid_row < ar + cell.rowspan]
    elif cell.kind == "banner":
        hit = [s for s in slots if blocks[s.grid_row] == blocks[ar]]
    else:
        hit = [s for s in slots if ac <= s.grid_col < ac + cell.colspan
               and s.grid_row >= ar + cell.rowspan and blocks[s.grid_row] == blocks[ar]]
    return tuple(s.path for s in hit)


def _build(layout: TableLayout) -> TableSpec:
    grid = place(layout.rows, layout.ncols)
    blocks = _blocks(grid)
    heads = {(s.grid_row, s.grid_col): _governing_head(grid, s.grid_row, s.grid_col)
             for s in layout.slots}
    first_value: dict[int, int] = {}  # layout row → grid column of its first value cell
    for s in layout.slots:
        first_value[s.grid_row] = min(first_value.get(s.grid_row, s.grid_col), s.grid_col)
    row_keys: dict[int, Pos] = {}
    for r, c in first_value.items():
        cell, ar, ac = grid[r][c - 1] if c > 0 else (None, -1, -1)
        if cell is not None and cell.kind == "label" and ar == r:
            row_keys[r] = (ar, ac)
    labels: dict[Pos, LabelSpec] = {}
    for r, row in enumerate(grid):
        for c, (cell, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c) or cell.kind == "value":
                continue
            governed = tuple(s.path for s in layout.slots if heads[(s.grid_row, s.grid_col)]
                             == (r, c))
            governing = bool(governed) or row_keys.get(r) == (r, c)
            paths = governed or _paths(cell, r, c, layout.slots, blocks)
            labels[(r, c)] = LabelSpec(cell.text, normalise(cell.text), cell.kind, r, c, cell.rowspan,
                                       cell.colspan, paths, governing)
    keys: dict[int, tuple[str, ...]] = {}
    need: dict[int, int] = {}
    for r in range(len(grid)):
        if r in first_value:
            if r in row_keys:
                keys[r], need[r] = (labels[row_keys[r]].norm,), 1
            continue
        texts = tuple(dict.fromkeys(lab.norm for lab in labels.values() if lab.row == r))
        if texts:
            keys[r], need[r] = texts, max(1, (len(texts) + 1) // 2)
    head_of = {pos: labels[h] for pos, h in heads.items() if h is not None}
    data_rows = tuple(r for r in first_value if r not in row_keys)
    return TableSpec(layout, tuple(labels.values()), keys, need, head_of, data_rows,
                     _looked_for(labels, row_keys))


def _looked_for(labels: dict[Pos, LabelSpec], row_keys: dict[int, Pos]) -> tuple[str, ...]:
    """The labels named when a table cannot be found: its first row label, then headers."""
    names = [labels[row_keys[min(row_keys)]].text] if row_keys else []
    names += [lab.text for lab in labels.values() if len(lab.norm) <= LOOKED_FOR_MAX]
    return tuple(dict.fromkeys(names))[:3]


_SPECS: dict[int, TableSpec] = {}


def table_spec(layout: TableLayout) -> TableSpec:
    """The locator's view of a layout (built once per layout)."""
    if id(layout) not in _SPECS:
        _SPECS[id(layout)] = _build(layout)
    return _SPECS[id(layout)]


# ---- step 1: chain the rows found by exact labels ------------------------------------------
