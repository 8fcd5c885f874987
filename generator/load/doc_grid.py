"""The shape every published report is read into: paragraphs and grids, in document order.

DESIGN.md, the load stage: "A published document is first turned into grids (rows × columns
with merged cells expanded) and paragraphs; from there the same label matcher that reads
workbooks finds the tables".  A grid is turned into the very `Sheet` the workbook locator
(xlsx_tables.locate) works on: a merged cell keeps its text in its top-left cell and covers
the others, as a merged range does in a workbook, so a header spanning three columns governs
the three value columns below it exactly as in Excel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.load.xlsx_book import Pos, Sheet, index_sheet

# A statutory table has at most ~30 rows and 11 columns; a layout table of a portal page
# can be larger, but nothing a report needs is beyond these (and spans are clamped to them).
MAX_ROWS = 2_000
MAX_COLS = 64
MAX_GRID_CELLS = 200_000  # all grids of one document together


@dataclass
class Paragraph:
    """One paragraph of running text.

    lead: the text of its bold runs at its start (a run-in heading such as
    “（一）主动公开情况。”), "" when it starts in plain type; heading: a heading style, or a
    paragraph wholly in bold (the way most offices mark section headings).
    """

    text: str
    lead: str = ""
    heading: bool = False

    @classmethod
    def of(cls, pieces: list[tuple[str, bool]], heading: bool,
           clean: Callable[[str], str] = lambda t: t) -> Paragraph:
        """A paragraph from its runs, (text, bold) each: the lead is the bold text before
        the first plain visible run; a paragraph whose visible runs are all bold is a
        heading (as is one in a heading style)."""
        lead = ""
        for text, bold in pieces:
            if not bold and text.strip():
                break
            lead += text
        visible = [bold for text, bold in pieces if text.strip()]
        return cls(clean("".join(t for t, _ in pieces)), clean(lead) if lead.strip() else "",
                   heading or (bool(visible) and all(visible)))


@dataclass
class Grid:
    """One table: the text of each cell at its top-left position, and its merged ranges.

    cells: (row, col) → text, 1-based; merges: (top, left, bottom, right) of every cell
    spanning more than one grid position.
    """

    cells: dict[Pos, str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


Block = Paragraph | Grid


def stack(grids: list[tuple[int, Grid]]) -> tuple[Grid, list[tuple[int, int]]]:
    """All tables of a document one below the other, and (row offset, table number) of each.

    A statutory table printed as two tables (cut at a page, continued as "续表", with or
    without its header repeated) is whole again here; the locator skips a repeated header
    as it skips any extra row.
    """
    whole, segments, offset = Grid(), [], 0
    for number, grid in grids:
        segments.append((offset, number))
        for (r, c), text in grid.cells.items():
            whole.cells[(r + offset, c)] = text
        whole.merges.extend((t + offset, left, b + offset, right)
                            for t, left, b, right in grid.merges)
        offset += max([r for r, _ in grid.cells] + [b for _, _, b, _ in grid.merges], default=0)
    return whole, segments


class _Cell:
    """What the locator and the value reader ask of a worksheet cell."""

    __slots__ = ("value",)
    number_format = "General"  # published numbers are text: "1,286" is read as in a workbook
    data_type = "s"

    def __init__(self, value: str) -> None:
        self.value = value


@dataclass(frozen=True)
class _Range:
    """A merged range as openpyxl describes one (index_sheet reads these attributes)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def size(self) -> dict[str, int]:
        return {"rows": self.max_row - self.min_row + 1, "columns": self.max_col - self.min_col + 1}


@dataclass
class _Merged:
    ranges: list[_Range]


@dataclass
class _Worksheet:
    """Just enough of an openpyxl worksheet for xlsx_book.index_sheet and the locator."""

    _cells: dict[Pos, Any]
    merged_cells: _Merged


def grid_sheet(title: str, grid: Grid) -> Sheet:
    """The locator's Sheet of a grid (empty cells are left out, as openpyxl leaves them)."""
    cells = {pos: _Cell(text) for pos, text in grid.cells.items() if text.strip()}
    ranges = [_Range(*m) for m in grid.merges]
    return index_sheet(title, _Worksheet(cells, _Merged(ranges)))


class GridBuilder:
    """Places cells with row and column spans on a grid, the way browsers lay out tables.

    A cell goes to the first free column of its row (positions taken by a row span from
    above are skipped); spans are clamped to the grid limits so a hostile colspan="99999"
    costs nothing.  The total of grid positions of a document is bounded (LoadError).
    """

    def __init__(self, name: str, budget: list[int]) -> None:
        self.name = name
        self.grid = Grid()
        self.taken: set[Pos] = set()
        self.row = 0
        self.col = 0
        self.budget = budget  # shared by the grids of one document: [positions left]

    def new_row(self) -> bool:
        """Start the next row; False once the grid has MAX_ROWS rows."""
        if self.row >= MAX_ROWS:
            return False
        self.row += 1
        self.col = 1
        return True

    def skip(self, cols: int) -> None:
        """Leave columns empty (Word's gridBefore: a row starting further right)."""
        self.col = min(self.col + max(cols, 0), MAX_COLS + 1)

    def add(self, text: str, rowspan: int = 1, colspan: int = 1) -> Pos | None:
        """Place one cell; its top-left position (None when beyond the column limit)."""
        while (self.row, self.col) in self.taken:
            self.col += 1
        if self.col > MAX_COLS:
            return None
        top, left = self.row, self.col
        bottom = min(top + max(rowspan, 1) - 1, MAX_ROWS)
        right = min(left + max(colspan, 1) - 1, MAX_COLS)
        area = (bottom - top + 1) * (right - left + 1)
        self.budget[0] -= area
        if self.budget[0] < 0:
            raise LoadError([Problem(self.name, "文档中的表格过大（单元格总数超过"
                                                f" {MAX_GRID_CELLS} 个），不像是年报，已拒绝读取")])
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                self.taken.add((r, c))
        self.grid.cells[(top, left)] = text
        if area > 1:
            self.grid.merges.append((top, left, bottom, right))
        self.col = right + 1
        return top, left

    def extend_down(self, anchor: Pos, col_from: int, col_to: int) -> None:
        """Word's vMerge continuation: the anchor's merged range grows down to this row."""
        for i, (top, left, bottom, right) in enumerate(self.grid.merges):
            if (top, left) == anchor:
                self.grid.merges[i] = (top, left, max(bottom, self.row), right)
                break
        else:
            self.grid.merges.append((anchor[0], anchor[1], self.row, col_to))
        for c in range(col_from, col_to + 1):
            self.taken.add((self.row, c))
        self.budget[0] -= col_to - col_from + 1
        self.col = col_to + 1
