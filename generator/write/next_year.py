"""`nianbao init --previous`: this year's input started from last year's report.

Last year's report is read like any input (a workbook, a YAML file, or the report as the
agency published it: .docx, .html/.htm, .pdf) and validated; from it the new file takes

- the agency (name, kind, website, contact) and the 落款 (whether printed, its name);
- 表三 “二、上年结转政府信息公开申请数量”: last year's “四、结转下年度继续办理”, every column
  (条例第三十三条: a request not answered in the year is answered in the next one; the
  XYEAR-CARRY rule checks the same equality);
- 表二 现行有效件数 is this year's to count: left blank, last year's figure said beside the
  cell (a comment in the workbook, a YAML comment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nianbao import schemas
from nianbao.errors import LoadError, Problem

Notes = dict[tuple[str, ...], str]
CARRY_IN, CARRY_OUT = ("table3", "carry_in"), ("table3", "carry_out")
STOCK_ROWS = ("regulations", "normative_documents")  # 表二 第二十条第（一）项
STOCK_COL = "in_force"  # 现行有效件数


def previous_values(path: Path, year: int, edition: schemas.Edition,
                    agency: str | None) -> tuple[dict[str, Any], Notes, list[str]]:
    """(values for the new file, comments by model path, what was copied — said to the
    clerk) from last year's report; LoadError when it is not last year's."""
    from nianbao.pipeline import ReadOptions, read

    last = read(path, ReadOptions())
    report = last.report
    if report.year != year - 1:
        raise LoadError([Problem(str(path), f"上年报告应为{year - 1}年度的报告，但这份是"
                                            f"{report.year}年度的：请选择{year - 1}年度的年报")])
    values: dict[str, Any] = {"edition": edition.id, "year": year}
    values["agency"] = report.agency.model_dump(mode="json")
    if agency is not None:
        values["agency"]["name"] = agency
    values["signature"] = {"show": report.signature.show, "name": report.signature.name}
    copied = ["机关名称、机关类型等机关信息", "落款"]
    carried = _carry(report, edition)
    if carried is not None:
        values["table3"] = {"carry_in": carried}
        copied.append(f"表三“{_row(edition, CARRY_IN)}”（取自上年“{_row(edition, CARRY_OUT)}”）")
    return values, _stock_notes(report, edition), copied


def _carry(report: Any, edition: schemas.Edition) -> dict[str, Any] | None:
    """Last year's 结转下年度继续办理 row, when both years have table 三."""
    if edition.family != "tables" or getattr(report, "table3", None) is None:
        return None
    return report.table3.carry_out.model_dump(mode="python")


def _row(edition: schemas.Edition, row: tuple[str, ...]) -> str:
    """A row's official label (from the layout)."""
    return next(s.row_label for s in edition.slots if s.path[:-1] == row)


def _stock_notes(report: Any, edition: schemas.Edition) -> Notes:
    """Last year's 现行有效件数 beside this year's blank cells (same model path both years)."""
    notes: Notes = {}
    slots = {s.path: s for s in edition.slots}
    for row in STOCK_ROWS:
        path = ("table2", row, STOCK_COL)
        table2 = getattr(report, "table2", None)
        value = getattr(getattr(table2, row, None), STOCK_COL, None)
        if path in slots and value is not None:
            label = slots[path].column_label
            notes[path] = (f"上年（{report.year}年）{label}为{value}；本年{label}请按年底"
                           "实际有效的文件数填写")
    return notes
