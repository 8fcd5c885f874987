"""Build the workbook cases of the conformance suite (issue 21 §2), deterministically.

Some mistakes only arise in a workbook: a row label typed differently (LABELS), a figure typed
with its unit ("342件", VAL-UNIT) or as words ("约342", VAL-NUMBER).  Each case is the
workbook `nianbao` writes for a valid YAML case of the same folder tree
(`nianbao.write.workbook.build`), with one cell changed by openpyxl, saved with
`stable_bytes` (the same input always gives the same bytes).  The .xlsx files are committed;
run this again only when a case or the workbook layout changes:

    .venv/bin/python tests/conformance/make_workbooks.py

The comment of each case (what is wrong, which rule it trips) is at the top of its
`<case>.expected.yaml`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nianbao.pipeline import read
from nianbao.write.workbook import build, stable_bytes

HERE = Path(__file__).resolve().parent
Edit = Callable[[Any], None]


def replace_text(sheet: str, old: str, new: str) -> Edit:
    """Change the one cell of a sheet that reads `old` (a label) to `new`."""
    def edit(wb: Any) -> None:
        _only(wb[sheet], old).value = new
    return edit


def replace_value(sheet: str, old: int, new: object) -> Edit:
    """Change the one cell of a sheet that holds the figure `old` to `new`."""
    def edit(wb: Any) -> None:
        _only(wb[sheet], old).value = new
    return edit


def _only(ws: Any, value: object) -> Any:
    cells = [c for row in ws.iter_rows() for c in row if c.value == value]
    assert len(cells) == 1, f"{ws.title}: {len(cells)} cells hold {value!r}, expected one"
    return cells[0]


def no_edit(wb: Any) -> None:
    """The workbook as written (a valid case)."""


# target (relative to this folder) → (the valid YAML case it is built from, the one change)
WORKBOOKS: dict[str, tuple[str, Edit]] = {
    "2021/valid/county-transport-2024-workbook.xlsx": ("2021/valid/county-transport-2024.yaml", no_edit),
    "2021/invalid/labels-typo.xlsx": (
        "2021/valid/county-transport-2024.yaml",
        replace_text("表三", "一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请")),
    "2021/invalid/labels-missing.xlsx": (
        "2021/valid/county-transport-2024.yaml", replace_text("表二", "行政处罚", "罚款")),
    "2021/invalid/val-unit-workbook.xlsx": (
        "2021/valid/county-transport-2024.yaml", replace_value("表二", 342, "342件")),
    "2021/invalid/val-number-workbook.xlsx": (
        "2021/valid/county-transport-2024.yaml", replace_value("表二", 342, "约342")),
    "2021/invalid/blank-workbook.xlsx": (
        "2021/valid/county-transport-2024.yaml", replace_value("表二", 342, None)),
    "2019/valid/zhumadian-housing-2020-workbook.xlsx": ("2019/valid/zhumadian-housing-2020.yaml", no_edit),
    "2019/invalid/labels-typo.xlsx": (
        "2019/valid/zhumadian-housing-2020.yaml",
        replace_text("表二", "其他对外管理服务事项", "其它对外管理服务事项")),
    "2019/invalid/labels-missing.xlsx": (
        "2019/valid/zhumadian-housing-2020.yaml", replace_text("表二", "行政处罚", "罚款")),
    "2019/invalid/val-unit-workbook.xlsx": (
        "2019/valid/zhumadian-housing-2020.yaml", replace_value("表二", 2887, "2887件")),
    "2019/invalid/val-number-workbook.xlsx": (
        "2019/valid/zhumadian-housing-2020.yaml", replace_value("表二", 2887, "两千八百八十七")),
    "2008/valid/suifenhe-2012-workbook.xlsx": ("2008/valid/suifenhe-2012.yaml", no_edit),
}


def workbook(source: Path, edit: Edit) -> bytes:
    """The workbook of a YAML case, changed by `edit`, as stable bytes."""
    validated = read(source)
    wb = build(validated.edition, validated.report.model_dump(mode="python"))
    edit(wb)
    return stable_bytes(wb)


def main() -> None:
    for target, (source, edit) in WORKBOOKS.items():
        (HERE / target).write_bytes(workbook(HERE / source, edit))
        print(target)


if __name__ == "__main__":
    main()
