"""The xlsx reader: tables found by their labels wherever they are, values as clerks type them,
every value located by sheet and cell, garbage refused with a Chinese message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli, soffice_convert
from openpyxl import Workbook
from xlsx_builders import (
    COUNTY,
    SKIP,
    T2,
    T3,
    T4,
    county_data,
    get,
    one_sheet,
    put_table,
    save,
    table_values,
    writer_style,
)

from nianbao.checks import run_checks
from nianbao.errors import LoadError, SchemaError
from nianbao.load import LabelNote, RawReport, load
from nianbao.provenance import Source
from nianbao.validate import validate
from nianbao.schemas import edition2021 as e21

SAVE_AS = "请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试"
NOTE_PATHS_IN_FORCE = (("table2", "regulations", "in_force"),
                       ("table2", "normative_documents", "in_force"))


def errors(raw: RawReport) -> list[tuple[str, str]]:
    """(rule, message) of the error findings of a workbook."""
    return [(f.rule, f.message) for f in run_checks(validate(raw)) if f.severity == "error"]


def assert_county_tables(raw: RawReport) -> None:
    """Every table value equals the county example's figure."""
    for path, expected in table_values().items():
        assert get(raw.data, path) == expected, path


def load_error(path: Path) -> str:
    with pytest.raises(LoadError) as caught:
        load(path)
    return str(caught.value)


# ---- layouts ---------------------------------------------------------------------------------
def test_writer_style_workbook_reads_as_the_yaml_example(tmp_path: Path) -> None:
    path = save(writer_style(), tmp_path / "county.xlsx")
    raw = load(path)
    county = load(COUNTY)
    assert raw.data == county.data
    assert validate(raw).report == validate(county).report
    assert errors(raw) == []
    assert (raw.notes, raw.unlocated, raw.zero_spellings) == ([], set(), {})
    src = raw.sources.by_path
    assert src[("table3", "new", "natural")] == Source(str(path), sheet="表三", cell="D6")
    assert src[("table3", "carry_out", "total")] == Source(str(path), sheet="表三", cell="J30")
    assert src[("table2", "administrative_fees", "amount")] == Source(str(path), sheet="表二",
                                                                       cell="B16")
    assert src[("table4", "litigation_after_review", "total")] == Source(
        str(path), sheet="表四", cell="O6")
    assert src[("agency", "name")] == Source(str(path), sheet="基本信息", cell="B3")
    assert src[("narrative", "problems")] == Source(str(path), sheet="正文", cell="B8")


def test_all_tables_on_one_sheet_under_a_title_line(tmp_path: Path) -> None:
    wb, where = one_sheet()
    path = save(wb, tmp_path / "one.xlsx")
    raw = load(path)
    assert raw.data["agency"] == {"name": "某某县交通运输局"}
    assert raw.data["year"] == 2024
    assert raw.sources.by_path[("year",)] == Source(str(path), sheet="年报", cell="A1")
    assert_county_tables(raw)
    assert {p: s.cell for p, s in raw.sources.by_path.items() if p in where} == where
    assert "narrative" not in raw.data
    # a workbook of tables only is valid input for check: only the narrative is missing
    assert {rule for rule, _ in errors(raw)} == {"SECTIONS"}


def test_one_table_per_sheet_shifted_by_blank_rows_and_columns(tmp_path: Path) -> None:
    values = table_values()
    wb = Workbook()
    wb.active.title = "说明"
    wb.active["B2"] = "中共某某县委办公室（县政府办公室）2024年度政府信息公开工作年度报告"
    put_table(wb.create_sheet("主动公开"), T2, values, top=2, left=2,
              blank_rows_after={0, 6}, blank_cols_after={0})
    put_table(wb.create_sheet("依申请"), T3, values, top=5, left=3,
              blank_rows_after={5}, blank_cols_after={2})
    put_table(wb.create_sheet("复议诉讼"), T4, values, top=4, left=2,
              blank_rows_after={2}, blank_cols_after={4})
    path = save(wb, tmp_path / "shifted.xlsx")
    raw = load(path)
    assert raw.data["agency"] == {"name": "中共某某县委办公室（县政府办公室）"}
    assert_county_tables(raw)
    cell = {p: (s.sheet, s.cell) for p, s in raw.sources.by_path.items()}
    # 表三 from C5: header rows 5–7, 一、 in row 8; a blank column F before the figures
    assert cell[("table3", "new", "natural")] == ("依申请", "G8")
    assert cell[("table3", "partial", "total")] == ("依申请", "M12")  # below the blank row 11
    assert cell[("table2", "regulations", "issued")] == ("主动公开", "D5")
    assert cell[("table2", "administrative_fees", "amount")] == ("主动公开", "D17")
    assert cell[("table4", "review", "upheld")] == ("复议诉讼", "B8")
    assert cell[("table4", "litigation_direct", "upheld")] == ("复议诉讼", "H8")
    assert raw.notes == []


def test_table4_without_merges_and_review_leaves_in_the_second_header_row(
        tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["F1"] = "行政复议", "行政诉讼"
    ws["F2"], ws["K2"] = "未经复议直接起诉", "复议后起诉"
    leaves = [t for _, t in e21.T4_COLUMNS]
    for c, text in enumerate(leaves * 3, start=1):
        ws.cell(3, c, text)
    figures = list(range(1, 16))
    for c, n in enumerate(figures, start=1):
        ws.cell(4, c, n)
    put_table(wb.create_sheet("表二三"), T2, table_values())
    put_table(wb["表二三"], T3, table_values(), top=20)
    raw = load(save(wb, tmp_path / "t4.xlsx"))
    got = [get(raw.data, s.path) for s in T4.slots]
    assert got == figures
    assert raw.sources.by_path[("table4", "litigation_after_review", "total")].cell == "O4"
    assert raw.notes == []


def test_label_variants_are_matched_and_typos_reported(tmp_path: Path) -> None:
    values = table_values()
    labels = {e21.T3_GRANTED: "(一)予以公开", e21.T3_NEW: "一、本年新收政府信息\n公开申请数量",
              "本年制发件数": " 本年 制发件数 ", "现行有效件数": "现行有效件",
              "4.保护第三方合法权益": "4、保护第三人合法权益",
              "3.危及“三安全一稳定”": "3.危及\"三安全一稳定\"", "1.属于国家秘密": "１．属于国家秘密"}
    wb = Workbook()
    wb.remove(wb.active)
    for layout in (T2, T3, T4):
        ws = wb.create_sheet(f"表{layout.table_id}")
        ws["A1"] = layout.heading
        put_table(ws, layout, values, top=3, labels=labels)
    path = save(wb, tmp_path / "labels.xlsx")
    raw = load(path)
    assert_county_tables(raw)
    third = tuple(("table3", "denied", "third_party", c) for c, _ in e21.T3_COLUMNS)
    assert raw.notes == [
        LabelNote("现行有效件数", "现行有效件", Source(str(path), sheet="表二", cell="D4"),
                  NOTE_PATHS_IN_FORCE),
        LabelNote("4.保护第三方合法权益", "4、保护第三人合法权益",
                  Source(str(path), sheet="表三", cell="C13"), third),
    ]
    raw.data["agency"], raw.data["year"] = {"name": "某某县交通运输局"}, 2024
    findings = run_checks(validate(raw))
    labels_found = {(f.severity, str(f.where)) for f in findings if f.rule == "LABELS"}
    assert labels_found == {("warning", str(n.where)) for n in raw.notes}
    assert not [f for f in findings if f.severity == "error" and f.rule != "SECTIONS"]


def test_a_missing_row_label_leaves_its_row_unlocated(tmp_path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for layout in (T2, T3, T4):
        put_table(wb.create_sheet(f"表{layout.table_id}"), layout, table_values(), top=3,
                  labels={"2.重复申请": None})
    path = save(wb, tmp_path / "missing-row.xlsx")
    raw = load(path, agency="某某县交通运输局", year=2024)
    repeated = tuple(("table3", "not_processed", "repeated", c) for c, _ in e21.T3_COLUMNS)
    assert raw.unlocated == set(repeated)
    # reported where the label should be: between 1.信访… (row 21) and 3.要求… (row 23)
    assert raw.notes == [LabelNote("2.重复申请", None, Source(str(path), sheet="表三",
                                                             cell="C22"), repeated)]
    assert all(get(raw.data, p) is None for p in repeated)
    found = [(f.rule, f.severity) for f in run_checks(validate(raw)) if f.rule in
             ("LABELS", "BLANK")]
    assert found == [("LABELS", "error")]


def test_numbers_written_as_text(tmp_path: Path) -> None:
    values = table_values() | {
        ("table2", "licensing", "decisions"): "1,286",
        ("table3", "granted", "natural"): "１４",
        ("table3", "partial", "natural"): " 3 ",
        ("table3", "new", "natural"): 31.0,
        ("table2", "administrative_fees", "amount"): "８,６８７.３７６",
    }
    raw = load(save(writer_style(values=values), tmp_path / "text.xlsx"))
    assert get(raw.data, ("table2", "licensing", "decisions")) == 1286
    assert get(raw.data, ("table3", "granted", "natural")) == 14
    assert get(raw.data, ("table3", "partial", "natural")) == 3
    new = get(raw.data, ("table3", "new", "natural"))
    assert (new, type(new)) == (31, int)
    amount = get(raw.data, ("table2", "administrative_fees", "amount"))
    assert (amount, str(amount)) == (Decimal("8687.376"), "8687.376")
    assert errors(raw) == []


def test_amounts_keep_the_decimals_their_format_shows(tmp_path: Path) -> None:
    wb = writer_style()
    ws = wb["表二"]
    ws["B16"], ws["B16"].number_format = 12.34, "#,##0.0000"
    raw = load(save(wb, tmp_path / "amount.xlsx"))
    amount = get(raw.data, ("table2", "administrative_fees", "amount"))
    assert (type(amount), str(amount)) == (Decimal, "12.3400")


def test_text_in_a_value_cell_is_a_located_finding(tmp_path: Path) -> None:
    values = table_values() | {("table3", "new", "natural"): "三十一"}
    path = save(writer_style(values=values), tmp_path / "word.xlsx")
    [found] = [f for f in run_checks(validate(load(path))) if f.severity == "error"]
    assert (found.rule, found.message) == (
        "VAL-NUMBER", "表三“一、本年新收政府信息公开申请数量”行“自然人”列：应为整数件数，"
        "“三十一”不是数字，请只填阿拉伯数字（如 356）")
    assert [(c.source.sheet, c.source.cell, c.value) for c in found.cells] == [
        ("表三", "D6", "三十一")]


# ---- formulas -------------------------------------------------------------------------------
def test_plain_sums_without_cached_values_are_computed(tmp_path: Path) -> None:
    wb = writer_style()
    t3, t4 = wb["表三"], wb["表四"]
    t3["J6"] = "=SUM(D6:I6)"
    t3["J29"] = "=J6"  # a formula referring to a formula
    t3["J30"] = "='表三'!$J$7"
    t3["J8"] = "=SUM(D8,E8:F8, G8:I8)"
    t4["E6"] = "=A6+B6+C6+D6"
    t4["O6"] = "=SUM(K6:N6)+0"
    raw = load(save(wb, tmp_path / "sums.xlsx"))
    assert_county_tables(raw)
    total = get(raw.data, ("table3", "new", "total"))
    assert (total, type(total)) == (38, int)
    assert errors(raw) == []


def test_other_formulas_without_cached_values_are_errors_naming_their_cells(
        tmp_path: Path) -> None:
    wb = writer_style()
    wb["表三"]["J6"] = "=AVERAGE(D6:I6)"
    wb["表三"]["J7"] = "=J7+1"
    wb["表四"]["E6"] = "=A6*2"
    wb["表四"]["J6"] = "=F6+G6+基本信息!A1"
    path = save(wb, tmp_path / "bad.xlsx")
    message = load_error(path)
    unsupported = "没有计算结果，nianbao 只能计算求和公式：请在 Excel/WPS 中打开并保存一次，或直接填写数字"
    assert message.splitlines() == [
        (f"{path} 工作表“表三” J6：表三“一、本年新收政府信息公开申请数量”行“总计”列："
         f"公式“=AVERAGE(D6:I6)”{unsupported}"),
        (f"{path} 工作表“表三” J7：表三“二、上年结转政府信息公开申请数量”行“总计”列："
         "公式“=J7+1”循环引用了自身，无法计算：请改正公式，或直接填写数字"),
        f"{path} 工作表“表四” E6：表四“行政复议 / 总计”列：公式“=A6*2”{unsupported}",
        (f"{path} 工作表“表四” J6：表四“行政诉讼 / 未经复议直接起诉 / 总计”列："
         "公式“=F6+G6+基本信息!A1”引用的单元格 “基本信息”!A1 不是数字（“项目”），"
         "无法计算：请改正该单元格，或直接填写数字"),
    ]


def test_a_formula_problem_in_a_referenced_cell_names_that_cell(tmp_path: Path) -> None:
    wb = writer_style()
    wb["表三"]["J6"] = "=SUM(D6:I6)+K6"
    wb["表三"]["K6"] = "=MAX(D6:I6)"
    path = save(wb, tmp_path / "inner.xlsx")
    assert load_error(path) == (f"{path} 工作表“表三” K6：公式“=MAX(D6:I6)”没有计算结果，"
                                "nianbao 只能计算求和公式：请在 Excel/WPS 中打开并保存一次，"
                                "或直接填写数字")


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook with formulas saved by LibreOffice, which stores their computed values."""
    tmp = tmp_path_factory.mktemp("lo")
    wb = writer_style()
    wb["表三"]["J6"] = "=IF(1,38,0)"  # nianbao cannot compute this: the cached 38 must be used
    wb["表四"]["E6"] = "=SUM(A6:D6)"
    wb["表二"]["B16"] = "=ROUND(12.34,2)"
    wb["表二"]["B16"].number_format = "0.0000"
    src = save(wb, tmp / "formulas.xlsx")
    out = tmp / "out"
    out.mkdir()
    return soffice_convert(src, out, "xlsx")


def test_cached_formula_values_are_used(recalculated: Path) -> None:
    raw = load(recalculated)
    fee = ("table2", "administrative_fees", "amount")
    for path, expected in table_values().items():
        assert path == fee or get(raw.data, path) == expected, path
    assert raw.notes == []
    assert get(raw.data, ("table3", "new", "total")) == 38
    assert get(raw.data, ("table4", "review", "total")) == 1
    amount = get(raw.data, ("table2", "administrative_fees", "amount"))
    assert (type(amount), str(amount)) == (Decimal, "12.3400")
    assert raw.sources.by_path[("table3", "new", "total")].cell == "J6"


# ---- blanks ---------------------------------------------------------------------------------
def test_blank_cells_and_spellings_of_zero(tmp_path: Path) -> None:
    values = table_values() | {
        ("table3", "new", "research"): SKIP,
        ("table3", "denied", "state_secret", "natural"): "—",
        ("table3", "denied", "prohibited_by_law", "natural"): "无",
        ("table4", "litigation_direct", "upheld"): " / ",
    }
    raw = load(save(writer_style(values=values), tmp_path / "blank.xlsx"))
    spelled = {("table3", "denied", "state_secret", "natural"): "—",
               ("table3", "denied", "prohibited_by_law", "natural"): "无",
               ("table4", "litigation_direct", "upheld"): "/"}
    assert raw.zero_spellings == spelled
    for path in [("table3", "new", "research"), *spelled]:
        assert get(raw.data, path) is None
    blank = [f for f in run_checks(validate(raw)) if f.rule == "BLANK"]  # one per table
    assert [[(c.path, c.source.cell) for c in f.cells] for f in blank] == [
        [(("table3", "new", "research"), "F6"),
         (("table3", "denied", "state_secret", "natural"), "D10"),
         (("table3", "denied", "prohibited_by_law", "natural"), "D11")],
        [(("table4", "litigation_direct", "upheld"), "F6")]]
    assert blank[0].message.startswith("表三有3个单元格没有填写（填的是“—”“无”）：")
    assert "（填的是“/”）" in blank[1].message
    assert validate(raw, blank_as_zero=True).report == validate(load(COUNTY)).report


# ---- 基本信息 ---------------------------------------------------------------------------------
def test_info_sheet_fields_found_by_title_with_short_titles_and_text_dates(
        tmp_path: Path) -> None:
    wb = writer_style(info=False, narrative=False)
    ws = wb.create_sheet("基本信息", 0)
    ws["B2"], ws["D2"] = "机关名称", "某某县交通运输局"
    ws["B3"], ws["C3"] = "年度", "２０２４年"
    ws["B4"], ws["E4"] = "发布日期", "2025年1月20日"
    ws["B5"], ws["C5"] = "是否打印落款", "否"
    ws["B6"], ws["C6"] = "落款", "某某县交通运输局办公室"
    ws["B7"], ws["C7"] = "落款日期", dt.datetime(2025, 1, 21)
    ws["B8"], ws["D8"], ws["E8"] = "联系方式", "政府信息公开网址", "www.moumou.gov.cn"
    ws["B9"], ws["C9"] = "实际收取金额（元）", "1,200.50"
    path = save(wb, tmp_path / "info.xlsx")
    raw = load(path)
    assert raw.data["agency"] == {"name": "某某县交通运输局", "website": "www.moumou.gov.cn"}
    assert raw.data["year"] == 2024
    assert raw.data["published"] == dt.date(2025, 1, 20)
    assert raw.data["signature"] == {"show": False, "name": "某某县交通运输局办公室",
                                     "date": dt.date(2025, 1, 21)}
    assert raw.data["fees"] == {"amount_collected": Decimal("1200.50")}
    src = raw.sources.by_path
    assert (src[("agency", "name")].cell, src[("published",)].cell) == ("D2", "E4")
    assert src[("agency", "contact")] == Source(str(path), sheet="基本信息", cell="C8")
    assert "contact" not in raw.data["agency"]
    assert raw.sources.by_path[("agency", "website")].cell == "E8"


# ---- garbage ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "said"), [
    (b"agency: x\nyear: 2024\n", f"不是有效的 xlsx 工作簿（文件内容是纯文本）：{SAVE_AS}"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", f"不是有效的 xlsx 工作簿（文件内容是 PDF 文档）：{SAVE_AS}"),
    (b"", f"不是有效的 xlsx 工作簿（文件是空的）：{SAVE_AS}"),
    (b"PK\x03\x04 broken", f"不是有效的 xlsx 工作簿（文件已损坏，压缩包无法打开）：{SAVE_AS}"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "Workbook".encode("utf-16-le"),
     f"这是旧版 Excel（.xls）文件，只是扩展名为 .xlsx：{SAVE_AS}"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
     + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"),
     "工作簿设置了打开密码：请在 Excel/WPS 中取消密码后另存再试"),
])
def test_garbage_is_refused_with_a_chinese_message(tmp_path: Path, content: bytes,
                                                   said: str) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(content)
    assert load_error(path) == f"{path}：{said}"


def test_a_word_document_renamed_xlsx(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "report.xlsx"
    docx.Document().save(str(path))
    assert load_error(path) == f"{path}：不是有效的 xlsx 工作簿（这是 Word 文档，不是表格）：{SAVE_AS}"


def test_table_three_not_found(tmp_path: Path) -> None:
    wb = writer_style()
    del wb["表三"]
    path = save(wb, tmp_path / "no-t3.xlsx")
    assert load_error(path) == (
        f"{path}：找不到表三（收到和处理政府信息公开申请情况）：在各工作表中查找了"
        "“一、本年新收政府信息公开申请数量”“申请人情况”“自然人”等标签，均未找到，请按正式表格格式填写该表")


def test_cli_exit_codes_for_workbooks(tmp_path: Path) -> None:
    good = save(writer_style(), tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    ok = run_cli("check", good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    refused = run_cli("check", bad)
    assert refused.returncode == 2
    assert "不是有效的 xlsx 工作簿" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr


def test_values_equal_the_county_example_in_every_layout(tmp_path: Path) -> None:
    """The same figures, laid out three ways, read back identically."""
    data: list[dict[str, Any]] = []
    for i, wb in enumerate((writer_style(), one_sheet()[0],
                            writer_style(info=False, narrative=False))):
        raw = load(save(wb, tmp_path / f"{i}.xlsx"))
        data.append({k: raw.data[k] for k in ("table2", "table3", "table4")})
    county = county_data()
    assert all(d == {k: county[k] for k in ("table2", "table3", "table4")} for d in data)


def test_a_header_beyond_a_typo_leaves_its_column_unlocated(tmp_path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for layout in (T2, T3, T4):
        put_table(wb.create_sheet(f"表{layout.table_id}"), layout, table_values(), top=3,
                  labels={"商业企业": "商企"})
    path = save(wb, tmp_path / "missing-column.xlsx")
    raw = load(path)
    commercial = tuple(s.path for s in T3.slots if s.path[-1] == "commercial")
    assert len(commercial) == 25
    assert raw.unlocated == set(commercial)
    assert raw.notes == [LabelNote("商业企业", None, Source(str(path), sheet="表三", cell="A3"),
                                   commercial)]
