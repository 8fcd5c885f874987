"""The fill-in workbook as a clerk meets it (issue 19 item 18): the cells to type into, and
only those, are shaded; a 填写说明 sheet opens first and says what goes where in a clerk's
words; column heads break between words; narrative rows fit what was typed; and the reader
still reads the workbook, taking nothing of 填写说明 for data."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from conftest import COUNTY
from lxml import etree
from nianbao import schemas
from nianbao.compose.document import GridCell
from nianbao.write.yaml_template import init_values
from nianbao.load import load
from nianbao.schemas.fields import SHEET_TEXT, TABLE_SHEET_PREFIX, narrative_fields
from nianbao.validate import validate
from nianbao.write.workbook_sheets import INPUT_COLOUR
from nianbao.write.workbook import SHEET_GUIDE, guide_rows, workbook_bytes
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

EDITIONS = ("2021", "2019", "2008")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def init_book(edition_id: str) -> Any:
    edition = schemas.EDITIONS[edition_id]
    year = {"2021": 2024, "2019": 2020, "2008": 2012}[edition_id]
    return load_workbook(io.BytesIO(workbook_bytes(edition, init_values(edition, year, "某某局"))))


@pytest.fixture(scope="module", params=EDITIONS)
def book(request) -> Any:
    return init_book(request.param)


def shaded(cell: Any) -> bool:
    return cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb).endswith(INPUT_COLOUR)


# ---- shading ---------------------------------------------------------------------------------
def test_exactly_the_cells_to_type_into_are_shaded(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, MergedCell):
                    continue  # the anchor carries what shows
                assert shaded(cell) == (cell.protection.locked is False), (ws.title,
                                                                            cell.coordinate)


def test_shading_is_not_a_colour_of_the_annotated_copy():
    from nianbao.write.annotate import FILLS

    assert INPUT_COLOUR not in FILLS.values()


def test_every_data_sheet_has_shaded_cells_and_the_guide_none(book):
    counts = {ws.title: sum(shaded(c) for row in ws.iter_rows() for c in row)
              for ws in book.worksheets}
    assert counts.pop(SHEET_GUIDE) == 0
    assert all(counts.values()), counts


# ---- 填写说明 --------------------------------------------------------------------------------
def test_workbook_opens_on_the_guide(book):
    """Last, so the data sheets keep their places (sheet1.xml is 基本信息), but shown first;
    and the only selected tab (two selected tabs would be a group)."""
    assert book.sheetnames[-1] == SHEET_GUIDE
    assert book.active.title == SHEET_GUIDE
    assert [ws.title for ws in book.worksheets if ws.sheet_view.tabSelected] == [SHEET_GUIDE]


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_guide_speaks_a_clerks_language(edition_id):
    edition = schemas.EDITIONS[edition_id]
    text = "".join(t for t, _ in guide_rows(edition))
    assert "空白不等于零" in text and "请填 0" in text
    assert "浅绿色" in text
    assert "--" not in text and "nianbao" not in text and "命令" not in text
    if edition.family == "tables":
        titles = {f.path[-1]: f.title for f in narrative_fields(edition.model)}
        assert f"“{titles['proactive']}”“{titles['on_request']}”可以留空" in text
        for table in edition.tables:
            assert f"“{TABLE_SHEET_PREFIX}{table.table_id}”" in text
    for title in init_book(edition_id).sheetnames[:-1]:
        assert f"“{title}”" in text  # every sheet is explained


def test_guide_has_no_table_label():
    """Labels are what the reader finds tables by: none may appear on the guide sheet."""
    edition = schemas.EDITIONS["2021"]
    labels = {c.text for t in edition.tables for row in t.rows for c in row
              if c.kind != "value" and c.text}
    for text, _ in guide_rows(edition):
        assert text not in labels


# ---- heads and narrative rows ----------------------------------------------------------------
def test_column_heads_break_between_words():
    ws = init_book("2021")[TABLE_SHEET_PREFIX + "三"]
    values = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "社会公益\n组织" in values and "法律服务\n机构" in values
    for value in values:
        if "\n" in value and all("\u4e00" <= ch <= "\u9fff" for ch in value.replace("\n", "")):
            words = GridCell(value.replace("\n", ""), "head").words
            for line in value.split("\n"):  # each line is whole words
                assert any(line == "".join(words[i:j]) for i in range(len(words))
                           for j in range(i + 1, len(words) + 1)), value


def sheet_rows(data: bytes, title: str) -> dict[int, dict[str, str]]:
    """Attributes of each <row> of a sheet part, by row number (openpyxl hides customHeight)."""
    names = load_workbook(io.BytesIO(data)).sheetnames
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read(f"xl/worksheets/sheet{names.index(title) + 1}.xml"))
    return {int(r.get("r")): dict(r.attrib) for r in root.iter(f"{{{MAIN}}}row")}


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_narrative_rows_start_tall_and_grow_with_the_text(edition_id):
    """A narrative row opens several lines tall (LibreOffice keeps that height) and is not
    a custom height, so Excel/WPS refit it as the clerk types: what was typed stays seen."""
    edition = schemas.EDITIONS[edition_id]
    year = {"2021": 2024, "2019": 2020, "2008": 2012}[edition_id]
    data = workbook_bytes(edition, init_values(edition, year, "某某局"))
    rows = sheet_rows(data, SHEET_TEXT)
    assert rows[1].get("customHeight") == "1"  # the head row keeps its height
    for number, attrs in rows.items():
        if number > 1:
            assert float(attrs["ht"]) >= 50 and "customHeight" not in attrs, (number, attrs)
    table_rows = sheet_rows(data, "基本信息")
    assert all(a.get("customHeight") == "1" for a in table_rows.values())
    ws = load_workbook(io.BytesIO(data))[SHEET_TEXT]
    assert all(c.alignment.wrap_text for row in ws.iter_rows(min_row=2) for c in row
               if c.protection.locked is False)


def test_typed_text_gets_room():
    validated = validate(load(COUNTY))
    data = workbook_bytes(validated.edition, validated.report.model_dump(mode="python"))
    rows = sheet_rows(data, SHEET_TEXT)
    assert max(float(a["ht"]) for n, a in rows.items() if n > 1) > 100  # long parts


# ---- the reader ------------------------------------------------------------------------------
def test_reader_reads_a_filled_workbook_back(tmp_path):
    validated = validate(load(COUNTY))
    values = validated.report.model_dump(mode="python")
    data = workbook_bytes(validated.edition, values)
    assert load_workbook(io.BytesIO(data)).sheetnames[-1] == SHEET_GUIDE
    path = tmp_path / "年报数据.xlsx"
    path.write_bytes(data)
    assert validate(load(str(path))).report == validated.report
