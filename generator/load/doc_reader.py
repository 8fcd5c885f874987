"""Published reports (.docx, .html/.htm, .pdf) read back into plain values with provenance.

The document is first turned into paragraphs and grids (docx_doc.py, html_doc.py, pdf_doc.py); every
grid becomes a `Sheet`, and the workbook reader's table code (xlsx_reader._Reader with
xlsx_tables.locate) finds tables 二/三/四 by the labels of schemas/ exactly as in a workbook —
typos are LABELS warnings, blank printed cells BLANK errors, "—" a zero spelling.  Only the
locations differ: a value's source is the table's number in the document and the row and
column within it (Source.table/row/col), and for a PDF the page (Source.page).  The narrative is split by its headings
(doc_text.py); agency and year come from the title line, the publication date from the 落款.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from nianbao import schemas
from nianbao.errors import LoadError, Problem
from nianbao.load.doc_facts import read_facts
from nianbao.load.doc_grid import Block, Grid, Paragraph, grid_sheet, stack
from nianbao.load.doc_groups import read_collapsed
from nianbao.load.doc_text import (
    agency_kind,
    document_title,
    find_title,
    put,
    read_narrative,
    signature_date,
)
from nianbao.load.xlsx_book import Pos, Sheet
from nianbao.load.xlsx_reader import _edition, _edition_by_labels, _Reader
from nianbao.load.xlsx_tables import locate
from nianbao.provenance import Source, Sources

if TYPE_CHECKING:
    from nianbao.load import RawReport

NO_TABLES = "文档中没有表格：找不到年报的统计表（表二、表三、表四），请提供含表格的 Word 文档或网页"


class _DocBook:
    """The grids of a document as the workbook reader sees a book: sheets, no formulas."""

    def __init__(self, sheets: list[Sheet]) -> None:
        self.sheets = sheets

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def has_formulas(self) -> bool:
        return False

    def formula(self, title: str, pos: Pos) -> str | None:
        return None


class _DocReader(_Reader):
    """The workbook reader with document locations: 第3个表格 第6行第4列."""

    def __init__(self, book: Any, name: str, numbers: dict[str, int],
                 whole: tuple[Sheet, list[tuple[int, int]]]) -> None:
        super().__init__(book, name)
        self.numbers = numbers  # sheet title → the table's number in the document
        self.whole, self.segments = whole  # all tables stacked; (row offset, number) of each
        self.group_rows: dict[tuple[str, ...], Any] = {}  # a group printed as one row
        self.pages: dict[int, dict[int, int]] = {}  # PDF: table number → row → page

    def source(self, sheet: Sheet, pos: Pos) -> Source:
        if sheet is self.whole:  # back from the stacked rows to the table that printed them
            offset, number = max(s for s in self.segments if s[0] < pos[0])
            row = pos[0] - offset
        else:
            number, row = self.numbers[sheet.title], pos[0]
        page = self.pages.get(number, {}).get(row)  # PDF: the page that printed the row
        return Source(self.name, page=page, table=number, row=row, col=pos[1])

    def value(self, sheet: Sheet, pos: Pos, words: str = "") -> Any:
        return sheet.raw(pos)  # printed text: no formulas to compute

    def read_table(self, layout: Any) -> None:
        """Read a table from the one document table holding it; when that leaves cells
        unplaced (or finds no table) and the document's tables stacked place more of them
        (a table printed in two parts), read it again from those."""
        before, notes = len(self.problems), len(self.notes)
        super().read_table(layout)
        placed = self._placed(layout, before)
        if len(self.segments) > 1 and placed < len(layout.slots):
            joined = locate(layout, [self.whole])
            if joined is not None and len(joined.cells) > placed:
                self._forget(layout, before, notes)
                singles, self.book.sheets = self.book.sheets, [self.whole]
                try:
                    super().read_table(layout)
                finally:
                    self.book.sheets = singles
        for i in range(before, len(self.problems)):  # the workbook's words, said of a document
            problem = self.problems[i]
            message = problem.message.replace("在各工作表中", "在文档的各表格中").replace(
                "在工作簿中", "在文档中").replace("工作表", "")
            self.problems[i] = Problem(problem.where, message)

    def _uncovered(self, loc: Any, corner: Source) -> None:
        """The workbook's notes on values not placed, then a group printed as one row
        (表三 （六）其他处理 without its sub-rows) read as such (doc_groups.py)."""
        super()._uncovered(loc, corner)
        read_collapsed(self, loc, self.group_rows)

    def _placed(self, layout: Any, before: int) -> int:
        """Value cells of a table just read that were placed (0 when it was not found)."""
        if len(self.problems) > before:
            return 0
        return sum(slot.path not in self.unlocated for slot in layout.slots)

    def _forget(self, layout: Any, problems: int, notes: int) -> None:
        """Undo what reading a table left, before it is read again another way."""
        table = layout.slots[0].path[0]
        del self.problems[problems:], self.notes[notes:]
        self.data.pop(table, None)
        for paths in (self.sources, self.zero_spellings):
            for path in [p for p in paths if p[:1] == (table,)]:
                del paths[path]
        self.unlocated = {p for p in self.unlocated if p[:1] != (table,)}
        self.group_rows = {p: v for p, v in self.group_rows.items() if p[:1] != (table,)}


def read_document(path: FilePath, name: str) -> RawReport:
    """Read a .docx, .html/.htm or .pdf report (raises LoadError, every problem at once)."""
    from nianbao.load import RawReport

    if path.suffix.lower() == ".docx":
        from nianbao.load.docx_doc import read_docx_blocks
        blocks = read_docx_blocks(path, name)
    elif path.suffix.lower() == ".pdf":
        from nianbao.load.pdf_doc import read_pdf_blocks
        blocks = read_pdf_blocks(path, name)
    else:
        from nianbao.load.html_doc import read_html_blocks
        blocks = read_html_blocks(path, name)
    paras, grids = _number(blocks)
    numbers = {f"表格{n}": n for n, _ in grids}
    book = _DocBook([grid_sheet(f"表格{n}", grid) for n, grid in grids])
    if _edition_by_labels(book) is None:  # type: ignore[arg-type]  # duck-typed: .sheets
        items = _read_items(paras, name)  # no 2019/2021 table: a 2008-edition report?
        if items is not None:
            return _paged(items, paras)
    if not grids:
        raise LoadError([Problem(name, NO_TABLES)])
    whole, segments = stack(grids)
    reader = _DocReader(book, name, numbers, (grid_sheet("各表格", whole), segments))
    reader.pages = {n: getattr(grid, "pages", {}) for n, grid in grids}  # PdfGrid's
    edition = _edition({}, book)  # type: ignore[arg-type]  # duck-typed: .sheets only
    reader.data["edition"] = edition.id
    for layout in edition.tables:
        reader.read_table(layout)
    if reader.problems:
        unique = {(p.where, p.message): p for p in reader.problems}
        raise LoadError(list(unique.values()))
    _read_text(reader, paras, edition)
    return _paged(RawReport(reader.data, Sources(name, reader.sources), name, reader.notes,
                            reader.unlocated, reader.zero_spellings,
                            group_rows=reader.group_rows, printed=True), paras)


def _paged(raw: RawReport, paras: list[tuple[int, Paragraph]]) -> RawReport:
    """A PDF's paragraph sources with the page each paragraph starts on (PdfParagraph)."""
    pages = {n: page for n, p in paras if (page := getattr(p, "page", None)) is not None}
    if pages:
        for path, src in raw.sources.by_path.items():
            if src.paragraph in pages and src.page is None:
                raw.sources.by_path[path] = replace(src, page=pages[src.paragraph])
    return raw


def _read_items(paras: list[tuple[int, Paragraph]], name: str) -> RawReport | None:
    """A report without the tables of 2019/2021 whose title names a year of an edition
    without tables (2008: 2008–2018), read as its narrative items (doc_items.py); None
    otherwise."""
    from nianbao.load import RawReport
    from nianbao.load.doc_items import read_items

    title = find_title(paras, len(paras) + 1)
    edition = schemas.EDITIONS[schemas.edition_for_year(title[1])] if title else None
    if title is None or edition is None or edition.family != "items":
        return None
    agency, year, number = title
    data: dict[str, Any] = {"edition": edition.id, "agency": {"name": agency}, "year": year}
    paths: tuple[tuple[str, ...], ...] = (("agency", "name"), ("year",), ("agency", "kind"))
    sources = {path: Source(name, paragraph=number) for path in paths}
    kind = agency_kind(agency)
    if kind is not None:
        data["agency"]["kind"] = kind.value
    start = number + (1 if document_title(_text(paras, number)) else 2)
    narrative, where, date = read_items(paras, start, agency)
    data["narrative"] = narrative
    sources.update({path: Source(name, paragraph=n) for path, n in where.items()})
    if date is not None:
        data["published"] = date
    return RawReport(data, Sources(name, sources), name, printed=True)


def _text(paras: list[tuple[int, Paragraph]], number: int) -> str:
    return next(p.text for n, p in paras if n == number)


def _number(blocks: list[Block]) -> tuple[list[tuple[int, Paragraph]], list[tuple[int, Grid]]]:
    """Non-empty paragraphs and tables, each numbered from 1 in document order."""
    paras: list[tuple[int, Paragraph]] = []
    grids: list[tuple[int, Grid]] = []
    for block in blocks:
        if isinstance(block, Grid):
            if block.cells:
                grids.append((len(grids) + 1, block))
        elif block.text.strip():
            paras.append((len(paras) + 1, block))
    return paras, grids


def _read_text(reader: _DocReader, paras: list[tuple[int, Paragraph]],
               edition: schemas.Edition) -> None:
    """Title (agency, year), the narrative sections and parts, the 落款 date."""
    narrative = read_narrative(paras, edition.sections)
    first = min(narrative.where.values(), default=len(paras) + 1)
    title = find_title(paras, first)
    agency = None
    if title is not None:
        agency, year, number = title
        put(reader.data, ("agency", "name"), agency)
        put(reader.data, ("year",), year)
        paths: tuple[tuple[str, ...], ...] = (("agency", "name"), ("year",), ("agency", "kind"))
        kind = agency_kind(agency)
        if kind is not None:
            put(reader.data, ("agency", "kind"), kind.value)
        for path in paths:
            reader.sources[path] = Source(reader.name, paragraph=number)
    last = max(narrative.texts, key=lambda p: narrative.where[p], default=None)
    if last is not None:
        date, drop = signature_date(narrative.texts[last], agency)
        if drop:
            del narrative.texts[last][-drop:]
        if date is not None:
            reader.data["published"] = date
            reader.sources[("published",)] = Source(reader.name, paragraph=_last_number(paras))
    read_facts(reader.data, reader.sources, reader.name, paras, narrative, first)
    for text_path, texts in narrative.texts.items():
        if texts:
            put(reader.data, text_path, "\n".join(texts))
    for text_path, number in narrative.where.items():
        reader.sources[text_path] = Source(reader.name, paragraph=number)


def _last_number(paras: list[tuple[int, Paragraph]]) -> int:
    return paras[-1][0] if paras else 1
