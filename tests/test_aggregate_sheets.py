"""`nianbao aggregate` for the supervising office's own report (issue 20): the sheet 各机关
(one row per agency, autofilter, sums per 分组 from the roster), 基本信息 saying it is a
汇总 and of whom, and `-o 汇总.yaml --agency …`: the summed report's input file, built end
to end once the office has written its text, its tables the sums of its members."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import COUNTY, TOWNSHIP, run_cli
from nianbao import schemas
from nianbao.batch.aggregate_sheets import columns
from nianbao.pipeline import read
from nianbao.schemas.common import AgencyKind
from test_batch import write_report
from test_roster import xlsx_roster

DEPT, GOV, TOWN = (k.value for k in (AgencyKind.department, AgencyKind.government,
                                     AgencyKind.township))
HEADERS = ["机关", "类型", "分组", "情况", "新收", "上年结转", "予以公开", "部分公开", "不予公开",
           "无法提供", "不予处理", "其他处理", "结转", "行政复议", "行政复议结果纠正", "行政诉讼",
           "行政诉讼结果纠正", "错误", "警告"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three agencies of 2024 in two groups, a fourth on the roster that sent nothing."""
    root = tmp_path_factory.mktemp("agg")
    d = root / "报告"
    write_report(d / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(d / "乙局" / "2024.xlsx", COUNTY, "乙局", 2024)
    write_report(d / "丙镇" / "2024.yaml", TOWNSHIP, "丙镇", 2024)
    xlsx_roster(root / "名单.xlsx", [("甲局", DEPT, "县直单位"), ("乙局", DEPT, "县直单位"),
                                   ("丙镇", TOWN, "乡镇街道"), ("丁镇", TOWN, "乡镇街道")])
    return root


def test_columns_come_from_the_labels_of_both_editions() -> None:
    for edition in ("2019", "2021"):
        assert [c.header for c in columns(schemas.EDITIONS[edition])] == HEADERS[4:-2]
    partial = next(c for c in columns(schemas.EDITIONS["2021"]) if c.header == "部分公开")
    assert partial.labels == ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",)


def test_agency_sheet_with_groups_from_the_roster(tree: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "汇总.xlsx"
    result = run_cli("aggregate", tree / "报告", "--year", "2024", "-o", target,
                     "--roster", tree / "名单.xlsx")
    assert result.returncode == 1, result.stderr   # 丁镇 is missing
    assert "丁镇：缺少2024年度报告" in result.stderr
    wb = load_workbook(target)
    ws = wb["各机关"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    county, township = read(COUNTY).report, read(TOWNSHIP).report
    c3, t3 = county.table3, township.table3
    body = {r[0]: r for r in rows[1:5]}
    assert list(body) == ["甲局", "乙局", "丙镇", "丁镇"]   # the roster's order
    assert body["甲局"][:9] == ("甲局", DEPT, "县直单位", "计入汇总", c3.new.total,
                               c3.carry_in.total, c3.granted.total, c3.partial.total,
                               sum(getattr(c3.denied, k).total for k in type(c3.denied).model_fields))
    assert body["丙镇"][1:5] == (TOWN, "乡镇街道", "计入汇总", t3.new.total)
    assert body["丁镇"][1:4] == (TOWN, "乡镇街道", "未提交2024年度报告")
    assert ws.auto_filter.ref == "A1:S5"   # sorting never moves the sums below
    sums = {r[0]: r for r in rows[5:] if r[0]}
    assert sums["小计：县直单位"][3:6] == ("2个机关", 2 * c3.new.total, 2 * c3.carry_in.total)
    assert sums["小计：乡镇街道"][3:5] == ("1个机关", t3.new.total)
    total = sums["总计"]
    assert total[4] == 2 * c3.new.total + t3.new.total
    assert total[13] == 2 * county.table4.review.total + township.table4.review.total
    info = {r[0]: r[1] for r in wb["基本信息"].iter_rows(values_only=True)}
    assert info["机关名称"] == "汇总（3个机关）" and info["机关类型"] == GOV
    assert info["报告性质"].startswith("汇总：2024年度3个机关的报告逐项相加")
    assert info["报告性质"].endswith("未计入的见“汇总范围”表")
    assert info["汇总范围"] == "丙镇、乙局、甲局"  # input order
    summed = read(target).report   # still a readable workbook, and still a sum
    assert summed.table3.new.total == total[4]
    assert summed.agency.covered() == ["丙镇", "乙局", "甲局"]


def test_without_a_roster_one_group(tree: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "汇总.xlsx"
    result = run_cli("aggregate", tree / "报告", "--year", "2024", "-o", target)
    assert result.returncode == 0, result.stderr
    rows = list(load_workbook(target)["各机关"].iter_rows(values_only=True))
    labels = [r[0] for r in rows[4:] if r[0]]
    assert labels == ["合计（只计“计入汇总”的机关）", "总计"]


def _fill_narrative(text: str) -> str:
    """What the office writes: one sentence in each part that needs one."""
    head, rest = text.split("\nnarrative:", 1)
    narrative, tail = rest.split("\nfees:", 1)
    for key in ("management", "platform", "oversight", "problems", "other"):
        narrative = re.sub(rf"^(\s*{key}):.*$", rf"\1: 本区{key}情况良好。", narrative,
                           flags=re.MULTILINE)
    return head + "\nnarrative:" + narrative + "\nfees:" + tail


def test_summed_report_built_end_to_end(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "汇总.yaml"
    refused = run_cli("aggregate", tree / "报告", "--year", "2024", "-o", target)
    assert refused.returncode == 2 and "请用 --agency 给出机关名称" in refused.stderr
    result = run_cli("aggregate", tree / "报告", "--year", "2024", "-o", target,
                     "--agency", "某某区人民政府办公室")
    assert result.returncode == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert "# 汇总范围：丙镇、乙局、甲局" in text
    assert "  covers: \"丙镇、乙局、甲局\"  # 汇总范围（仅汇总报告填写" in text
    assert "management:  # （三）政府信息管理；请政务公开办撰写本地区情况（汇总时留空）" in text
    # as written, the office's text is missing: the check says so
    assert run_cli("check", target).returncode == 1
    target.write_text(_fill_narrative(text), encoding="utf-8")

    summed = read(target)
    members = [read(p).report for p in sorted((tree / "报告").rglob("2024.*"))]
    assert summed.report.agency.name == "某某区人民政府办公室"
    assert summed.report.agency.kind == AgencyKind.government
    for slot in summed.edition.slots:   # every cell of tables 二, 三 and 四
        assert _at(summed.report, slot.path) == sum(_at(m, slot.path) for m in members), slot

    out = tmp_path / "out"
    built = run_cli("build", target, "-o", out, "--format", "html")
    assert built.returncode == 0, built.stderr
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    t3 = summed.report.table3
    assert "某某区人民政府办公室2024年政府信息公开工作年度报告" in html
    # the default sentences state the sums (一（二）依申请公开 was left empty)
    assert f"新收政府信息公开申请{t3.new.total}件" in html
    assert f"上年结转{t3.carry_in.total}件" in html
    assert f"结转下年度继续办理{t3.carry_out.total}件" in html
    # … of the district's agencies, not of one agency ("本机关")
    assert f"2024年，全区纳入汇总的3个机关共新收政府信息公开申请{t3.new.total}件" in html
    assert "本报告所列数据由全区纳入汇总的3个机关的年度报告数据汇总而成。" in html
    assert "本机关" not in re.sub(r"<table.*?</table>", "", html, flags=re.S)
    # … and the tables hold them
    cells = re.findall(r"<td[^>]*>\s*([\d,]+)\s*</td>", html)
    for value in (t3.new.total, t3.granted.total, summed.report.table2.licensing.decisions):
        assert f"{value:,}" in cells or str(value) in cells, value
    assert "本区management情况良好。" in html


def _at(report, path):
    for key in path:
        report = getattr(report, key)
    return report
