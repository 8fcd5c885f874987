"""The fill-in workbook (`nianbao init -o x.xlsx`, `nianbao convert y.yaml x.xlsx`).

Sheets, in order: 基本信息 (one row per non-table field), 正文 (one row per narrative part),
then 表二, 表三, 表四 laid out exactly as printed (see `generator.write.workbook_sheets`), and last
填写说明 (how to fill it in, in a clerk's words), which the workbook opens on.  Titles and
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
    SHEET_FIGURES,
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
from nianbao.write.atomic import write_atomic
from nianbao.write.workbook_sheets import (
    BODY_FONT,
    BORDER,
    CENTRE,
    HEAD_FONT,
    LOCKED,
    TEXT_FORMAT,
    TITLE_FONT,
    TOP_LEFT,
    Validations,
    auto_height,
    fit_text_row,
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
    fields = [f for f in info_fields(edition.model)
              if not (f.omit_empty and value_at(values, f.path) is None)]
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
        fit_text_row(ws, row, max(line_count(text, TEXT_WIDTHS[1]) + 1, TEXT_MIN_LINES))
    _widths(ws, TEXT_WIDTHS)
    print_setup(ws, landscape=False, title_rows="1:1")
    protect(ws)


# ---- 填写说明 ---------------------------------------------------------------------------
SHEET_GUIDE = "填写说明"
GUIDE_WIDTH = 80.0  # fits a portrait A4 page at 100 % (PORTRAIT_WIDTH is 92)


def _guide_sheets(edition: schemas.Edition) -> list[str]:
    """What each data sheet holds, in a clerk's words (sheet names from `schemas.fields`)."""
    info = (f"“{SHEET_INFO}”：机关名称、机关类型、报告年度、发布日期、落款等，每项填在"
            f"“{INFO_HEAD[1]}”一列。机关类型请从下拉列表中选择，它决定年报的法定发布期限。"
            "格式版本已按报告年度填好，不用改动。")
    if edition.family == "items":
        return [info,
                (f"“{SHEET_TEXT}”：年报的各个部分，每部分一行：标题、对应条例事项（从下拉列表中"
                "选择，可空）、内容。下面留有空行，部分不够时接着往下填，也可以插入新行。"),
                (f"“{SHEET_FIGURES}”：年报中要写到的主要数字，都可以不填；填了的数字会在"
                "没有文字的部分写成标准的说明句子。")]
    tables = "".join(f"“{TABLE_SHEET_PREFIX}{t.table_id}”" for t in edition.tables)
    return [info,
            (f"“{SHEET_TEXT}”：年报各部分的文字，每部分一格，填在“{TEXT_HEAD[1]}”一列。"
            "一格里可以写几段，换段时在格子里换行（Excel 和 WPS 表格都是按 Alt+Enter）。"),
            f"{tables}：和年报中的表格一模一样，只在浅绿色的格子里填数字。"]


def _guide_optional(edition: schemas.Edition) -> list[str]:
    """Which parts may be left empty for standard sentences (titles from `schemas`)."""
    if edition.family == "items":
        return [(f"“{SHEET_TEXT}”中没有文字的部分，会用“{SHEET_FIGURES}”里填的数字写出标准的"
                "说明句子；要用自己的文字，直接写在“内容”里即可。")]
    parts = {f.path[-1]: f.title for f in narrative_fields(edition.model)}
    named = "".join(f"“{parts[k]}”" for k in ("proactive", "on_request") if k in parts)
    return [(f"“{SHEET_TEXT}”中的{named}可以留空：年报会按表格中的数字自动写出标准的说明"
            "句子。想用自己的文字，直接填写即可，填写的内容会原样使用。"),
            "其他部分请按本单位实际情况填写；确实没有可写的，写“无”，不要空着。"]


def guide_rows(edition: schemas.Edition) -> list[tuple[str, bool]]:
    """The 填写说明 sheet as (text, is a heading) rows, in a clerk's terms: what goes where,
    what the shading means, that a blank is not a zero, which parts may stay empty, and how
    to check.  Never a command-line option: a clerk fills this in, someone else runs tools."""
    return [
        ("一、各工作表填什么", True),
        *((text, False) for text in _guide_sheets(edition)),
        ("二、只填浅绿色的格子", True),
        (("浅绿色的格子是要填写的地方。白色格子是表格本身的文字（行、列的名称），已经锁定，"
         "不能也不必修改；改动这些文字，年报就可能认不出这张表。"), False),
        ("三、空白不等于零", True),
        (("没有发生的事项请填 0，不要空着。空着的格子表示“还没有填”，检查时会一一列出，"
         "有空格的年报不能发布。件数填整数，金额填数字。"), False),
        ("四、可以留空的部分", True),
        *((text, False) for text in _guide_optional(edition)),
        ("五、填好后怎样检查", True),
        (("先自己核对一遍：各表的合计、总计等于各项相加；本年新收的申请加上上年结转的，等于本年"
         "已办理的加上结转下年度继续办理的；正文中写到的数字与表格一致；与上一年年报衔接的数字（如上年结转、"
         "现行有效件数）与上一年一致。"), False),
        (("然后保存文件，交给负责生成年报的同事检查，或在年报预览网页中打开本文件。检查结果会"
         "写明每个问题在哪个工作表、哪个格子（如：工作表“表三” D8），并可另存一份标注副本：有问题的"
         "格子涂上颜色，批注写明原因。改好后再检查一次，直到没有错误。"), False),
    ]


def open_on(wb: Any, ws: Any) -> None:
    """Make `ws` the sheet the workbook opens on, and the only selected tab (two selected
    tabs are a group in Excel: what is typed into one goes into both)."""
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    wb.active = wb.worksheets.index(ws)


def guide_sheet(ws: Any, edition: schemas.Edition) -> Any:
    """填写说明: one wide wrapped column of short paragraphs under five headings.

    No cell of it is a table label, so the workbook reader, which finds tables by their
    labels on any sheet, never takes this sheet for data.  It is the last sheet (the data
    sheets keep their places) but the one the workbook opens on (`open_on`)."""
    put(ws["A1"], SHEET_GUIDE)
    ws["A1"].font = TITLE_FONT
    ws.row_dimensions[1].height = 28
    for row, (text, heading) in enumerate(guide_rows(edition), start=2):
        cell = ws.cell(row, 1)
        put(cell, text)
        cell.font, cell.alignment = (HEAD_FONT if heading else BODY_FONT), TOP_LEFT
        ws.row_dimensions[row].height = row_height(line_count(text, GUIDE_WIDTH))
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    print_setup(ws, landscape=False)
    protect(ws)
    return ws


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
        from nianbao.write.workbook_items import items_sheets
        items_sheets(wb, edition, values)
    else:
        text_sheet(wb.create_sheet(SHEET_TEXT), edition, values)
    for layout in edition.tables:
        table_sheet(wb.create_sheet(TABLE_SHEET_PREFIX + layout.table_id), layout, values, notes)
    open_on(wb, guide_sheet(wb.create_sheet(SHEET_GUIDE), edition))
    agency = value_at(values, ("agency", "name")) or ""
    year = value_at(values, ("year",)) or ""
    props = wb.properties
    props.title = f"{agency}{year}年政府信息公开工作年度报告数据"
    props.creator = "nianbao"
    props.lastModifiedBy = None
    props.created = props.modified = _stamp(values)
    return wb


def _fixed_zip(data: bytes, core: bytes, text_part: str | None = None) -> bytes:
    """Re-zip with fixed entry times and attributes: [Content_Types].xml first (as Office
    writes it), then openpyxl's own fixed order; docProps/core.xml replaced by `core`
    (openpyxl's save stamps `modified` with the clock); the narrative rows of `text_part`
    (the 正文 sheet) left auto-sized (`auto_height`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dest:
        entries = sorted(src.infolist(), key=lambda e: e.filename != CONTENT_TYPES)
        for entry in entries:
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            part = core if entry.filename == CORE_PART else src.read(entry)
            if entry.filename == text_part:
                part = auto_height(part, first_row=2)  # row 1 is the head row
            dest.writestr(info, part)
    return out.getvalue()


def stable_bytes(wb: Any, text_part: str | None = None) -> bytes:
    """Any workbook's bytes with no clock in them: `modified` set to `created` (or to
    DEFAULT_STAMP), fixed entry times; the same workbook always gives the same bytes.
    text_part: a sheet part whose rows are left auto-sized (`_fixed_zip`)."""
    from openpyxl.xml.functions import tostring

    wb.properties.created = wb.properties.created or DEFAULT_STAMP
    wb.properties.modified = wb.properties.created
    buffer = io.BytesIO()
    wb.save(buffer)
    wb.properties.modified = wb.properties.created   # save() stamped it with the clock
    return _fixed_zip(buffer.getvalue(), tostring(wb.properties.to_tree()), text_part)


def workbook_bytes(edition: schemas.Edition, values: dict[str, Any] | None,
                   notes: dict[tuple[str, ...], str] | None = None) -> bytes:
    """The workbook as bytes; the same edition and values always give the same bytes.

    values: a report's `model_dump(mode="python")`, or for `init` a small dict (edition,
    agency name and kind, year, signature.show); None leaves every value cell blank.
    notes: cell comments on value cells, by model path (init --previous).
    """
    wb = build(edition, values, notes)
    # openpyxl writes the worksheets as sheet1.xml, sheet2.xml … in the workbook's order
    return stable_bytes(wb, f"xl/worksheets/sheet{wb.sheetnames.index(SHEET_TEXT) + 1}.xml")


def write_workbook(path: Path, edition: schemas.Edition, values: dict[str, Any] | None
                   ) -> None:
    """Write the workbook atomically (temporary file in the target folder, then rename)."""
    write_atomic(path, workbook_bytes(edition, values))
