"""Tables of a PDF page rebuilt from their ruling lines, and joined across page breaks.

pdfplumber finds the cells a table's lines enclose (a merged cell is one cell: no line runs
through it); the distinct cell edges give the grid's rows and columns, so a cell spanning
several of them is a merged range exactly as Word's gridSpan/vMerge or HTML's spans give it.
Each character goes to the cell its centre lies in; a cell's wrapped lines are joined.
Parts of one table printed on consecutive pages are joined by pdf_join.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from nianbao.load.doc_grid import MAX_COLS, MAX_ROWS, Grid
from nianbao.load.pdf_text import Char, group_lines, join_chars, join_lines
from nianbao.load.xlsx_book import Pos

# pdfplumber's table finder on ruling lines only (text alignment would take any columns of
# figures for a table); close parallel edges (a border drawn as a thin rectangle) are one
SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
            "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}
TOLERANCE = 2.5  # points within which two cell edges are the same grid line
Bbox = tuple[float, float, float, float]  # a cell: x0, top, x1, bottom


class PdfGrid(Grid):
    """A grid with the PDF page each of its rows was printed on."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[int, int] = {}  # grid row → page (1-based)


@dataclass
class PageTable:
    """A table found on one page: its grid, where it sits and its column lines."""

    page: int
    top: float
    bottom: float
    columns: list[float]  # x of every vertical grid line, left to right
    rows: list[float]  # y of every horizontal grid line, top to bottom
    grid: PdfGrid = field(default_factory=PdfGrid)

    @property
    def nrows(self) -> int:
        return max([r for r, _ in self.grid.cells] + [b for _, _, b, _ in self.grid.merges],
                   default=0)


def _edges(values: list[float]) -> list[float]:
    """Distinct coordinates, those closer than TOLERANCE taken as one."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > TOLERANCE:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """The index of the edge nearest v (the lower one when two are as near)."""
    i = bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges):
        return i - 1
    return i - 1 if v - edges[i - 1] <= edges[i] - v else i


def find_tables(page: Any, number: int) -> list[PageTable]:
    """The ruled tables of a pdfplumber page (2 rows and 2 columns at least), top to
    bottom, without their text yet."""
    return tables_from_cells([found.cells for found in page.find_tables(SETTINGS)], number)


def tables_from_cells(groups: list[list[Bbox]], number: int) -> list[PageTable]:
    """The tables of page `number` (1-based) from the cells pdfplumber's table finder groups
    into tables (2 rows and 2 columns at least), top to bottom."""
    tables = []
    for group in groups:
        cells = [c for c in group if c is not None]
        xs = _edges([c[0] for c in cells] + [c[2] for c in cells])
        ys = _edges([c[1] for c in cells] + [c[3] for c in cells])
        if len(xs) < 3 or len(ys) < 3:
            continue  # a frame around some text, or a lone rule: not a table
        tables.append(_table(number, cells, xs, ys))
    tables.sort(key=lambda t: t.top)
    return tables


def _table(number: int, cells: list[Bbox], xs: list[float],
           ys: list[float]) -> PageTable:
    """Cells placed on the grid the edges make (text filled in later by fill)."""
    table = PageTable(number, ys[0], ys[-1], xs, ys)
    grid = table.grid
    for x0, top, x1, bottom in cells:
        r0, r1 = _index(ys, top) + 1, _index(ys, bottom)
        c0, c1 = _index(xs, x0) + 1, _index(xs, x1)
        if r1 < r0 or c1 < c0 or r0 > MAX_ROWS or c0 > MAX_COLS:
            continue
        grid.cells[(r0, c0)] = ""
        if r1 > r0 or c1 > c0:
            grid.merges.append((r0, c0, min(r1, MAX_ROWS), min(c1, MAX_COLS)))
    grid.pages = dict.fromkeys(range(1, len(ys)), number)
    return table


def fill(table: PageTable, chars: list[Char]) -> None:
    """Put each character (centre inside the table) into the cell covering it."""
    owner: dict[Pos, Pos] = {pos: pos for pos in table.grid.cells}
    for top, left, bottom, right in table.grid.merges:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                owner[(r, c)] = (top, left)
    held: dict[Pos, list[Char]] = {}
    for ch in chars:
        row = bisect_right(table.rows, (ch.top + ch.bottom) / 2)
        col = bisect_right(table.columns, (ch.x0 + ch.x1) / 2)
        anchor = owner.get((row, col))
        if anchor is not None:
            held.setdefault(anchor, []).append(ch)
    for anchor, inside in held.items():
        table.grid.cells[anchor] = join_lines(join_chars(line) for line in group_lines(inside))
