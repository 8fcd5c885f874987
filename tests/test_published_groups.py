"""The provincial 表三 variant printing （六）其他处理 as one row, without its sub-rows
(issue 18 §5): read from a published report, the row's own figures used by the sums, the
sub-rows unknown (neither zeros nor blanks), the deviation one LABELS warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_cli
from nianbao import schemas
from nianbao.pipeline import ReadOptions, read
from test_published import CLOSING, NARRATIVE, _layout_cells, _para, _values

ROW = 24  # the （六） row of table 三 as printed (3 header rows, 20 rows above it)


def _variant_docx(path: Path, change: dict[str, int] | None = None) -> dict[str, Any]:
    """The 2021 example with table 三 printed in the 2019 shape (one （六） row holding the
    sums of the three sub-rows); its figures, after ``change``."""
    import docx

    data = _values("2021")
    t3 = data["table3"]
    t3["other"] = {k: sum(v[k] for v in t3["other"].values()) for k in t3["new"]}
    t3["other"].update(change or {})
    e21, e19 = schemas.EDITIONS["2021"], schemas.EDITIONS["2019"]
    doc = docx.Document()
    doc.add_paragraph("某某县交通运输局2024年政府信息公开工作年度报告")
    for lead, rest in NARRATIVE:
        _para(doc, lead, rest)
    for layout in (e21.tables[0], e19.tables[1], e21.tables[2]):
        _para(doc, layout.heading, "")
        cells = _layout_cells(layout, data)
        table = doc.add_table(rows=max(r + rs for r, _, rs, _, _ in cells), cols=layout.ncols)
        for r, c, rs, cs, text in cells:
            cell = table.cell(r, c)
            if rs > 1 or cs > 1:
                cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
            cell.paragraphs[0].add_run(text)
    for lead, rest in CLOSING:
        _para(doc, lead, rest)
    doc.save(str(path))
    return t3["other"]


def _message() -> str:
    rows = [label for _, label in schemas.edition2021.T3_GROUPS[3][2]]
    names = "、".join(f"“{r}”" for r in rows)
    return (f"表三“（六）其他处理”印成了一行，没有其下的3个分项：正式格式中“（六）其他处理”分为{names}"
            "3行。已按这一行的数字计入合计，各分项的数字未知；请按正式表格分行填写")


def test_single_row_other_is_read_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "省级格式.docx"
    printed = _variant_docx(path)
    result = run_cli("check", "--format", "json", path)
    assert result.returncode == 0, result.stdout + result.stderr
    found = [(f["rule"], f["severity"], f["message"], f["source"])
             for f in json.loads(result.stdout)["findings"]]
    assert found == [("LABELS", "warning", _message(),
                      {"file": str(path), "table": 2, "row": ROW, "col": 2})]
    for blank_as_zero in (False, True):  # unknown sub-rows are not zeros, whatever asked
        back = read(path, ReadOptions(blank_as_zero=blank_as_zero))
        other = back.report.table3.other
        assert {getattr(getattr(other, sub), col) for sub in type(other).model_fields
                for col in printed} == {None}
        assert back.raw.group_rows == {("table3", "other", k): v for k, v in printed.items()}
        where = back.sources.find(("table3", "other", "total"))
        assert (where.table, where.row, where.col) == (2, ROW, 10)
    again = read(path, ReadOptions()).report.model_dump(mode="json")["table3"]
    source = read(_example(), ReadOptions()).report.model_dump(mode="json")["table3"]
    assert {k: v for k, v in again.items() if k != "other"} == \
        {k: v for k, v in source.items() if k != "other"}


def _example() -> Path:
    from test_published import EXAMPLES
    return EXAMPLES["2021"]


def test_single_row_other_counts_in_the_sums(tmp_path: Path) -> None:
    path = tmp_path / "省级格式.docx"
    printed = _variant_docx(path, {"natural": 2})  # one more than the sub-rows held
    result = run_cli("check", "--format", "json", path)
    assert result.returncode == 1
    found = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert sorted(found) == ["LABELS", "T3-OUTCOMES", "T3-ROWSUM"]
    row = found["T3-ROWSUM"]
    assert row["message"] == (f"表三“三、本年度办理结果 / （六）其他处理”行：各类申请人之和为"
                              f"{sum(printed.values()) - printed['total']}，但“总计”列填的是"
                              f"{printed['total']}")
    assert [(c["source"]["row"], c["source"]["col"]) for c in row["cells"]] == \
        [(ROW, col) for col in range(4, 11)]
    outcomes = found["T3-OUTCOMES"]
    assert outcomes["message"].startswith("表三“自然人”列：各项办理结果之和为")
    assert {"table": 2, "row": ROW, "col": 4} in [
        {k: c["source"][k] for k in ("table", "row", "col")} for c in outcomes["cells"]]
