"""A PDF report with a text layer as paragraphs and grids, in document order.

PDFium (pypdfium2, pdfplumber's own dependency) reads the characters of every page in a few
milliseconds each; a page whose text holds three or more labels of the statutory tables
(schemas/), or that follows such a page, and that draws lines, is a table page: its ruling
lines are read from PDFium's path objects as well (pdf_lines.py), or, where that reader cannot
take the page, by pdfplumber (pdfminer) as before (pdf_tables.py), and they rebuild the tables
(pdf_grid.py).  Text outside the tables becomes paragraphs (pdf_text.py).  A PDF of images only
(a scan) is refused with what to provide instead; so is anything that is not a readable PDF, or
one of absurd size.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.load.doc_grid import Block
from nianbao.load.pdf_grid import PageTable
from nianbao.load.pdf_join import join, union_columns
from nianbao.load.pdf_lines import page_edges
from nianbao.load.pdf_tables import (
    LABEL_HITS,
    MAX_TABLE_PAGES,
    PARSE_ERRORS,
    Cells,
    fast_cells,
    label_hits,
    read_tables,
    too_many,
)
from nianbao.load.pdf_text import (
    Char,
    Line,
    Margins,
    body_size,
    drop_furniture,
    margins,
    page_lines,
    paragraph,
    starts_paragraph,
)
from nianbao.load.sniff import content_kind

MAX_PAGES = 200  # a report has a few pages; a PDF claiming more is refused
MAX_CHARS = 400_000  # characters of all pages together
INSTEAD = ("请提供该年报的 Word 文档（.docx）或网页（.html），或机关填报用的工作簿（.xlsx）"
           "/ YAML 数据文件")
NOT_PDF = "不是可读取的 PDF 文档"
SCAN = ("这是扫描件（PDF 各页只有图像，没有文字层），无法读取其中的文字和数字：" + INSTEAD)
_OBJ_PATH, _OBJ_IMAGE = 2, 3  # FPDF_PAGEOBJ_PATH, FPDF_PAGEOBJ_IMAGE
_PASSWORD = 4  # FPDF_ERR_PASSWORD
BROKEN_TABLE = f"{NOT_PDF}（文件已损坏，该页的表格无法解析）：{INSTEAD}"


def refuse(name: str, why: str) -> LoadError:
    return LoadError([Problem(name, f"{NOT_PDF}（{why}）：{INSTEAD}")])


class _Pdfium:
    """The characters of every page, read with PDFium."""

    def __init__(self, data: bytes, name: str) -> None:
        import pypdfium2 as pdfium

        self.name = name
        try:
            self.pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as err:
            if err.err_code == _PASSWORD:
                raise LoadError([Problem(name, "PDF 设置了打开密码：请提供未加密的文件，或"
                                               + INSTEAD.removeprefix("请提供"))]) from None
            raise refuse(name, "文件已损坏，无法打开") from None

    def close(self) -> None:
        self.pdf.close()

    def count(self) -> int:
        return len(self.pdf)

    def page(self, index: int, after_table: bool, want_lines: bool) -> _Page:
        """One page read while it is open: its characters and height, whether it holds an
        image, and — for a table page (its labels, or `after_table`: the page before held a
        table's labels) when `want_lines` — its ruling lines."""
        from pypdfium2 import raw

        page = self.pdf[index]
        try:
            top = page.get_mediabox()[3]  # pdfplumber measures from the media box's top
            text = page.get_textpage()
            chars = _chars(raw, text, top)
            text.close()
            image = not chars and _has_object(raw, page, _OBJ_IMAGE)
            out = _Page(chars, page.get_height(), image, label_hits(chars))
            if (out.hits >= LABEL_HITS or after_table) and _has_object(raw, page, _OBJ_PATH):
                out.ruled = True
                if want_lines:
                    out.cells = fast_cells(page_edges(raw, page))
            return out
        finally:
            page.close()


@dataclass
class _Page:
    """What the one pass over a page learns of it."""

    chars: list[Char]
    height: float
    image: bool
    hits: int  # labels of the statutory tables in its text
    ruled: bool = False  # a table page: holds labels (or follows such a page) and draws lines
    cells: Cells | str = ""  # its tables' cells from PDFium's lines, or why pdfplumber's


@dataclass
class _Pages:
    """Every page's characters, height and label hits, and the table pages' ruling lines."""

    chars: list[list[Char]] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)
    ruled: dict[int, Cells | str] = field(default_factory=dict)  # table pages: _Page.cells


def _chars(raw: Any, text: Any, top: float) -> list[Char]:
    """A text page's characters (PDFium's generated spaces and line breaks left out)."""
    handle = text.raw  # the bare handle: pypdfium2's wrapper costs a lookup per call
    box = raw.FS_RECTF()
    at = ctypes.byref(box)
    out = []
    unicode, loose, generated = (raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox,
                                 raw.FPDFText_IsGenerated)
    text_object = _object_address(raw)
    bold: dict[int | None, bool] = {}  # text object → set in bold
    for i in range(raw.FPDFText_CountChars(handle)):
        code = unicode(handle, i)
        if code in (10, 13, 0) or code > 0x10FFFF or (code == 32 and generated(handle, i)):
            continue
        if not loose(handle, i, at):
            continue
        key = text_object(handle, i)
        heavy = bold.get(key)
        if heavy is None:
            heavy = bold[key] = _is_bold(raw, handle, i, key)
        out.append(Char(chr(code), box.left, box.right, top - box.top, top - box.bottom, heavy))
    return out


@lru_cache(maxsize=1)
def _object_address(raw: Any) -> Any:
    """FPDFText_GetTextObject returning the object's address as an int (None for none): a
    dictionary key without a ctypes.cast per character (~4 µs each, a third of the loop)."""
    address = ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value or 0
    return ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(address)


_BOLD_NAMES = ("bold", "heavy", "black", "semibold", "demi", "hei", "黑")
_FILL_STROKE = 2  # FPDF_TEXTRENDERMODE_FILL_STROKE: Word's and LibreOffice's synthetic bold


def _is_bold(raw: Any, text: Any, index: int, obj: int | None) -> bool:
    """Whether a character is set in bold: a bold face by name or weight, or drawn filled
    and stroked (bold made up for a face without one); obj is its text object's address."""
    name = ctypes.create_string_buffer(128)
    raw.FPDFText_GetFontInfo(text, index, name, 128, None)
    face = name.value.decode("latin-1").lower()
    if any(word in face for word in _BOLD_NAMES) or raw.FPDFText_GetFontWeight(text, index) >= 600:
        return True
    if not obj:
        return False
    handle = ctypes.cast(ctypes.c_void_p(obj), raw.FPDF_PAGEOBJECT)
    return bool(raw.FPDFTextObj_GetTextRenderMode(handle) == _FILL_STROKE)


def _has_object(raw: Any, page: Any, kind: int) -> bool:
    count = raw.FPDFPage_CountObjects(page)
    return any(raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page, i)) == kind
               for i in range(min(count, 100_000)))


def read_pdf_blocks(path: Path, name: str) -> list[Block]:
    """Paragraphs and grids of a PDF with a text layer (raises LoadError for anything else:
    a scan, a damaged file, not a PDF, more than MAX_PAGES pages)."""
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise refuse(name, content_kind(data, "pdf"))
    read = _read_pages(data, name)
    tables = read_tables(data, name, read.ruled, read.hits, read.chars, BROKEN_TABLE)
    lines = drop_furniture([page_lines(i + 1, chars) for i, chars in enumerate(read.chars)],
                           read.heights)
    return _blocks(lines, tables)


def _read_pages(data: bytes, name: str) -> _Pages:
    """Every page's characters and height, and the table pages' ruling lines (PDFium), in
    one pass: each page is loaded once."""
    reader = _Pdfium(data, name)
    try:
        count = reader.count()
        if count == 0:
            raise refuse(name, "文档没有页面")
        if count > MAX_PAGES:
            raise LoadError([Problem(name, f"PDF 共 {count} 页，超过 {MAX_PAGES} 页，不像是一份年报，"
                                           "已拒绝读取：请只提供年报本身")])
        out = _Pages()
        images = total = 0
        for i in range(count):
            # a table's last rows may follow on the next page: it is a table page too
            after = bool(out.hits) and out.hits[-1] >= LABEL_HITS
            page = reader.page(i, after, len(out.ruled) < MAX_TABLE_PAGES)
            out.chars.append(page.chars)
            out.heights.append(page.height)
            out.hits.append(page.hits)
            if page.ruled:
                out.ruled[i] = page.cells
            images += page.image
            total += len(page.chars)
            if total > MAX_CHARS:
                raise LoadError([Problem(f"{name} 第{i + 1}页", f"PDF 的文字超过 {MAX_CHARS} 个字符，"
                                                              "不像是一份年报，已拒绝读取")])
        if not any(out.chars):
            raise LoadError([Problem(name, SCAN if images else
                                     f"{NOT_PDF}（各页没有可读取的文字）：{INSTEAD}")])
        if len(out.ruled) > MAX_TABLE_PAGES:
            raise too_many(name, len(out.ruled))
        return out
    except PARSE_ERRORS:
        raise refuse(name, "文件已损坏，无法读取页面内容") from None
    finally:
        reader.close()


def _blocks(pages: list[list[Line]], tables: dict[int, list[PageTable]]) -> list[Block]:
    """Lines and tables in reading order: lines joined into paragraphs, a table continued
    at the top of the next page joined to the one ending the page before."""
    body = body_size(pages)
    blocks: list[Block] = []
    run: list[Line] = []
    last: Line | PageTable | None = None  # the item before, for joining a table
    bounds: Margins = Margins(0, 0, body)
    for index, lines in enumerate(pages):
        here = margins(lines, body)
        items: list[tuple[float, Line | PageTable]] = [(ln.top, ln) for ln in lines]
        items += [(t.top, t) for t in tables.get(index, [])]
        for _, item in sorted(items, key=lambda pair: pair[0]):
            if isinstance(item, PageTable):
                if run:
                    blocks.append(paragraph(run, body))
                    run = []
                # .page is 1-based: the table before ended the page before this one
                columns = union_columns(last.columns, item.columns) \
                    if isinstance(last, PageTable) and last.page == index else None
                if isinstance(last, PageTable) and columns and _first(item, lines):
                    join(last, item, columns)
                    continue
                blocks.append(item.grid)
                last = item
                continue
            prev = run[-1] if run else None
            if run and starts_paragraph(item, prev, here, bounds):
                blocks.append(paragraph(run, body))
                run = []
            run.append(item)
            last, bounds = item, here
    if run:
        blocks.append(paragraph(run, body))
    return blocks


def _first(table: PageTable, lines: list[Line]) -> bool:
    """Whether a table is the first thing on its page."""
    return not any(ln.top < table.top for ln in lines)
