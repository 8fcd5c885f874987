"""Table cells from ruling-line edges: pdfplumber's table finder ('lines' strategy), ported.

pdfplumber (MIT) finds a page's tables by snapping close parallel edges together, joining
edges along one line, taking their crossings, the smallest rectangles those crossings
enclose, and the groups of rectangles sharing corners (pdfplumber/table.py: merge_edges,
edges_to_intersections, intersections_to_cells, cells_to_tables).  This is the same algorithm,
step for step and with the same floating-point arithmetic, so that the cells are exactly
those pdfplumber gives; it exists because importing pdfplumber (and pdfminer, which it
imports) costs ~0.2 s a process, and because pdfplumber rebuilds the sets of edges at a
crossing for every pair of crossings it compares.  tests/test_pdf_lines.py compares the two on
random edges and on every page of the test PDFs.  Written against pdfplumber 0.11.10.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

Bbox = tuple[float, float, float, float]  # x0, top, x1, bottom
Point = tuple[float, float]
EDGE_MIN_LENGTH = 3  # pdfplumber's default edge_min_length (pdf_grid.SETTINGS keeps it)
PREFILTER = 1  # pdfplumber's default edge_min_length_prefilter


@dataclass(frozen=True, slots=True)
class Edge:
    """The attributes of pdfplumber's edge dict the table finder reads."""

    x0: float
    top: float
    x1: float
    bottom: float
    width: float
    height: float
    vertical: bool

    @property
    def bbox(self) -> Bbox:
        return (self.x0, self.top, self.x1, self.bottom)

    def long_enough(self, min_length: float) -> bool:
        """pdfplumber's filter_edges test: its length along its orientation."""
        return (self.height if self.vertical else self.width) >= min_length


def edge(found: dict[str, Any]) -> Edge | None:
    """An edge of pdf_lines (pdfplumber's dict), or None for one neither vertical nor
    horizontal (pdfplumber's filter by orientation drops it)."""
    if found["orientation"] not in ("v", "h"):
        return None
    return Edge(found["x0"], found["top"], found["x1"], found["bottom"], found["width"],
                found["height"], found["orientation"] == "v")


def find_cells(found: Iterable[dict[str, Any]], settings: dict[str, Any]) -> list[list[Bbox]]:
    """The cells of each table the edges enclose (pdfplumber's TableFinder(...).tables'
    cells), given pdf_grid.SETTINGS."""
    snap, join = settings["snap_tolerance"], settings["join_tolerance"]
    crossing = settings["intersection_tolerance"]
    edges = [e for e in map(edge, found) if e is not None]
    # TableFinder.get_edges: vertical edges first, then horizontal ones
    edges = [e for e in edges if e.vertical and e.long_enough(PREFILTER)] + \
            [e for e in edges if not e.vertical and e.long_enough(PREFILTER)]
    edges = _merge(edges, snap, join)
    edges = [e for e in edges if e.long_enough(EDGE_MIN_LENGTH)]
    return _tables(_cells(_intersections(edges, crossing, crossing)))


# ---- merge_edges ---------------------------------------------------------------------------
def _cluster_ids(values: list[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's make_cluster_dict: sorted distinct values in chains of gaps ≤ tolerance."""
    ids: dict[float, int] = {}
    group, last = -1, None
    for v in sorted(set(values)):
        if last is None or v > last + tolerance:
            group += 1
        ids[v] = group
        last = v
    return ids


def _snap(edges: list[Edge], vertical: bool, tolerance: float) -> list[Edge]:
    """pdfplumber's snap_objects: each cluster moved to its positional average (in the order
    pdfplumber sums and moves them, so the same floats come out)."""
    def key(e: Edge) -> float:
        return e.x0 if vertical else e.top

    ids = _cluster_ids([key(e) for e in edges], tolerance)
    ordered = sorted(edges, key=lambda e: ids[key(e)])  # stable: content order within
    out: list[Edge] = []
    for _, group in groupby(ordered, key=lambda e: ids[key(e)]):
        members = list(group)
        avg = sum(map(key, members)) / len(members)
        for e in members:
            shift = avg - key(e)
            if vertical:  # move_object(obj, "h", shift): x0 and x1
                out.append(replace(e, x0=e.x0 + shift, x1=e.x1 + shift))
            else:  # move_object(obj, "v", shift): top and bottom
                out.append(replace(e, top=e.top + shift, bottom=e.bottom + shift))
    return out


def _join(edges: list[Edge], vertical: bool, tolerance: float) -> list[Edge]:
    """pdfplumber's join_edge_group: edges along one line closer than tolerance as one."""
    if vertical:
        ordered = sorted(edges, key=lambda e: e.top)
        joined = [ordered[0]]
        for e in ordered[1:]:
            last = joined[-1]
            if e.top <= last.bottom + tolerance:
                if e.bottom > last.bottom:  # resize_object(last, "bottom", e.bottom)
                    joined[-1] = replace(last, bottom=e.bottom,
                                         height=last.height + (e.bottom - last.bottom))
            else:
                joined.append(e)
        return joined
    ordered = sorted(edges, key=lambda e: e.x0)
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e.x0 <= last.x1 + tolerance:
            if e.x1 > last.x1:  # resize_object(last, "x1", e.x1)
                joined[-1] = replace(last, x1=e.x1, width=e.x1 - last.x0)
        else:
            joined.append(e)
    return joined


def _merge(edges: list[Edge], snap: float, join: float) -> list[Edge]:
    """pdfplumber's merge_edges (snap, then join the edges of each line)."""
    if snap > 0:
        edges = _snap([e for e in edges if e.vertical], True, snap) + \
                _snap([e for e in edges if not e.vertical], False, snap)

    def line(e: Edge) -> tuple[str, float]:
        return ("v", e.x0) if e.vertical else ("h", e.top)

    out: list[Edge] = []
    for (kind, _), group in groupby(sorted(edges, key=line), key=line):
        out.extend(_join(list(group), kind == "v", join))
    return out


# ---- crossings, cells, tables --------------------------------------------------------------
@dataclass
class _Crossing:
    """The edges (as bounding boxes) through one crossing."""

    v: set[Bbox]
    h: set[Bbox]


def _intersections(edges: list[Edge], xtol: float, ytol: float) -> dict[Point, _Crossing]:
    """pdfplumber's edges_to_intersections."""
    vs = sorted((e for e in edges if e.vertical), key=lambda e: (e.x0, e.top))
    hs = sorted((e for e in edges if not e.vertical), key=lambda e: (e.top, e.x0))
    out: dict[Point, _Crossing] = {}
    for v in vs:
        for h in hs:
            if v.top <= h.top + ytol and v.bottom >= h.top - ytol and \
                    v.x0 >= h.x0 - xtol and v.x0 <= h.x1 + xtol:
                at = out.setdefault((v.x0, h.top), _Crossing(set(), set()))
                at.v.add(v.bbox)
                at.h.add(h.bbox)
    return out


def _cells(crossings: dict[Point, _Crossing]) -> list[Bbox]:
    """pdfplumber's intersections_to_cells: from each crossing (in sorted order), the
    smallest cell whose four sides are edges, if any."""
    def connects(p1: Point, p2: Point) -> bool:
        if p1[0] == p2[0] and not crossings[p1].v.isdisjoint(crossings[p2].v):
            return True
        return p1[1] == p2[1] and not crossings[p1].h.isdisjoint(crossings[p2].h)

    points = sorted(crossings)
    below: dict[float, list[Point]] = {}  # crossings on one vertical, top to bottom
    right: dict[float, list[Point]] = {}  # crossings on one horizontal, left to right
    for pt in points:
        below.setdefault(pt[0], []).append(pt)
        right.setdefault(pt[1], []).append(pt)
    cells = []
    for pt in points[:-1]:
        cell = _smallest(pt, [p for p in below[pt[0]] if p > pt],
                         [p for p in right[pt[1]] if p > pt], crossings, connects)
        if cell:
            cells.append(cell)
    return cells


def _smallest(pt: Point, below: list[Point], right: list[Point],
              crossings: dict[Point, _Crossing], connects: Any) -> Bbox | None:
    """pdfplumber's find_smallest_cell for one crossing."""
    for down in below:
        if not connects(pt, down):
            continue
        for across in right:
            if not connects(pt, across):
                continue
            corner = (across[0], down[1])
            if corner in crossings and connects(corner, across) and connects(corner, down):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def _tables(cells: list[Bbox]) -> list[list[Bbox]]:
    """pdfplumber's cells_to_tables: cells grouped while they share a corner, tables of more
    than one cell, top to bottom then left to right."""
    def corners(c: Bbox) -> tuple[Point, Point, Point, Point]:
        x0, top, x1, bottom = c
        return ((x0, top), (x0, bottom), (x1, top), (x1, bottom))

    remaining = list(cells)
    current: list[Bbox] = []
    seen: set[Point] = set()
    tables = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            here = corners(cell)
            if not current or any(c in seen for c in here):
                seen.update(here)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            tables.append(list(current))
            seen.clear()
            current.clear()
    if current:
        tables.append(list(current))
    ordered = sorted(tables, key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in ordered if len(t) > 1]
