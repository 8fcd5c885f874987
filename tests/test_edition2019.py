"""Edition 2019 (国办公开办函〔2019〕60号, reports for 2019–2020): layouts, labels defined once,
edition choice, its rules and values, workbooks, and the seed report 004 in all three outputs
(issue 4)."""

from __future__ import annotations

import ast
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from nianbao import schemas
from conftest import EXAMPLES, ROOT, mutated, run_cli
from nianbao.checks import rules_for, run_checks
from nianbao.compose.report import compose
from nianbao.errors import SchemaError
from nianbao.load import RawReport, load
from nianbao.compose.sentences import proactive_maker
from nianbao.validate import choose_edition, validate
from nianbao.schemas import edition2019 as e19
from test_formats_agree import (assert_in_order, docx_text, expected_items, html_text,
                                normalised, pdf_text)

EXAMPLE = EXAMPLES / "zhumadian-housing-2020.yaml"
SPEC = ROOT / "tests" / "data" / "spec-formats.md"
E19 = schemas.EDITIONS["2019"]
E21 = schemas.EDITIONS["2021"]


@pytest.fixture(scope="module")
def raw() -> RawReport:
    return load(EXAMPLE)


def _labels(table) -> list[str]:
    return [c.text for row in table.rows for c in row if c.text]


# ---- layouts and labels ------------------------------------------------------------------------
def test_table2_is_five_columns_with_five_blocks() -> None:
    t2 = E19.table("二")
    assert t2.ncols == 5 and t2.header == ()
    banners = [row[0] for row in t2.body if row[0].kind == "banner"]
    assert [(b.text, b.colspan) for b in banners] == [
        ("第二十条第（一）项", 5), ("第二十条第（五）项", 5), ("第二十条第（六）项", 5),
        ("第二十条第（八）项", 5), ("第二十条第（九）项", 5)]
    heads = [[(c.text, c.colspan) for c in row] for row in t2.body if row[0].kind == "head"]
    three = [("信息内容", 1)]
    assert heads == [
        three + [("本年新制作数量", 1), ("本年新公开数量", 2), ("对外公开总数量", 1)],
        three + [("上一年项目数量", 1), ("本年增/减", 2), ("处理决定数量", 1)],
        three + [("上一年项目数量", 1), ("本年增/减", 2), ("处理决定数量", 1)],
        three + [("上一年项目数量", 2), ("本年增/减", 2)],
        three + [("采购项目数量", 2), ("采购总金额", 2)],
    ]
    rows = [row[0].text for row in t2.body if row[0].kind == "label"]
    assert rows == ["规章", "规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚", "行政强制",
                    "行政事业性收费", "政府集中采购"]
    # the value columns are 1 · ½ · ½ · 1: a block of three is even, a block of two is even
    assert t2.col_weights[1:] == (1, 0.5, 0.5, 1)
    kinds = {s.path: s.value_kind for s in t2.slots}
    assert {p for p, k in kinds.items() if k == "delta"} == {
        ("table2", r, "change") for r in ("licensing", "other_services", "penalty", "coercion",
                                          "administrative_fees")}
    assert kinds[("table2", "procurement", "amount")] == "amount_unit"


def test_table3_has_one_other_row_and_twenty_result_rows() -> None:
    t3 = E19.table("三")
    results = t3.body[2][0]
    assert (results.text, results.rowspan) == ("三、本年度办理结果", 20)
    other = [row for row in t3.body if row[0].text == "（六）其他处理"]
    assert len(other) == 1 and other[0][0].colspan == 2
    rows = list(dict.fromkeys(s.path[1:-1] for s in t3.slots))
    assert rows[-3:] == [("other",), ("total",), ("carry_out",)]
    assert len(t3.slots) == 23 * 7
    # the model keys stay those of 2021 (rules read them), （六） being one row
    keys21 = set(E21.model.model_fields["table3"].annotation.model_fields)
    assert set(E19.model.model_fields["table3"].annotation.model_fields) == keys21


def test_every_value_has_exactly_one_cell() -> None:
    paths = [s.path for s in E19.slots]
    assert len(paths) == len(set(paths)) == 22 + 23 * 7 + 15
    report = E19.model.model_validate({"agency": {"name": "某局"}, "year": 2020})
    for path in paths:  # every layout path is a model field
        node = report
        for key in path[:-1]:
            node = getattr(node, key)
        assert path[-1] in type(node).model_fields, path


def test_shared_labels_are_the_2021_ones() -> None:
    """Table 三 and 四, headings, the note and the 2021 table 二 labels are not retyped."""
    assert set(_labels(E19.table("三"))) <= set(_labels(E21.table("三")))
    assert E19.table("四") is E21.table("四")
    assert E19.table("三").header == E21.table("三").header
    assert E19.sections == E21.sections
    new = set(_labels(E19.table("二"))) - set(_labels(E21.table("二")))
    assert new == {"第二十条第（九）项", "本年新制作数量", "本年新公开数量", "对外公开总数量",
                   "上一年项目数量", "本年增/减", "处理决定数量", "采购项目数量", "采购总金额",
                   "规范性文件", "其他对外管理服务事项", "政府集中采购"}


def test_edition2019_source_retypes_no_2021_label() -> None:
    """No string literal of schemas/edition2019.py repeats a 2021 label (labels are defined once)."""
    labels21 = {c.text for t in E21.tables for row in t.rows for c in row if c.text}
    labels21 |= {h for _, h in E21.sections}
    tree = ast.parse(Path(e19.__file__).read_text(encoding="utf-8"))
    literals = {node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    literals.discard(ast.get_docstring(tree, clean=False))
    assert sorted(literals & labels21) == []


def test_2019_labels_are_copied_from_the_spec() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    labels = {c.text for t in E19.tables for row in t.rows for c in row if c.text}
    assert sorted(lab for lab in labels if lab not in spec) == []
    assert e19.EDITION_NAME.startswith("《中华人民共和国政府信息公开工作年度报告格式（试行）》")


# ---- choosing the edition --------------------------------------------------------------------
@pytest.mark.parametrize(("year", "edition"), [(2019, "2019"), (2020, "2019"), (2021, "2021"),
                                               (2024, "2021")])
def test_edition_is_chosen_by_year(year: int, edition: str) -> None:
    assert schemas.edition_for_year(year) == edition
    assert choose_edition({"year": year}, None, "x").id == edition


def test_edition_override(raw: RawReport) -> None:
    data = {k: v for k, v in raw.data.items() if k != "edition"}
    bare = RawReport(data, raw.sources, raw.file)
    assert validate(bare).edition.id == "2019"  # by its year, 2020
    assert validate(bare, edition="2019").edition.id == "2019"
    with pytest.raises(SchemaError):  # 2021 tables have no new_made, other_services …
        validate(bare, edition="2021")
    result = run_cli("check", "--edition", "2019", "--format", "json", EXAMPLE)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["edition"] == "2019"


def test_init_yaml_for_2020_uses_2019(tmp_path: Path) -> None:
    target = tmp_path / "r.yaml"
    assert run_cli("init", "--year", "2020", "--agency", "某局", "-o", target).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith("report-2019.schema.json")
    data = yaml.safe_load(text)
    assert data["edition"] == "2019" and "procurement" in data["table2"]


def test_2022_report_in_2019_tables_is_an_edition_year_error(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(year=2022, published="2023-01-20")
    data["narrative"]["overview"]["proactive"] = "2022年主动公开政府信息111条。"
    data["narrative"]["overview"]["on_request"] = "2022年共办理依申请公开14件。"
    data["narrative"]["overview"]["management"] = "2022年修订政务公开工作制度。"
    data["narrative"]["overview"]["oversight"] = "2022年组织业务培训。"
    data["narrative"]["overview"]["platform"] = "2022年更新网站栏目。"
    source = tmp_path / "edition-year-2019.yaml"
    source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run_cli("check", "--format", "json", source)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["edition"] == "2019"
    errors = [(f["rule"], f["expected"], f["actual"]) for f in doc["findings"]
              if f["severity"] == "error"]
    assert errors == [("EDITION-YEAR", "2021", "2019")]


# ---- rules ------------------------------------------------------------------------------------
def test_rules_that_apply_to_2019() -> None:
    ids = {r.id for r in rules_for("2019") if not r.needs_previous}
    assert ids == {"T3-BALANCE", "T3-ROWSUM", "T3-OUTCOMES", "T4-SUM", "VAL-NONNEG", "BLANK",
                   "LABELS", "SECTIONS", "TEXT-NUMBERS", "TEXT-YEAR", "DEADLINE",
                   "EDITION-YEAR", "T2-2019", "TEXT-CONTROL", "VAL-NUMBER", "VAL-UNIT",
                   "AGENCY-KIND"}
    assert "T2-2019" not in {r.id for r in rules_for("2021")}
    listed = run_cli("rules", "--edition", "2019", "--format", "json")
    assert "T2-2019" in {r["id"] for r in json.loads(listed.stdout)}


def test_example_passes_every_rule(raw: RawReport) -> None:
    assert run_checks(validate(raw)) == []


def _cells(finding) -> list[tuple[str, ...]]:
    return [c.path for c in finding.cells]


def test_t2_2019_fires_naming_the_cells(raw: RawReport) -> None:
    docs = ("table2", "normative_documents")
    found = run_checks(mutated(raw, {docs + ("new_public",): 12}))
    assert [(f.rule, f.severity, _cells(f)) for f in found] == [
        ("T2-2019", "warning", [docs + ("new_made",), docs + ("new_public",)])]
    assert found[0].message.startswith("表二“规范性文件”：本年新公开数量12多于本年新制作数量11")
    assert found[0].cells[1].column == "本年新公开数量"
    assert found[0].cells[1].source.line is not None
    found = run_checks(mutated(raw, {docs + ("total_public",): 5}))
    assert [(f.rule, _cells(f), f.expected, f.actual) for f in found] == [
        ("T2-2019", [docs + ("new_public",), docs + ("total_public",)], "≥ 11", 5)]


def test_change_may_be_negative_but_counts_may_not(raw: RawReport) -> None:
    assert run_checks(mutated(raw, {("table2", "licensing", "change"): -8})) == []
    found = run_checks(mutated(raw, {("table2", "licensing", "previous_items"): -1}))
    assert [(f.rule, _cells(f)) for f in found] == [
        ("VAL-NONNEG", [("table2", "licensing", "previous_items")])]
    found = run_checks(mutated(raw, {("table2", "procurement", "amount"): "-5元"}))
    assert [(f.rule, _cells(f), f.actual) for f in found] == [
        ("VAL-NONNEG", [("table2", "procurement", "amount")], "-5元")]


def test_t3_rules_read_the_single_other_row(raw: RawReport) -> None:
    found = run_checks(mutated(raw, {("table3", "other", "natural"): 1,
                                     ("table3", "other", "total"): 1}))
    assert {f.rule for f in found} == {"T3-OUTCOMES"}
    assert all(("table3", "other", "natural") in _cells(f) or ("table3", "other", "total")
               in _cells(f) for f in found)


# ---- 采购总金额 with its unit ----------------------------------------------------------------------
@pytest.mark.parametrize(("written", "text", "unit"), [
    ("8687.376万元", "8687.376万元", "万元"), ("8,687.376 万元", "8687.376万元", "万元"),
    ("１２３４.５０元", "1234.50元", "元"), ({"value": Decimal("8687.376"), "unit": "万元"},
                                         "8687.376万元", "万元"),
    (0, "0", ""), ("0", "0", ""),
])
def test_amount_keeps_its_unit(raw: RawReport, written, text: str, unit: str) -> None:
    report = mutated(raw, {("table2", "procurement", "amount"): written}).report
    amount = report.table2.procurement.amount
    assert (str(amount), amount.unit) == (text, unit)
    assert amount.amount == Decimal(text.removesuffix(unit))
    assert report.model_dump(mode="json")["table2"]["procurement"]["amount"] == text


@pytest.mark.parametrize("written", [Decimal("8687.376"), "8687.376", "abc", "5美元",
                                     {"value": 1, "unit": "美元"}, True])
def test_amount_without_a_unit_is_refused(raw: RawReport, written) -> None:
    """Refused as that cell's problem (VAL-NUMBER), the rest still checked (issue 19 §8)."""
    checked = mutated(raw, {("table2", "procurement", "amount"): written})
    [message] = checked.unreadable.values()
    assert message.startswith("表二“政府集中采购”行“采购总金额”列")
    assert checked.report.table2.procurement.amount is None


def test_amount_unit_through_convert(tmp_path: Path) -> None:
    book, back = tmp_path / "a.xlsx", tmp_path / "b.yaml"
    assert run_cli("convert", EXAMPLE, book).returncode == 0
    cell = next(c for row in load_workbook(book)["表二"].iter_rows() for c in row
                if c.value == "8687.376万元")
    assert cell.data_type == "s" and cell.number_format == "@"
    assert run_cli("convert", book, back).returncode == 0
    assert 'amount: "8687.376万元"' in back.read_text(encoding="utf-8")
    assert validate(load(back)).report == validate(load(EXAMPLE)).report


def test_workbook_header_may_carry_the_unit(tmp_path: Path) -> None:
    """A clerk's table as real 2019 reports print it: “采购总金额（单位：万元）” over a number."""
    book = tmp_path / "a.xlsx"
    assert run_cli("convert", EXAMPLE, book).returncode == 0
    wb = load_workbook(book)
    ws = wb["表二"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    cells["采购总金额"].value = "采购总金额(单位:万元)"
    amount = cells["8687.376万元"]
    amount.value, amount.number_format = 8687.376, "#,##0.000"
    wb.save(book)
    checked = validate(load(book))
    assert str(checked.report.table2.procurement.amount) == "8687.376万元"
    assert run_checks(checked) == []


def test_init_workbook_for_2020_reads_back(tmp_path: Path) -> None:
    book = tmp_path / "t.xlsx"
    assert run_cli("init", "--year", "2020", "--agency", "某局", "-o", book).returncode == 0
    ws = load_workbook(book)["表二"]
    banners = [str(r) for r in ws.merged_cells.ranges if ws.cell(r.min_row, r.min_col).value
               and str(ws.cell(r.min_row, r.min_col).value).startswith("第二十条")]
    assert len(banners) == 5 and all(r.startswith("A") and ":E" in r for r in banners)
    raw = load(book)
    assert raw.notes == [] and raw.unlocated == set()
    checked = validate(raw, blank_as_zero=True)
    assert checked.edition.id == "2019" and len(checked.zeroed) == len(E19.slots)
    assert {f.rule for f in run_checks(checked)} == {"BLANK", "SECTIONS"}


def test_annotate_marks_t2_2019_cells(tmp_path: Path) -> None:
    book, marked = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run_cli("convert", EXAMPLE, book).returncode == 0
    wb = load_workbook(book)
    ws = wb["表二"]
    label = next(c for row in ws.iter_rows() for c in row if c.value == "规范性文件")
    ws.cell(label.row, label.column + 2).value = 12  # 本年新公开数量 > 本年新制作数量
    wb.save(book)
    result = run_cli("check", book, "--annotate", marked)
    assert result.returncode == 0 and "T2-2019" in result.stdout
    ws = load_workbook(marked)["表二"]
    flagged = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert flagged == {ws.cell(label.row, label.column + 1).coordinate,
                       ws.cell(label.row, label.column + 2).coordinate}


# ---- default sentence --------------------------------------------------------------------------
def test_proactive_sentence_from_the_2019_table(raw: RawReport) -> None:
    maker = proactive_maker(schemas.EDITIONS["2019"])   # chosen by 表二's feature
    assert maker is not None
    checked = mutated(raw, {("narrative", "overview", "proactive"): None,
                            ("table2", "other_services", "change"): -3})
    text = maker(checked)
    assert text == (
        "2020年，本机关没有新制作、新公开或对外公开的规章；新制作规范性文件11件、新公开11件，"
        "对外公开总数36件。行政许可事项上年7项，本年增加4项，作出处理决定2887件；"
        "其他对外管理服务事项上年12项，本年减少3项，作出处理决定9818件；"
        "没有行政处罚、行政强制、行政事业性收费事项。政府集中采购项目8项，采购总金额8687.376万元。")
    doc = compose(checked)
    overview = doc.sections[0].blocks
    assert any(getattr(b, "text", "") == text for b in overview)


# ---- the seed report 004 in all three outputs -----------------------------------------------------
# Every figure of the seed's tables, row by row, as the seed prints them (labels in their
# official full-width form; the scrape lost some blank-looking cells, so some rows are short).
SEED_ROWS: list[tuple[str, str]] = [
    ("二、主动公开政府信息情况", ""),
    ("规章", "0 0 0"), ("规范性文件", "11 11 36"),
    ("行政许可", "7 4 2,887"), ("其他对外管理服务事项", "12 5 9,818"),
    ("行政处罚", "0 0 0"), ("行政强制", "0 0 0"),
    ("行政事业性收费", "0"),
    ("政府集中采购", "8 8,687.376"),
    ("三、收到和处理政府信息公开申请情况", ""),
    ("一、本年新收政府信息公开申请数量", "14 0 0 0 14"),
    ("二、上年结转政府信息公开申请数量", "0 0 0 0 0"),
    ("（一）予以公开", "7 0 0 0 0 0"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "0 0 0 0 0 0"),
    ("1.属于国家秘密", "0 0 0 0 0 0 0"),
    ("2.其他法律行政法规禁止公开", "0 0 0 0 0"),
    ("3.危及“三安全一稳定”", "0 0 0 0 0 0"),
    ("4.保护第三方合法权益", "0 0 0 0"),
    ("5.属于三类内部事务信息", "0 0 0 0"),
    ("6.属于四类过程性信息", "0 0 0 0 0"),
    ("7.属于行政执法案卷", "0 0 0 0 0 0 0"),
    ("8.属于行政查询事项", "0 0 0 0 0 0 0"),
    ("1.本机关不掌握相关政府信息", "7 0 0 0 0 0 7"),
    ("2.没有现成信息需要另行制作", "0 0 0 0 0 0 0"),
    ("3.补正后申请内容仍不明确", "0 0 0 0 0 0 0"),
    ("1.信访举报投诉类申请", "0 0 0 0 0 0 0"),
    ("2.重复申请", "0 0 0 0 0 0 0"),
    ("3.要求提供公开出版物", "0 0 0 0 0 0 0"),
    ("4.无正当理由大量反复申请", "0 0 0 0 0 0 0"),
    ("5.要求行政机关确认或重新出具已获取信息", "0 0 0 0 0 0 0"),
    ("（六）其他处理", "0 0 0 0 0 0 0"),
    ("（七）总计", "14 0 0 0 0 0 14"),
    ("四、结转下年度继续办理", "0 0 0 0 0 0 0"),
    ("四、政府信息公开行政复议、行政诉讼情况", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"),
    ("五、存在的主要问题及改进情况", ""),
]
SEED_HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                 "六、其他需要报告的事项"]
FIGURE = re.compile(r"⟨(\d+(?:\.\d+)?)⟩|(\d+(?:\.\d+)?)(?=万元|元)")


def _width(i: int, label: str) -> int:
    """How many figures row i holds in the built report (the complete, reconstructed row)."""
    if label in ("行政事业性收费", "政府集中采购"):
        return 2
    if not SEED_ROWS[i][1]:
        return 0
    if label.startswith("四、政府信息公开"):
        return 15
    return 3 if i < 9 else 7


def _subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("seed004")
    result = run_cli("build", EXAMPLE, "-o", out)
    assert result.returncode == 0, result.stdout + result.stderr
    files = {p.suffix[1:]: p for p in out.iterdir()}
    assert sorted(files) == ["docx", "html", "pdf"]
    return {"html": html_text(files["html"]), "docx": docx_text(files["docx"]),
            "pdf": pdf_text(files["pdf"])}


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_seed_figures_in_every_output(seed_build: dict[str, str], fmt: str) -> None:
    text = seed_build[fmt]
    assert_in_order(SEED_HEADINGS, text, fmt)
    starts, pos = [], text.find(SEED_ROWS[0][0])
    for label, _ in SEED_ROWS:  # every row label, in table order
        pos = text.find(normalised(label), pos)
        assert pos >= 0, f"{fmt}: row “{label}” missing or out of order"
        starts.append(pos)
        pos += len(normalised(label))
    for i, (label, printed) in enumerate(SEED_ROWS[:-1]):
        segment = text[starts[i] + len(normalised(label)):starts[i + 1]]
        shown = [a or b for a, b in FIGURE.findall(segment)]
        seed = [n.replace(",", "") for n in printed.split()]
        assert len(shown) == _width(i, label), (fmt, label, shown)
        # every figure the seed prints is there, in order (lost cells were filled in)
        assert _subsequence(seed, shown), (fmt, label, seed, shown)
    assert "8687.376万元" in text


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_example_outputs_agree_with_the_document(seed_build: dict[str, str], fmt: str) -> None:
    doc = compose(validate(load(EXAMPLE)))
    assert_in_order(expected_items(doc), seed_build[fmt], fmt)
    for fragment in ("主动发布信息111条", "主动发布信息311条", "共办理依申请公开14件", "网上依申请公开6件",
                     "书面依申请公开8件", "控制在90天", "仅需要4天"):
        assert fragment in seed_build[fmt], (fmt, fragment)
