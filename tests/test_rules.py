"""Every rule passes on a consistent report and fires when the report is broken in one place."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from dataclasses import replace

from conftest import DELETE, findings_of, mutated
from nianbao.checks import run_checks
from nianbao.checks import RULES, rules_for
from nianbao.checks.textscan import cn_number, stated_figures, wrong_years

Z = {"natural": 0, "commercial": 0, "research": 0, "nonprofit": 0, "legal": 0, "other": 0,
     "total": 0}

# rule id → (changes to the county example, cells (model paths) the findings must name)
BROKEN = {
    "T3-BALANCE": ({("table3", "carry_out", "natural"): 2, ("table3", "carry_out", "total"): 3},
                   {("table3", r, c) for r in ("new", "carry_in", "total", "carry_out")
                    for c in ("natural", "total")}),
    "T3-ROWSUM": ({("table3", "granted", "total"): 18},
                  {("table3", "granted", c) for c in Z}),
    "T3-OUTCOMES": ({("table3", "partial", "natural"): 4, ("table3", "partial", "total"): 5},
                    {("table3", "partial", "natural"), ("table3", "total", "natural"),
                     ("table3", "partial", "total"), ("table3", "total", "total")}),
    "T4-SUM": ({("table4", "review", "total"): 2},
               {("table4", "review", c) for c in ("upheld", "corrected", "other", "pending",
                                                  "total")}),
    "VAL-NONNEG": ({("table2", "coercion", "decisions"): -1},
                   {("table2", "coercion", "decisions")}),
    "VAL-NUMBER": ({("table2", "coercion", "decisions"): "约5"},
                   {("table2", "coercion", "decisions")}),
    "VAL-UNIT": ({("table2", "coercion", "decisions"): "5件"},
                 {("table2", "coercion", "decisions")}),
    "BLANK": ({("table3", "denied", "state_secret", "legal"): None},
              {("table3", "denied", "state_secret", "legal")}),
    "T2-STOCK": ({("table2", "normative_documents", "in_force"): 2},
                 {("table2", "normative_documents", "issued"),
                  ("table2", "normative_documents", "in_force")}),
    "SECTIONS": ({("narrative", "overview", "platform"): None}, set()),
    "FEE-STATEMENT": ({("fees",): DELETE}, set()),
    "FEE-OT2": ({("table3", "other", "no_correction"): Z,
                 ("table3", "other", "unpaid_fee"): {**Z, "natural": 1, "total": 1}},
                {("table3", "other", "unpaid_fee", "total")}),
    "TEXT-NUMBERS": ({("narrative", "overview", "on_request"): "全年新收政府信息公开申请36件。"},
                     {("table3", "new", "total")}),
    "TEXT-YEAR": ({("narrative", "problems"): "本年度（2023年）我局公开信息不够及时。"}, set()),
    "DEADLINE": ({("published",): dt.date(2025, 2, 10)}, set()),
    "TEXT-CONTROL": ({("narrative", "other"): "无其他\u202e需要报告的事项。"}, set()),
    "AGENCY-KIND": ({("agency", "kind"): DELETE}, set()),
    "EDITION-YEAR": ({("year",): 2020, ("edition",): "2021",
                      ("published",): dt.date(2021, 1, 20)}, set()),
}


def test_every_2021_rule_has_a_broken_case() -> None:
    # LABELS concerns spreadsheet labels (tested both ways below and in test_xlsx_reader);
    # the XYEAR rules need last year's report (tests/test_xyear.py)
    single = {r.id for r in rules_for("2021") if not r.needs_previous}
    assert single == set(BROKEN) | {"LABELS"}


def test_labels_rule_both_ways(county_raw) -> None:
    from nianbao.load import LabelNote
    from nianbao.provenance import Source

    path = ("table2", "regulations", "in_force")
    typo = LabelNote("现行有效件数", "现行有效件", Source("a.xlsx", sheet="表二", cell="D4"),
                     (path,))
    lost = LabelNote("规章", None, Source("a.xlsx", sheet="表二"), (path,))
    raw = replace(county_raw, notes=[typo, lost], unlocated={path})
    found = run_checks(mutated(raw, {path: None}))
    assert [(f.rule, f.severity) for f in found] == [("LABELS", "error"), ("LABELS", "warning")]
    assert found[1].message == ("标签“现行有效件”与正式名称“现行有效件数”不一致，"
                                "已按“现行有效件数”读取，请改正")
    assert found[1].where.cell == "D4"
    assert [c.path for c in found[0].cells] == [path]  # and no BLANK for the lost row
    assert findings_of(county_raw, {}) == []


@pytest.mark.parametrize("raw_fixture", ["county_raw", "township_raw"])
def test_consistent_examples_pass_every_rule(raw_fixture: str, request) -> None:
    assert findings_of(request.getfixturevalue(raw_fixture), {}) == []


@pytest.mark.parametrize("rule_id", sorted(BROKEN))
def test_rule_fires_on_its_broken_case(rule_id: str, county_raw) -> None:
    changes, cells = BROKEN[rule_id]
    found = [f for f in findings_of(county_raw, changes) if f.rule == rule_id]
    assert found, f"{rule_id} did not fire"
    assert all(f.severity == RULES[rule_id].severity for f in found)
    named = {c.path for f in found for c in f.cells}
    assert cells <= named if cells else not named
    assert all(f.message for f in found)


def test_balance_message_names_column_and_both_sides(county_raw) -> None:
    changes, _ = BROKEN["T3-BALANCE"]
    f = next(f for f in findings_of(county_raw, changes) if f.rule == "T3-BALANCE")
    assert f.message == ("表三“自然人”列不平衡：第一项31加第二项2等于33，"
                         "第三项总计32加第四项2等于34，两者应相等")
    assert (f.expected, f.actual) == (33, 34)
    src = f.cells[0].source
    assert (src.file, src.line, src.key) == (str(county_raw.file), 47, "table3.new.natural")


def test_blank_finding_names_cell_labels_and_line(county_raw) -> None:
    f = findings_of(county_raw, BROKEN["BLANK"][0])[0]
    assert f.message == ("表三“三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密”行"
                         "“法人或其他组织 / 法律服务机构”列没有填写：请填入数字（没有发生的填0）")
    cell = f.as_json()["cells"][0]
    assert cell["row"] == "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密"
    assert cell["column"] == "法人或其他组织 / 法律服务机构"
    assert cell["source"]["line"] == 52


def test_deadline_depends_on_agency_kind(county_raw) -> None:
    late_march = dt.date(2025, 3, 20)
    as_gov = findings_of(county_raw, {("published",): late_march,
                                      ("agency", "kind"): "本级人民政府"})
    as_dept = findings_of(county_raw, {("published",): late_march})
    as_town = findings_of(county_raw, {("published",): late_march,
                                       ("agency", "kind"): "乡镇人民政府、街道办事处"})
    assert [f.rule for f in as_gov] == []
    assert [f.rule for f in as_dept] == ["DEADLINE"]
    assert as_dept[0].message == ("发布日期2025年3月20日晚于法定期限2025年1月31日"
                                  "（县级以上人民政府部门）")
    assert [f.rule for f in as_town] == []


def test_text_numbers_reads_reviews_and_suits_separately(county_raw) -> None:
    text = "收到行政复议申请2件，行政诉讼0件。全年收到政府信息公开申请38件。"
    found = findings_of(county_raw, {("narrative", "overview", "oversight"): text})
    assert [(f.rule, f.expected, f.actual) for f in found] == [("TEXT-NUMBERS", 1, 2)]


def test_fee_statement_satisfied_by_agency_text(county_raw) -> None:
    other = "本年度未收取信息处理费。"
    assert findings_of(county_raw, {("fees",): DELETE, ("narrative", "other"): other}) == []


def test_amounts_keep_their_digits(county_raw) -> None:
    v = mutated(county_raw, {("table2", "administrative_fees", "amount"): Decimal("12.3400")})
    assert str(v.report.table2.administrative_fees.amount) == "12.3400"


def test_cn_numbers() -> None:
    assert [cn_number(t) for t in ("38", "2,887", "十二", "两", "一百零五", "二十")] == \
        [38, 2887, 12, 2, 105, 20]


def test_stated_figures_topics() -> None:
    text = "本年度新收政府信息公开申请十二件，上年结转2件；结转下年度继续办理3件。"
    assert [(s.topic, s.number) for s in stated_figures(text)] == \
        [("carry_in", 2), ("new", 12), ("carry_out", 3)]


def test_wrong_years() -> None:
    text = "本报告统计期限为2023年1月1日至12月31日。2023年问题已整改。"
    assert [r for _, r in wrong_years(text, 2024)] == ["统计期限写的是2023年，应为2024年"]


def test_blank_as_zero_gives_one_info_listing_the_cells(county_raw) -> None:
    from nianbao.validate import validate

    raw = replace(county_raw, data=copy.deepcopy(county_raw.data),
                  zero_spellings={("table2", "coercion", "decisions"): "—"})
    raw.data["table3"]["denied"]["state_secret"]["legal"] = None
    raw.data["table2"]["coercion"]["decisions"] = None
    strict = run_checks(validate(raw))
    assert sorted(f.message for f in strict) == [
        "表三“三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密”行“法人或其他组织 / 法律服务机构”列"
        "没有填写：请填入数字（没有发生的填0）",
        "表二“行政强制”行“本年处理决定数量”列没有填写（填的是“—”）：请填入数字（没有发生的填0）"]
    lenient = validate(raw, blank_as_zero=True)
    assert lenient.report.table2.coercion.decisions == 0
    found = run_checks(lenient)
    assert [(f.rule, f.severity) for f in found] == [("BLANK", "info")]
    assert found[0].message == ("已按要求将2个空白单元格按0计：表二“行政强制”行“本年处理决定数量”列；"
                                "表三“三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密”行"
                                "“法人或其他组织 / 法律服务机构”列")
