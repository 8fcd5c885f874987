"""Cross-year rules: this year against last year, across files and formats (issue 4 §5)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import COUNTY, EXAMPLES, mutated, run_cli
from nianbao.checks import run_checks
from nianbao.write.yaml_file import yaml_document

# last year's report, consistent with this year's county example
LAST_YEAR = {("year",): 2023, ("published",): dt.date(2024, 1, 20),
             ("table3", "carry_out"): {"natural": 2, "commercial": 0, "research": 0,
                                       "nonprofit": 0, "legal": 0, "other": 0, "total": 2},
             ("table2", "licensing", "decisions"): 1100,
             ("table2", "normative_documents", "in_force"): 10}


def _xyear(county_raw, last_changes: dict, this_changes: dict | None = None):
    last = mutated(county_raw, {**LAST_YEAR, **last_changes})
    this = mutated(county_raw, this_changes or {})
    return [f for f in run_checks(this, last) if f.rule.startswith("XYEAR")]


def test_consistent_years_pass(county_raw) -> None:
    assert _xyear(county_raw, {}) == []


def test_carry_names_both_years_cells(county_raw) -> None:
    found = _xyear(county_raw, {("table3", "carry_out", "natural"): 3,
                                ("table3", "carry_out", "total"): 3})
    assert [(f.rule, f.cells[0].path[-1]) for f in found] == [
        ("XYEAR-CARRY", "natural"), ("XYEAR-CARRY", "total")]
    f = found[0]
    assert [c.path for c in f.cells] == [("table3", "carry_in", "natural"),
                                          ("table3", "carry_out", "natural")]
    assert f.message.startswith("上年结转与上一年度的结转下年度不一致：2024年表三“二、上年结转政府信息"
                                "公开申请数量”行“自然人”列为2（")
    assert "2023年表三“四、结转下年度继续办理”行“自然人”列为3（" in f.message
    assert (f.expected, f.actual) == (3, 2)


def test_stock(county_raw) -> None:
    found = _xyear(county_raw, {("table2", "normative_documents", "in_force"): 8})
    assert [f.rule for f in found] == ["XYEAR-STOCK"]
    assert found[0].message == ("表二“行政规范性文件”现行有效件数为12，但上一年8件加本年制发3件减"
                                "本年废止1件应为10件，请核实")


def test_identical_data_is_flagged(county_raw) -> None:
    last = mutated(county_raw, {("year",): 2023})
    found = [f for f in run_checks(mutated(county_raw, {}), last) if f.rule == "XYEAR-SAME"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].message.startswith("表格中")
    # one figure changed: not the same data any more
    changed = mutated(county_raw, {("year",): 2023, ("table2", "penalty", "decisions"): 300})
    assert [f for f in run_checks(mutated(county_raw, {}), changed)
            if f.rule == "XYEAR-SAME"] == []


@pytest.mark.parametrize("before,rule", [(100, ["XYEAR-JUMP"]), (300, [])])
def test_jump(county_raw, before: int, rule: list[str]) -> None:
    found = _xyear(county_raw, {("table2", "licensing", "decisions"): before})
    assert [f.rule for f in found] == rule
    if rule:
        assert found[0].severity == "info" and (found[0].expected, found[0].actual) == (100, 1286)


def test_cli_previous_in_another_format(county_raw, tmp_path: Path) -> None:
    last = mutated(county_raw, {**LAST_YEAR, ("table3", "carry_out", "natural"): 3,
                                ("table3", "carry_out", "total"): 3})
    last_yaml = tmp_path / "2023.yaml"
    last_yaml.write_text(yaml_document(last.edition, last.report.model_dump(mode="python")),
                         encoding="utf-8")
    last_xlsx = tmp_path / "2023.xlsx"
    assert run_cli("convert", last_yaml, last_xlsx).returncode == 0
    result = run_cli("check", COUNTY, "--previous", last_xlsx, "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    carry = [f for f in doc["findings"] if f["rule"] == "XYEAR-CARRY"]
    assert len(carry) == 2
    files = [c["source"]["file"] for c in carry[0]["cells"]]
    assert files == [str(COUNTY), str(last_xlsx)]
    assert carry[0]["cells"][1]["source"]["sheet"] == "表三"


def test_cli_previous_must_be_the_year_before(tmp_path: Path) -> None:
    result = run_cli("check", COUNTY, "--previous", COUNTY)
    assert result.returncode == 2
    assert "--previous 应为2023年度的报告，但该文件是2024年度的" in result.stderr


def test_previous_across_the_edition_change(county_raw, tmp_path: Path) -> None:
    """A 2021 report checked against a 2020 report in the 2019 tables."""
    this = mutated(county_raw, {("year",): 2021, ("published",): dt.date(2022, 1, 20),
                                ("narrative", "overview", "intro"): None})
    path = tmp_path / "2021.yaml"
    path.write_text(yaml_document(this.edition, this.report.model_dump(mode="python")),
                    encoding="utf-8")
    last = EXAMPLES / "zhumadian-housing-2020.yaml"
    doc = json.loads(run_cli("check", path, "--previous", last, "--format", "json").stdout)
    carry = [f for f in doc["findings"] if f["rule"] == "XYEAR-CARRY"]
    assert [(f["expected"], f["actual"]) for f in carry] == [(0, 2), (0, 2)]
    assert [c["source"]["file"] for c in carry[0]["cells"]] == [str(path), str(last)]
    assert "2020年表三“四、结转下年度继续办理”行“自然人”列为0" in carry[0]["message"]


def test_workbook_in_2019_tables_for_2022_is_an_edition_error(tmp_path: Path) -> None:
    """The table set decides the edition: a 2022 report filled into 2019 tables."""
    from openpyxl import load_workbook

    book = tmp_path / "2022.xlsx"
    assert run_cli("convert", EXAMPLES / "zhumadian-housing-2020.yaml", book).returncode == 0
    wb = load_workbook(book)
    info = wb["基本信息"]
    for row in info.iter_rows(min_col=1, max_col=2):
        if row[0].value == "格式版本":
            row[1].value = None
        if row[0].value == "报告年度":
            row[1].value = 2022
    wb.save(book)
    doc = json.loads(run_cli("check", book, "--format", "json").stdout)
    assert doc["edition"] == "2019"
    assert [f["message"] for f in doc["findings"] if f["rule"] == "EDITION-YEAR"] == [
        "2022年度的报告应使用2021年格式，但本报告使用的是2019年格式的表格"]
