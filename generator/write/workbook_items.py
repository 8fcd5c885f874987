"""Workbook sheets of the 2008 edition (2007 条例第三十二条): 正文 and 关键数据.

The edition has no statutory table.  After 基本信息 (written by `generator.write.workbook`):

- 正文: 标题 | 对应条例事项 | 内容.  Row 2 holds the 导语 (text before the first heading);
  then one row per section in the report's order; then EXTRA_ROWS empty rows to add more
  (rows may also be inserted: the sheet protection allows it).  对应条例事项 is a drop-down
  of "概述" and the six items' official wording (`schemas.edition2008.ITEM_LABEL`).
- 关键数据: 项目 | 数值, one row per key figure (`schemas.fields.figure_fields`), with the
  validation of its kind (whole numbers ≥ 0; amounts in 元).

A new workbook (values without a narrative, as `nianbao init` passes them) offers the six
items under their default headings; a report's own sections are written exactly as given,
so `generator.load.xlsx_items` reads back the same report.
"""

from __future__ import annotations

from typing import Any

from nianbao import schemas
from nianbao.schemas import edition2008 as e08
from nianbao.schemas.fields import (
    FIGURES_HEAD,
    SECTIONS_HEAD,
    SHEET_FIGURES,
    SHEET_TEXT,
    figure_fields,
)
from nianbao.write.workbook_sheets import (
    BODY_FONT,
    BORDER,
    CENTRE,
    HEAD_FONT,
    LOCKED,
    TEXT_FORMAT,
    TOP_LEFT,
    UNLOCKED,
    Validations,
    fit_text_row,
    line_count,
    print_setup,
    protect,
    put,
    put_value,
    row_height,
    text_width,
    value_at,
)

SECTION_WIDTHS = (30.0, 30.0, 80.0)
FIGURE_WIDTHS = (40.0, 16.0)
EXTRA_ROWS = 6  # empty section rows below the last one, ready to fill in
TEXT_MIN_LINES = 3
INTRO_TITLE = e08.Narrative2008.model_fields["intro"].title or "导语"


def item_labels() -> list[str]:
    """What the 对应条例事项 column offers: 概述 and the six items (official wording)."""
    return [e08.ITEM_LABEL[i] for i in e08.ITEM_IDS]


def _head(ws: Any, titles: tuple[str, ...], widths: tuple[float, ...]) -> None:
    from openpyxl.utils import get_column_letter

    for col, (text, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = ws.cell(1, col)
        put(cell, text)
        cell.font, cell.alignment, cell.border = HEAD_FONT, CENTRE, BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 22


def _text_cell(cell: Any, value: Any, font: Any = BODY_FONT) -> None:
    put_value(cell, value, "text")
    cell.number_format = TEXT_FORMAT
    cell.font, cell.alignment, cell.border = font, TOP_LEFT, BORDER


def _sections(values: dict[str, Any] | None) -> tuple[Any, list[dict[str, Any]]]:
    """(intro, sections) to write: the report's, or the template of a new workbook."""
    narrative = (values or {}).get("narrative")
    if narrative is None:
        narrative = e08.template_narrative()
    sections = [s if isinstance(s, dict) else s.model_dump() for s in
                narrative.get("sections") or ()]
    return narrative.get("intro"), sections


def sections_sheet(ws: Any, values: dict[str, Any] | None) -> None:
    """正文: the intro row, then one row per section (标题 | 对应条例事项 | 内容)."""
    _head(ws, SECTIONS_HEAD, SECTION_WIDTHS)
    intro, sections = _sections(values)
    checks = Validations(ws)
    title = ws.cell(2, 1)
    put(title, INTRO_TITLE)
    title.font, title.alignment, title.border = HEAD_FONT, TOP_LEFT, BORDER
    ws.cell(2, 2).border, ws.cell(2, 2).protection = BORDER, LOCKED
    _text_cell(ws.cell(2, 3), intro)
    rows = [(s.get("heading"), s.get("item"), s.get("text")) for s in sections]
    rows += [(None, None, None)] * EXTRA_ROWS
    for r, (heading, item, text) in enumerate(rows, start=3):
        _text_cell(ws.cell(r, 1), heading, HEAD_FONT)
        _text_cell(ws.cell(r, 2), e08.ITEM_LABEL[item] if item else None)
        _text_cell(ws.cell(r, 3), text)
    last = 2 + len(rows)
    checks.add_list("item", item_labels(), f"B3:B{last}",
                    f"这一部分报告的是{e08.STATUTE}{e08.ARTICLE}的哪一项（可空）")
    checks.close()
    for r in range(2, last + 1):
        text = ws.cell(r, 3).value if isinstance(ws.cell(r, 3).value, str) else ""
        head = ws.cell(r, 1).value if isinstance(ws.cell(r, 1).value, str) else ""
        fit_text_row(ws, r, max(line_count(text, SECTION_WIDTHS[2]) + 1,
                                line_count(head, SECTION_WIDTHS[0]), TEXT_MIN_LINES))
    print_setup(ws, landscape=True, title_rows="1:1")
    protect(ws)
    ws.protection.insertRows = False  # a clerk may add sections between the rows given
    ws.protection.deleteRows = False


def figures_sheet(ws: Any, edition: schemas.Edition, values: dict[str, Any] | None) -> None:
    """关键数据: 项目 | 数值, one row per key figure."""
    _head(ws, FIGURES_HEAD, FIGURE_WIDTHS)
    checks = Validations(ws)
    fields = figure_fields(edition.model)
    for row, spec in enumerate(fields, start=2):
        title, cell = ws.cell(row, 1), ws.cell(row, 2)
        put(title, spec.title)
        title.font, title.alignment, title.border = BODY_FONT, TOP_LEFT, BORDER
        kind = "amount" if spec.kind == "amount" else "count"
        put_value(cell, value_at(values, spec.path), kind)
        checks.add(kind, cell.coordinate)
        cell.font, cell.alignment, cell.border = BODY_FONT, CENTRE, BORDER
        cell.protection = UNLOCKED
        ws.row_dimensions[row].height = row_height(line_count(spec.title, FIGURE_WIDTHS[0]))
    checks.close()
    width = max(text_width(f.title) for f in fields) + 3.0
    ws.column_dimensions["A"].width = max(width, FIGURE_WIDTHS[0])
    print_setup(ws, landscape=False, title_rows="1:1")
    protect(ws)


def items_sheets(wb: Any, edition: schemas.Edition, values: dict[str, Any] | None) -> None:
    """Add 正文 and 关键数据 to a workbook that already holds 基本信息."""
    sections_sheet(wb.create_sheet(SHEET_TEXT), values)
    figures_sheet(wb.create_sheet(SHEET_FIGURES), edition, values)
