"""The findings a clerk reads (issue 19 §6–11): blanks grouped per table, the root cell of
several broken sums first and marked darker, "356件" read with its unit and "约356" as one
cell's problem, a 2019 file with 2021 keys as one EDITION-YEAR error, an assumed 机关类型
said, and no command-line option in what the workbook and the preview show."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

from conftest import COUNTY, run_cli
from nianbao.write.annotate import FILLS, ROOT_FILL
from openpyxl import load_workbook


@functools.cache
def _county_book() -> bytes:
    """The county example converted to a workbook, once per test process (`nianbao convert`
    is a subprocess of ~1.5 s; the tests below differ only in the cells they retype)."""
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "年报数据.xlsx"
        assert run_cli("convert", COUNTY, book).returncode == 0
        return book.read_bytes()


def _book(tmp_path: Path, changes: dict[tuple[str, str], object], name: str = "年报数据.xlsx"
          ) -> Path:
    """The county example as a workbook with some cells retyped."""
    book = tmp_path / name
    book.write_bytes(_county_book())
    wb = load_workbook(book)
    for (sheet, address), value in changes.items():
        wb[sheet][address] = value
    wb.save(book)
    return book


def _json(path: Path) -> dict:
    return json.loads(run_cli("check", "--format", "json", path).stdout)


def test_a_blank_workbook_is_one_finding_per_table(tmp_path: Path) -> None:
    book = tmp_path / "年报数据.xlsx"
    assert run_cli("init", "--year", "2024", "--agency", "某某县交通运输局", "-o", book
                   ).returncode == 0
    human = run_cli("check", book)
    assert human.returncode == 1
    lines = human.stdout.splitlines()
    assert [line for line in lines if "BLANK" in line] == [
        f"错误 BLANK 表二的10个单元格都没有填写：请填入数字（没有发生的填0）（{book} 工作表“表二” B5:D16，共10格）",
        f"错误 BLANK 表三的175个单元格都没有填写：请填入数字（没有发生的填0）（{book} 工作表“表三” D6:J30，共175格）",
        f"错误 BLANK 表四的15个单元格都没有填写：请填入数字（没有发生的填0）（{book} 工作表“表四” A6:O6，共15格）"]
    assert len(lines) < 20  # was 412
    # the option is offered once, on the command line only
    assert sum("--blank-as-zero" in line for line in lines) == 1
    doc = _json(book)
    cells = [c for f in doc["findings"] if f["rule"] == "BLANK" for c in f["cells"]]
    assert len(cells) == 200 and len({(c["source"]["sheet"], c["source"]["cell"]) for c in cells}) == 200


def test_some_blanks_name_their_rows_and_each_cell_is_marked(tmp_path: Path) -> None:
    book = _book(tmp_path, {("表三", a): None for a in ("D8", "E8", "F8", "G8", "H8", "I8", "J8",
                                                       "D12")} | {("表三", "E14"): "—"})
    [blank] = [f for f in _json(book)["findings"] if f["rule"] == "BLANK"]
    assert blank["message"] == (
        "表三有9个单元格没有填写（填的是“—”）：“三、本年度办理结果 / （一）予以公开”行整行；"
        "“三、本年度办理结果 / （三）不予公开 / 3.危及“三安全一稳定””行的“自然人”列；"
        "“三、本年度办理结果 / （三）不予公开 / 5.属于三类内部事务信息”行的“法人或其他组织 / 商业企业”列。"
        "请填入数字（没有发生的填0）")
    marked = tmp_path / "标注.xlsx"
    run_cli("check", book, "--annotate", marked)
    ws = load_workbook(marked)["表三"]
    for address in ("D8", "J8", "D12", "E14"):
        assert ws[address].comment.text == "错误 BLANK：此格没有填写：请填入数字（没有发生的填0）"
        assert ws[address].fill.start_color.rgb.endswith(FILLS["error"])


def test_the_root_cell_comes_first_and_is_marked_darker(tmp_path: Path) -> None:
    book = _book(tmp_path, {("表三", "J29"): 48})  # （七）总计 / 总计 mistyped: 38 → 48
    doc = _json(book)
    assert [f["rule"] for f in doc["findings"]] == ["T3-ROWSUM", "T3-OUTCOMES", "T3-BALANCE"]
    assert {f["root"]["source"]["cell"] for f in doc["findings"]} == {"J29"}
    human = run_cli("check", book).stdout
    assert (f"▲ 很可能是这一格填错了：表三“三、本年度办理结果 / （七）总计”行“总计”列 = 48"
            f"（{book} 工作表“表三” J29）；改正它，这里和下面共3项检查都会通过") in human
    # an addend: its row's sum first, then its column's
    addend = _book(tmp_path, {("表三", "D8"): 41}, "addend.xlsx")
    found = _json(addend)["findings"]
    assert [(f["rule"], f["root"]["source"]["cell"]) for f in found] == [
        ("T3-ROWSUM", "D8"), ("T3-OUTCOMES", "D8")]
    marked = tmp_path / "标注.xlsx"
    run_cli("check", addend, "--annotate", marked)
    ws = load_workbook(marked)["表三"]
    assert ws["D8"].fill.start_color.rgb.endswith(ROOT_FILL)
    assert ws["D8"].comment.text.startswith("很可能是这一格填错了：下面2项检查都因它不通过")
    assert ws["E8"].fill.start_color.rgb.endswith(FILLS["error"])  # merely involved


def test_two_separate_mistakes_have_no_root(tmp_path: Path) -> None:
    book = _book(tmp_path, {("表三", "D8"): 15, ("表四", "E6"): 9})
    found = _json(book)["findings"]
    assert [f["rule"] for f in found] == ["T3-ROWSUM", "T3-OUTCOMES", "T4-SUM"]
    # D8 explains both 表三 findings; 表四's total stands in one equation only
    assert [f.get("root", {}).get("source", {}).get("cell") for f in found] == ["D8", "D8", None]


def test_a_unit_is_taken_off_and_a_word_is_one_cells_error(tmp_path: Path) -> None:
    book = _book(tmp_path, {("表二", "B9"): "1286件", ("表二", "B12"): "约342",
                            ("表四", "E6"): 9})
    result = run_cli("check", "--format", "json", book)
    assert result.returncode == 1, result.stderr  # not 2: the file is read
    found = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert set(found) == {"VAL-NUMBER", "VAL-UNIT", "T4-SUM"}  # the rest is still checked
    number = found["VAL-NUMBER"]
    assert number["message"] == ("表二“行政处罚”行“本年处理决定数量”列：应为整数件数，“约342”不是数字，"
                                 "请只填阿拉伯数字（如 356）")
    assert [(c["source"]["cell"], c["value"]) for c in number["cells"]] == [("B12", "约342")]
    unit = found["VAL-UNIT"]
    assert (unit["severity"], unit["message"]) == (
        "info", ("表二“行政许可”行“本年处理决定数量”列填的是“1286件”：已去掉单位“件”，按1286读取；"
        "表格中只填数字即可"))
    assert "BLANK" not in found  # an unreadable figure is not also a blank
    built = run_cli("build", _book(tmp_path, {("表二", "B9"): "1286件"}, "unit.xlsx"),
                    "-o", tmp_path / "out", "--format", "html")
    assert built.returncode == 0, built.stderr
    assert "1286" in next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")


def test_amount_unit_and_ambiguous_units(tmp_path: Path) -> None:
    text = COUNTY.read_text(encoding="utf-8")
    assert "administrative_fees: {amount: 0}" in text
    for typed, rule in (("12.34万元", "VAL-UNIT"), ("12.34元", "VAL-NUMBER"),
                        ("123400元", "VAL-NUMBER"), ("12件", "VAL-NUMBER")):
        path = tmp_path / "r.yaml"
        path.write_text(text.replace("administrative_fees: {amount: 0}",
                                     f"administrative_fees: {{amount: {typed}}}"),
                        encoding="utf-8")
        assert [f["rule"] for f in _json(path)["findings"]] == [rule], typed


def test_a_2019_yaml_with_2021_keys_is_one_edition_year_error(tmp_path: Path) -> None:
    lines = [line for line in COUNTY.read_text(encoding="utf-8").splitlines()
             if not line.startswith("edition:")]
    path = tmp_path / "2019.yaml"
    path.write_text("\n".join(lines).replace("year: 2024", "year: 2019") + "\n", encoding="utf-8")
    result = run_cli("check", path)
    assert result.returncode == 1, result.stderr
    assert "未知的键" not in result.stdout + result.stderr
    doc = _json(path)
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["message"]) for f in errors] == [
        ("EDITION-YEAR", "2019年度的报告应使用2019年格式，但本报告使用的是2021年格式的表格")]
    table2 = next(n for n, line in enumerate(lines, 1) if line.startswith("table2"))
    assert errors[0]["source"]["key"] == "table2"   # its first line of keys
    assert errors[0]["source"]["line"] == table2 + 1


def test_an_assumed_agency_kind_is_said(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("\n".join(line for line in COUNTY.read_text(encoding="utf-8").splitlines()
                              if "kind:" not in line) + "\n", encoding="utf-8")
    [info] = _json(path)["findings"]
    assert (info["rule"], info["severity"], info["message"]) == (
        "AGENCY-KIND", "info", ("没有写明机关类型，已按“县级以上人民政府部门”检查（法定发布期限为2025年1月31日）；"
        "如为本级人民政府或乡镇人民政府、街道办事处，请写明机关类型"))
    book = _book(tmp_path, {})
    ws_cell = next(c for row in load_workbook(book)["基本信息"].iter_rows() for c in row
                   if c.value == "县级以上人民政府部门")
    blanked = _book(tmp_path, {("基本信息", ws_cell.coordinate): None}, "blank-kind.xlsx")
    [info] = _json(blanked)["findings"]
    assert info["rule"] == "AGENCY-KIND"
    assert info["source"]["cell"] == ws_cell.coordinate
    assert _json(COUNTY)["findings"] == []  # given: nothing said


def test_what_the_workbook_and_preview_show_names_no_option(tmp_path: Path) -> None:
    book = _book(tmp_path, {("表三", "D8"): None, ("表三", "E8"): None, ("表四", "A6"): None})
    marked = tmp_path / "标注.xlsx"
    run_cli("check", book, "--annotate", marked)
    comments = [c.comment.text for ws in load_workbook(marked).worksheets
                for row in ws.iter_rows() for c in row if c.comment]
    assert comments and not any("--" in text for text in comments)
    # the preview shows the findings' messages (the JSON of check)
    assert not any("--" in f["message"] for f in _json(book)["findings"])
