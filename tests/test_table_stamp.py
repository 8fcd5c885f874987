"""PDF tables drawn from a laid-out skeleton (table_skeleton, table_stamp): the same pages
(rendered at 100 dpi, no pixel off by more than antialiasing) and the same text in the same
order as the ordinary WeasyPrint render;
the ordinary render wherever the skeleton cannot reproduce a table."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from nianbao.compose.document import Table
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import RenderOptions, html_render, pdf_render
from nianbao.render.pdf_fast import table_skeleton
from nianbao.validate import validate
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ANTIALIAS = 16   # of 255 grey levels


def example(name: str):
    return compose(validate(load(EXAMPLES / name)))


def with_figure(doc, key: str, text: str):
    """The document with one figure cell's text replaced (what the renderer is given)."""
    def cell(c):
        return dataclasses.replace(c, text=text) if c.key == key else c

    def block(b):
        if not isinstance(b, Table):
            return b
        return dataclasses.replace(b, body=tuple(tuple(cell(c) for c in row) for row in b.body))

    sections = tuple(dataclasses.replace(s, blocks=tuple(block(b) for b in s.blocks))
                     for s in doc.sections)
    return dataclasses.replace(doc, sections=sections)


def pages(pdf: bytes, folder: Path, name: str) -> list[Image.Image]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(folder / name)], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob(f"{name}-*.png"))]


def raw_text(pdf: bytes, folder: Path) -> str:
    path = folder / "t.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def assert_same_pages(stamped: bytes, ordinary: bytes, folder: Path) -> None:
    a, b = pages(stamped, folder, "stamped"), pages(ordinary, folder, "ordinary")
    assert len(a) == len(b), f"{len(a)} pages stamped, {len(b)} ordinary"
    for number, (x, y) in enumerate(zip(a, b), start=1):
        # borders drawn as joined runs antialias a few joint pixels by a few levels; a
        # line or a glyph out of place differs by far more
        levels = ImageChops.difference(x, y).histogram()
        assert sum(levels[ANTIALIAS + 1:]) == 0, f"page {number} differs"
    assert raw_text(stamped, folder) == raw_text(ordinary, folder)


# ---- same output as the ordinary render ---------------------------------------------------
@pytest.mark.parametrize("name", [
    "county-transport-2024.yaml",        # 三 moved whole to a page of its own
    "township-zero-requests-2024.yaml",  # 二 split between its blocks, header rows
    "zhumadian-housing-2020.yaml",       # the 2019 edition's tables
])
def test_stamped_tables_are_the_ordinary_pages(name, tmp_path):
    doc = example(name)
    assert stamps(doc, RenderOptions()) == 3    # drawn from skeletons, not the fallback
    stamped = pdf_render.render(doc, RenderOptions())
    ordinary = pdf_render.render(doc, RenderOptions(), stamp_tables=False)
    assert_same_pages(stamped, ordinary, tmp_path)


def test_long_figures_and_a_template_of_its_own(tmp_path):
    """Figures of other widths than the skeleton's "0" (one wider than its cell), and an
    agency template whose print CSS changes the figures' type: same pages."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}<style media="print">'
        "td.num { font-size: 12pt; font-weight: bold }</style>{% endblock %}",
        encoding="utf-8")
    doc = with_figure(example("county-transport-2024.yaml"), "table3.new.natural", "12345678")
    doc = with_figure(doc, "table4.review.upheld", "907")
    options = RenderOptions(template_dirs=(templates,))
    assert stamps(doc, options) == 3
    stamped = pdf_render.render(doc, options)
    assert_same_pages(stamped, pdf_render.render(doc, options, stamp_tables=False), tmp_path)
    assert "12345678" in raw_text(stamped, tmp_path)


def test_split_cell_of_an_agency_template(tmp_path):
    """An agency template with roomier cells in another face (padding 4pt 1pt, Noto Sans
    CJK SC): 三 no longer fits a page and splits inside its 22-row “三、本年度办理结果”
    cell.  WeasyPrint draws that label at the top of the cell's first part (it aligns a cell
    vertically in the row where the cell ends, here on the next page) and leaves the cell
    open at the page foot; the stamped tables once centred it and closed the cell."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}<style media="print">'
        'th, td { padding: 4pt 1pt; font-family: "Noto Sans CJK SC" }</style>{% endblock %}',
        encoding="utf-8")
    options = RenderOptions(template_dirs=(templates,))
    doc = example("county-transport-2024.yaml")
    assert stamps(doc, options) == 3
    stamped = pdf_render.render(doc, options)
    pages_of = raw_text(stamped, tmp_path).split("\f")
    first = next(i for i, p in enumerate(pages_of) if "（一）予以公开" in p)
    assert "（七）总计" in pages_of[first + 1]          # the cell goes on to the next page
    assert_same_pages(stamped, pdf_render.render(doc, options, stamp_tables=False), tmp_path)


# ---- when a table cannot be stamped ----------------------------------------------------------
def test_cell_backgrounds_are_rendered_the_ordinary_way(tmp_path):
    """A template that shades the label cells: the skeleton cannot draw backgrounds, so the
    document is rendered the ordinary way and the shading is there."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}<style media="print">'
        "th.label { background: #c0c0c0 }</style>{% endblock %}", encoding="utf-8")
    options = RenderOptions(template_dirs=(templates,))
    doc = example("county-transport-2024.yaml")
    html = html_render.render_text(doc, dataclasses.replace(options, preview=False))
    assert table_skeleton.prepare(html, lambda text: pdf_render_document(text, options)) is None
    shaded = pages(pdf_render.render(doc, options), tmp_path, "shaded")
    assert any(page.histogram()[192] > 5000 for page in shaded)   # #c0c0c0 label cells


def stamps(doc, options: RenderOptions) -> int:
    """How many tables of the document are drawn from skeletons (0: ordinary render)."""
    from nianbao.render import pdf_fonts
    from nianbao.render.pdf_fast import table_stamp

    html = pdf_fonts.use_subsets(html_render.render_text(doc, options))
    prepared = table_skeleton.prepare(html, lambda t: pdf_render_document(t, options))
    if prepared is None:
        return 0
    document = pdf_render_document(prepared.html, options)
    return len(prepared.stamps) if table_stamp.attach(document, prepared) else 0


def render_sheets(options: RenderOptions):
    """What the renderer keys a page's linked sheets and fonts by, as `pdf_render.render`
    sets it up (its base URL, its fetcher's limits): a table prepared here looks up the
    skeletons a render laid out."""
    from nianbao.render import pdf_fonts

    roots = html_render.search_path(options)
    fetcher = pdf_render.make_fetcher(roots, (str(pdf_fonts.font_cache_dir()),))
    return pdf_render._sheet_digest(Path(roots[0]).as_uri() + "/", fetcher)


def pdf_render_document(html: str, options: RenderOptions):
    import weasyprint

    roots = html_render.search_path(options)
    return weasyprint.HTML(string=html, base_url=Path(roots[0]).as_uri() + "/").render(
        font_config=pdf_render.font_config())


def test_no_statutory_table_no_stamp():
    doc = example("suifenhe-2012.yaml")   # the 2007 条例's six items: prose only
    html = html_render.render_text(doc, RenderOptions())
    assert table_skeleton.prepare(html, lambda text: pytest.fail("laid out")) is None


# ---- the skeleton is laid out once -------------------------------------------------------------
def test_skeleton_laid_out_once_per_table_and_style(monkeypatch):
    table_skeleton.SKELETONS.clear()
    calls = []

    def lay_out(text):
        calls.append(text)
        return pdf_render_document(text, RenderOptions())

    first = html_render.render_text(example("county-transport-2024.yaml"), RenderOptions())
    other = html_render.render_text(example("township-zero-requests-2024.yaml"),
                                    RenderOptions())
    a = table_skeleton.prepare(first, lay_out)
    b = table_skeleton.prepare(other, lay_out)
    assert a is not None and b is not None
    assert len(calls) == 1                      # same edition, same CSS: laid out once
    assert all(x.skeleton is y.skeleton for x, y in zip(a.stamps, b.stamps))
    assert a.stamps[1].values != b.stamps[1].values
    restyled = first.replace("</head>", "<style>td { font-size: 8pt }</style></head>")
    assert table_skeleton.prepare(restyled, lay_out) is not None
    assert len(calls) == 2                      # other CSS: a skeleton of its own


def test_rare_characters_reuse_the_common_skeleton(monkeypatch, tmp_path):
    """A report naming a person with a character outside GB2312 gets font faces of its
    own in its print CSS; its tables (which do not use them) take the skeleton every
    other report uses, and its pages are still the ordinary ones."""
    from nianbao.compose.document import Para
    from nianbao.render import pdf_fonts

    doc = example("county-transport-2024.yaml")
    section = doc.section("problems")
    rare = dataclasses.replace(section, blocks=(Para("政务公开工作由王镕同志具体负责。"),)
                               + section.blocks)
    rare_doc = dataclasses.replace(doc, sections=tuple(rare if s.id == "problems" else s
                                                       for s in doc.sections))
    html = html_render.render_text(rare_doc, RenderOptions())
    assert pdf_fonts.rare_chars(html) == frozenset({ord("镕")})
    pdf_render.render(doc, RenderOptions())            # the common skeletons are there
    layouts = []
    original = table_skeleton._layout_skeletons
    monkeypatch.setattr(table_skeleton, "_layout_skeletons",
                        lambda *a: layouts.append(1) or original(*a))
    stamped = pdf_render.render(rare_doc, RenderOptions())
    assert layouts == []
    assert_same_pages(stamped, pdf_render.render(rare_doc, RenderOptions(), stamp_tables=False),
                      tmp_path)
    assert "王镕" in raw_text(stamped, tmp_path)


def test_replayed_text_gives_the_same_bytes():
    """The first drawing of a label or figure is recorded, later ones replay it
    (text_replay): a report drawn from recordings is byte for byte the one drawn afresh."""
    table_skeleton.SKELETONS.clear()
    doc = example("county-transport-2024.yaml")
    other = with_figure(example("township-zero-requests-2024.yaml"), "table3.new.natural", "77")
    pdf_render.render(doc, RenderOptions())       # records the labels and figures
    replayed = pdf_render.render(other, RenderOptions())
    recorded = [r for s in table_skeleton.SKELETONS.values() if s
                for rs in [s.recordings] + [c.recordings for c in s.cells] for r in rs.values()]
    assert len(recorded) > 100 and all(r is not None for r in recorded)   # labels, figures
    table_skeleton.SKELETONS.clear()
    assert pdf_render.render(other, RenderOptions()) == replayed   # drawn afresh


def test_batch_worker_warm_up_lays_out_the_skeletons():
    """A batch worker's warm-up renders a blank report of the current edition, so its
    first real report finds the skeletons there (no layout of its own)."""
    from nianbao.batch import report_task
    from nianbao.render import pdf_fonts

    table_skeleton.SKELETONS.clear()
    report_task.warm(("pdf",))
    assert len(table_skeleton.SKELETONS) == 3 and all(table_skeleton.SKELETONS.values())
    html = pdf_fonts.use_subsets(html_render.render_text(example("county-transport-2024.yaml"),
                                                         RenderOptions()))
    assert table_skeleton.prepare(html, lambda text: pytest.fail("laid out again"),
                                  sheets=render_sheets(RenderOptions())) is not None
