"""Clerks' workbooks end to end: init → fill → check/build, annotate, convert both ways, and a
round trip through LibreOffice (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from conftest import COUNTY, EXAMPLES, run_cli, soffice_convert
from nianbao.load import load
from nianbao.validate import validate

VALID = sorted(EXAMPLES.glob("*.yaml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))


def model(path: Path):
    """The validated report model of a file (YAML or workbook)."""
    return validate(load(path)).report


def convert(src: Path, dest: Path) -> None:
    result = run_cli("convert", src, dest)
    assert result.returncode == 0, result.stderr
    assert dest.is_file()


@pytest.mark.parametrize("example", VALID + INVALID, ids=lambda p: p.stem)
def test_yaml_to_xlsx_to_yaml_is_lossless(example: Path, tmp_path: Path) -> None:
    convert(example, tmp_path / "a.xlsx")
    convert(tmp_path / "a.xlsx", tmp_path / "b.yaml")
    assert model(tmp_path / "a.xlsx") == model(example)
    assert model(tmp_path / "b.yaml") == model(example)
    # and back again: the workbook written from the YAML reads the same
    convert(tmp_path / "b.yaml", tmp_path / "c.xlsx")
    assert model(tmp_path / "c.xlsx") == model(tmp_path / "a.xlsx")


def test_convert_refuses_to_overwrite_and_bad_input(tmp_path: Path) -> None:
    target = tmp_path / "a.xlsx"
    convert(COUNTY, target)
    again = run_cli("convert", COUNTY, target)
    assert again.returncode == 2 and "已存在" in again.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("agency: {name: 某局}\nyear: 2024\ntable9: {}\n", encoding="utf-8")
    result = run_cli("convert", broken, tmp_path / "x.xlsx")
    assert result.returncode == 2 and "未知的键“table9”" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def _fill_like_a_clerk(book: Path, example: Path) -> None:
    """Type an example's figures and text into an init workbook, cell by cell."""
    reference = load_workbook(_converted(example, book.parent))
    wb = load_workbook(book)
    for ws in wb.worksheets:
        for row in reference[ws.title].iter_rows():
            for cell in row:
                target = ws[cell.coordinate]
                if cell.value is not None and not isinstance(target, MergedCell):
                    target.value = cell.value
    wb.save(book)


def _converted(example: Path, folder: Path) -> Path:
    out = folder / f"{example.stem}-converted.xlsx"
    if not out.exists():
        convert(example, out)
    return out


def test_init_workbook_filled_then_checked_and_built(tmp_path: Path) -> None:
    book = tmp_path / "年报数据.xlsx"
    result = run_cli("init", "--year", "2024", "--agency", "某某县交通运输局", "-o", book)
    assert result.returncode == 0, result.stderr
    empty = json.loads(run_cli("check", "--format", "json", book).stdout)
    blanks = [f for f in empty["findings"] if f["rule"] == "BLANK"]  # one per table
    assert [f["message"] for f in blanks] == [
        "表二的10个单元格都没有填写：请填入数字（没有发生的填0）",
        "表三的175个单元格都没有填写：请填入数字（没有发生的填0）",
        "表四的15个单元格都没有填写：请填入数字（没有发生的填0）"]
    assert [c["source"]["cell"] for c in blanks[0]["cells"]][:3] == ["B5", "C5", "D5"]
    assert {c["source"]["sheet"] for c in blanks[1]["cells"]} == {"表三"}
    _fill_like_a_clerk(book, COUNTY)
    filled = json.loads(run_cli("check", "--format", "json", book).stdout)
    assert filled["summary"] == {"errors": 0, "warnings": 0, "infos": 0}
    out = tmp_path / "out"
    built = run_cli("build", book, "-o", out, "--format", "html,docx")
    assert built.returncode == 0, built.stderr
    html = (out / "某某县交通运输局2024年政府信息公开工作年度报告.html").read_text(encoding="utf-8")
    assert "1286" in html and "（七）总计" in html


def test_check_json_names_sheet_and_cell(tmp_path: Path) -> None:
    book = tmp_path / "t4.xlsx"
    convert(EXAMPLES / "invalid" / "t4-sum.yaml", book)
    doc = json.loads(run_cli("check", "--format", "json", book).stdout)
    (finding,) = doc["findings"]
    cell = finding["cells"][0]
    assert cell["row"] == "" and cell["column"] == "行政复议 / 结果维持" and cell["value"] == 1
    assert set(cell["source"]) == {"file", "sheet", "cell"} and cell["source"]["sheet"] == "表四"
    human = run_cli("check", book).stdout
    assert f"（{book} 工作表“表四” {cell['source']['cell']}）" in human


def test_annotate_marks_cells_with_comment_and_colour(tmp_path: Path) -> None:
    book = tmp_path / "t3.xlsx"
    convert(EXAMPLES / "invalid" / "t3-balance.yaml", book)
    before = book.read_bytes()
    marked = tmp_path / "标注.xlsx"
    result = run_cli("check", book, "--annotate", marked)
    assert result.returncode == 1
    assert "已生成" in result.stdout and book.read_bytes() == before
    doc = json.loads(run_cli("check", "--format", "json", book).stdout)
    wb = load_workbook(marked)
    for finding in doc["findings"]:
        for cell in finding["cells"]:
            target = wb[cell["source"]["sheet"]][cell["source"]["cell"]]
            assert "T3-BALANCE" in target.comment.text
            assert target.fill.start_color.rgb.endswith("FFC7CE")
    untouched = wb["表三"]
    assert sum(1 for row in untouched.iter_rows() for c in row if c.comment) == 8


def test_annotate_without_a_name_writes_beside_the_input(tmp_path: Path) -> None:
    """Issue 19 §12: `--annotate` alone writes 原名_标注.xlsx beside the workbook."""
    book = tmp_path / "年报数据.xlsx"
    convert(EXAMPLES / "invalid" / "t3-balance.yaml", book)
    result = run_cli("check", book, "--annotate")
    beside = tmp_path / "年报数据_标注.xlsx"
    assert result.returncode == 1, result.stderr
    assert f"已生成 {beside}：8 个单元格加了批注" in result.stdout
    assert "T3-BALANCE" in str([c.comment.text for row in load_workbook(beside)["表三"].iter_rows()
                                for c in row if c.comment])


def test_annotate_needs_a_workbook() -> None:
    result = run_cli("check", COUNTY, "--annotate", "x.xlsx")
    assert result.returncode == 2 and "--annotate 只适用于 .xlsx 工作簿" in result.stderr


def test_agency_and_year_options_win(tmp_path: Path) -> None:
    book = _converted(COUNTY, tmp_path)
    doc = json.loads(run_cli("check", "--format", "json", book, "--agency", "某某县水利局",
                             "--year", "2024").stdout)
    assert (doc["agency"], doc["year"]) == ("某某县水利局", 2024)


@pytest.fixture(scope="module")
def libreoffice_copy(tmp_path_factory) -> tuple[Path, Path]:
    """The county workbook saved again by LibreOffice (xlsx → xlsx), as a clerk's save."""
    folder = tmp_path_factory.mktemp("lo")
    book = folder / "county.xlsx"
    convert(COUNTY, book)
    out = folder / "saved"
    out.mkdir()
    return book, soffice_convert(book, out, "xlsx:Calc MS Excel 2007 XML")


def test_libreoffice_round_trip_reads_the_same(libreoffice_copy) -> None:
    original, saved = libreoffice_copy
    assert saved.is_file() and saved.read_bytes() != original.read_bytes()
    assert model(saved) == model(original) == model(COUNTY)
    doc = json.loads(run_cli("check", "--format", "json", saved).stdout)
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 0}

