"""PDF tables from a laid-out skeleton, part 1 and 2: skeletons and placeholders.

The statutory tables' layout is done once per worker (`table_stamp` draws them).

Three tables of a report are ~280 cells, and WeasyPrint spends about two thirds of a
report's PDF time on them (cascade, boxes, cell layout, borders), although their labels
and geometry are the same in every report of an edition: only the figures change.  So:

1. **Skeleton** — each table with every figure masked to "0" is laid out once (on a page
   tall enough to hold it whole) and kept: row heights, column grid, collapsed borders,
   the label text boxes, and for each figure cell the "0" text box (style, baseline,
   alignment).  Keyed by the masked table HTML, its place in the template (the tags
   around it) and the style rules that can reach it (`table_styles`), so a template or
   print CSS of an agency's own that restyles the tables gets its own skeleton, and one
   that restyles only its letterhead shares the built-in one.
2. **Placeholder** — in the document WeasyPrint lays out, each table is replaced by a
   one-column table with the same rows: empty cells of the skeleton's row heights, the same
   ``tr`` classes (so the print CSS's break rules apply as before) and the same ``thead``
   (repeated on a new page as before).  WeasyPrint paginates it.
3. **Paint** (`table_stamp`) — when WeasyPrint draws a placeholder, the table rows that
   fell on that page are drawn over it: the collapsed borders, the label text boxes
   translated, and each figure laid out by WeasyPrint's own text layout, aligned as its
   "0" was.

Everything is drawn by WeasyPrint's drawing functions into WeasyPrint's page streams, so
fonts are embedded and subset as for any other text.  Whatever this module cannot
reproduce exactly (a table that does not fit one tall page, backgrounds, images, separate
borders, a placeholder of another width) makes `prepare` return None or
`table_stamp.attach` False, and the caller renders the document the ordinary way.  Checked
by rendering reports both ways: the same pages (to antialiasing at border joints) and the
same text in the same order (tests/test_table_stamp.py).
"""

from __future__ import annotations

import html as html_lib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nianbao.render.pdf_fast.table_styles import linked_sheets, table_key

# A statutory table as render_table writes it; tables are never nested in a report.
TABLE_RE = re.compile(r'<table\b[^>]*\bdata-table="[^"]*"[^>]*>.*?</table>', re.DOTALL)
VALUE_RE = re.compile(r'(<td\b[^>]*\bclass="num"[^>]*>)([^<]*)(</td>)')
ROW_RE = re.compile(r"<tr\b([^>]*)>")
THEAD_RE = re.compile(r"<thead\b.*?</thead>", re.DOTALL)
OPEN_TABLE_RE = re.compile(r"<table\b([^>]*)>")
ZERO = "0"
_CELL_RULE = ".nb-cell{padding:0!important;border-width:0!important}"
# The skeleton page: A4's width (the print CSS's; a template with another page size gets
# placeholders of another width, which `table_stamp` refuses), tall enough for any table.
TALL_PAGE = "<style media=\"print\">@page { size: 210mm 20000mm; }</style>"
_CACHE_SIZE = 16
ROW_ATTR = "data-nb-row"


@dataclass
class SkeletonCell:
    """One cell of a laid-out skeleton table (positions relative to the first row's top
    and the first column's left edge)."""

    row: int
    rowspan: int
    texts: list[Any]                 # WeasyPrint TextBoxes of the label, positioned
    value: int | None = None         # index of the figure in the table's value list
    zero: Any = None                 # the "0" TextBox of a figure cell
    align: float = 0.5               # 0 left, 0.5 centre, 1 right (the cell's text-align)
    content_x: float = 0.0           # left edge and width of the cell's content box
    content_w: float = 0.0
    text_top: float = 0.0            # extent of the label's lines (of the "0")
    text_bottom: float = 0.0
    # how far vertical alignment moved the content down (done in the row where the cell
    # ends: a cell split by a page break has its content at the top of its first part);
    # None when not known (the cell then must not be split)
    top_shift: float | None = 0.0
    recordings: dict = field(default_factory=dict)   # text_replay: label index / figure


@dataclass
class Skeleton:
    """A table laid out once: its grid, borders and cells."""

    row_tops: list[float]
    row_heights: list[float]
    header_rows: int
    columns: list[float]             # grid line positions, len = columns + 1
    vborders: list[list[Any]]        # collapsed_border_grid of WeasyPrint
    hborders: list[list[Any]]
    cells: list[SkeletonCell]
    pad: tuple[float, float, float, float]   # table border box to the grid: t, r, b, l
    recordings: dict = field(default_factory=dict)   # text_replay: (figure style, text)
    keep: Any = None                 # the laid-out skeleton document (owns the boxes)
    borders: dict = field(default_factory=dict)      # table_stamp: a fragment's border runs


@dataclass
class Stamp:
    """One table of the document being rendered: its skeleton and its figures."""

    skeleton: Skeleton
    values: list[str]


@dataclass
class Prepared:
    """A document's HTML with placeholder tables, and what to draw on them."""

    html: str
    stamps: list[Stamp] = field(default_factory=list)


SKELETONS: OrderedDict[str, Skeleton | None] = OrderedDict()


def forget_recordings() -> None:
    """Drop every skeleton's text recordings (and with them their font references): they
    are recorded again on first use.  Called when new font faces make Pango reload its
    fonts, so the old fonts are not kept alive by recordings nobody can replay any more
    (nor by the font subsets kept between reports: pdf_font_cache)."""
    from nianbao.render.pdf_fast import pdf_font_cache

    pdf_font_cache.clear()
    for skeleton in SKELETONS.values():
        if skeleton is not None:
            skeleton.recordings.clear()
            for cell in skeleton.cells:
                cell.recordings.clear()


# ---- 1. skeleton ---------------------------------------------------------------------
def _masked(table_html: str) -> tuple[str, list[str]]:
    values: list[str] = []

    def mask(m: re.Match) -> str:
        values.append(html_lib.unescape(m.group(2)))
        return m.group(1) + ZERO + m.group(3)

    return VALUE_RE.sub(mask, table_html), values


_STYLE_RE = re.compile(r"<style\b.*?</style>|<link\b[^>]*>", re.DOTALL)


def _styles(html: str) -> str:
    """The style sheets of the document's head (not its title or metadata, which name
    the agency): with a table's HTML and place, what its layout depends on."""
    end = html.find("</head>")
    return "".join(_STYLE_RE.findall(html[:max(end, 0)]))


def _only_text(cell: Any, boxes: Any) -> bool:
    """True when the cell holds text and nothing the painter would not draw."""
    for box in cell.descendants():
        if box is cell:
            continue
        if isinstance(box, (boxes.TextBox, boxes.LineBox, boxes.InlineBox)):
            if box.background is not None and not isinstance(box, boxes.TextBox):
                return False
            continue
        if isinstance(box, boxes.BlockBox) and box.background is None:
            continue
        return False
    return True


def _top_shift(cell: Any) -> float | None:
    """How far WeasyPrint moved the cell's content down for ``vertical-align: middle`` or
    ``bottom`` (extra top padding, and a shift when the cell has a height of its own):
    the content's top less where it was laid out, the content box's top with the padding
    the style gives.  Top and baseline alignment are done in the cell's first row: 0."""
    if not cell.children or cell.style["vertical_align"] not in ("middle", "bottom"):
        return 0.0
    padding = cell.style["padding_top"]
    if getattr(padding, "unit", None) != "px":
        return None
    laid_out = cell.content_box_y() - (cell.padding_top - padding.value)
    return cell.children[0].position_y - laid_out


def _align(style: Any) -> float:
    value = style["text_align_all"]
    return {"center": 0.5, "right": 1.0, "end": 1.0}.get(value, 0.0)


def _extract(table: Any, boxes: Any) -> Skeleton | None:
    """The skeleton of a laid-out TableBox, or None when it is not plain enough."""
    if table.style["border_collapse"] != "collapse" or table.background is not None:
        return None
    rows = [row for group in table.children for row in group.children]
    if not rows or any(g.background is not None for g in table.children):
        return None
    top, left = rows[0].position_y, table.column_positions[0]
    header_rows = len(table.children[0].children) if table.children[0].is_header else 0
    row_of = {id(row): i for i, row in enumerate(rows)}
    cells: list[SkeletonCell] = []
    value = 0
    for row in rows:
        if row.background is not None:
            return None
        for cell in row.children:
            if cell.background is not None or not _only_text(cell, boxes):
                return None
            texts = [b for b in cell.descendants() if isinstance(b, boxes.TextBox)]
            sc = SkeletonCell(row_of[id(row)], cell.rowspan, [],
                              align=_align(cell.style),
                              content_x=cell.content_box_x() - left, content_w=cell.width,
                              top_shift=_top_shift(cell))
            if cell.element is not None and cell.element.get("class") == "num":
                if len(texts) != 1 or texts[0].text != ZERO:
                    return None
                sc.value, sc.zero = value, moved(texts[0], -left, -top)
                sc.text_top = sc.zero.position_y
                sc.text_bottom = sc.zero.position_y + sc.zero.height
                value += 1
            else:
                sc.texts = [moved(t, -left, -top) for t in texts]
                if sc.texts:
                    sc.text_top = min(t.position_y for t in sc.texts)
                    sc.text_bottom = max(t.position_y + t.height for t in sc.texts)
            cells.append(sc)
    columns = [x - left for x in table.column_positions]
    columns.append(columns[-1] + table.column_widths[-1])
    vborders, hborders = table.collapsed_border_grid
    return Skeleton(
        row_tops=[r.position_y - top for r in rows], row_heights=[r.height for r in rows],
        header_rows=header_rows, columns=columns, vborders=vborders, hborders=hborders,
        cells=cells,
        pad=(top - table.border_box_y(),
             table.border_box_x() + table.border_width() - left - columns[-1],
             table.border_box_y() + table.border_height() - rows[-1].position_y
             - rows[-1].height,
             left - table.border_box_x()))


def moved(box: Any, dx: float, dy: float) -> Any:
    copy = box.copy()
    copy.position_x = box.position_x + dx
    copy.position_y = box.position_y + dy
    return copy


def _layout_skeletons(masked_html: str, count: int, render: Any) -> list[Skeleton | None]:
    """Lay out the document with its figures masked on one tall page; the skeletons of
    its tables in document order."""
    from weasyprint.formatting_structure import boxes

    end = masked_html.find("</head>")
    document = render(masked_html[:end] + TALL_PAGE + masked_html[end:])
    found = [b for page in document.pages for b in page._page_box.descendants()
             if isinstance(b, boxes.TableBox)]
    if len(document.pages) != 1 or len(found) != count:
        return [None] * count
    skeletons = [_extract(table, boxes) for table in found]
    for skeleton in skeletons:
        if skeleton is not None:
            skeleton.keep = document
    return skeletons


_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_VOID = frozenset({"meta", "link", "br", "hr", "img", "col", "input", "wbr", "source"})


def _ancestors(html: str, starts: list[int]) -> list[str]:
    """The open tags (with their attributes) around each position: a table's place in
    the template, part of its skeleton's key (selectors may depend on it)."""
    stack: list[str] = []
    out: list[str] = []
    todo = iter(starts)
    nxt = next(todo, None)
    for m in _TAG_RE.finditer(html):
        while nxt is not None and m.start() >= nxt:
            out.append("".join(stack))
            nxt = next(todo, None)
        if nxt is None:
            break
        closing, name = m.group(1), m.group(2).lower()
        if closing:
            while stack and not stack.pop().startswith(f"<{name}"):
                pass
        elif name not in _VOID and not m.group(3).endswith("/"):
            stack.append(f"<{name}{m.group(3)}>")
    out += ["".join(stack)] * (len(starts) - len(out))
    return out


# ---- 2. placeholder ------------------------------------------------------------------
def _placeholder(table_html: str, index: int, skeleton: Skeleton) -> str:
    """A one-column table of empty rows as tall as the skeleton's, with the same row
    classes and header, so the print CSS paginates it as it would the table."""
    attrs = OPEN_TABLE_RE.match(table_html).group(1)  # type: ignore[union-attr]
    row_attrs = ROW_RE.findall(table_html)
    thead = THEAD_RE.search(table_html)
    in_head = len(ROW_RE.findall(thead.group(0))) if thead else 0
    if in_head != skeleton.header_rows or len(row_attrs) != len(skeleton.row_heights):
        raise ValueError("table rows and skeleton rows differ")
    pad = " ".join(f"{p:.4f}px" for p in skeleton.pad)
    style = (f' style="border-collapse:separate;border-spacing:0;border:0;padding:{pad};'
             'box-decoration-break:clone"')
    # Cell heights by class from one style sheet, not inline styles: WeasyPrint parses and
    # validates an inline style per element (padding and border expand to a dozen
    # declarations each: ~35 ms a report for ~70 cells), a style sheet once.
    # !important, as an inline style would be, against a template's own td rules.
    heights = {h: k for k, h in
               enumerate(dict.fromkeys(f"{h:.4f}" for h in skeleton.row_heights))}
    rules = "".join(f".nb{index}-{k}{{height:{h}px!important}}" for h, k in heights.items())
    out = [f'<style media="print">{_CELL_RULE}{rules}</style><table{attrs}{style}>']
    for i, (tr, height) in enumerate(zip(row_attrs, skeleton.row_heights)):
        if i == 0 and in_head:
            out.append("<thead>")
        if i == in_head:
            out.append("</thead><tbody>" if in_head else "<tbody>")
        k = heights[f"{height:.4f}"]
        out.append(f'<tr{tr}><td {ROW_ATTR}="{index}:{i}" class="nb-cell nb{index}-{k}">'
                   "</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def prepare(html: str, render: Any, common: str | None = None,
            sheets: Callable[[str, bool], str] | None = None) -> Prepared | None:
    """The HTML with each statutory table replaced by its placeholder, or None when a
    table cannot be stamped.  ``render`` lays out an HTML string (WeasyPrint Document).
    ``common``: the same page in the style most pages share (without the font faces of
    one report's rare characters, which the tables do not use): skeletons are laid out
    and looked up in it, so such a report does not lay out skeletons of its own.
    ``sheets``: what a URL the page's style names holds (`table_styles.linked_sheets`)."""
    found = list(TABLE_RE.finditer(html))
    if not found:
        return None
    tables = [m.group(0) for m in found]
    masked, values = zip(*(_masked(t) for t in tables))
    base = html if common is None else common
    base_found = list(TABLE_RE.finditer(base))
    if [m.group(0) for m in base_found] != tables:
        base, base_found = html, found
    head = _styles(base)
    places = _ancestors(base, [m.start() for m in base_found])
    linked = linked_sheets(head, sheets)
    keys = [table_key(head, p, m, linked) for p, m in zip(places, masked)]
    if any(k not in SKELETONS for k in keys):
        it = iter(masked)
        made = _layout_skeletons(TABLE_RE.sub(lambda _: next(it), base), len(keys), render)
        for k, skeleton in zip(keys, made):
            SKELETONS.setdefault(k, skeleton)
    for k in keys:
        SKELETONS.move_to_end(k)
    while len(SKELETONS) > _CACHE_SIZE:
        SKELETONS.popitem(last=False)
    skeletons = [SKELETONS[k] for k in keys]
    if any(s is None or len(v) != sum(c.value is not None for c in s.cells)
           for s, v in zip(skeletons, values)):
        return None
    prepared = Prepared("")
    pieces = iter(range(len(tables)))

    def replace(m: re.Match) -> str:
        i = next(pieces)
        return _placeholder(m.group(0), i, skeletons[i])  # type: ignore[arg-type]

    try:
        prepared.html = TABLE_RE.sub(replace, html)
    except ValueError:
        return None
    prepared.stamps = [Stamp(s, list(v)) for s, v in zip(skeletons, values)]  # type: ignore[arg-type]
    return prepared
