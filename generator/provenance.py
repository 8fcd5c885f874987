"""Where a value came from: a YAML file line and key path, a workbook sheet and cell, or
a table (its number in the document, row and column) or paragraph of a published report."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

Path = tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """The location of one input value, printed in every message about it."""

    file: str
    line: int | None = None
    column: int | None = None
    key: str | None = None
    sheet: str | None = None
    cell: str | None = None
    # published reports (DOCX/HTML): the table's number in the document and the row and
    # column within it, or the paragraph's number, all 1-based; page is kept for PDF.
    # None unless set, so the JSON `source` of workbooks and YAML keeps its keys.
    page: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    paragraph: int | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.file} 工作表“{self.sheet}” {self.cell}"
        if self.table is not None or self.paragraph is not None or self.page is not None:
            return self._printed()
        where = f"{self.file}"
        if self.line is not None:
            where += f" 第{self.line}行"
        if self.key:
            where += f" {self.key}"
        return where

    def _printed(self) -> str:
        """'某局年报.docx 第3个表格 第6行第4列' (where a clerk finds it in the document)."""
        where = self.file
        if self.page is not None:
            where += f" 第{self.page}页"
        if self.table is not None:
            where += f" 第{self.table}个表格"
            if self.row is not None and self.col is not None:
                where += f" 第{self.row}行第{self.col}列"
        elif self.paragraph is not None:
            where += f" 第{self.paragraph}段"
        return where

    def as_json(self) -> dict[str, object]:
        """The JSON `source` object: only the fields that apply."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def key_path(path: Path) -> str:
    """('table3', 'new', 'natural') → 'table3.new.natural'."""
    return ".".join(str(p) for p in path)


@dataclass
class Sources:
    """Provenance of every value read, keyed by model path."""

    file: str
    by_path: dict[Path, Source]

    def find(self, path: Path) -> Source:
        """The source of a path, or of its nearest ancestor that was in the file.

        A key the clerk left out has no line of its own; pointing at its parent mapping
        is the most useful place to send them.
        """
        for n in range(len(path), -1, -1):
            src = self.by_path.get(tuple(path[:n]))
            if src is not None:
                if n == len(path):
                    return src
                return replace(src, key=key_path(path))
        return Source(self.file, key=key_path(path))


_A1 = re.compile(r"([A-Z]{1,3})(\d+)")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def span(sources: list[Source]) -> str:
    """Where many values are, in one phrase: '年报.xlsx 工作表“表三” B6:H30',
    '年报.yaml 第58–96行', '年报.pdf 第4–5页 第2个表格'; '等' when some lie elsewhere."""
    first = sources[0]
    same = [s for s in sources if (s.file, s.sheet, s.table) == (first.file, first.sheet, first.table)]
    more = "等" if len(same) < len(sources) else ""
    cells = [m for s in same if s.cell and (m := _A1.fullmatch(s.cell))]
    if first.sheet is not None and len(cells) == len(same):
        cols = [_column_number(m[1]) for m in cells]
        rows = [int(m[2]) for m in cells]
        corner = f"{_column_letters(min(cols))}{min(rows)}"
        far = f"{_column_letters(max(cols))}{max(rows)}"
        return f"{first.file} 工作表“{first.sheet}” {corner}" + (f":{far}" if far != corner else "") + more
    lines = [s.line for s in same if s.line is not None]
    if first.sheet is None and first.table is None and len(lines) == len(same):
        low, high = min(lines), max(lines)
        return f"{first.file} 第{low}行" if low == high else f"{first.file} 第{low}–{high}行" + more
    if first.table is not None:
        pages = sorted({s.page for s in same if s.page is not None})
        where = first.file
        if pages:
            where += f" 第{pages[0]}页" if len(pages) == 1 else f" 第{pages[0]}–{pages[-1]}页"
        return f"{where} 第{first.table}个表格{more}"
    return str(first) + more
