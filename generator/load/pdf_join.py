"""Parts of one table printed on consecutive pages, joined into one grid.

A table that ends a page and one that starts the next page are one table when their outer
column lines agree and every column line of each is one of the other's or falls inside a
cell spanning it (a part whose rows never divide a column prints fewer lines).  Both parts
are put on the union of their column lines; rows repeated at the top of the second part (a
repeated header) are dropped; a row cut by the page break (Word and LibreOffice let a row
break across pages: its label's last characters on the next page, its figures above) is
put back together; a merged label cell cut by the break continues into the next page.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from nianbao.load.pdf_grid import PageTable, PdfGrid
from nianbao.load.pdf_text import join_lines
from nianbao.load.xlsx_labels import normalise

SAME = 3.0  # points within which the column lines of two parts are the same line
Cell = tuple[int, int, int, int, str]  # top, left, bottom, right (1-based, inclusive), text
_NUMBER = re.compile(r"^[\d,，.\s\-—－/]+$")


def _cells(grid: PdfGrid) -> list[Cell]:
    spans = {(t, left): (t, left, b, right) for t, left, b, right in grid.merges}
    return [(*spans.get(pos, (*pos, *pos)), text) for pos, text in grid.cells.items()]


def _rebuild(cells: list[Cell], pages: dict[int, int]) -> PdfGrid:
    grid = PdfGrid()
    for top, left, bottom, right, text in cells:
        grid.cells[(top, left)] = text
        if bottom > top or right > left:
            grid.merges.append((top, left, bottom, right))
    grid.pages = pages
    return grid


def union_columns(first: list[float], second: list[float]) -> list[float] | None:
    """The column lines of both parts, or None when the parts are not one table."""
    if abs(first[0] - second[0]) > SAME or abs(first[-1] - second[-1]) > SAME:
        return None
    out: list[float] = []
    for x in sorted(first + second):
        if not out or x - out[-1] > SAME:
            out.append(x)
    return out


def _remap(cells: list[Cell], old: list[float], new: list[float]) -> list[Cell]:
    """Cells put on finer column lines (a column c lies between old lines c-1 and c)."""
    def line(x: float) -> int:
        i = bisect_left(new, x - SAME)
        return i

    return [(t, line(old[left - 1]) + 1, b, line(old[right]), text)
            for t, left, b, right, text in cells]


def _row(cells: list[Cell], row: int) -> tuple[tuple[int, str], ...]:
    return tuple(sorted((c[1], normalise(c[4])) for c in cells if c[0] == row))


def _repeated(first: list[Cell], second: list[Cell], rows: int) -> int:
    """How many rows at the top of the second part repeat the first part's top rows."""
    k = 0
    while k < rows - 1 and _row(second, k + 1) == _row(first, k + 1) \
            and any(t for _, t in _row(first, k + 1)):
        k += 1
    return k


def _is_cut(above: list[Cell], below: list[Cell], last: int, first: int) -> bool:
    """Whether the first row of the second part is the rest of the first part's last row:
    no figure in it, and blank where the row above holds figures."""
    ours = [c for c in below if c[0] == first]
    theirs = {c[1]: c for c in above if c[2] == last}
    figures = {left for left, c in theirs.items() if _NUMBER.match(c[4].strip() or "x")}
    if not figures or any(_NUMBER.match(c[4].strip() or "x") for c in ours):
        return False
    return all(not c[4].strip() for c in ours if c[1] in figures)


def join(first: PageTable, second: PageTable, columns: list[float]) -> None:
    """Append the second part of a table to the first (on the given column lines)."""
    above = _remap(_cells(first.grid), first.columns, columns)
    below = _remap(_cells(second.grid), second.columns, columns)
    last, rows = first.nrows, second.nrows
    skip = _repeated(above, below, rows)
    cut = skip < rows and _is_cut(above, below, last, skip + 1)
    shift = last - skip - (1 if cut else 0)
    pages = dict(first.grid.pages)
    pages.update({r + shift: p for r, p in second.grid.pages.items() if r > skip + cut})
    ends = {(c[1], c[3]): i for i, c in enumerate(above) if c[2] == last}
    for top, left, bottom, right, text in below:
        if bottom <= skip:
            continue
        top, bottom = max(top, skip + 1) + shift, bottom + shift
        i = ends.get((left, right))
        if i is not None and (top == last or (top == last + 1 and not text.strip() and (
                bottom > top or above[i][0] < above[i][2]) and above[i][4].strip())):
            t, lf, _, rt, old = above[i]  # the rest of a cut row, or of a merged label
            above[i] = (t, lf, max(bottom, last), rt, join_lines([old, text.strip()]))
            continue
        above.append((top, left, bottom, right, text))
    joined = _rebuild(above, pages)  # in place: the document's blocks hold this grid
    first.grid.cells, first.grid.merges, first.grid.pages = joined.cells, joined.merges, pages
    first.columns, first.bottom, first.page = columns, second.bottom, second.page
