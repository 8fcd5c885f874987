"""Drafts look like drafts (issue 19 §13): a report rendered although it has errors (`build
--force`, `batch --force`, a preview's download) carries "草稿：本报告存在 N 个错误，不得发布" on
every page of the PDF and the DOCX and at the top of the HTML; a clean report (warnings
allowed) never does.  The mark survives agency templates (an HTML override, a page of the
agency's own, CSS that tries to hide it, a reference.docx with letterhead headers), the PDF
fast path draws the same pages as the ordinary render, and the same input gives the same
bytes.  The preview's confirm step is tested in a browser in test_serve_csp.py."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import COUNTY, EXAMPLES, run_cli, soffice_convert
from lxml import etree
from lxml import html as lxml_html
from nianbao.render import RenderOptions, draft, render
from nianbao.render.pdf_fast import fastpath
from test_table_stamp import assert_same_pages, example, stamps

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
LETTERHEAD = EXAMPLES / "letterhead"
LETTERHEAD_LINE = "某某县水利局政务公开专栏"   # examples/letterhead/templates/report.html
# table 三 一、 with two more requests: two T3-BALANCE errors
NEW_ROW = "natural: {}, commercial: 4, research: 0, nonprofit: 0, legal: 2, other: 1, total: {}"
BROKEN_NEW_ROW = (NEW_ROW.format(31, 38), NEW_ROW.format(33, 40))


def mark(n: int) -> str:
    return f"草稿：本报告存在 {n} 个错误，不得发布"


def pdf_pages(pdf: bytes | Path, folder: Path) -> list[str]:
    """The text of each page (pdftotext; pages end with a form feed)."""
    path = pdf if isinstance(pdf, Path) else folder / "pages.pdf"
    if not isinstance(pdf, Path):
        path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def headers(data: bytes) -> dict[str, etree._Element]:
    """Page type → the header part the DOCX's section references for it."""
    parts = unzip(data)
    sect = etree.fromstring(parts["word/document.xml"]).find(f"{W}body").find(f"{W}sectPr")
    rels = {r.get("Id"): r.get("Target") for r in
            etree.fromstring(parts["word/_rels/document.xml.rels"])}
    return {ref.get(f"{W}type"): etree.fromstring(parts["word/" + rels[ref.get(R_ID)]])
            for ref in sect.findall(f"{W}headerReference")}


def paragraphs(part: etree._Element) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in part.iter(f"{W}p")]


@pytest.fixture(scope="module")
def doc():
    return example("county-transport-2024.yaml")


@pytest.fixture(scope="module")
def broken_letterhead(tmp_path_factory) -> Path:
    """The letterhead example (its own report.html) with two errors, and a reference.docx
    with a Word letterhead header and a first-page header beside its templates."""
    from test_docx_reference import make_reference

    folder = tmp_path_factory.mktemp("letterhead")
    text = (LETTERHEAD / "water-2024.yaml").read_text(encoding="utf-8")
    assert BROKEN_NEW_ROW[0] in text
    (folder / "water-2024.yaml").write_text(text.replace(*BROKEN_NEW_ROW), encoding="utf-8")
    shutil.copytree(LETTERHEAD / "templates", folder / "templates")
    make_reference(folder / "templates" / "reference.docx", header=True, first_page=True)
    return folder


# ---- HTML --------------------------------------------------------------------------------
def test_html_banner_first_in_body_clean_page_untouched(doc):
    clean = render(doc, "html", RenderOptions())
    assert render(doc, "html", RenderOptions(draft_errors=0)) == clean
    assert "草稿" not in clean.decode() and draft.CLASS not in clean.decode()
    page = render(doc, "html", RenderOptions(draft_errors=3))
    assert render(doc, "html", RenderOptions(draft_errors=3)) == page   # same bytes again
    body = lxml_html.document_fromstring(page).body
    banner = next(el for el in body if el.tag != "style")
    assert banner.get("class") == draft.CLASS and banner.text_content() == mark(3)
    text = page.decode()
    assert f'@top-center{{content:"{mark(3)}"!important' in text   # every printed page
    # nothing else changed: the clean page with the mark taken out
    start = text.index("<style>@media screen{.nianbao-draft")
    end = text.index("</div>", start) + len("</div>\n")
    assert (text[:start - 1] + text[end:]).encode() == clean


def _own_templates(tmp_path: Path, report: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "report.html").write_text(report, encoding="utf-8")
    return folder


SECTIONS = ('{% from "_tables.html" import render_section with context %}'
            "{% for s in doc.sections %}{{ render_section(s) }}{% endfor %}")


@pytest.mark.parametrize("page", [
    # a page of the agency's own, not extending _base.html
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head>'
    '<body class="own"><h1>{{ doc.title }}</h1>' + SECTIONS + "</body></html>",
    # one that leaves out <html>, <head> and <body> (the parser adds them)
    '<meta charset="utf-8"><h1>{{ doc.title }}</h1>' + SECTIONS,
])
def test_a_page_of_the_agency_s_own_still_shows_it(doc, tmp_path, page):
    options = RenderOptions(template_dirs=(_own_templates(tmp_path, page),), draft_errors=2)
    body = lxml_html.document_fromstring(render(doc, "html", options).decode()).body
    first = next(el for el in body if el.tag != "style")
    assert first.get("class") == draft.CLASS and first.text_content() == mark(2)
    assert len(pdf_pages(render(doc, "pdf", options), tmp_path)) >= 3
    assert all(mark(2) in p for p in pdf_pages(render(doc, "pdf", options), tmp_path))


def test_agency_css_cannot_hide_it(doc, tmp_path):
    """An agency's print CSS with a running head of its own in the same margin box, and a
    rule hiding the banner: the mark wins on every page."""
    folder = _own_templates(tmp_path, (
        '{% extends "_base.html" %}{% block head %}<style>'
        '@page { @top-center { content: "机关自己的页眉" } } .nianbao-draft { display: none }'
        "</style>{% endblock %}"))
    def squeezed(pdf: bytes) -> list[str]:   # a narrow margin box wraps its text
        return ["".join(p.split()) for p in pdf_pages(pdf, tmp_path)]

    options = RenderOptions(template_dirs=(folder,))
    assert all("机关自己的页眉" in p for p in squeezed(render(doc, "pdf", options)))
    drafted = RenderOptions(template_dirs=(folder,), draft_errors=1)
    pages = squeezed(render(doc, "pdf", drafted))
    assert all("".join(mark(1).split()) in p and "机关自己的页眉" not in p for p in pages)
    page = render(doc, "html", drafted).decode()
    assert page.index(".nianbao-draft { display: none }") < page.index(
        ".nianbao-draft{display:block!important")   # later, and !important


# ---- PDF ---------------------------------------------------------------------------------
@pytest.fixture
def fast_path_log(monkeypatch, caplog):
    monkeypatch.setattr(fastpath, "_LOGGED", set())
    caplog.set_level(logging.WARNING, logger="nianbao.render")
    return caplog


def test_pdf_every_page_marked_and_the_fast_path_draws_it(doc, tmp_path, fast_path_log):
    options = RenderOptions(draft_errors=4)
    assert stamps(doc, options) == 3       # the tables drawn from skeletons, not the fallback
    fast = render(doc, "pdf", options)
    assert not [r for r in fast_path_log.records if "fast path" in r.getMessage()]
    assert render(doc, "pdf", options) == fast   # same bytes again
    from nianbao.render import pdf_render

    assert_same_pages(fast, pdf_render.render(doc, options, stamp_tables=False), tmp_path)
    pages = pdf_pages(fast, tmp_path)
    assert len(pages) >= 4 and all(mark(4) in p for p in pages)
    clean = pdf_pages(render(doc, "pdf", RenderOptions()), tmp_path)
    assert len(clean) == len(pages) and not any("草稿" in p for p in clean)
    # the mark is in the margin: the type area (the body) is the clean report's
    assert [p.replace(mark(4), "").strip() for p in pages] == [p.strip() for p in clean]


# ---- DOCX --------------------------------------------------------------------------------
def test_docx_every_page_type_has_the_mark(doc):
    clean = render(doc, "docx", RenderOptions())
    assert headers(clean) == {} and b"contentStatus" not in unzip(clean)["docProps/core.xml"]
    data = render(doc, "docx", RenderOptions(draft_errors=5))
    assert render(doc, "docx", RenderOptions(draft_errors=5)) == data   # same bytes again
    found = headers(data)
    assert set(found) == {"default", "even", "first"}   # odd, even and first pages
    assert all(paragraphs(h) == [mark(5)] for h in found.values())
    core = etree.fromstring(unzip(data)["docProps/core.xml"])
    assert [e.text for e in core if e.tag.endswith("contentStatus")] == ["草稿"]
    assert draft.mark_text("x") not in data.decode("latin-1")   # no placeholder left
    # the body is the clean report's
    assert unzip(data)["word/document.xml"].split(b"<w:sectPr")[0] == \
        unzip(clean)["word/document.xml"].split(b"<w:sectPr")[0]


def test_docx_letterhead_headers_keep_theirs_under_the_mark(doc, broken_letterhead):
    from test_docx_reference import LETTERHEAD as WORD_HEAD

    options = RenderOptions(template_dirs=(broken_letterhead / "templates",), draft_errors=2)
    data = render(doc, "docx", options)
    found = headers(data)
    assert set(found) == {"default", "even", "first"}
    for page, header in found.items():
        texts = paragraphs(header)
        assert texts[0] == mark(2), page
        assert texts[1] == ("首页红头" if page == "first" else WORD_HEAD), page
    parts = unzip(data)
    assert sum(1 for n in parts if n.startswith("word/media/")) >= 1   # the letterhead image


@pytest.mark.parametrize("formats", ["html,pdf,docx"])
def test_letterhead_example_with_errors_shows_it_everywhere(broken_letterhead, tmp_path,
                                                            formats):
    """`build --force` of the letterhead example with two errors, its report.html and a
    reference.docx with letterhead headers: the mark on every page of the PDF and of the
    DOCX as LibreOffice lays it out, at the top of the HTML, the letterheads still there."""
    out = tmp_path / "out"
    result = run_cli("build", broken_letterhead / "water-2024.yaml", "-o", out, "--templates",
                     broken_letterhead / "templates", "--format", formats, "--force")
    assert result.returncode == 1, result.stderr
    assert f"以上文件是草稿：每页标有“{mark(2)}”" in result.stderr
    stem = "某某县水利局2024年政府信息公开工作年度报告"
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert page.index(mark(2)) < page.index(LETTERHEAD_LINE)
    pages = pdf_pages(out / f"{stem}.pdf", tmp_path)
    assert len(pages) >= 4 and all(mark(2) in p for p in pages)
    assert LETTERHEAD_LINE in pages[0]
    from test_docx_reference import LETTERHEAD as WORD_HEAD

    (tmp_path / "lo").mkdir()
    word = pdf_pages(soffice_convert(out / f"{stem}.docx", tmp_path / "lo", "pdf"), tmp_path)
    assert len(word) >= 3 and all(mark(2) in p for p in word)
    assert "首页红头" in word[0] and all(WORD_HEAD in p for p in word[1:])


# ---- build and batch ---------------------------------------------------------------------
def test_build_without_errors_is_clean_even_with_warnings(tmp_path):
    """Warnings do not make a draft: a report published late (DEADLINE) builds clean."""
    text = COUNTY.read_text(encoding="utf-8").replace("published: 2025-01-20",
                                                      "published: 2025-03-05")
    source = tmp_path / "late.yaml"
    source.write_text(text, encoding="utf-8")
    result = run_cli("build", source, "-o", tmp_path / "out", "--format", "html,docx")
    assert result.returncode == 0 and "DEADLINE" in result.stdout + result.stderr
    assert "草稿" not in result.stderr
    for path in (tmp_path / "out").iterdir():
        assert "草稿".encode() not in path.read_bytes()
        assert b"contentStatus" not in path.read_bytes()


def test_batch_force_marks_drafts_only(tmp_path):
    from nianbao.batch import BatchOptions, discover, run_batch

    tree = tmp_path / "DIR"
    (tree / "甲局").mkdir(parents=True)
    (tree / "丁局").mkdir()
    shutil.copy(COUNTY, tree / "甲局" / "2024.yaml")
    shutil.copy(EXAMPLES / "invalid" / "t4-sum.yaml", tree / "丁局" / "2024.yaml")
    out = tmp_path / "OUT"
    with ThreadPoolExecutor(1) as pool:
        result = run_batch(discover(tree), pool, out, BatchOptions(("html", "docx"), force=True))
    rows = {r["file"]: r for r in result.rows}
    bad, good = rows["丁局/2024.yaml"], rows["甲局/2024.yaml"]
    assert bad["errors"] == 1 and set(bad["outputs"]) == {"html", "docx"}
    assert mark(1) in (out / bad["outputs"]["html"]).read_text(encoding="utf-8")
    assert all(paragraphs(h) == [mark(1)]
               for h in headers((out / bad["outputs"]["docx"]).read_bytes()).values())
    for path in good["outputs"].values():
        assert "草稿".encode() not in (out / path).read_bytes()
