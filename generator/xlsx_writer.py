"""The fill-in workbook (`nianbao init -o x.xlsx`, `nianbao convert y.yaml x.xlsx`).

Sheets, in order: 基本信息 (one row per non-table field), 正文 (one row per narrative part),
then 表二, 表三, 表四 laid out exactly as printed (see `generator.xlsx_sheets`).  Titles and
labels come from `schemas` only.  The bytes depend on the data alone: document properties
carry a date taken from the data, and the zip entries a fixed time, in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from nianbao import schemas
from nianbao.schemas.fields import (
    INFO_HEAD,
    NO,
    SHEET_INFO,
    SHEET_TEXT,
    TABLE_SHEET_PREFIX,
    TEXT_HEAD,
    YES,
    FieldSpec,
    agency_kinds,
    info_fields,
    narrative_fields,
)
from nianbao.write import write_atomic
from nianbao.xlsx_sheets import (
    BODY_FONT,
    BORDER,
    CENTRE,
    HEAD_FONT,
    LOCKED,
    TEXT_FORMAT,
    TOP_LEFT,
    Validations,
    line_count,
    print_setup,
    protect,
    put,
    put_value,
    row_height,
    table_sheet,
    text_width,
    value_at,
)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed ZipInfo.date_time: no clock in the output
DEFAULT_STAMP = dt.datetime(2000, 1, 1)  # document date when the data has no 发布日期
CORE_PART = "docProps/core.xml"
CONTENT_TYPES = "[Content_Types].xml"
INFO_WIDTHS = (32.0, 64.0)
TEXT_WIDTHS = (30.0, 90.0)
TEXT_MIN_LINES = 4  # an empty narrative cell still offers room to type


def _info_value(cell: Any, spec: FieldSpec, value: Any, checks: Validations) -> None:
    """One 基本信息 value cell: the value in its Excel form and the validation of its kind."""
    ref = cell.coordinate
    if spec.kind == "edition":  # the sheets below are this edition's tables: not editable
        put(cell, value)
        cell.number_format, cell.protection = TEXT_FORMAT, LOCKED
        return
    if spec.kind == "bool":
        put_value(cell, None if value is None else (YES if value else NO), "bool")
        checks.add_list("bool", [YES, NO], ref, f"“{YES}”或“{NO}”")
    elif spec.kind == "kind":
        put_value(cell, value, "kind")
        checks.add_list("kind", agency_kinds(), ref, "机关类型决定法定发布期限")
    elif spec.kind == "date":
        put_value(cell, value, "date")
        checks.add("date", ref)
    elif spec.kind in ("count", "amount", "int"):
        kind = "year" if spec.path == ("year",) else ("amount" if spec.kind == "amount"
                                                       else "count")
        put_value(cell, value, kind)
        checks.add(kind, ref)
    else:
        put_value(cell, value, "text")
        cell.number_format = TEXT_FORMAT


def _head_row(ws: Any, head: tuple[str, str]) -> None:
    for col, text in enumerate(head, start=1):
        cell = ws.cell(1, col)
        put(cell, text)
        cell.font, cell.alignment, cell.border = HEAD_FONT, CENTRE, BORDER
    ws.row_dimensions[1].height = 22


def _widths(ws: Any, widths: tuple[float, float]) -> None:
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = widths


def info_sheet(ws: Any, edition: schemas.Edition, values: dict[str, Any] | None) -> None:
    """基本信息: 项目 | 内容, one row per field of `schemas.fields.info_fields`."""
    _head_row(ws, INFO_HEAD)
    checks = Validations(ws)
    fields = info_fields(edition.model)
    for row, spec in enumerate(fields, start=2):
        title, cell = ws.cell(row, 1), ws.cell(row, 2)
        put(title, spec.title)
        title.font, title.alignment, title.border = BODY_FONT, TOP_LEFT, BORDER
        _info_value(cell, spec, value_at(values, spec.path), checks)
        cell.font, cell.alignment, cell.border = BODY_FONT, TOP_LEFT, BORDER
        text = cell.value if isinstance(cell.value, str) else ""
        lines = max(line_count(text, INFO_WIDTHS[1]), line_count(spec.title, INFO_WIDTHS[0]))
        ws.row_dimensions[row].height = row_height(lines)
    checks.close()
    title_width = max(text_width(f.title) for f in fields) + 3.0
    _widths(ws, (min(max(title_width, 12.0), INFO_WIDTHS[0]), INFO_WIDTHS[1]))
    print_setup(ws, landscape=False, title_rows="1:1")
    protect(ws)


def text_sheet(ws: Any, edition: schemas.Edition, values: dict[str, Any] | None) -> None:
    """正文: 部分 | 内容, one row per narrative part; paragraphs are lines of the cell."""
    _head_row(ws, TEXT_HEAD)
    for row, spec in enumerate(narrative_fields(edition.model), start=2):
        title, cell = ws.cell(row, 1), ws.cell(row, 2)
        put(title, spec.title)
        title.font, title.alignment, title.border = HEAD_FONT, TOP_LEFT, BORDER
        put_value(cell, value_at(values, spec.path), "text")
        cell.number_format = TEXT_FORMAT
        cell.font, cell.alignment, cell.border = BODY_FONT, TOP_LEFT, BORDER
        text = cell.value if isinstance(cell.value, str) else ""
        lines = max(line_count(text, TEXT_WIDTHS[1]) + 1, TEXT_MIN_LINES)
        ws.row_dimensions[row].height = row_height(lines)
    _widths(ws, TEXT_WIDTHS)
    print_setup(ws, landscape=False, title_rows="1:1")
    protect(ws)


def _stamp(values: dict[str, Any] | None) -> dt.datetime:
    """The document date: the 发布日期 of the data, else a fixed date (never the clock)."""
    published = value_at(values, ("published",))
    if isinstance(published, dt.datetime):
        return published.replace(tzinfo=None)
    if isinstance(published, dt.date):
        return dt.datetime(published.year, published.month, published.day)
    return DEFAULT_STAMP


def build(edition: schemas.Edition, values: dict[str, Any] | None,
          notes: dict[tuple[str, ...], str] | None = None) -> Any:
    """The openpyxl Workbook (not yet saved); notes: cell comments by model path."""
    from openpyxl import Workbook

    wb = Workbook()
    info = wb.active
    info.title = SHEET_INFO
    info_sheet(info, edition, values)
    if edition.family == "items":  # 2008: 正文 lists the sections, 关键数据 the figures
        from nianbao.xlsx_items import items_sheets
        items_sheets(wb, edition, values)
    else:
        text_sheet(wb.create_sheet(SHEET_TEXT), edition, values)
    for layout in edition.tables:
        table_sheet(wb.create_sheet(TABLE_SHEET_PREFIX + layout.table_id), layout, values, notes)
    agency = value_at(values, ("agency", "name")) or ""
    year = value_at(values, ("year",)) or ""
    props = wb.properties
    props.title = f"{agency}{year}年政府信息公开工作年度报告数据"
    props.creator = "nianbao"
    props.lastModifiedBy = None
    props.created = props.modified = _stamp(values)
    return wb


def _fixed_zip(data: bytes, core: bytes) -> bytes:
    """Re-zip with fixed entry times and attributes: [Content_Types].xml first (as Office
    writes it), then openpyxl's own fixed order; docProps/core.xml replaced by `core`
    (openpyxl's save stamps `modified` with the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dest:
        entries = sorted(src.infolist(), key=lambda e: e.filename != CONTENT_TYPES)
        for entry in entries:
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dest.writestr(info, core if entry.filename == CORE_PART else src.read(entry))
    return out.getvalue()


def workbook_bytes(edition: schemas.Edition, values: dict[str, Any] | None,
                   notes: dict[tuple[str, ...], str] | None = None) -> bytes:
    """The workbook as bytes; the same edition and values always give the same bytes.

    values: a report's `model_dump(mode="python")`, or for `init` a small dict (edition,
    agency name and kind, year, signature.show); None leaves every value cell blank.
    notes: cell comments on value cells, by model path (init --previous).
    """
    from openpyxl.xml.functions import tostring

    wb = build(edition, values, notes)
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = wb.properties.created
    return _fixed_zip(buffer.getvalue(), tostring(wb.properties.to_tree()))


def write_workbook(path: Path, edition: schemas.Edition, values: dict[str, Any] | None
                   ) -> None:
    """Write the workbook atomically (temporary file in the target folder, then rename)."""
    write_atomic(path, workbook_bytes(edition, values))
