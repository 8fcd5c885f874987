"""汇总.xlsx's own sheets besides the summed tables: 各机关 (one row per agency, filterable
and sortable, with sums per 分组) and the 汇总 lines of 基本信息.

The 各机关 columns are the figures an office compares across its agencies: 表三's 新收,
上年结转, each outcome of 三、本年度办理结果 and 结转, and 表四's 行政复议 and 行政诉讼 with
their 结果纠正.  The outcome, 表四 and 结果纠正 headers are cut from the edition's labels in
schemas/ (“（三）不予公开” → 不予公开), so a 2019 and a 2021 year give the same columns; 新收,
上年结转 and 结转 are the issue's short names for rows whose labels are sentences — each
header carries the full official label(s) as a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nianbao import schemas

if TYPE_CHECKING:
    from nianbao.batch.aggregate import Aggregate

SHEET = "各机关"
# 表三 rows whose official label is a sentence: the short header the sheet uses
SHORT = {"new": "新收", "carry_in": "上年结转", "carry_out": "结转"}
_NUMBER = re.compile(r"^（[一二三四五六七八九十]+）")
SKIPPED_ROWS = ("total",)   # （七）总计: the sum of the outcome columns beside it


@dataclass(frozen=True)
class Column:
    """One figure column: header, the model paths added into it, the official labels."""

    header: str
    paths: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]


def _outcome(label: str) -> str:
    """“三、本年度办理结果 / （二）部分公开（区分处理的…）” → 部分公开."""
    part = label.split(" / ")[1]
    return _NUMBER.sub("", part).split("（", 1)[0]


def columns(edition: schemas.Edition) -> list[Column]:
    """The 各机关 figure columns of an edition with tables (2019, 2021), in table order."""
    groups: dict[str, list[schemas.ValueSlot]] = {}
    for slot in edition.table("三").slots:
        if slot.path[-1] == "total" and slot.path[1] not in SKIPPED_ROWS:
            groups.setdefault(slot.path[1], []).append(slot)
    out = []
    for key, slots in groups.items():
        header = SHORT.get(key) or _outcome(slots[0].row_label)
        labels = tuple(dict.fromkeys(s.row_label.split(" / ")[min(1, s.row_label.count(" / "))]
                                     for s in slots))
        out.append(Column(header, tuple(s.path for s in slots), labels))
    four: dict[str, list[schemas.ValueSlot]] = {}
    for slot in edition.table("四").slots:   # 行政复议 · 行政诉讼 (two groups of rows)
        four.setdefault(slot.column_label.split(" / ")[0], []).append(slot)
    for name, slots in four.items():
        total = [s for s in slots if s.path[-1] == "total"]
        corrected = [s for s in slots if s.path[-1] == "corrected"]
        out.append(Column(name, tuple(s.path for s in total),
                          tuple(s.column_label for s in total)))
        word = corrected[0].column_label.split(" / ")[-1]   # 结果纠正
        out.append(Column(f"{name}{word}", tuple(s.path for s in corrected),
                          tuple(s.column_label for s in corrected)))
    return out


def _value(report: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        report = getattr(report, key, None)
    return report


def member_figures(edition: schemas.Edition, report: Any) -> dict[str, Any]:
    """A report's 各机关 figures (header → value; None when a cell added in is blank)."""
    if not edition.tables:
        return {}
    figures: dict[str, Any] = {}
    for column in columns(edition):
        values = [_value(report, p) for p in column.paths]
        figures[column.header] = None if any(v is None for v in values) else sum(values)
    return figures


# ---- the sheet ----------------------------------------------------------------------------
LEAD = (("机关", 26), ("类型", 22), ("分组", 10), ("情况", 18))
TAIL = (("错误", 7), ("警告", 7))


def agency_sheet(wb: Any, agg: Aggregate) -> None:
    """各机关: one row per agency (the roster's that sent nothing too), an autofilter over
    them (sort and filter in Excel/WPS), then — below, outside the filter, so a sort never
    moves them — the sums of the agencies added into the total, per 分组 and over all."""
    from nianbao.batch.aggregate import INCLUDED
    from nianbao.batch.summary import header, print_setup
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    assert agg.checked is not None
    cols = columns(agg.checked.validated.edition)
    from nianbao.schemas.fields import TABLE_SHEET_PREFIX

    tables = [i for i, n in enumerate(wb.sheetnames) if n.startswith(TABLE_SHEET_PREFIX)]
    ws = wb.create_sheet(SHEET, tables[-1] + 1 if tables else None)   # after 表四
    titles = [t for t, _ in LEAD] + [c.header for c in cols] + [t for t, _ in TAIL]
    widths = [w for _, w in LEAD] + [max(7, 2 * len(c.header) + 1) for c in cols] + [
        w for _, w in TAIL]
    header(ws, titles, widths)
    for i, column in enumerate(cols, start=len(LEAD) + 1):
        ws.cell(1, i).comment = Comment("、".join(column.labels), "nianbao")
    order = _group_order(agg)
    members = agg.members
    rows = [((order.get(m.group, len(order)), _position(agg, m.agency), m.file),
             [m.agency or m.file, m.kind, m.group, m.state,
              *(m.figures.get(c.header) for c in cols), m.errors, m.warnings],
             m.state == INCLUDED) for m in members]
    rows += [((order.get(group, len(order)), _position(agg, name), ""),   # sent nothing
              [name, kind, group, f"未提交{agg.year}年度报告"], False)
             for name, kind, group in agg.absent]
    bad = PatternFill("solid", fgColor="FFE0E0")
    for _, values, added in sorted(rows, key=lambda r: r[0]):
        ws.append(values)
        if not added:
            for cell in ws[ws.max_row]:
                cell.fill = bad
    ws.auto_filter.ref = f"A1:{ws.cell(ws.max_row, len(titles)).coordinate}"
    ws.append([])
    ws.append(["合计（只计“计入汇总”的机关）"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    included = [m for m in members if m.state == INCLUDED]
    groups = sorted({m.group for m in included}, key=lambda g: order.get(g, len(order)))
    for group in (groups if len(groups) > 1 or groups != [""] else []):
        _sum_row(ws, f"小计：{group or '未分组'}", [m for m in included if m.group == group],
                 cols)
    _sum_row(ws, "总计", included, cols, bold=True)
    print_setup(ws, f"{agg.year}年度各机关政府信息公开申请和复议诉讼情况")   # A4 landscape


def _sum_row(ws: Any, label: str, members: list[Any], cols: list[Column],
             bold: bool = False) -> None:
    from openpyxl.styles import Font

    sums = []
    for c in cols:
        values = [m.figures.get(c.header) for m in members]
        sums.append(sum(v for v in values if v is not None))
    ws.append([label, "", "", f"{len(members)}个机关", *sums])
    if bold:
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)


def _group_order(agg: Aggregate) -> dict[str, int]:
    """分组 in the roster's order (名单外 after them)."""
    if agg.roster is None:
        return {"": 0}
    groups = list(dict.fromkeys(a.group for a in agg.roster.agencies))
    return {g: i for i, g in enumerate([*groups, "名单外"])}


def _position(agg: Aggregate, agency: str | None) -> int:
    """An agency's place in the roster (without one, all equal: sorted by file)."""
    if agg.roster is None or not agency:
        return 0
    found = agg.roster.find(agency)
    return agg.roster.agencies.index(found) if found is not None else len(agg.roster.agencies)


def mark_summed(wb: Any, agg: Aggregate) -> None:
    """基本信息 says what this workbook is: a 汇总 of N agencies' reports (not one agency's;
    its 机关类型 is the 本级人民政府's); the agencies it covers are its 汇总范围 field, written
    with the other fields."""
    from nianbao.batch.aggregate import INCLUDED
    from nianbao.schemas.common import COVERS_TITLE
    from nianbao.schemas.fields import SHEET_INFO
    from openpyxl.styles import Alignment

    ws = wb[SHEET_INFO]
    names = [m.agency or m.file for m in agg.members if m.state == INCLUDED]
    what = (f"汇总：{agg.year}年度{len(names)}个机关的报告逐项相加（表二、表三、表四），"
            "不是单个机关的报告；机关类型按本级人民政府；计入的机关见上面的"
            f"“{COVERS_TITLE}”，未计入的见“{COVERS_TITLE}”表")
    ws.append(["报告性质", what])
    ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[ws.max_row].height = 16 * max(1, len(what) // 30 + 1)
