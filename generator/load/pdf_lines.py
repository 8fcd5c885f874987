"""The ruling lines of a PDF page read from PDFium's path objects, as pdfplumber's edges.

pdfplumber gets a page's lines by having pdfminer interpret the whole content stream in Python
(300–600 ms for the table pages of a report: most of a PDF's read).  PDFium has already parsed
the page to read its characters, so its path objects give the same lines in a few
milliseconds.  To keep every table exactly as pdfplumber finds it, each path is turned into
edges the way pdfminer and pdfplumber do it (pdfminer.converter.PDFLayoutAnalyzer.paint_path:
subpaths split at each moveto, a closing segment back to the start dropped, two points a
line, a closed axis-parallel four-sided path a rectangle, anything else a curve whose
consecutive points are edges; pdfplumber.utils.geometry: *_to_edges), and the cells are then
found by pdfplumber's table finder (ported in pdf_cells.py) with the settings of
pdf_grid.SETTINGS.

A page this reader cannot take as pdfminer would (rotated, its media box not at the origin,
forms nested too deep, too many objects) gives None: the caller parses it with pdfplumber.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

EdgeDict = dict[str, Any]  # pdfplumber's edge: x0, x1, top, bottom, width, height, orientation
Matrix = tuple[float, float, float, float, float, float]
Point = tuple[float, float]

_PATH, _FORM = 2, 5  # FPDF_PAGEOBJ_PATH, FPDF_PAGEOBJ_FORM
_LINETO, _BEZIERTO, _MOVETO = 0, 1, 2  # FPDF_SEGMENT_*
MAX_OBJECTS = 100_000  # page objects (forms' included) read before giving the page up
MAX_SEGMENTS = 100_000  # path segments of one page, likewise (a table page draws a few thousand)
MAX_DEPTH = 8  # forms within forms
_SUBPATH = re.compile(r"m[^m]+")  # pdfminer's split of a path into subpaths


class Unreadable(Exception):
    """The page is beyond this reader: pdfplumber parses it instead."""


def page_edges(raw: Any, page: Any) -> list[EdgeDict] | None:
    """The edges pdfplumber would find on an open PDFium page (pypdfium2 PdfPage), or None
    when this page is beyond this reader."""
    box = page.get_mediabox()
    if page.get_rotation() % 360 or box[0] or box[1]:
        return None  # pdfminer's coordinates then differ from PDF space: not worth the risk
    height = box[3]  # pdfplumber's page height is the media box's (not a crop box's)
    budget = _Budget()
    found = _Found()
    try:
        count = raw.FPDFPage_CountObjects(page)
        objects = (raw.FPDFPage_GetObject(page, i) for i in range(count))
        for points, shape in _paths(raw, objects, count, None, 0, budget):
            _paint(shape, [(x, height - y) for x, y in points], found)
    except Unreadable:
        return None
    # pdfplumber's page.edges: lines', then rectangles', then curves' (the order of the sums
    # its snapping averages)
    return found.lines + found.rects + found.curves


class _Found:
    """The edges of a page's lines, rectangles and curves, each in content order."""

    def __init__(self) -> None:
        self.lines: list[EdgeDict] = []
        self.rects: list[EdgeDict] = []
        self.curves: list[EdgeDict] = []


class _Budget:
    """What a hostile page may cost before it is left to pdfplumber."""

    def __init__(self) -> None:
        self.objects = 0
        self.segments = 0

    def spend(self, objects: int, segments: int) -> None:
        self.objects += objects
        self.segments += segments
        if self.objects > MAX_OBJECTS or self.segments > MAX_SEGMENTS:
            raise Unreadable


def _multiply(inner: Matrix, outer: Matrix | None) -> Matrix:
    """inner × outer (an object's matrix inside a form, then the form's)."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _matrix(raw: Any, obj: Any) -> Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        raise Unreadable
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _paths(raw: Any, objects: Iterator[Any], count: int, outer: Matrix | None, depth: int,
           budget: _Budget) -> Iterator[tuple[list[Point], str]]:
    """(points in PDF space, pdfminer's shape string) of every painted path, forms' too, in
    content order."""
    budget.spend(count, 0)
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == _FORM:
            if depth >= MAX_DEPTH:
                raise Unreadable
            inner = raw.FPDFFormObj_CountObjects(obj)
            if inner < 0:
                raise Unreadable
            children = (raw.FPDFFormObj_GetObject(obj, i) for i in range(inner))
            yield from _paths(raw, children, inner, _multiply(_matrix(raw, obj), outer),
                              depth + 1, budget)
        elif kind == _PATH and _painted(raw, obj):
            yield _segments(raw, obj, _multiply(_matrix(raw, obj), outer), budget)


def _painted(raw: Any, obj: Any) -> bool:
    """Whether a path is filled or stroked (pdfminer paints no other path)."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        raise Unreadable
    return bool(fill.value or stroke.value)


def _segments(raw: Any, obj: Any, matrix: Matrix,
              budget: _Budget) -> tuple[list[Point], str]:
    """A path's points (transformed) and shape as pdfminer records them: 'm', 'l', 'c' (a
    Bézier curve: PDFium's three points, of which pdfminer keeps the end), 'h' (a closed
    subpath: its start point again)."""
    count = raw.FPDFPath_CountSegments(obj)
    if count < 0:
        raise Unreadable
    budget.spend(0, count)
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    get, kind_of, closes, point = (raw.FPDFPath_GetPathSegment, raw.FPDFPathSegment_GetType,
                                   raw.FPDFPathSegment_GetClose, raw.FPDFPathSegment_GetPoint)
    shape: list[str] = []
    points: list[Point] = []
    start: Point = (0.0, 0.0)
    bezier = 0  # Bézier points seen of the current curve
    for i in range(count):
        seg = get(obj, i)
        if not point(seg, ctypes.byref(x), ctypes.byref(y)):
            raise Unreadable
        # pdfminer's apply_matrix_pt, in double precision like it
        here = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = kind_of(seg)
        if kind == _BEZIERTO:
            bezier += 1
            if bezier < 3:
                continue  # a control point: pdfminer keeps only the curve's end
            bezier = 0
            shape.append("c")
        elif kind == _MOVETO:
            shape.append("m")
            start = here
        elif kind == _LINETO:
            shape.append("l")
        else:
            raise Unreadable
        points.append(here)
        if closes(seg):
            shape.append("h")
            points.append(start)
    return points, "".join(shape)


def _paint(shape: str, pts: list[Point], out: _Found) -> None:
    """pdfminer's paint_path and pdfplumber's edges of its object, for one path (points in
    pdfplumber's space: y measured down from the page's top)."""
    if shape[:1] != "m":
        return
    if shape.count("m") > 1:
        for found in _SUBPATH.finditer(shape):
            _paint(found.group(), pts[found.start():found.end()], out)
        return
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]  # the line back to the start, then 'h'
    if shape in ("mlh", "ml"):
        out.lines.append(_line(pts[0], pts[1]))
    elif shape in ("mlllh", "mllll") and _is_rect(pts):
        out.rects.extend(_rect_edges(pts[0], pts[2]))
    else:
        out.curves.extend(_curve_edges(pts))


def _is_rect(pts: list[Point]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
    # pdfminer compares PDF space's y; ours is height - y, equal exactly when those are
    return pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                 or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0))


def _edge(kind: str, x0: float, top: float, x1: float, bottom: float,
          orientation: str | None) -> EdgeDict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "doctop": top, "width": x1 - x0, "height": bottom - top,
            "orientation": orientation}


def _line(p0: Point, p1: Point) -> EdgeDict:
    """pdfplumber's line_to_edge: vertical unless both ends are at one height."""
    x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
    top, bottom = min(p0[1], p1[1]), max(p0[1], p1[1])
    return _edge("line", x0, top, x1, bottom, "h" if top == bottom else "v")


def _rect_edges(p0: Point, p2: Point) -> list[EdgeDict]:
    """pdfplumber's rect_to_edges: top, bottom, left, right."""
    x0, x1 = min(p0[0], p2[0]), max(p0[0], p2[0])
    top, bottom = min(p0[1], p2[1]), max(p0[1], p2[1])
    return [_edge("rect_edge", x0, top, x1, top, "h"),
            _edge("rect_edge", x0, bottom, x1, bottom, "h"),
            _edge("rect_edge", x0, top, x0, bottom, "v"),
            _edge("rect_edge", x1, top, x1, bottom, "v")]


def _curve_edges(pts: list[Point]) -> list[EdgeDict]:
    """pdfplumber's curve_to_edges: one edge between each two consecutive points."""
    out = []
    for p0, p1 in pairwise(pts):
        orientation = "v" if p0[0] == p1[0] else ("h" if p0[1] == p1[1] else None)
        out.append(_edge("curve_edge", min(p0[0], p1[0]), min(p0[1], p1[1]),
                         max(p0[0], p1[0]), max(p0[1], p1[1]), orientation))
    return out

