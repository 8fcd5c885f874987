"""The PDF reader's fast ruling lines (generator/load/pdf_lines.py, pdf_cells.py) against
pdfplumber's: the ported table finder gives exactly pdfplumber's cells for random edges, and
PDFium's path objects give pdfplumber's tables on a hand-written PDF drawing lines every way a
producer does (filled thin rectangles, stroked lines, several subpaths in one path, a closed
outline, curves, a form XObject under a scaling matrix); a rotated page or one whose media box
is not at the origin is left to pdfplumber.  (The test PDFs of test_published_pdf.py are
compared whole there.)"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from nianbao.load.pdf_cells import find_cells
from nianbao.load.pdf_grid import SETTINGS
from nianbao.load.pdf_lines import page_edges


def _pdfplumber_cells(edges: list[dict[str, Any]]) -> list[list[tuple[float, ...]]]:
    """pdfplumber's own TableFinder steps on the same edges."""
    from pdfplumber import table as tf
    from pdfplumber.utils import filter_edges

    s = tf.TableSettings.resolve(SETTINGS)
    v = filter_edges(edges, "v", min_length=s.edge_min_length_prefilter)
    h = filter_edges(edges, "h", min_length=s.edge_min_length_prefilter)
    merged = tf.merge_edges(v + h, s.snap_x_tolerance, s.snap_y_tolerance, s.join_x_tolerance,
                            s.join_y_tolerance)
    merged = filter_edges(merged, min_length=s.edge_min_length)
    points = tf.edges_to_intersections(merged, s.intersection_x_tolerance,
                                       s.intersection_y_tolerance)
    return tf.cells_to_tables(tf.intersections_to_cells(points))


def _random_edges(rng: random.Random) -> list[dict[str, Any]]:
    """Edges on a coarse grid, jittered within and beyond the snapping tolerance, some
    short, some diagonal, in several tables."""
    out = []
    for _ in range(rng.randint(1, 3)):
        left, top = rng.uniform(0, 300), rng.uniform(0, 500)
        xs = sorted(left + 40 * i + rng.choice((0, 0, 0.4, 2.9, 3.2)) for i in range(6))
        ys = sorted(top + 20 * i + rng.choice((0, 0, 0.3, 2.5, 3.5)) for i in range(8))
        for y in ys:
            a, b = rng.choice(xs[:3]), rng.choice(xs[3:])
            out.append(_edge(a, y, b, y, "h", rng.choice(("line", "rect_edge", "curve_edge"))))
            if rng.random() < 0.3:  # a border drawn twice, or in two pieces
                out.append(_edge(a - 1, y + rng.uniform(-2, 2), b + 2.5, y, "h", "rect_edge"))
        for x in xs:
            a, b = rng.choice(ys[:4]), rng.choice(ys[4:])
            out.append(_edge(x, a, x, b, "v", rng.choice(("line", "rect_edge", "curve_edge"))))
        if rng.random() < 0.5:
            out.append(_edge(xs[0], ys[0], xs[0] + 1.5, ys[0], "h", "line"))  # too short
            out.append(_edge(xs[0], ys[0], xs[1], ys[2], None, "curve_edge"))  # diagonal
    rng.shuffle(out)
    return out


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str | None,
          kind: str) -> dict[str, Any]:
    x0, x1 = min(x0, x1), max(x0, x1)
    top, bottom = (top, top) if orientation == "h" else (min(top, bottom), max(top, bottom))
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "doctop": top, "width": x1 - x0, "height": bottom - top, "orientation": orientation}


@pytest.mark.parametrize("seed", range(40))
def test_ported_table_finder_is_pdfplumbers(seed: int) -> None:
    edges = _random_edges(random.Random(seed))
    assert find_cells(edges, SETTINGS) == _pdfplumber_cells(edges)


# ---- a hand-written PDF -------------------------------------------------------------------
_GRID = "\n".join(
    [f"{72 + 60 * i} 600 0.8 -200 re f" for i in range(5)]  # columns: thin filled rectangles
    + ["0.5 w " + " ".join(f"72 {600 - 25 * i} m 312.8 {600 - 25 * i} l" for i in range(9))
       + " S"]  # rows: one path of nine subpaths
    + ["400 700 m 500 700 l 500 650 l 400 650 l h S",  # a closed outline: a rectangle
       "400 675 m 500 675 l S 450 700 m 450 650 l S",
       "100 750 m 100 780 120 790 150 790 c 200 790 l 200 750 l h f",  # a curve
       "q 1 0 0 1 0 0 cm /Fm1 Do Q"])
_FORM = "\n".join(f"0 {20 * i} m 200 {20 * i} l S" for i in range(4)) + "\n" + \
        "\n".join(f"{50 * i} 0 m {50 * i} 60 l S" for i in range(5))
_TEXT = "BT /F1 12 Tf 72 620 Td (Table) Tj ET"


def _pdf(pages: list[tuple[str, str]]) -> bytes:
    """A PDF of the given (page dictionary extras, content) pages, every page able to paint
    the form /Fm1 (_FORM under a scaling matrix) and the font /F1."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               (f"<< /Type /XObject /Subtype /Form /BBox [0 0 300 100] "
                f"/Matrix [1.5 0 0 0.75 80 100] /Length {len(_FORM)} >>\nstream\n{_FORM}\n"
                "endstream")]
    kids = []
    for extra, content in pages:
        n = len(objects) + 1
        kids.append(f"{n} 0 R")
        objects.append(f"<< /Type /Page /Parent 2 0 R {extra} /Contents {n + 1} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> /XObject << /Fm1 4 0 R >> >> >>")
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.7\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return out


def _cells_both(path: Path) -> list[tuple[Any, Any]]:
    """(fast cells or None, pdfplumber's cells) of every page."""
    import pdfplumber
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    out = []
    doc = pdfium.PdfDocument(str(path))
    with pdfplumber.open(path) as plumber:
        for index, theirs in enumerate(plumber.pages):
            page = doc[index]
            edges = page_edges(raw, page)
            fast = None if edges is None else find_cells(edges, SETTINGS)
            out.append((fast, [t.cells for t in theirs.find_tables(SETTINGS)]))
            page.close()
    doc.close()
    return out


def _close(ours: list[list[tuple[float, ...]]], theirs: list[list[tuple[float, ...]]]) -> bool:
    """The same tables and cells, coordinates within 0.001 pt (PDFium keeps single-precision
    floats, pdfminer double ones)."""
    return len(ours) == len(theirs) and all(
        len(a) == len(b) and all(abs(p - q) < 1e-3 for c, d in zip(a, b, strict=True)
                                 for p, q in zip(c, d, strict=True))
        for a, b in zip(ours, theirs, strict=True))


def test_lines_drawn_every_way(tmp_path: Path) -> None:
    path = tmp_path / "lines.pdf"
    content = f"{_TEXT}\n{_GRID}"
    path.write_bytes(_pdf([("/MediaBox [0 0 595 842]", content),
                           ("/MediaBox [0 0 595 842]", f"1 0 0 -1 0 842 cm\n{_GRID}"),
                           ("/MediaBox [0 0 595 842] /CropBox [20 30 500 800]", content),
                           ("/MediaBox [0 0 595 842] /Rotate 90", content),
                           ("/MediaBox [10 20 605 862]", content)]))
    pages = _cells_both(path)
    for fast, theirs in pages[:3]:
        assert len(theirs) == 3  # the grid, the outline cut in four, the form's grid
        assert fast is not None and _close(fast, theirs)
    assert pages[3][0] is None and pages[4][0] is None  # left to pdfplumber


@pytest.mark.parametrize(("limit", "value"), [("MAX_SEGMENTS", 20), ("MAX_OBJECTS", 5),
                                              ("MAX_DEPTH", 0)])
def test_a_page_beyond_the_limits_is_left_to_pdfplumber(tmp_path: Path, limit: str, value: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded work on a hostile page: past so many objects or path segments, or forms
    nested so deep, the page is given up (None), and the caller's fallback reads it."""
    from nianbao.load import pdf_lines

    path = tmp_path / "lines.pdf"
    path.write_bytes(_pdf([("/MediaBox [0 0 595 842]", f"{_TEXT}\n{_GRID}")]))
    assert _cells_both(path)[0][0] is not None
    monkeypatch.setattr(pdf_lines, limit, value)
    assert _cells_both(path)[0][0] is None
