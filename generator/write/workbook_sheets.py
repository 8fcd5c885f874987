"""Cells of the workbook nianbao writes: styles, validations, values, and the table sheets.

A table sheet is the statutory table laid out exactly as printed: `schemas.layout.place`
expands the layout's spans into a grid, which is written from row 3 (row 1 holds the table
heading, row 2 stays empty).  Label, header, banner and note cells hold the layout's own
text and are locked; value cells are unlocked and carry a data validation.  The xlsx reader
walks the same layouts, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from enum import Enum
from typing import Any

from nianbao import schemas
from nianbao.schemas.layout import LayoutCell, TableLayout, place
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

GRID_TOP = 3  # first worksheet row of a table's grid (row 1 heading, row 2 empty)
FONT = "宋体"
BODY_FONT = Font(name=FONT, size=11)
HEAD_FONT = Font(name=FONT, size=11, bold=True)
TITLE_FONT = Font(name=FONT, size=14, bold=True)
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LOCKED, UNLOCKED = Protection(locked=True), Protection(locked=False)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
# The cells a clerk types into, and only those, are shaded (the unlocked ones: `shade_inputs`).
# Pale green: the annotated copy marks findings red, yellow and blue (`annotate.FILLS`), so
# a shaded blank is never mistaken for a warning there.
INPUT_COLOUR = "E2EFDA"
INPUT_FILL = PatternFill(fill_type="solid", start_color=INPUT_COLOUR, end_color=INPUT_COLOUR)
FIRST_YEAR = schemas.first_year()
TEXT_FORMAT = "@"  # text cells stay text (a phone number or "2021" is not a number)
DATE_FORMAT = "yyyy-mm-dd"

VALUE_WIDTH = 9.0  # width of a value column (Excel units ≈ one Latin digit each)
PORTRAIT_WIDTH, LANDSCAPE_WIDTH = 92.0, 138.0  # about what fits A4 at 100 % (units)
LABEL_CAP = 36.0  # a label column wider than this wraps instead
LINE_PT, PAD_PT, MIN_ROW_PT = 15.0, 5.0, 20.0  # row heights (points) for 11 pt CJK text
MAX_ROW_PT = 409.0  # Excel's limit

# value kind → (validation type, operator, formula1, formula2, prompt title, prompt, error)
RULES: dict[str, tuple[str, str | None, str | None, str | None, str, str, str]] = {
    "count": ("whole", "greaterThanOrEqual", "0", None, "件数",
              "请填写 0 或正整数；没有就填 0，不要留空。", "件数应为 0 或正整数，不能有小数、负数或文字。"),
    "delta": ("whole", "between", "-999999999", "999999999", "增减数",
              "请填写整数，减少时填负数。", "增减数应为整数，不能有小数或文字。"),
    "amount": ("decimal", "greaterThanOrEqual", "0", None, "金额",
               "请填写金额数字，可带小数；没有就填 0，不要留空。", "金额应为 0 或正数，不能是文字。"),
    # 2019 采购总金额: text holding the amount and the unit the agency writes (8687.376万元)
    "amount_unit": ("textLength", "lessThanOrEqual", "40", None, "金额（连同单位）",
                    "请连同单位填写，如 8687.376万元 或 8687.376元；没有就填 0，不要留空。",
                    "请写成金额加单位，如 8687.376万元。"),
    # from the first year an edition covers (schemas.first_year)
    "year": ("whole", "between", str(FIRST_YEAR), "2100", "年度",
             "请填写四位年份，如 2024。", f"年度应为 {FIRST_YEAR} 至 2100 之间的四位整数。"),
    "date": ("date", "greaterThanOrEqual", "1", None, "日期",
             "请填写日期，如 2025-01-20。", "请填写有效日期，如 2025-01-20。"),
}


def value_at(values: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    """The value at a model path in a nested dict, or None when any key is missing."""
    node: Any = values or {}
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node.value if isinstance(node, Enum) else node


def text_width(text: str) -> int:
    """Display width in Excel units: a CJK (wide) character counts 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def line_count(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a cell `width` units wide (rough, generous)."""
    capacity = max(width - 2.0, 2.0)
    return sum(max(1, math.ceil(text_width(part) / capacity)) for part in text.split("\n"))


def row_height(lines: int) -> float:
    """Points for a row holding `lines` lines of text."""
    return min(max(lines * LINE_PT + PAD_PT, MIN_ROW_PT), MAX_ROW_PT)


def amount_format(value: Decimal | None) -> str:
    """A number format showing exactly the decimals of the value: 12.3400 → "0.0000".

    The reader quantizes the float it reads to the decimals of the cell's number format,
    so the digits of a Decimal survive the trip through the workbook's binary float.
    A blank cell keeps "General": what the clerk types shows as typed.
    """
    if value is None:
        return "General"
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


class Validations:
    """One data validation per kind on a worksheet; `close()` adds them with the cells
    collected, coalesced into rectangles (D6:J30 rather than 175 single cells)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.made: dict[str, DataValidation] = {}
        self.cells: dict[str, set[tuple[int, int]]] = {}

    def add(self, kind: str, ref: str) -> None:
        """Cover the range `ref` with the validation of `kind`."""
        if kind not in self.made:
            self.made[kind] = self._make(kind)
        self.cells.setdefault(kind, set()).update(CellRange(ref).cells)

    def add_list(self, kind: str, items: list[str], ref: str, prompt: str) -> None:
        """Cover `ref` with a drop-down list of `items`."""
        if kind not in self.made:
            self.made[kind] = DataValidation(
                type="list", formula1='"' + ",".join(items) + '"', allow_blank=True,
                showErrorMessage=True, showInputMessage=True, promptTitle="请选择",
                prompt=prompt, errorTitle="不在可选范围内",
                error="请从下拉列表中选择：" + " / ".join(items))
        self.cells.setdefault(kind, set()).update(CellRange(ref).cells)

    def close(self) -> None:
        """Add the validations to the sheet, in the order their kinds were first used."""
        for kind, dv in self.made.items():
            for ref in rectangles(self.cells[kind]):
                dv.add(ref)
            self.ws.add_data_validation(dv)

    @staticmethod
    def _make(kind: str) -> DataValidation:
        typ, op, f1, f2, title, prompt, error = RULES[kind]
        return DataValidation(type=typ, operator=op, formula1=f1, formula2=f2,
                              allow_blank=True, showErrorMessage=True, showInputMessage=True,
                              promptTitle=title, prompt=prompt, errorTitle="输入有误",
                              error=error)


def rectangles(cells: set[tuple[int, int]]) -> list[str]:
    """(row, col) cells as A1 ranges: runs along each row, stacked where rows repeat them."""
    runs: list[tuple[int, int, int]] = []  # (row, first col, last col)
    for r, c in sorted(cells):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1:
            runs[-1] = (r, runs[-1][1], c)
        else:
            runs.append((r, c, c))
    boxes: list[list[int]] = []  # [top, bottom, first col, last col]
    for r, c1, c2 in runs:
        box = next((b for b in boxes if b[1] == r - 1 and b[2:] == [c1, c2]), None)
        if box is not None:
            box[1] = r
        else:
            boxes.append([r, r, c1, c2])
    return [CellRange(min_row=t, max_row=b, min_col=c1, max_col=c2).coord
            for t, b, c1, c2 in boxes]


def put(cell: Any, value: Any) -> None:
    """Write a value; text beginning with "=" stays text (never becomes a formula)."""
    if isinstance(value, Enum):
        value = value.value
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def put_value(cell: Any, value: Any, kind: str) -> None:
    """Write a figure with the number format of its kind; the cell is unlocked."""
    if kind == "amount_unit":  # text, so "8687.376万元" stays exactly as written
        value = None if value is None else str(value)
        cell.number_format = TEXT_FORMAT
    put(cell, value)
    if kind == "amount":
        cell.number_format = amount_format(value if isinstance(value, Decimal) else None)
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    cell.protection = UNLOCKED


def fit_text_row(ws: Worksheet, row: int, lines: int) -> None:
    """Give a narrative row room for `lines` lines; the row stays auto-sized (`auto_height`
    drops its customHeight when the workbook is saved), so Excel/WPS grow it again as the
    clerk types and what was typed stays in view."""
    ws.row_dimensions[row].height = row_height(lines)


AUTO_ROW = re.compile(rb'(<row r="(\d+)"[^>]*?) customHeight="1"')


def auto_height(sheet_xml: bytes, first_row: int) -> bytes:
    """A worksheet part with the rows from `first_row` on marked auto-sized: their height is
    kept as the starting height, without customHeight="1", which would freeze it (a custom
    height is never refitted, so text typed past it would be hidden)."""
    def drop(match: re.Match[bytes]) -> bytes:
        return match.group(1) if int(match.group(2)) >= first_row else match.group(0)
    return AUTO_ROW.sub(drop, sheet_xml)


def shade_inputs(ws: Worksheet) -> None:
    """Shade every unlocked cell: what can be typed into is what is shaded, no more, no less
    (labels, headings and the edition stay white and locked)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.protection.locked is False:
                cell.fill = INPUT_FILL


def protect(ws: Worksheet) -> None:
    """Sheet protection without a password: locked cells cannot be typed over; columns and
    rows may still be resized.  The cells left open are shaded first (`shade_inputs`)."""
    shade_inputs(ws)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def print_setup(ws: Worksheet, landscape: bool, title_rows: str | None = None) -> None:
    """A4, one page wide, centred horizontally, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6,
                                  header=0.3, footer=0.3)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows:
        ws.print_title_rows = title_rows


# ---- table sheets -------------------------------------------------------------------------
def column_widths(layout: TableLayout) -> list[float]:
    """Widths that fit the labels: value columns VALUE_WIDTH, label columns by the layout's
    weights (stretched to fill an A4 width when the table is small) or by their text."""
    n, labels = layout.ncols, layout.label_cols
    weights = layout.col_weights or (1.0,) * n
    value_weight = min(weights[labels:], default=1.0)
    target = LANDSCAPE_WIDTH if n > 10 else PORTRAIT_WIDTH
    unit = max(VALUE_WIDTH / value_weight, target / sum(weights)) if layout.col_weights \
        else VALUE_WIDTH
    widths = [w * unit for w in weights]
    if not layout.col_weights:  # no weights: label columns sized by their own text
        grid = place(layout.rows, n)
        for c in range(labels):
            texts = [cell.text for row in grid for cell, _, ac in [row[c]]
                     if ac == c and cell.colspan == 1 and cell.kind != "value"]
            widths[c] = min(max([text_width(t) + 2.0 for t in texts] + [VALUE_WIDTH]),
                            LABEL_CAP)
    return [round(w, 1) for w in widths]


def head_lines(text: str, width: float) -> str:
    """A column head broken between its words where the column is too narrow for one line
    (社会公益\n组织, not Excel's 社会公益组\n织), as the PDF and DOCX break it.

    The words are those of the rendered heads (`GridCell.words`); a CJK character takes two
    width units, so a column of `width` units holds (width - 1) // 2 of them.  The reader
    drops white space when it matches labels, so the line breaks do not change a label.
    """
    from nianbao.compose.document import GridCell

    words = GridCell(text, "head").words
    capacity = max(int((width - 1.0) // 2), 1)
    if len(words) == 1 or len(text) <= capacity:
        return text
    lines = [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) > capacity:
            lines.append("")
        lines[-1] += word
    return "\n".join(lines)


def _style(cell: Any, spec: LayoutCell, row_span: int) -> None:
    cell.border = BORDER
    cell.font = BODY_FONT  # one plain face throughout, as in the official tables
    if spec.kind == "label":
        cell.alignment = CENTRE if row_span > 1 else LEFT
    else:
        cell.alignment = CENTRE
    if spec.kind != "value":
        cell.protection = LOCKED


def cell_text(spec: LayoutCell, width: float) -> str:
    """What a label cell shows: its layout text, a column head broken between words."""
    return head_lines(spec.text, width) if spec.kind == "head" else spec.text


def _heights(layout: TableLayout, grid: list, widths: list[float]) -> list[float]:
    """Row heights (points) so every wrapped label shows whole, rows spanned shared evenly."""
    heights = [MIN_ROW_PT] * len(grid)
    spanned = []
    for r, row in enumerate(grid):
        for c, (spec, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c) or not spec.text:
                continue
            width = sum(widths[c:c + spec.colspan])
            need = row_height(line_count(cell_text(spec, width), width))
            if spec.rowspan == 1:
                heights[r] = max(heights[r], need)
            else:
                spanned.append((r, spec.rowspan, need))
    for r, span, need in spanned:
        short = need - sum(heights[r:r + span])
        if short > 0:
            for rr in range(r, r + span):
                heights[rr] += short / span
    return heights


def table_sheet(ws: Worksheet, layout: TableLayout, values: dict[str, Any] | None,
                notes: dict[tuple[str, ...], str] | None = None) -> None:
    """Lay one statutory table out on a worksheet, with its values and validations.

    notes: a cell comment on value cells, by model path (init --previous: last year's
    现行有效件数 beside this year's blank cell)."""
    grid = place(layout.rows, layout.ncols)
    widths = column_widths(layout)
    last = get_column_letter(layout.ncols)
    ws.merge_cells(f"A1:{last}1")
    put(ws["A1"], layout.heading)
    ws["A1"].font, ws["A1"].alignment = TITLE_FONT, Alignment(vertical="center")
    ws.row_dimensions[1].height = 28
    checks = Validations(ws)
    for r, row in enumerate(grid):
        for c, (spec, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c):
                continue
            top, left = GRID_TOP + r, 1 + c
            rng = CellRange(min_row=top, min_col=left, max_row=top + spec.rowspan - 1,
                            max_col=left + spec.colspan - 1)
            if spec.rowspan > 1 or spec.colspan > 1:
                ws.merge_cells(rng.coord)
            anchor = ws.cell(top, left)
            if spec.kind == "value":
                put_value(anchor, value_at(values, spec.path or ()), spec.value_kind)
                if notes and spec.path in notes:
                    from openpyxl.comments import Comment
                    anchor.comment = Comment(notes[spec.path], "nianbao", width=240, height=80)
                checks.add(spec.value_kind, rng.coord)
            else:
                put(anchor, cell_text(spec, sum(widths[c:c + spec.colspan])))
            for rr, cc in rng.cells:
                cell = ws.cell(rr, cc)
                _style(cell, spec, spec.rowspan)
                if spec.kind == "value":
                    cell.protection = UNLOCKED
    for c, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(c + 1)].width = width
    for r, height in enumerate(_heights(layout, grid, widths)):
        ws.row_dimensions[GRID_TOP + r].height = round(height, 1)
    header_rows = len(layout.header)
    titles = f"{GRID_TOP}:{GRID_TOP + header_rows - 1}" if header_rows else None
    print_setup(ws, landscape=layout.ncols > 10, title_rows=titles)
    ws.print_area = f"A1:{last}{GRID_TOP + len(grid) - 1}"
    checks.close()
    protect(ws)


__all__ = ["GRID_TOP", "Validations", "amount_format", "auto_height", "column_widths", "fit_text_row",
           "line_count",
           "print_setup", "protect", "put", "put_value", "row_height", "shade_inputs", "table_sheet",
           "text_width", "value_at"]
