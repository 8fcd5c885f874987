"""The comparison as a workbook for clerks: 概况, one sheet per table (行, 列 with the official
labels; 上年, 本年, 增减, 增减%, 名次 of the largest changes), and the cross-year findings.
Figures are numbers, 增减% a percentage; "—" where a figure is unknown or has no counterpart.
Written as the batch summary is (no clock in the file, never read back as a batch input)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.checks.engine import SEVERITY_ZH
from nianbao.compare.diff import MISSING, NA
from nianbao.compare.model import Comparison
from nianbao.compare.page import edition_names
from nianbao.compare.rows import TableGroup, TableView

PAIR_WIDTHS = [46.0, 24.0, 12.0, 12.0, 10.0, 10.0, 6.0]
ONE_WIDTHS = [46.0, 24.0, 14.0]


def _cell(v: Any) -> Any:
    """A figure as the workbook holds it: a number, 采购总金额 with its unit as text, or —."""
    if v is None or v is MISSING:
        return NA
    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return v
    return str(v)


def _table_sheet(wb: Any, group: TableGroup, view: TableView, c: Comparison) -> None:
    from nianbao.batch.summary import header

    if view.year is None:
        ws = wb.create_sheet(f"表{view.table_id}")
        header(ws, ["行", "列", f"上年（{c.last.year}年）", f"本年（{c.this.year}年）", "增减",
                    "增减%", "名次"], PAIR_WIDTHS)
        for f in view.figures:
            ch = f.change
            ws.append([" / ".join(f.row), f.column, _cell(f.last), _cell(f.this),
                       ch.delta_value if ch.delta_value is not None else NA,
                       ch.pct_value if ch.pct_value is not None else NA, f.rank or None])
            ws.cell(ws.max_row, 6).number_format = "0.0%"
    else:
        ws = wb.create_sheet(f"表{view.table_id}（{view.year}年）")
        header(ws, ["行", "列", f"{view.year}年"], ONE_WIDTHS)
        for f in view.figures:
            ws.append([" / ".join(f.row), f.column, _cell(f.this)])
    if group.note:
        ws.append([])
        ws.append([group.note])


def _overview(ws: Any, c: Comparison) -> None:
    from nianbao.batch.summary import header

    names = edition_names()
    n = c.narrative
    header(ws, ["项目", "内容"], [24.0, 90.0])
    rows = [("机关", c.this.agency if c.same_agency
             else f"上年“{c.last.agency}”，本年“{c.this.agency}”（名称不同）"),
            ("上年", f"{c.last.year}年度 · {c.last.name} · {names[c.last.edition]}"),
            ("本年", f"{c.this.year}年度 · {c.this.name} · {names[c.this.edition]}"),
            ("表格", f"两年都有的{c.compared}个数字中，{c.changed}个有变化"),
            ("照抄", "两年的表格数字完全相同：可能照抄了上年报告" if c.identical else "—"),
            ("正文", f"本年{n.sentences}句，其中{n.copied}句与上年逐字相同（{n.share}）"),
            ("跨年度问题", f"{len(c.findings)}项（见“跨年度问题”表）")]
    rows += [(s.heading, f"本年{s.this.sentences}句，其中{s.this.marked}句与上年逐字相同")
             for s in n.sections if s.this is not None]
    for row in rows:
        ws.append(list(row))


def xlsx_bytes(c: Comparison) -> bytes:
    """The workbook's bytes; the same comparison always gives the same bytes."""
    from nianbao.batch.summary import header
    from nianbao.batch.summary import xlsx_bytes as fixed_bytes
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    _overview(ws, c)
    for group in c.tables:
        for view in group.views:
            _table_sheet(wb, group, view, c)
    ws = wb.create_sheet("跨年度问题")
    header(ws, ["规则", "级别", "说明"], [14.0, 8.0, 120.0])
    for f in c.findings:
        ws.append([f.rule, SEVERITY_ZH[f.severity], f.message])
    wb.properties.title = c.title
    return fixed_bytes(wb)
