"""Statutory tables as real Word tables (w:tbl) with exactly the spans of the official layout.

GridCell.colspan → w:gridSpan, GridCell.rowspan → w:vMerge restart/continue: the same markup
python-docx `cell.merge` writes, built directly because the cell API re-walks the table on
every access and would dominate the render time of the 290-cell table 三.
Fixed layout with explicit w:tblGrid widths so Word and LibreOffice agree on the columns.
"""

from __future__ import annotations

import copy
import functools

from lxml import etree
from nianbao.compose.document import GridCell, Table
from nianbao.render.docx_styles import (
    SZ_TABLE,
    SZ_TABLE_SMALL,
    TABLE_TEXT,
    TABLE_TEXT_SMALL,
    TYPE_AREA_W,
    add_text,
    el,
    q,
)
from nianbao.schemas.layout import place

# Anchor of the cell covering a grid position: (cell, row, column where it starts).
Slot = tuple[GridCell, int, int]

BORDER = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}  # 0.5 pt line
CELL_MARGIN_LR = 57  # 1 mm left/right padding, twips: narrow columns of 三/四 keep 2–3 chars
CELL_MARGIN_TB = 28  # 0.5 mm top/bottom


def column_widths(fractions: tuple[float, ...], total: int) -> list[int]:
    """Integer twip widths in proportion to `fractions`, summing exactly to `total`.

    Largest-remainder rounding, so tblGrid, tcW and tblW agree to the twip.
    """
    raw = [f * total for f in fractions]
    widths = [int(w) for w in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (widths[i] - raw[i], i))
    for i in by_remainder[: total - sum(widths)]:
        widths[i] += 1
    return widths


def text_style(table: Table) -> str:
    """五号 for narrow tables; 小五 for the 10-column 三 and the 15-column 四 (layout.md)."""
    return TABLE_TEXT_SMALL if table.small_type else TABLE_TEXT


def _table_props(widths: list[int]) -> etree._Element:
    """w:tblPr: full type-area width, centred, single borders all round, fixed layout."""
    borders = el("w:tblBorders", None, *(el(f"w:{side}", BORDER) for side in
                                         ("top", "left", "bottom", "right", "insideH",
                                          "insideV")))
    margins = el("w:tblCellMar", None,
                 el("w:top", {"w:w": str(CELL_MARGIN_TB), "w:type": "dxa"}),
                 el("w:left", {"w:w": str(CELL_MARGIN_LR), "w:type": "dxa"}),
                 el("w:bottom", {"w:w": str(CELL_MARGIN_TB), "w:type": "dxa"}),
                 el("w:right", {"w:w": str(CELL_MARGIN_LR), "w:type": "dxa"}))
    return el("w:tblPr", None,
              el("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}),
              el("w:jc", {"w:val": "center"}),
              borders,
              el("w:tblLayout", {"w:type": "fixed"}),
              margins,
              el("w:tblLook", {"w:val": "0000", "w:firstRow": "0", "w:lastRow": "0",
                               "w:firstColumn": "0", "w:lastColumn": "0",
                               "w:noHBand": "1", "w:noVBand": "1"}))


@functools.lru_cache(maxsize=1024)
def _cell_shell(width: int, colspan: int, merge: str | None, style: str, keep: bool,
                left: bool) -> etree._Element:
    """An empty w:tc with its properties; cached, and deep-copied per cell (cheaper than building).

    merge: None, "restart" (top of a vertical merge) or "continue" (a cell below it).
    """
    tcpr = el("w:tcPr", None, el("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
    if colspan > 1:
        tcpr.append(el("w:gridSpan", {"w:val": str(colspan)}))
    if merge:
        tcpr.append(el("w:vMerge", {"w:val": merge}))
    tcpr.append(el("w:vAlign", {"w:val": "center"}))  # text vertically centred
    ppr = el("w:pPr", None, el("w:pStyle", {"w:val": style}))
    if keep:  # banner and header rows keep with the next row (layout.md "Tables across pages")
        ppr.append(el("w:keepNext"))
    if left:  # row labels read better flush left; everything else centred
        ppr.append(el("w:jc", {"w:val": "left"}))
    return el("w:tc", None, tcpr, el("w:p", None, ppr))


def _cell(cell: GridCell, width: int, style: str, *, continued: bool,
          keep: bool) -> etree._Element:
    """One w:tc.  A continued cell is the lower part of a vertical merge and stays empty."""
    merge = None if cell.rowspan == 1 else "continue" if continued else "restart"
    tc = copy.deepcopy(_cell_shell(width, cell.colspan, merge, style, keep,
                                   cell.kind == "label"))
    if not continued:
        # empty text → empty paragraph, nothing invented
        add_text(tc[-1], _head_lines(cell, width, style) if cell.kind == "head" else cell.text)
    return tc


def _head_lines(cell: GridCell, width: int, style: str) -> str:
    """A column head broken between its words where it does not fit the column on one line
    (商业\n企业 rather than Word's 商业企\n业); other text is left to Word to wrap."""
    size = (SZ_TABLE_SMALL if style == TABLE_TEXT_SMALL else SZ_TABLE) * 10  # twips an ideograph
    capacity = (width - 2 * CELL_MARGIN_LR) // size
    if len(cell.words) == 1 or len(cell.text) <= capacity:
        return cell.text
    lines = [""]
    for word in cell.words:
        if lines[-1] and len(lines[-1]) + len(word) > capacity:
            lines.append("")
        lines[-1] += word
    return "\n".join(lines)


def grouped_rows(grid: list[list[Slot]], first_body: int) -> set[int]:
    """Body rows that must stay on the page of the row below: all but the last row of each
    innermost group (a row label spanning rows, e.g. （三）不予公开 over its eight reasons).

    Word keeps a table row with the next when its paragraphs are "keep with next", so a group
    label is never cut between pages ("（四）无法 / 提供").  Only innermost groups: an outer
    label (三、本年度办理结果) spans most of table 三 and would push the whole block onto a
    new page.
    """
    spans = {(r, r + cell.rowspan - 1) for r, slots in enumerate(grid) if r >= first_body
             for cell, anchor_row, _ in slots
             if cell.kind == "label" and cell.rowspan > 1 and anchor_row == r}
    innermost = [(top, end) for top, end in spans
                 if not any((t, e) != (top, end) and top <= t and e <= end for t, e in spans)]
    return {r for top, end in innermost for r in range(top, end)}


def _row(slots: list[Slot], r: int, widths: list[int], style: str, *,
         header: bool, grouped: bool = False) -> etree._Element:
    """One w:tr: never split across pages; header rows repeat on every page."""
    trpr = el("w:trPr", None, el("w:cantSplit"))
    if header:
        trpr.append(el("w:tblHeader"))
    row = el("w:tr", None, trpr)
    # a row of only banners/headers must not end a page (layout.md "Tables across pages"),
    # nor a row in the middle of a labelled group (see `grouped_rows`)
    keep = header or grouped or all(slot[0].kind in ("banner", "head", "note")
                                    for slot in slots)
    c = 0
    while c < len(slots):
        cell, anchor_row, anchor_col = slots[c]
        assert anchor_col == c, "spans are rectangles, so a row meets each cell at its left edge"
        width = sum(widths[c:c + cell.colspan])
        row.append(_cell(cell, width, style, continued=anchor_row != r, keep=keep))
        c += cell.colspan
    return row


def table_element(table: Table, width: int = TYPE_AREA_W) -> etree._Element:
    """The w:tbl of a statutory table, `width` twips wide (default: the 156 mm type area)."""
    widths = column_widths(table.col_fractions, width)
    grid = place(table.header + table.body, table.ncols)
    style = text_style(table)
    tbl = el("w:tbl", None, _table_props(widths),
             el("w:tblGrid", None, *(el("w:gridCol", {"w:w": str(w)}) for w in widths)))
    grouped = grouped_rows(grid, len(table.header))
    for r, slots in enumerate(grid):
        tbl.append(_row(slots, r, widths, style, header=r < len(table.header),
                        grouped=r in grouped))
    return tbl


def is_table(node: etree._Element) -> bool:
    """Whether a body element is a table (two tables in a row need a paragraph between)."""
    return node.tag == q("w:tbl")
