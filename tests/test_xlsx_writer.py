"""The fill-in workbook: sheets, the official tables cell for cell, locks, validations,
values, exact amounts, deterministic bytes, and that LibreOffice opens it."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import COUNTY, ROOT, soffice_convert
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from nianbao import schemas
from nianbao.write.yaml_template import init_values
from nianbao.load import load
from nianbao.validate import validate
from nianbao.write.workbook_sheets import GRID_TOP, amount_format, rectangles
from nianbao.write.workbook import SHEET_GUIDE, workbook_bytes, write_workbook
from nianbao.schemas import edition2021
from nianbao.schemas.fields import (
    INFO_HEAD,
    SHEET_INFO,
    SHEET_TEXT,
    TABLE_SHEET_PREFIX,
    TEXT_HEAD,
    agency_kinds,
    info_fields,
    narrative_fields,
)
from nianbao.schemas.layout import TableLayout, place

EDITION = schemas.EDITIONS["2021"]
SHEETS = [SHEET_INFO, SHEET_TEXT] + [TABLE_SHEET_PREFIX + t.table_id for t in EDITION.tables] + [
    SHEET_GUIDE]


@pytest.fixture(scope="module")
def county_values() -> dict[str, Any]:
    return validate(load(COUNTY)).report.model_dump(mode="python")


@pytest.fixture(scope="module")
def county_bytes(county_values: dict[str, Any]) -> bytes:
    return workbook_bytes(EDITION, county_values)


@pytest.fixture(scope="module")
def county_wb(county_bytes: bytes) -> Any:
    return load_workbook(io.BytesIO(county_bytes))


@pytest.fixture(scope="module")
def init_wb() -> Any:
    return load_workbook(io.BytesIO(workbook_bytes(EDITION, None)))


def _grid_ranges(layout: TableLayout) -> list[tuple[Any, CellRange]]:
    """Every layout cell with the worksheet range it must occupy (grid from row GRID_TOP)."""
    out = []
    for r, row in enumerate(place(layout.rows, layout.ncols)):
        for c, (cell, ar, ac) in enumerate(row):
            if (ar, ac) == (r, c):
                out.append((cell, CellRange(min_row=GRID_TOP + r, min_col=1 + c,
                                            max_row=GRID_TOP + r + cell.rowspan - 1,
                                            max_col=c + cell.colspan)))
    return out


def _covered(ranges: Any) -> set[tuple[int, int]]:
    return {cell for rng in ranges for cell in CellRange(str(rng)).cells}


def test_sheet_names_in_order(county_wb: Any, init_wb: Any) -> None:
    assert county_wb.sheetnames == SHEETS
    assert init_wb.sheetnames == ["基本信息", "正文", "表二", "表三", "表四", "填写说明"]


@pytest.mark.parametrize("layout", EDITION.tables, ids=lambda t: t.table_id)
def test_merges_and_labels_follow_the_layout(county_wb: Any, layout: TableLayout) -> None:
    ws = county_wb[TABLE_SHEET_PREFIX + layout.table_id]
    last = get_column_letter(layout.ncols)
    expected = {f"A1:{last}1"} | {rng.coord for cell, rng in _grid_ranges(layout)
                                  if cell.rowspan > 1 or cell.colspan > 1}
    assert {str(r) for r in ws.merged_cells.ranges} == expected
    assert ws["A1"].value == layout.heading
    assert all(ws.cell(2, c).value is None for c in range(1, layout.ncols + 1))
    labels = [(cell, rng) for cell, rng in _grid_ranges(layout) if cell.kind != "value"]
    assert labels or layout.table_id == "四"
    for cell, rng in labels:
        shown = ws.cell(rng.min_row, rng.min_col).value
        # a column head may be broken between its words (社会公益\n组织): same label
        assert (shown.replace("\n", "") if cell.kind == "head" else shown) == cell.text, \
            rng.coord


def test_table3_note_spans_three_by_three(county_wb: Any) -> None:
    ws = county_wb["表三"]
    (note,) = [r for r in ws.merged_cells.ranges
               if ws.cell(r.min_row, r.min_col).value == edition2021.T3_NOTE]
    assert (note.size["rows"], note.size["columns"]) == (3, 3)
    assert note.coord == "A3:C5"


@pytest.mark.parametrize("layout", EDITION.tables, ids=lambda t: t.table_id)
def test_value_cells_unlocked_labels_locked(init_wb: Any, layout: TableLayout) -> None:
    ws = init_wb[TABLE_SHEET_PREFIX + layout.table_id]
    assert ws.protection.sheet is True
    assert ws.protection.password is None
    assert ws.protection.formatColumns is False and ws.protection.formatRows is False
    value_cells = _covered(rng for cell, rng in _grid_ranges(layout) if cell.kind == "value")
    all_cells = _covered(rng for _, rng in _grid_ranges(layout))
    for r, c in all_cells:
        assert ws.cell(r, c).protection.locked is ((r, c) not in value_cells), (r, c)
    assert ws["A1"].protection.locked is True


@pytest.mark.parametrize("layout", EDITION.tables, ids=lambda t: t.table_id)
def test_validations_cover_exactly_the_value_cells(init_wb: Any, layout: TableLayout) -> None:
    ws = init_wb[TABLE_SHEET_PREFIX + layout.table_id]
    by_kind: dict[str, set[tuple[int, int]]] = {}
    for cell, rng in _grid_ranges(layout):
        if cell.kind == "value":
            by_kind.setdefault(cell.value_kind, set()).update(rng.cells)
    found: dict[str, set[tuple[int, int]]] = {}
    for dv in ws.data_validations.dataValidation:
        kind = {"whole": "count", "decimal": "amount"}[dv.type]
        assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
        assert dv.allowBlank and dv.showErrorMessage and dv.showInputMessage
        assert "请填写" in dv.prompt and dv.error  # the messages are Chinese
        found.setdefault(kind, set()).update(_covered(dv.sqref.ranges))
    assert found == by_kind
    if layout.table_id == "二":
        assert set(found) == {"count", "amount"}


def test_values_land_in_their_cells(county_wb: Any, county_values: dict[str, Any]) -> None:
    assert county_wb["表三"]["D6"].value == 31  # 一、本年新收 / 自然人
    assert county_wb["表三"]["J30"].value == 2  # 四、结转下年度 / 总计
    assert county_wb["表二"]["B9"].value == 1286  # 行政许可 (merged B9:D9)
    assert county_wb["表四"]["A6"].value == 1  # 行政复议 / 结果维持
    for slot in EDITION.slots:
        ws = county_wb[TABLE_SHEET_PREFIX + slot.table]
        expected: Any = county_values
        for key in slot.path:
            expected = expected[key]
        assert ws.cell(GRID_TOP + slot.grid_row, 1 + slot.grid_col).value == expected, slot.path


def test_init_workbook_has_blank_value_cells(init_wb: Any) -> None:
    for slot in EDITION.slots:
        ws = init_wb[TABLE_SHEET_PREFIX + slot.table]
        assert ws.cell(GRID_TOP + slot.grid_row, 1 + slot.grid_col).value is None


def test_info_sheet(county_wb: Any) -> None:
    ws = county_wb[SHEET_INFO]
    # 汇总范围 only in a summed report's workbook (an agency has nothing to put there)
    fields = [f for f in info_fields(EDITION.model) if not f.omit_empty]
    assert len(fields) == len(info_fields(EDITION.model)) - 1
    assert tuple(c.value for c in ws[1]) == INFO_HEAD
    assert [ws.cell(r, 1).value for r in range(2, len(fields) + 2)] == [f.title for f in fields]
    row = {f.path: 2 + i for i, f in enumerate(fields)}
    value = {p: ws.cell(r, 2) for p, r in row.items()}
    assert value[("agency", "name")].value == "某某县交通运输局"
    assert value[("agency", "kind")].value == "县级以上人民政府部门"
    assert value[("signature", "show")].value == "是"
    assert value[("year",)].value == 2024
    published = value[("published",)]
    assert published.is_date and published.value.date() == dt.date(2025, 1, 20)
    assert published.number_format == "yyyy-mm-dd"
    assert value[("agency", "contact")].number_format == "@"
    assert all(ws.cell(r, 1).protection.locked for r in row.values())
    assert value[("agency", "name")].protection.locked is False
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists[value[("agency", "kind")].coordinate] == '"' + ",".join(agency_kinds()) + '"'
    assert lists[value[("signature", "show")].coordinate] == '"是,否"'
    types = {c: dv.type for dv in ws.data_validations.dataValidation
             for c in _covered(dv.sqref.ranges)}
    assert types[(row[("fees", "notices")], 2)] == "whole"
    assert types[(row[("fees", "amount_billed")], 2)] == "decimal"
    assert types[(row[("published",)], 2)] == "date"


def test_text_sheet(county_wb: Any, county_values: dict[str, Any]) -> None:
    ws = county_wb[SHEET_TEXT]
    parts = narrative_fields(EDITION.model)
    assert tuple(c.value for c in ws[1]) == TEXT_HEAD
    for r, spec in enumerate(parts, start=2):
        expected: Any = county_values
        for key in spec.path:
            expected = expected[key]
        assert ws.cell(r, 1).value == spec.title
        assert ws.cell(r, 2).value == expected
        assert ws.cell(r, 2).alignment.wrap_text and not ws.cell(r, 2).protection.locked
        assert ws.row_dimensions[r].height >= 60
    assert "\n" in ws["B3"].value  # （一）主动公开 has two paragraphs: one line each
    assert ws.column_dimensions["B"].width >= 80


def test_text_starting_with_equals_stays_text(county_values: dict[str, Any]) -> None:
    values = copy.deepcopy(county_values)
    values["narrative"]["other"] = "=SUM(A1:A2) 不是公式"
    wb = load_workbook(io.BytesIO(workbook_bytes(EDITION, values)))
    cell = wb[SHEET_TEXT].cell(1 + len(narrative_fields(EDITION.model)), 2)
    assert (cell.value, cell.data_type) == ("=SUM(A1:A2) 不是公式", "s")


@pytest.mark.parametrize(("amount", "fmt"), [(Decimal("12.3400"), "0.0000"), (Decimal(0), "0"),
                                             (Decimal("8687.376"), "0.000"),
                                             (Decimal("1E+2"), "0"), (None, "General")])
def test_amount_format_shows_exactly_the_decimals(amount: Decimal | None, fmt: str) -> None:
    assert amount_format(amount) == fmt


def test_amount_digits_recoverable_from_number_format(county_values: dict[str, Any]) -> None:
    values = copy.deepcopy(county_values)
    values["table2"]["administrative_fees"]["amount"] = Decimal("12.3400")
    values["fees"]["amount_billed"] = Decimal("150.5")
    wb = load_workbook(io.BytesIO(workbook_bytes(EDITION, values)))
    slot = EDITION.slot(("table2", "administrative_fees", "amount"))
    cell = wb["表二"].cell(GRID_TOP + slot.grid_row, 1 + slot.grid_col)
    assert cell.number_format == "0.0000"
    places = len(cell.number_format.partition(".")[2])
    recovered = Decimal(repr(float(cell.value))).quantize(Decimal(1).scaleb(-places))
    assert str(recovered) == "12.3400"
    info = wb[SHEET_INFO]
    billed = next(info.cell(r, 2) for r in range(2, info.max_row + 1)
                  if info.cell(r, 1).value == "收费通知总金额（元）")
    assert (billed.value, billed.number_format) == (150.5, "0.0")


@pytest.mark.parametrize("layout", EDITION.tables, ids=lambda t: t.table_id)
def test_print_setup(county_wb: Any, layout: TableLayout) -> None:
    ws = county_wb[TABLE_SHEET_PREFIX + layout.table_id]
    setup = ws.page_setup
    assert setup.paperSize == 9 and setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert setup.orientation == ("landscape" if layout.ncols == 15 else "portrait")
    assert ws.print_options.horizontalCentered is True
    if layout.table_id == "三":
        assert ws.print_title_rows == "$3:$5"
    widths = [ws.column_dimensions[get_column_letter(c + 1)].width
              for c in range(layout.ncols)]
    assert all(w >= 6 for w in widths)
    assert all(9 <= w <= 20 for w in widths[layout.label_cols:])
    if layout.table_id == "三":  # long labels wrap instead of stretching the page
        assert widths[2] <= 36 and ws["C28"].alignment.wrap_text


def test_rectangles_coalesce_cells() -> None:
    cells = {(r, c) for r in range(6, 31) for c in range(4, 11)} | {(5, 2)}
    assert rectangles(cells) == ["B5", "D6:J30"]
    assert rectangles({(1, 1), (1, 2), (2, 1)}) == ["A1:B1", "A2"]


def test_bytes_are_deterministic(county_values: dict[str, Any], county_bytes: bytes) -> None:
    assert workbook_bytes(EDITION, copy.deepcopy(county_values)) == county_bytes
    with zipfile.ZipFile(io.BytesIO(county_bytes)) as archive:
        infos = archive.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2025-01-20T00:00:00Z") == 2  # created and modified: the 发布日期


def test_bytes_do_not_depend_on_the_process() -> None:
    """Same bytes under different hash seeds (set iteration order) in fresh interpreters."""
    code = ("import hashlib, sys, schemas; from generator.write.workbook import workbook_bytes;"
            "from generator.write.yaml_template import init_values; e = schemas.EDITIONS['2021'];"
            "sys.stdout.write(hashlib.sha256(workbook_bytes(e, init_values(e, 2024, '某某局'))"
            ").hexdigest())")
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=120, check=True)
        digests.add(done.stdout)
    here = hashlib.sha256(workbook_bytes(EDITION, init_values(EDITION, 2024, "某某局")))
    assert digests == {here.hexdigest()}


def test_properties(init_wb: Any) -> None:
    wb = load_workbook(io.BytesIO(workbook_bytes(EDITION, init_values(EDITION, 2024, "某某局"))))
    assert wb.properties.title == "某某局2024年政府信息公开工作年度报告数据"
    assert wb.properties.creator == "nianbao"
    assert wb.properties.created == wb.properties.modified == dt.datetime(2000, 1, 1)
    assert init_wb.properties.created == dt.datetime(2000, 1, 1)


def test_write_workbook(tmp_path: Path, county_values: dict[str, Any],
                        county_bytes: bytes) -> None:
    target = tmp_path / "sub" / "年报数据.xlsx"
    write_workbook(target, EDITION, county_values)
    assert target.read_bytes() == county_bytes
    assert [p.name for p in target.parent.iterdir()] == ["年报数据.xlsx"]


def test_libreoffice_converts_the_init_workbook_to_pdf(tmp_path: Path) -> None:
    book = tmp_path / "年报数据.xlsx"
    write_workbook(book, EDITION, init_values(EDITION, 2024, "某某局"))
    pdf = soffice_convert(book, tmp_path, "pdf")
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 5000
