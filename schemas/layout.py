"""Table layouts: the printed shape of a statutory table, as data.

A layout is a grid of header rows and body rows.  Label cells carry official text; value
cells carry the model path of the figure they hold.  The HTML/DOCX renderers, the xlsx
reader and writer and the finding messages all walk the same layout, so a label is written
once (in the edition module) and every consumer agrees on spans and positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

Path = tuple[str, ...]
CellKind = Literal["label", "head", "banner", "note", "value"]
ValueKind = Literal["count", "delta", "amount", "amount_unit"]


@dataclass(frozen=True)
class LayoutCell:
    """One cell of a table layout (a label, a header, a banner, the note, or a value)."""

    kind: CellKind
    text: str = ""
    path: Path | None = None
    value_kind: ValueKind = "count"
    rowspan: int = 1
    colspan: int = 1


def label(text: str, rowspan: int = 1, colspan: int = 1) -> LayoutCell:
    """A row-label cell of the body."""
    return LayoutCell("label", text, rowspan=rowspan, colspan=colspan)


def head(text: str, rowspan: int = 1, colspan: int = 1) -> LayoutCell:
    """A column-header cell."""
    return LayoutCell("head", text, rowspan=rowspan, colspan=colspan)


def banner(text: str, colspan: int) -> LayoutCell:
    """A block banner spanning the whole table width (e.g. 第二十条第（一）项)."""
    return LayoutCell("banner", text, colspan=colspan)


def value(path: Path, kind: ValueKind = "count", colspan: int = 1) -> LayoutCell:
    """A value cell bound to a model path."""
    return LayoutCell("value", path=path, value_kind=kind, colspan=colspan)


@dataclass(frozen=True)
class ValueSlot:
    """A value cell located in its table, with the official labels that name it."""

    table: str
    path: Path
    value_kind: ValueKind
    row_label: str
    column_label: str
    grid_row: int
    grid_col: int


@dataclass(frozen=True)
class TableLayout:
    """A statutory table: id (二/三/四), heading, width, header rows and body rows."""

    table_id: str
    heading: str
    ncols: int
    header: tuple[tuple[LayoutCell, ...], ...]
    body: tuple[tuple[LayoutCell, ...], ...]
    label_cols: int = 1
    col_weights: tuple[float, ...] = ()
    slots: tuple[ValueSlot, ...] = field(default=(), compare=False)

    @property
    def rows(self) -> tuple[tuple[LayoutCell, ...], ...]:
        """Header rows followed by body rows."""
        return self.header + self.body


class Spanned(Protocol):
    """Anything with spans: a LayoutCell here, a rendered GridCell in the renderers.

    Read-only properties, so frozen dataclasses (whose fields cannot be assigned) match.
    """

    @property
    def rowspan(self) -> int: ...

    @property
    def colspan(self) -> int: ...


S = TypeVar("S", bound=Spanned)


def place(rows: Sequence[Sequence[S]], ncols: int) -> list[list[tuple[S, int, int]]]:
    """Expand spans into a full grid: grid[r][c] = (cell covering it, anchor row, anchor col).

    Raises ValueError when the spans do not tile the grid exactly, so a mistyped layout
    fails at import time instead of printing a crooked table.
    """
    grid: list[list[tuple[S, int, int] | None]] = [[None] * ncols for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < ncols and grid[r][c] is not None:
                c += 1
            if c + cell.colspan > ncols or r + cell.rowspan > len(rows):
                raise ValueError(f"table row {r}: cell {cell!r} overflows the grid")
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if grid[r + dr][c + dc] is not None:
                        raise ValueError(f"table row {r}: overlapping spans")
                    grid[r + dr][c + dc] = (cell, r, c)
            c += cell.colspan
        if any(slot is None for slot in grid[r]):
            raise ValueError(f"table row {r}: row not filled")
    return grid  # type: ignore[return-value]


def _column_label(grid: Grid, r: int, c: int, nvals: int) -> str:
    """Header path above a value cell, outermost first.

    Walks up from the value cell until a banner or the previous block.  A header that
    spans every value column (申请人情况) names nothing in particular and is skipped,
    unless it is the only header (本年处理决定数量 in table 二).
    """
    parts: list[str] = []
    for rr in range(r - 1, -1, -1):
        cell = _anchor(grid, rr, c)
        if cell.kind == "banner":
            break
        if cell.kind != "head":
            if parts:
                break
            continue
        if parts and (parts[0] == cell.text or cell.colspan >= nvals):
            continue
        parts.insert(0, cell.text)
    return " / ".join(parts)


Grid = list[list[tuple[LayoutCell, int, int]]]


def _anchor(grid: Grid, r: int, c: int) -> LayoutCell:
    """The cell covering grid position (r, c)."""
    return grid[r][c][0]


def _row_label(grid: Grid, r: int, c: int) -> str:
    """Row-label path to the left of a value cell (group labels first)."""
    parts: list[str] = []
    for cc in range(c):
        cell = _anchor(grid, r, cc)
        if cell.kind == "label" and cell.text not in parts:
            parts.append(cell.text)
    return " / ".join(parts)


def build_table(table_id: str, heading: str, ncols: int,
                header: list[list[LayoutCell]], body: list[list[LayoutCell]],
                label_cols: int = 1, col_weights: tuple[float, ...] = (),
                column_labels: dict[int, str] | None = None) -> TableLayout:
    """Validate the spans of a layout and index its value cells with their labels.

    ``column_labels`` overrides the derived column label for table-level columns where the
    header sits in the body (table 二 repeats its header under each banner).
    """
    rows = tuple(tuple(r) for r in header + body)
    grid = place(rows, ncols)
    nvals = ncols - label_cols
    slots = []
    for r, row in enumerate(grid):
        for c, (cell, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c) or cell.kind != "value":
                continue
            col = _column_label(grid, r, c, nvals)
            slots.append(ValueSlot(table_id, cell.path or (), cell.value_kind,
                                   _row_label(grid, r, c), col, r, c))
    return TableLayout(table_id, heading, ncols, tuple(tuple(r) for r in header),
                       tuple(tuple(r) for r in body), label_cols, col_weights, tuple(slots))
