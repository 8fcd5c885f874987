"""PDF tables from a laid-out skeleton, part 3: drawing them over their placeholders.

`table_skeleton` has laid out each statutory table once and put in its place a table of
empty rows that WeasyPrint paginates.  Here, when WeasyPrint draws a page, each
placeholder draws its fragment of the table at the moments WeasyPrint would draw the
table's own parts: the collapsed borders with the table's borders (as
``draw_collapsed_borders`` makes them), and each row's text with the placeholder row's
content, so text keeps the reading order it has in an ordinarily drawn table.  A cell
split by a page break is closed at the break and, as WeasyPrint draws it, its text is at
the top of its first part (WeasyPrint aligns a cell vertically in the row where it ends).  Figures are laid out by WeasyPrint's own text layout and aligned
as the skeleton's "0" was; everything is drawn with WeasyPrint's drawing functions into its
page streams, so fonts are embedded and subset as for any other text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from math import inf
from typing import Any

from nianbao.render.pdf_fast import text_replay
from nianbao.render.pdf_fast.table_skeleton import (
    ROW_ATTR,
    Prepared,
    Skeleton,
    SkeletonCell,
    Stamp,
    moved,
)

_WIDTH_SLACK = 0.5   # px a placeholder may differ from its skeleton's grid


class _HyphenContext:
    """split_first_line reads only the hyphenation dictionaries of a LayoutContext."""

    def __init__(self) -> None:
        self.dictionaries: dict = {}


@dataclass
class _Fragment:
    """The rows of one table that fell on one page: row index -> top on the page."""

    stamp: int
    x: float
    tops: dict[int, float] = field(default_factory=dict)


def _fragments(document: Any, prepared: Prepared) -> list[list[tuple[Any, _Fragment, list]]] | None:
    """Per page, the placeholder tables WeasyPrint placed, their fragments and their
    (row index, placeholder cell) pairs; None when a placeholder is not as wide as its
    skeleton's grid (the page or the template is not what the skeleton was laid out in)."""
    from weasyprint.formatting_structure import boxes

    pages: list[list[tuple[Any, _Fragment, list]]] = []
    for page in document.pages:
        here: list[tuple[Any, _Fragment, list]] = []
        for table in page._page_box.descendants():
            if not isinstance(table, boxes.TableBox):
                continue
            fragment, cells = None, []
            for row in (r for group in table.children for r in group.children):
                if not row.children or row.children[0].element is None:
                    break
                cell = row.children[0]
                mark = cell.element.get(ROW_ATTR)
                if mark is None:
                    break
                stamp, index = (int(n) for n in mark.split(":"))
                # fixed column percentages may add up to a hair over 100 %: the grid
                # then overhangs its box by a fraction of a pixel, here as in the skeleton
                grid = prepared.stamps[stamp].skeleton.columns[-1]
                if abs(cell.border_width() - grid) > _WIDTH_SLACK:
                    return None
                fragment = fragment or _Fragment(stamp, cell.border_box_x())
                fragment.tops[index] = cell.border_box_y()
                cells.append((index, cell))
            if fragment is not None:
                here.append((table, fragment, cells))
        pages.append(here)
    return pages


def _split_cells_fit(pages: list[list[_Fragment]], prepared: Prepared) -> bool:
    """True when every body cell split by a page break can be drawn as WeasyPrint draws
    it: its content at the top of its first part (vertical alignment is done in the row
    where a cell ends, which is on a later page), within that part."""
    for fragments in pages:
        for fragment in fragments:
            skeleton = prepared.stamps[fragment.stamp].skeleton
            for cell in skeleton.cells:
                if (cell.rowspan < 2 or cell.row < skeleton.header_rows
                        or cell.row not in fragment.tops
                        or cell.row + cell.rowspan - 1 in fragment.tops):
                    continue
                if cell.top_shift is None:
                    return False
                last = max(r for r in fragment.tops if r < cell.row + cell.rowspan)
                bottom = fragment.tops[last] + skeleton.row_heights[last]
                dy = fragment.tops[cell.row] - skeleton.row_tops[cell.row] - cell.top_shift
                if cell.text_bottom + dy > bottom + 1e-6:
                    return False
    return True


def _border_segments(skeleton: Skeleton, fragment: _Fragment) -> list[tuple]:
    """The collapsed border segments of a fragment, as WeasyPrint's
    ``draw_collapsed_borders`` makes them for the table's rows on this page: the grid of
    the rows drawn here (repeated header rows, then the body rows), each line and half
    width looked up in the whole table's grid as WeasyPrint maps them (a header's lines as
    they are, body lines shifted by the rows skipped).  So a cell split by a page break is
    open where WeasyPrint leaves it open: at the page foot, and at the top of its next part
    when no header row is repeated there."""
    rows = sorted(fragment.tops)
    v, h, cols = skeleton.vborders, skeleton.hborders, skeleton.columns
    height, width = len(rows), len(cols) - 1
    header = sum(r < skeleton.header_rows for r in rows)
    offset = rows[header] - header if header < height else 0
    tops = [fragment.tops[r] for r in rows]
    tops.append(tops[-1] + skeleton.row_heights[rows[-1]])
    segments: list[tuple] = []

    def line(y: int, horizontal: bool) -> int:
        """The whole table's row (or horizontal line) of this page's row (or line) y."""
        return y if header and y < header + int(horizontal) else y + offset

    # this page's grid: its rows' vertical borders, its lines' horizontal ones
    vrows = [v[line(y, False)] for y in range(height)]
    hrows = [h[line(y, True)] for y in range(height + 1)]
    # WeasyPrint's half_max_width: half the widest border met at a joint, within the grid
    vhalf = [[max((vrows[yy][x][1][1] for yy in (y - 1, y) if 0 <= yy < height), default=0) / 2
              for x in range(width + 1)] for y in range(height + 1)]
    hhalf = [[max((hrows[y][xx][1][1] for xx in (x - 1, x) if 0 <= xx < width), default=0) / 2
              for x in range(width + 1)] for y in range(height + 1)]

    def add_vertical(x: int, y: int) -> None:
        score, (style, size, color) = vrows[y][x]
        if size == 0 or color.alpha == 0:
            return
        y1 = tops[y] - hhalf[y][x]
        y2 = tops[y + 1] + hhalf[y + 1][x]
        segments.append((score, style, size, color, "left",
                         (fragment.x + cols[x], y1, 0, y2 - y1)))

    def add_horizontal(x: int, y: int) -> None:
        score, (style, size, color) = hrows[y][x]
        if size == 0 or color.alpha == 0:
            return
        x1 = cols[x] - vhalf[y][x]
        x2 = cols[x + 1] + vhalf[y][x + 1]
        segments.append((score, style, size, color, "top",
                         (fragment.x + x1, tops[y], x2 - x1, 0)))

    for x in range(width):
        add_horizontal(x, 0)
    for y in range(height):
        add_vertical(0, y)
        for x in range(width):
            add_vertical(x + 1, y)
            add_horizontal(x, y + 1)
    segments.sort(key=lambda s: s[0])
    return segments


def _value_x(cell: SkeletonCell, width: float) -> float:
    """Where a figure of this width starts: aligned as the cell's "0" was, but never left
    of the cell when it is wider than the cell."""
    zero = cell.zero
    x = zero.position_x + (zero.width - width) * cell.align
    return max(x, cell.content_x) if width > cell.content_w else x


def _value_box(cell: SkeletonCell, text: str, context: _HyphenContext) -> Any:
    """A text box of the figure, placed where its cell's "0" was, aligned as it was."""
    from weasyprint.text.line_break import split_first_line

    zero = cell.zero
    layout, _, _, width, _, _ = split_first_line(text, zero.style, context, inf, 0)
    box = zero.copy()
    box.text, box.pango_layout, box.width = text, layout, width
    box.position_x = _value_x(cell, width)
    return box


def _draw_cell(stream: Any, cell: SkeletonCell, stamp: Stamp, dx: float, dy: float,
               context: _HyphenContext) -> None:
    """Draw a cell's text moved by (dx, dy): replayed when drawn before (text_replay)."""
    if cell.value is None:
        for i, box in enumerate(cell.texts):
            recording = cell.recordings.get(i)
            if recording is None:
                text_replay.draw(stream, moved(box, dx, dy), cell.recordings, i)
            else:
                text_replay.replay(stream, recording, box.position_x + dx - recording.x,
                                   box.position_y + dy - recording.y)
        return
    text = stamp.values[cell.value]
    if not text.strip():
        return
    # a figure is drawn alike in every cell of the same style: one recording for them all
    key = (id(cell.zero.style), text)
    recordings = stamp.skeleton.recordings
    recording = recordings.get(key)
    if recording is None:
        box = moved(_value_box(cell, text, context), dx, dy)
        text_replay.draw(stream, box, recordings, key)
    else:
        text_replay.replay(stream, recording, _value_x(cell, recording.width) + dx
                           - recording.x, cell.zero.position_y + dy - recording.y)


def _cell_shift(cell: SkeletonCell, skeleton: Skeleton, fragment: _Fragment) -> float:
    """How far the cell's text moves down: with its first row, and up to the top of the
    cell when the cell goes on to the next page (as WeasyPrint draws a split cell)."""
    dy = fragment.tops[cell.row] - skeleton.row_tops[cell.row]
    if cell.rowspan > 1 and cell.row + cell.rowspan - 1 not in fragment.tops:
        dy -= cell.top_shift or 0.0
    return dy


def _solid_runs(segments: list[tuple]) -> list[tuple[Any, float, list[tuple]]]:
    """Solid segments joined into runs: segments of one line with the same width and
    colour that touch are drawn as one stroke (a 0.5 pt grid is ~1,500 segments and ~100
    runs).  Per (colour, width), highest border score first, as lines."""
    lines: dict[tuple, list[list[float]]] = {}
    pens: dict[tuple, tuple[Any, float, float]] = {}
    for score, _, width, color, side, (bx, by, bw, bh) in segments:
        pen = (repr(color), width)
        pens[pen] = (color, width, max(score, pens.get(pen, (0, 0, score))[2]))
        vertical = side == "left"
        at, start, end = (bx, by, by + bh) if vertical else (by, bx, bx + bw)
        lines.setdefault((pen, vertical, round(at, 6)), []).append([start, end, at])
    runs: dict[tuple, list[tuple]] = {}
    for (pen, vertical, _), spans in lines.items():
        spans.sort()
        merged = [spans[0]]
        for span in spans[1:]:
            if span[0] <= merged[-1][1] + 1e-6:
                merged[-1][1] = max(merged[-1][1], span[1])
            else:
                merged.append(span)
        runs.setdefault(pen, []).extend(
            (at, a, at, b) if vertical else (a, at, b, at) for a, b, at in merged)
    order = sorted(runs, key=lambda pen: pens[pen][2])
    return [(pens[pen][0], pens[pen][1], runs[pen]) for pen in order]


_MAX_BORDER_SHAPES = 64   # fragment shapes kept per skeleton (a report has 3–6)


def _fragment_shape(fragment: _Fragment) -> tuple[tuple[int, float], ...]:
    """The fragment's rows with their tops relative to its first row (to 1e-6 pt): what
    its borders depend on, wherever the fragment is on its page."""
    rows = sorted(fragment.tops)
    first = fragment.tops[rows[0]]
    return tuple((r, round(fragment.tops[r] - first, 6)) for r in rows)


def _fragment_borders(skeleton: Skeleton, fragment: _Fragment) -> tuple[list[tuple], list]:
    """(non-solid segments, solid runs) of a fragment, relative to its first row's top-left
    corner.  Computed from the fragment's shape only, so the same shape gives the same
    numbers whether they were kept (skeleton.borders) or computed afresh: a report's bytes
    do not depend on what a worker rendered before."""
    shape = _fragment_shape(fragment)
    kept = skeleton.borders.get(shape)
    if kept is None:
        segments = _border_segments(skeleton, _Fragment(fragment.stamp, 0.0, dict(shape)))
        kept = ([s for s in segments if s[1] != "solid"],
                _solid_runs([s for s in segments if s[1] == "solid"]))
        if len(skeleton.borders) < _MAX_BORDER_SHAPES:
            skeleton.borders[shape] = kept
    return kept


def paint_borders(stream: Any, fragment: _Fragment, prepared: Prepared) -> None:
    """Draw a fragment's borders (when WeasyPrint draws the placeholder table's, before
    any text of the page, as it does for a table's own).  Solid ones are drawn in runs,
    others segment by segment with WeasyPrint's draw_line; all moved to the fragment's place
    by one transform, so a fragment of a shape drawn before costs no geometry (a table's
    grid is ~1,500 segments: ~25 ms a report)."""
    from weasyprint.draw.border import draw_line
    from weasyprint.draw.color import styled_color

    skeleton = prepared.stamps[fragment.stamp].skeleton
    others, runs = _fragment_borders(skeleton, fragment)
    with stream.artifact(), stream.stacked():
        stream.transform(e=fragment.x, f=fragment.tops[min(fragment.tops)])
        for _, style, width, color, side, (bx, by, bw, bh) in others:
            with stream.stacked():
                draw_line(stream, bx, by, bx + bw, by + bh, width, style,
                          styled_color(style, color, side))
        for color, width, lines in runs:
            stream.set_color(color, stroke=True)
            stream.set_line_width(width)
            for x1, y1, x2, y2 in lines:
                stream.move_to(x1, y1)
                stream.line_to(x2, y2)
            stream.stroke()


def paint_row(stream: Any, row: int, fragment: _Fragment, prepared: Prepared) -> None:
    """Draw the text of the cells that start on this row of the fragment (when WeasyPrint
    draws the placeholder row's cell, so text keeps the order it has in the table).  A
    cell split by a page break is drawn where it starts, as WeasyPrint draws it; its part
    on a later page is empty."""
    context = _HyphenContext()
    stamp = prepared.stamps[fragment.stamp]
    skeleton = stamp.skeleton
    for cell in skeleton.cells:
        if cell.row == row:
            _draw_cell(stream, cell, stamp, fragment.x, _cell_shift(cell, skeleton, fragment),
                       context)


def attach(document: Any, prepared: Prepared) -> bool:
    """Make each placeholder table of the laid-out document draw its fragment of the
    statutory table when WeasyPrint draws it: borders with the table's background and
    borders, each row's text with the placeholder row's content, in the reading order
    the table's own text has.  False when the placeholders do not match their skeletons."""
    pages = _fragments(document, prepared)
    if pages is None or not _split_cells_fit([[f for _, f, _ in here] for here in pages],
                                             prepared):
        return False
    for here in pages:
        for table, fragment, cells in here:
            table.nianbao_paint = partial(paint_borders, fragment=fragment,
                                          prepared=prepared)
            for row, cell in cells:
                cell.nianbao_paint = partial(paint_row, row=row, fragment=fragment,
                                             prepared=prepared)
    return True


def patches() -> list[tuple[Any, str, Any]]:
    """For `fastpath.scoped`: WeasyPrint's ``draw_table`` and ``draw_block_level`` wrapped
    so that, in the thread of a nianbao render (`fastpath.active`), a box's
    ``nianbao_paint`` is called when WeasyPrint draws it; anywhere else, and for boxes
    without it, they are WeasyPrint's own."""
    from nianbao.render.pdf_fast.fastpath import active
    from weasyprint import draw

    draw_table, draw_block_level = draw.draw_table, draw.draw_block_level

    def _draw_table(stream: Any, table: Any) -> None:
        draw_table(stream, table)
        if active():
            paint = getattr(table, "nianbao_paint", None)
            if paint is not None:
                paint(stream)

    def _draw_block_level(page: Any, stream: Any, blocks_and_cells: dict) -> None:
        if not active():
            draw_block_level(page, stream, blocks_and_cells)
            return
        for block, inner in blocks_and_cells.items():
            paint = getattr(block, "nianbao_paint", None)
            if paint is not None:
                paint(stream)
            draw_block_level(page, stream, {block: inner})

    return [(draw, "draw_table", _draw_table), (draw, "draw_block_level", _draw_block_level)]
