"""Default sentences written from the figures (issue 19 §1–3): from meaning, not glued labels;
zero figures said once, naturally; 六's fee statement never after "无其他需要报告的事项"."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import DELETE, ROOT, mutated
from nianbao.checks import run_checks
from nianbao.compose.report import compose
from nianbao.compose.document import Para
from nianbao.load import RawReport, load
from nianbao.pipeline import check_file, render_all
from nianbao.validate import Validated, validate

EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))

NO_TEXT = {("narrative", "overview", "proactive"): None,
           ("narrative", "overview", "on_request"): None}
ZERO_T2 = {("table2", "regulations"): {"issued": 0, "repealed": 0, "in_force": 0},
           ("table2", "normative_documents"): {"issued": 0, "repealed": 0, "in_force": 0},
           ("table2", "licensing", "decisions"): 0, ("table2", "penalty", "decisions"): 0,
           ("table2", "coercion", "decisions"): 0, ("table2", "administrative_fees", "amount"): 0}


def generated(checked: Validated) -> dict[str, list[str]]:
    """Section heading → the paragraphs nianbao wrote."""
    return {s.heading: [b.text for b in s.blocks if isinstance(b, Para) and b.generated]
            for s in compose(checked).sections}


def overview(checked: Validated) -> list[str]:
    return generated(checked)["一、总体情况"]


def other(checked: Validated) -> list[str]:
    """Every paragraph of 六 (the agency's and nianbao's)."""
    section = compose(checked).sections[-1]
    return [b.text for b in section.blocks if isinstance(b, Para)]


# ---- §1 meaning, not labels -----------------------------------------------------------------
def test_proactive_states_meaning_not_glued_labels(county_raw: RawReport) -> None:
    text = overview(mutated(county_raw, NO_TEXT))[0]
    assert text == ("2024年，本机关没有制发、废止或现行有效的规章；制发行政规范性文件3件、废止1件，"
                    "现行有效12件；作出行政许可决定1286件、行政处罚决定342件、行政强制决定5件；"
                    "未收取行政事业性收费。")
    fees = overview(mutated(county_raw, {**NO_TEXT, ("table2", "administrative_fees", "amount"):
                                         "12.50"}))[0]
    assert fees.endswith("；收取行政事业性收费12.50万元。")
    assert "收费收费" not in fees and "收费金额" not in fees


@pytest.mark.parametrize("changes", [{}, ZERO_T2, {("table2", "penalty", "decisions"): 7}],
                         ids=["figures", "zero", "one"])
def test_no_word_is_doubled(county_raw: RawReport, changes: dict[Any, Any]) -> None:
    """A doubled word ("收费收费", "事项事项", "采购采购") is the mark of glued labels."""
    for texts in generated(mutated(county_raw, {**NO_TEXT, **changes})).values():
        for text in texts:
            assert re.search(r"([\u4e00-\u9fff]{2})\1", text) is None, text


# ---- §2 zero figures said once ------------------------------------------------------------------
def test_nothing_at_all_is_one_short_sentence(county_raw: RawReport) -> None:
    text = overview(mutated(county_raw, {**NO_TEXT, **ZERO_T2}))[0]
    assert text == ("2024年，本机关没有制发、废止或现行有效的规章和行政规范性文件，"
                    "未作出行政许可、行政处罚、行政强制决定，也未收取行政事业性收费。")


def test_zero_items_are_not_listed(county_raw: RawReport) -> None:
    checked = mutated(county_raw, {
        **NO_TEXT, ("table2", "regulations"): {"issued": 0, "repealed": 0, "in_force": 2},
        ("table2", "normative_documents"): {"issued": 0, "repealed": 2, "in_force": 0},
        ("table2", "licensing", "decisions"): 0, ("table3", "carry_in"): {
            k: 0 for k in ("natural", "commercial", "research", "nonprofit", "legal", "other",
                           "total")}})
    proactive, on_request = overview(checked)
    assert proactive == ("2024年，本机关未制发、废止规章，现行有效规章2件；废止行政规范性文件2件；"
                         "作出行政处罚决定342件、行政强制决定5件，未作出行政许可决定；"
                         "未收取行政事业性收费。")
    assert re.search(r"(?<![\d.])0(件|项|万元)", proactive + on_request) is None
    assert "上年结转" not in on_request


def test_township_with_nothing(township_raw: RawReport) -> None:
    assert overview(mutated(township_raw, {})) == [
        ("2024年，本机关没有制发、废止或现行有效的规章和行政规范性文件；作出行政处罚决定3件，"
        "未作出行政许可、行政强制决定；未收取行政事业性收费。"),
        "2024年，本机关未收到政府信息公开申请，也没有上年结转的申请。"]


# ---- issue 20: a summed report speaks of the agencies summed, not "本机关" -----------------------
SUMMED = {("agency", "name"): "某某市某某区人民政府办公室", ("agency", "covers"): "甲局、乙局、丙镇"}


def test_summed_report_speaks_of_the_agencies_summed(county_raw: RawReport) -> None:
    checked = mutated(county_raw, {**NO_TEXT, **SUMMED})
    proactive, on_request = overview(checked)
    assert proactive.startswith("2024年，全区纳入汇总的3个机关均没有制发、废止或现行有效的规章；"
                                "制发行政规范性文件3件")
    assert on_request.startswith("2024年，全区纳入汇总的3个机关共新收政府信息公开申请")
    preamble = [b.text for b in compose(checked).preamble]
    assert "本报告所列数据由全区纳入汇总的3个机关的年度报告数据汇总而成。" in preamble
    assert not any("本机关" in t for texts in generated(checked).values() for t in texts)


@pytest.mark.parametrize(("name", "who"), [
    ("某某自治县人民政府办公室", "全县纳入汇总的3个机关"),
    ("某某市人民政府办公厅", "全市纳入汇总的3个机关"),
    ("某某县政务公开办", "纳入汇总的3个机关"),   # no 人民政府 in the name: no level guessed
])
def test_summed_report_level_from_the_name(township_raw: RawReport, name: str, who: str) -> None:
    checked = mutated(township_raw, {("agency", "name"): name,
                                     ("agency", "covers"): "甲局、 乙局、丙镇、"})
    assert overview(checked)[1] == f"2024年，{who}均未收到政府信息公开申请，也没有上年结转的申请。"


def test_blank_figure_is_said_blank(township_raw: RawReport) -> None:
    text = overview(mutated(township_raw, {("table2", "penalty", "decisions"): None}))[0]
    assert "作出行政处罚决定（未填），" in text


# ---- §3 六: the fee statement and "nothing else" ------------------------------------------------
FEES = {("fees",): {"notices": 2, "amount_billed": 300, "amount_collected": 200}}


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, ["本年度未收取信息处理费，无其他需要报告的事项。"]),
    (FEES, [("本年度共发出信息处理费收费通知2件，通知金额合计300元，实际收取信息处理费200元，"
            "无其他需要报告的事项。")]),
    ({("narrative", "other"): "本年度公开人大代表建议办理结果3件。\n本年度无其他需要报告的事项。"},
     ["本年度公开人大代表建议办理结果3件。", "本年度未收取信息处理费，无其他需要报告的事项。"]),
    ({("narrative", "other"): "公开建议办理结果3件。无其他需要报告的事项。"},
     ["本年度未收取信息处理费。", "公开建议办理结果3件。无其他需要报告的事项。"]),
    ({("narrative", "other"): "公开建议办理结果3件。"},
     ["公开建议办理结果3件。", "本年度未收取信息处理费。"]),
    ({("narrative", "other"): None}, ["本年度未收取信息处理费。"]),
    ({("narrative", "other"): None, ("fees",): DELETE}, ["本年度无其他需要报告的事项。"]),
], ids=["only-nothing-else", "fees-collected", "nothing-else-line", "nothing-else-inside",
        "other-matters", "no-text", "no-fees"])
def test_fee_statement_never_after_nothing_else(township_raw: RawReport, changes: dict[Any, Any],
                                                expected: list[str]) -> None:
    assert other(mutated(township_raw, changes)) == expected


def test_merged_fee_sentence_reads_back_as_the_figures(township_raw: RawReport,
                                                      tmp_path: Any) -> None:
    """doc_facts reads "本年度未收取信息处理费，无其他需要报告的事项。" as the fee figures and
    "无其他需要报告的事项。" as the text of 六: the round trip gives the input."""
    for changes in ({}, FEES):
        checked = mutated(township_raw, changes)
        path = tmp_path / "report.html"
        path.write_bytes(render_all(checked, ["html"])["html"])
        back = check_file(path).validated.report
        assert back.narrative.other == "无其他需要报告的事项。"
        assert back.fees == checked.report.fees
        assert back.fees is not None and back.fees.amount_collected == Decimal(
            changes[("fees",)]["amount_collected"] if changes else 0)


# ---- §5 TEXT-NUMBERS: （一）主动公开 against 表二 -----------------------------------------------
PROACTIVE = ("narrative", "overview", "proactive")


def _text_numbers(raw: RawReport, changes: dict[Any, Any]) -> list[Any]:
    return [f for f in run_checks(mutated(raw, changes)) if f.rule == "TEXT-NUMBERS"]


def test_decisions_stated_against_table_2(county_raw: RawReport) -> None:
    found = _text_numbers(county_raw, {PROACTIVE: "全年作出行政许可决定300件。",
                                       ("table2", "licensing", "decisions"): 356})
    assert [(f.severity, f.expected, f.actual) for f in found] == [("warning", 356, 300)]
    assert found[0].message == ("正文“全年作出行政许可决定300件”写的是300件，"
                                "但表二“行政许可”行“本年处理决定数量”列为356")
    assert [c.path for c in found[0].cells] == [("table2", "licensing", "decisions")]


@pytest.mark.parametrize(("text", "cells"), [
    ("全年制发行政规范性文件4件，废止1件，现行有效行政规范性文件12件。",
     [("normative_documents", "issued")]),
    ("印发规范性文件3件、废止2件，现行有效13件。",
     [("normative_documents", "repealed"), ("normative_documents", "in_force")]),
    ("作出行政许可决定1286件、行政处罚决定340件、行政强制决定5件。", [("penalty", "decisions")]),
    ("本年度行政事业性收费金额12.5万元。", [("administrative_fees", "amount")]),
    ("现行有效规章1件。", [("regulations", "in_force")]),
], ids=["issued", "carried-row", "list", "fee", "regulations"])
def test_each_cell_of_table_2(county_raw: RawReport, text: str,
                              cells: list[tuple[str, str]]) -> None:
    found = _text_numbers(county_raw, {PROACTIVE: text})
    assert [c.path[1:] for f in found for c in f.cells] == cells


@pytest.mark.parametrize("text", [
    "作出行政许可、行政处罚决定共1633件。",  # a joint figure, not one cell's
    "作出行政许可和行政处罚决定共1633件。",
    "主动公开政府信息1,426条，其中行政执法信息638条。",
    "对1件不再适用的文件予以废止并及时公布。",
    "公开行政许可事项办理结果300项。",
    "未制发、废止规章，也未作出行政强制决定。",
], ids=["joint", "joint-and", "other-units", "verb-after", "items", "none"])
def test_no_false_alarm(county_raw: RawReport, text: str) -> None:
    assert _text_numbers(county_raw, {PROACTIVE: text}) == []


def test_only_proactive_is_read_against_table_2(county_raw: RawReport) -> None:
    text = "完成文件清理，废止行政规范性文件9件。"
    assert _text_numbers(county_raw, {("narrative", "overview", "management"): text}) == []
    assert len(_text_numbers(county_raw, {PROACTIVE: text})) == 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_examples_and_their_default_sentences_agree_with_the_tables(example: Path) -> None:
    """No TEXT-NUMBERS on any example; nor when every default sentence of the example (and of
    the example with its figure parts left empty) is typed in as the agency's own text, which
    is what reading a published report back does."""
    raw = load(example)
    checked = validate(raw)
    assert [f.message for f in run_checks(checked) if f.rule == "TEXT-NUMBERS"] == []
    if checked.edition.family == "items":
        return
    for changes in ({}, NO_TEXT, {**NO_TEXT, **ZERO_T2} if checked.edition.id == "2021" else {}):
        said = generated(mutated(raw, changes))
        parts = dict(zip(("proactive", "on_request"), said["一、总体情况"], strict=False))
        typed = {("narrative", "overview", k): v for k, v in parts.items()}
        assert _text_numbers(raw, {**changes, **typed}) == [], parts
