"""The ruled tables of a PDF's table pages: from PDFium's path objects, or else pdfplumber's.

Which pages hold a statutory table is told by their text (pdf_doc.py reads it with PDFium);
their ruling lines come from PDFium's path objects (pdf_lines.py: the edges pdfplumber would
find, in milliseconds), and pdfplumber's table finder (ported: pdf_cells.py, so pdfplumber and
pdfminer are not even imported) turns them into cells.  A page the fast
reader cannot take (pdf_lines.page_edges gives None), or on which it finds no table although
the page's text holds the tables' labels, is parsed by pdfplumber (pdfminer) as before: slower,
never less exact.  When that happens it is said once per file (a logged warning), never
silently.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from nianbao import schemas
from nianbao.errors import LoadError, Problem
from nianbao.load.pdf_cells import Bbox, find_cells
from nianbao.load.pdf_grid import SETTINGS, PageTable, fill, find_tables, tables_from_cells
from nianbao.load.pdf_lines import EdgeDict
from nianbao.load.pdf_text import Char
from nianbao.load.xlsx_labels import normalise

_LOG = logging.getLogger(__name__)
LABEL_HITS = 3  # labels of the statutory tables that mark a page holding one
MAX_TABLE_PAGES = 16  # pages read for their ruling lines
# what pdfminer and pdfplumber may raise on a damaged file beside their own exceptions
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError, OverflowError,
    ZeroDivisionError, RecursionError, UnicodeError, LookupError, EOFError, OSError)
Cells = list[list[Bbox]]  # the cells of each table of a page
SLOW = "%s：第%s页的表格线无法从 PDFium 读出（%s），已改用较慢的 pdfplumber 解析这些页"


@lru_cache(maxsize=1)
def table_labels() -> tuple[str, ...]:
    """Normalised labels of the statutory tables of every edition (4 characters or more:
    shorter ones such as 总计 occur in any text)."""
    found = {normalise(cell.text) for edition in schemas.EDITIONS.values()
             for layout in edition.tables for row in layout.rows for cell in row
             if cell.kind != "value" and cell.text}
    return tuple(sorted(t for t in found if len(t) >= 4))


def label_hits(chars: list[Char]) -> int:
    """How many labels of the statutory tables a page's text holds."""
    text = normalise("".join(c.text for c in chars))
    return sum(label in text for label in table_labels())


def too_many(name: str, count: int) -> LoadError:
    return LoadError([Problem(name, f"PDF 中有 {count} 页含统计表的标签，超过 {MAX_TABLE_PAGES} 页，"
                                    "不像是一份年报，已拒绝读取：请只提供年报本身")])


def fast_cells(edges: list[EdgeDict] | None) -> Cells | str:
    """The cells of a page's tables from its edges read by PDFium (pdf_lines.page_edges), or
    why pdfplumber must read the page instead.  Called while the page is open, so that only
    one page's edges are held at a time."""
    if edges is None:
        return "页面旋转、坐标原点不在左下角或内容过于复杂"
    try:
        return find_cells(edges, SETTINGS)
    except PARSE_ERRORS:
        return "表格线不合常规"


def read_tables(data: bytes, name: str, ruled: dict[int, Cells | str], hits: list[int],
                pages: list[list[Char]], failed: str) -> dict[int, list[PageTable]]:
    """The ruled tables of the table pages (0-based index → fast_cells), PDFium's characters
    in their cells; such a page keeps the characters outside its tables (pages[i] is changed
    in place), so all running text comes from one reader.  `failed` is the message of a
    LoadError for a page that cannot be parsed."""
    out: dict[int, list[PageTable]] = {}
    slow: dict[int, str] = {}
    for index, cells in ruled.items():
        if isinstance(cells, str):
            slow[index] = cells
            continue
        tables = tables_from_cells(cells, index + 1)
        if not tables and hits[index] >= LABEL_HITS:
            slow[index] = "页面含统计表的标签却找不到表格线"
            continue
        out[index] = tables
    if slow:
        _LOG.warning(SLOW, name, "、".join(str(i + 1) for i in sorted(slow)),
                     "；".join(dict.fromkeys(slow.values())))
        out.update(_pdfplumber_tables(data, name, sorted(slow), failed))
    for index in sorted(out):
        pages[index] = _place(pages[index], out[index])
    return dict(sorted(out.items()))


def _pdfplumber_tables(data: bytes, name: str, numbers: list[int],
                       failed: str) -> dict[int, list[PageTable]]:
    """The ruled tables of the given pages as pdfplumber (pdfminer) finds them."""
    import pdfplumber
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    out: dict[int, list[PageTable]] = {}
    current = numbers[0]
    errors = (PdfminerException, MalformedPDFException) + PARSE_ERRORS
    try:
        with pdfplumber.open(io.BytesIO(data), pages=[n + 1 for n in numbers]) as pdf:
            for index, page in zip(numbers, pdf.pages, strict=True):
                current = index
                out[index] = find_tables(page, index + 1)
    except errors:
        raise LoadError([Problem(f"{name} 第{current + 1}页", failed)]) from None
    return out


def _place(chars: list[Char], tables: list[PageTable]) -> list[Char]:
    """Fill the tables with the characters inside them; the characters outside any."""
    inside: dict[int, list[Char]] = {}
    outside = []
    for ch in chars:
        x, y = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        for n, table in enumerate(tables):
            if table.top <= y <= table.bottom and table.columns[0] <= x <= table.columns[-1]:
                inside.setdefault(n, []).append(ch)
                break
        else:
            outside.append(ch)
    for n, table in enumerate(tables):
        fill(table, inside.get(n, []))
    return outside

