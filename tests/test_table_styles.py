"""A table skeleton's key holds only the style rules that can reach the table
(table_styles): an agency template that restyles its letterhead shares the built-in
skeletons — and still gets the ordinary pages — while one that restyles the cells, or whose
rules this test cannot judge, gets skeletons of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from nianbao.render import RenderOptions, pdf_render
from nianbao.render.pdf_fast import table_skeleton, table_styles
from test_table_stamp import assert_same_pages, example, raw_text

PLACE = '<html lang="zh-CN"><body><article class="report"><section id="table3">'
TABLE = ('<table data-table="三"><thead><tr class="head"><th>申请人</th></tr></thead>'
         '<tbody><tr><td class="num">0</td></tr></tbody></table>')


def kept(css: str) -> str:
    out = table_styles.relevant_styles(f'<style media="print">{css}</style>', PLACE, TABLE)
    return out.removeprefix('<style media="print">').removesuffix("</style>")


@pytest.mark.parametrize("rule", [
    "td.num { font-size: 12pt }",                 # the cells
    "table th { padding: 1pt }",
    "body { font-size: 15pt }",                   # inherited from an ancestor
    "#table3 .num { color: red }",
    "article.report > section { margin: 0 3em }",  # the table's containing block
    "* { letter-spacing: 1pt }",
    "h2 + table { width: 80% }",                  # siblings: not judged, kept
    "p ~ div td { color: red }",
    "td:first-child { width: 3em }",              # pseudo-classes: not judged, kept
    'td::before { content: "x" }',
    ".letterhead { float: left; width: 5cm }",    # a float beside a table narrows it
    "h2 { counter-increment: t }",                # counters reach generated content
])
def test_rules_that_can_reach_a_table_are_kept(rule):
    assert kept(rule) == rule


@pytest.mark.parametrize("rule", [
    ".letterhead { text-align: center; color: #c00; letter-spacing: .3em }",
    ".contact p { text-indent: 0 }",
    "h1.title { font-size: 22pt }",
    "section#table2 td { font-size: 20pt }",      # another table's place
    "table[data-table=\"二\"] td { padding: 9pt }",
])
def test_rules_that_cannot_reach_it_are_left_out(rule):
    assert kept(rule) == ""


def test_at_rules_are_kept_and_media_blocks_filtered_inside():
    css = ("@page { size: A4; margin: 2cm }"
           '@font-face { font-family: "X"; src: url(x.otf) }'
           "@media print { .letterhead { color: red } td { color: blue } }")
    assert kept(css) == ('@page { size: A4; margin: 2cm }'
                         '@font-face { font-family: "X"; src: url(x.otf) }'
                         "@media print {td { color: blue }}")
    link = '<link rel="stylesheet" href="agency.css">'
    assert table_styles.relevant_styles(link, PLACE, TABLE) == link


def template(tmp_path, css: str) -> RenderOptions:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}<style media="print">' + css
        + '</style>{% endblock %}{% block title %}<p class="letterhead">某某县水利局政务公开专栏'
        "</p>{{ super() }}{% endblock %}", encoding="utf-8")
    return RenderOptions(template_dirs=(folder,))


def counted_layouts(monkeypatch) -> list[int]:
    """The built-in skeletons laid out, then every skeleton layout after it counted."""
    pdf_render.render(example("county-transport-2024.yaml"), RenderOptions())
    layouts: list[int] = []
    original = table_skeleton._layout_skeletons
    monkeypatch.setattr(table_skeleton, "_layout_skeletons",
                        lambda *a: layouts.append(1) or original(*a))
    return layouts


@pytest.mark.parametrize(("css", "laid_out"), [
    # the letterhead only: the built-in skeletons serve
    ((".letterhead { text-align: center; color: #c00; letter-spacing: .3em;"
      " border-bottom: 2px solid #c00 }"), 0),
    # the cells restyled: a skeleton of its own
    (".letterhead { color: #333 } table td, table th { padding: 3pt 2pt }", 1),
])
def test_an_agency_template_lays_out_skeletons_only_for_its_own_table_styles(
        css, laid_out, tmp_path, monkeypatch):
    layouts = counted_layouts(monkeypatch)
    before = dict(table_skeleton.SKELETONS)
    doc = example("county-transport-2024.yaml")
    options = template(tmp_path, css)
    stamped = pdf_render.render(doc, options)
    assert len(layouts) == laid_out
    assert (dict(table_skeleton.SKELETONS) == before) == (not laid_out)
    assert "某某县水利局政务公开专栏" in raw_text(stamped, tmp_path).replace(" ", "")
    assert_same_pages(stamped, pdf_render.render(doc, options, stamp_tables=False), tmp_path)


def linking(tmp_path: Path, name: str, css: str, head: str | None = None) -> RenderOptions:
    folder = tmp_path / name / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}'
        + (head or '<link rel="stylesheet" media="print" href="agency.css">')
        + "{% endblock %}", encoding="utf-8")
    (folder / "agency.css").write_text(css, encoding="utf-8")
    return RenderOptions(template_dirs=(folder,))


def test_linked_style_sheets_are_keyed_by_their_content(tmp_path, monkeypatch):
    """Two agencies' templates link their own agency.css: keyed by the <link> tag alone,
    the second agency's tables were drawn from the first's skeleton (8 pages instead of
    its 5).  And an agency.css edited meanwhile (the preview) is a new key too."""
    doc = example("county-transport-2024.yaml")
    layouts = counted_layouts(monkeypatch)
    roomy = linking(tmp_path, "甲局", "td, th { padding: 8pt 2pt }")
    plain = linking(tmp_path, "乙局", "")
    pdf_render.render(doc, roomy)
    stamped = pdf_render.render(doc, plain)
    assert len(layouts) == 2
    assert_same_pages(stamped, pdf_render.render(doc, plain, stamp_tables=False), tmp_path)
    (tmp_path / "乙局" / "templates" / "agency.css").write_text(
        "td, th { padding: 6pt 2pt }", encoding="utf-8")
    edited = pdf_render.render(doc, plain)
    assert len(layouts) == 3
    assert_same_pages(edited, pdf_render.render(doc, plain, stamp_tables=False), tmp_path)


def test_what_a_sheet_names_is_read_to_the_end(tmp_path):
    """A sheet's own @import, and a font its @font-face names, are part of its identity:
    the same head, another imported file or font file, another key."""
    options = linking(tmp_path, "丙局", '@import "cells.css";\n'
                      '@font-face { font-family: "X"; src: url(x.otf) }')
    folder = options.template_dirs[0]
    (folder / "cells.css").write_text("td { padding: 1pt }", encoding="utf-8")
    (folder / "x.otf").write_bytes(b"0" * 10)
    fetcher = pdf_render.make_fetcher((str(folder),))
    identify = pdf_render._sheet_digest(folder.as_uri() + "/", fetcher)
    first = identify("agency.css", True)
    (folder / "cells.css").write_text("td { padding: 9pt }", encoding="utf-8")
    second = identify("agency.css", True)
    (folder / "x.otf").write_bytes(b"0" * 20)
    assert len({first, second, identify("agency.css", True)}) == 3
    assert identify("../../secret.css", True).startswith("unread ")   # outside the folders
    head = ('<style>@import url("agency.css"); @font-face { src: url(data:font/otf;base64,AA)'
            ' } @font-face { src: url("f.otf") }</style><link rel=stylesheet href=x.css>')
    assert table_styles.sheet_urls(head) == ["x.css", "agency.css"]
    assert table_styles.resource_urls(head) == ["f.otf"]
