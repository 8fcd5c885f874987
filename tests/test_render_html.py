"""HTML renderer: structure, official table spans, escaping, template search path, errors."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nianbao.compose.report import compose
from nianbao.compose.document import Para, Table
from nianbao.errors import RenderError
from nianbao.load import load
from nianbao.render import RenderOptions, html_render
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
SECTION_IDS = ["overview", "table2", "table3", "table4", "problems", "other"]


# ---- a small DOM, enough to read tables back ---------------------------------------------
class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str):
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    yield c
                yield from c.iter(tag)

    def find(self, tag: str) -> Node | None:
        return next(self.iter(tag), None)

    def kids(self, tag: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


VOID = {"meta", "col", "br", "img", "link", "input", "hr"}


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def cells(row: Node) -> list[Node]:
    return [c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]


def span(cell: Node) -> tuple[int, int]:
    return int(cell.attrs.get("rowspan") or 1), int(cell.attrs.get("colspan") or 1)


# ---- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc():
    return compose(validate(load(EXAMPLE)))


@pytest.fixture(scope="module")
def html(doc) -> str:
    out = html_render.render(doc, RenderOptions())
    assert isinstance(out, bytes)
    return out.decode("utf-8")


@pytest.fixture(scope="module")
def tree(html) -> Node:
    return parse(html)


def section_node(tree: Node, sid: str) -> Node:
    return next(s for s in tree.iter("section") if s.attrs.get("id") == sid)


def table_of(tree: Node, sid: str) -> Node:
    table = section_node(tree, sid).find("table")
    assert table is not None
    return table


def doc_table(doc, sid: str) -> Table:
    return next(b for b in doc.section(sid).blocks if isinstance(b, Table))


# ---- page structure --------------------------------------------------------------------------
def test_head_and_title(html, tree, doc):
    assert re.search(r'<html lang="zh-CN"[ >]', html)
    metas = {m.attrs.get("name"): m.attrs.get("content") for m in tree.iter("meta")}
    assert "width=device-width" in metas["viewport"]
    assert metas["generator"] == "nianbao"
    assert metas["dcterms.created"] == doc.date_iso == "2025-01-20"
    assert tree.find("title").text() == doc.title
    h1 = tree.find("h1")
    assert h1.text() == doc.title  # the <br> after the agency name adds no text


def test_title_breaks_after_agency_name(html, doc):
    assert f"<h1 class=\"title\">{doc.agency}<br>{doc.title[len(doc.agency):]}</h1>" in html


def test_six_sections_in_order_with_h2(tree, doc):
    sections = list(tree.iter("section"))
    assert [s.attrs["id"] for s in sections] == SECTION_IDS
    assert [s.find("h2").text() for s in sections] == [s.heading for s in doc.sections]
    assert sections[0].find("h2").text() == "一、总体情况"
    assert sections[5].find("h2").text() == "六、其他需要报告的事项"


def test_level2_headings_are_h3(tree):
    h3 = [h.text() for h in section_node(tree, "overview").iter("h3")]
    assert h3 == ["（一）主动公开", "（二）依申请公开", "（三）政府信息管理",
                  "（四）政府信息公开平台建设", "（五）监督保障"]


def test_preamble_and_paragraphs(tree, doc):
    preamble = next(d for d in tree.iter("div") if d.attrs.get("class") == "preamble")
    assert [p.text() for p in preamble.iter("p")] == [p.text for p in doc.preamble]
    problems = [p.text() for p in section_node(tree, "problems").iter("p")]
    assert problems == [b.text for b in doc.section("problems").blocks]


def test_signature_block(tree, doc):
    sig = next(d for d in tree.iter("div") if d.attrs.get("class") == "signature")
    assert [p.text() for p in sig.iter("p")] == ["某某县交通运输局", "2025年1月20日"]


def test_no_signature_when_document_has_none(doc):
    out = html_render.render(dataclasses.replace(doc, signature=None), RenderOptions()).decode()
    assert 'class="signature"' not in out
    assert "2025年1月20日" not in out.split("</section>")[-1]


def test_self_contained_no_urls(html):
    assert not re.search(r"https?://", html)
    assert "<link" not in html and "@import" not in html and "src=" not in html
    assert "url(" not in html
    assert html.count("<style") >= 2  # screen and print CSS inline
    assert '<style media="print">' in html and "@page" in html
    assert "margin: 37mm 26mm 35mm 28mm" in html


# ---- tables ----------------------------------------------------------------------------------
def test_every_table_wrapped_for_scrolling(tree, html):
    tables = list(tree.iter("table"))
    assert len(tables) == 3
    for t in tables:
        assert t.parent.tag == "div" and t.parent.attrs.get("class") == "table-wrap"
    assert re.search(r"\.table-wrap\s*\{[^}]*overflow-x:\s*auto", html)


def test_colgroup_widths_from_col_fractions(tree, doc):
    for sid in ("table2", "table3", "table4"):
        cols = table_of(tree, sid).find("colgroup").kids("col")
        widths = [float(re.search(r"width:([\d.]+)%", c.attrs["style"]).group(1)) for c in cols]
        expected = [f * 100 for f in doc_table(doc, sid).col_fractions]
        assert widths == pytest.approx(expected, abs=0.001)
    t3 = [float(re.search(r"([\d.]+)%", c.attrs["style"]).group(1))
          for c in table_of(tree, "table3").find("colgroup").kids("col")]
    assert t3[2] > 3 * t3[3]  # the long row-label column is the widest


def test_table3_header_spans(tree):
    table = table_of(tree, "table3")
    rows = table.find("thead").kids("tr")
    assert len(rows) == 3
    first = cells(rows[0])
    assert first[0].text() == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert span(first[0]) == (3, 3)
    assert first[1].text() == "申请人情况" and span(first[1]) == (1, 7)
    second = [(c.text(), span(c)) for c in cells(rows[1])]
    assert second == [("自然人", (2, 1)), ("法人或其他组织", (1, 5)), ("总计", (2, 1))]
    assert [c.text() for c in cells(rows[2])] == ["商业企业", "科研机构", "社会公益组织",
                                                  "法律服务机构", "其他"]
    body = table.find("tbody").kids("tr")
    results = cells(body[2])[0]
    assert results.text() == "三、本年度办理结果" and span(results) == (22, 1)
    denied = cells(body[4])[0]
    assert denied.text() == "（三）不予公开" and span(denied) == (8, 1)
    assert span(cells(body[0])[0]) == (1, 3)


def test_column_heads_are_made_of_words(tree):
    """Column heads carry their two-character words (white-space: nowrap in the CSS), so a
    narrow column wraps 商业|企业, not 商业企|业; other heads are plain text."""
    heads = cells(table_of(tree, "table3").find("thead").kids("tr")[2])
    assert [[w.text() for w in c.kids("span")] for c in heads[:3]] == [
        ["商业", "企业"], ["科研", "机构"], ["社会", "公益", "组织"]]
    assert all(w.attrs.get("class") == "word" for w in heads[0].kids("span"))
    assert heads[4].text() == "其他" and heads[4].kids("span") == []
    second = cells(table_of(tree, "table3").find("thead").kids("tr")[1])
    assert second[0].text() == "自然人" and second[0].kids("span") == []   # three: one piece


def test_table4_header_spans(tree):
    table = table_of(tree, "table4")
    rows = table.find("thead").kids("tr")
    first = [(c.text(), span(c)) for c in cells(rows[0])]
    assert first == [("行政复议", (1, 5)), ("行政诉讼", (1, 10))]
    second = [(c.text(), span(c)) for c in cells(rows[1])]
    leaves = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert second[:5] == [(t, (2, 1)) for t in leaves]
    assert second[5:] == [("未经复议直接起诉", (1, 5)), ("复议后起诉", (1, 5))]
    assert [c.text() for c in cells(rows[2])] == leaves * 2
    body = table.find("tbody").kids("tr")
    assert len(body) == 1 and len(cells(body[0])) == 15
    assert "wide" in table.attrs["class"].split()


def test_table2_has_banner_rows_and_no_thead(tree):
    table = table_of(tree, "table2")
    assert table.find("thead") is None
    rows = table.find("tbody").kids("tr")
    banners = [r for r in rows if r.attrs.get("class") == "banner"]
    assert [cells(b)[0].text() for b in banners] == [
        "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert all(span(cells(b)[0]) == (1, 4) for b in banners)
    fee_head = [c for r in rows for c in cells(r) if c.text() == "本年收费金额（单位：万元）"]
    assert len(fee_head) == 1 and span(fee_head[0]) == (1, 3)


def test_every_value_in_table_order(tree, doc):
    for sid in ("table2", "table3", "table4"):
        table = doc_table(doc, sid)
        expected = [(c.key, c.text) for row in table.header + table.body for c in row
                    if c.kind == "value"]
        got = [(td.attrs.get("data-cell"), td.text()) for td in table_of(tree, sid).iter("td")]
        assert got == expected
        assert all(key for key, _ in got)
    t3 = {td.attrs["data-cell"]: td.text() for td in table_of(tree, "table3").iter("td")}
    assert t3["table3.new.total"] == "38" and t3["table3.new.natural"] == "31"
    assert t3["table3.unable.not_held.total"] == "7"
    assert t3["table3.carry_out.commercial"] == "1"
    t2 = {td.attrs["data-cell"]: td.text() for td in table_of(tree, "table2").iter("td")}
    assert t2["table2.licensing.decisions"] == "1286"
    assert t2["table2.normative_documents.in_force"] == "12"
    t4 = [td.text() for td in table_of(tree, "table4").iter("td")]
    assert t4 == ["1", "0", "0", "0", "1"] + ["0"] * 10


def test_row_labels_match_model(tree, doc):
    table = doc_table(doc, "table3")
    expected = [c.text for row in table.body for c in row if c.kind == "label"]
    got = [th.text() for th in table_of(tree, "table3").find("tbody").iter("th")]
    assert got == expected
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in got


# ---- escaping --------------------------------------------------------------------------------
def _with_problems_text(doc, text: str):
    section = doc.section("problems")
    new = dataclasses.replace(section, blocks=(Para(text),) + section.blocks)
    return dataclasses.replace(doc, sections=tuple(new if s.id == "problems" else s
                                                   for s in doc.sections))


def test_data_is_escaped_and_never_evaluated(doc):
    evil = '<script>alert(1)</script>{{ 7*7 }}{% if true %}x{% endif %}<img src="http://example.com/x.png">&amp;'
    bad = _with_problems_text(doc, evil)
    bad = dataclasses.replace(bad, title=bad.title + "<b>粗</b>")
    out = html_render.render(bad, RenderOptions()).decode()
    assert "<script>" not in out and "<img" not in out and "<b>粗" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "{{ 7*7 }}" in out and "49" not in out.split('id="problems"')[1].split("</section>")[0]
    assert "{% if true %}x{% endif %}" in out
    assert "&amp;amp;" in out
    assert "&lt;b&gt;粗&lt;/b&gt;" in out
    problems = section_node(parse(out), "problems")
    assert problems.find("p").text() == evil


def test_escaping_in_table_cells(doc):
    table = doc_table(doc, "table3")
    first = table.body[0]
    poisoned_cell = dataclasses.replace(first[1], text="<i>31</i>", key='x" onclick="y')
    body = ((first[0], poisoned_cell) + first[2:],) + table.body[1:]
    new_table = dataclasses.replace(table, body=body)
    section = dataclasses.replace(doc.section("table3"), blocks=(new_table,))
    bad = dataclasses.replace(doc, sections=tuple(section if s.id == "table3" else s
                                                  for s in doc.sections))
    out = html_render.render(bad, RenderOptions()).decode()
    assert "<i>31</i>" not in out and "&lt;i&gt;31&lt;/i&gt;" in out
    assert 'onclick="y"' not in out and "data-cell=\"x&#34; onclick=&#34;y\"" in out


# ---- preview vs built ------------------------------------------------------------------------
def test_built_file_has_no_preview_marks(html):
    assert "data-preview" not in html and "data-flag" not in html
    assert "data-generated" not in html and "outline" not in html


def test_preview_marks_flagged_cells(doc):
    options = RenderOptions(preview=True, extra={"cell_flags": {"table3.new.total": "error"}})
    out = html_render.render(doc, options).decode()
    assert "data-preview" in out
    flagged = re.findall(r'<td[^>]*data-flag="error"[^>]*>', out)
    assert flagged == ['<td class="num" data-cell="table3.new.total" data-flag="error">']
    assert "data-generated" in out  # the preamble is generated text
    assert 'td[data-flag="error"]' in out
    # flags are ignored when not previewing
    built = html_render.render(doc, dataclasses.replace(options, preview=False)).decode()
    assert "data-flag" not in built


# ---- template search path --------------------------------------------------------------------
def test_override_replaces_one_block(doc, html, tmp_path):
    (tmp_path / "report.html").write_text(
        '{% extends "_base.html" %}\n'
        "{% block section_problems %}\n"
        '<section id="{{ section.id }}" class="agency">\n'
        "<h2>{{ section.heading }}</h2>\n<p>本机关补充说明</p>\n"
        "{{ render_blocks(section.blocks) }}\n</section>\n"
        "{% endblock %}\n", encoding="utf-8")
    out = html_render.render(doc, RenderOptions(template_dirs=(tmp_path,))).decode()
    tree = parse(out)
    assert [s.attrs["id"] for s in tree.iter("section")] == SECTION_IDS
    problems = section_node(tree, "problems")
    assert problems.attrs.get("class") == "agency"
    texts = [p.text() for p in problems.iter("p")]
    assert texts[0] == "本机关补充说明"
    assert texts[1:] == [b.text for b in doc.section("problems").blocks]
    # everything outside the replaced block is unchanged
    strip = re.compile(r'<section id="problems".*?</section>', re.DOTALL)
    assert strip.sub("", out) == strip.sub("", html)


def test_override_css_is_found_first(doc, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.css").write_text("@page { size: A4; margin: 20mm; }\n/* 本机关 */",
                                                encoding="utf-8")
    out = html_render.render(doc, RenderOptions(template_dirs=(tmp_path,))).decode()
    assert "/* 本机关 */" in out and "margin: 37mm" not in out
    assert "overflow-x: auto" in out  # screen.css still the built-in one


def test_environment_cached_per_search_path(doc, tmp_path):
    options = RenderOptions(template_dirs=(tmp_path,))
    dirs = html_render.search_path(options)
    assert dirs[-1] == str(html_render.TEMPLATES_DIR.resolve())
    assert html_render.environment(dirs) is html_render.environment(dirs)
    assert html_render.environment(dirs) is not html_render.environment(
        html_render.search_path(RenderOptions()))


def test_environment_is_sandboxed(doc, tmp_path):
    (tmp_path / "report.html").write_text(
        '{% extends "_base.html" %}\n{% block title %}{{ doc.__class__.__mro__ }}{% endblock %}\n',
        encoding="utf-8")
    with pytest.raises(RenderError) as err:
        html_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    (problem,) = err.value.problems
    assert problem.message.startswith("模板错误：") and "unsafe" in problem.message
    assert problem.where == f"{tmp_path / 'report.html'} 第2行"
    # an agency's folder on the path: sandboxed; nianbao's own templates alone: plain
    from jinja2.sandbox import SandboxedEnvironment
    agency = html_render.search_path(RenderOptions(template_dirs=(tmp_path,)))
    assert isinstance(html_render.environment(agency), SandboxedEnvironment)
    own = html_render.environment(html_render.search_path(RenderOptions()))
    assert not isinstance(own, SandboxedEnvironment)


# ---- template errors -------------------------------------------------------------------------
def test_undefined_variable_gives_file_and_line(doc, tmp_path):
    path = tmp_path / "report.html"
    path.write_text('{% extends "_base.html" %}\n{% block signature %}\n'
                    "<p>{{ doc.no_such_field }}</p>\n{% endblock %}\n", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        html_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    (problem,) = err.value.problems
    assert problem.where == f"{path} 第3行"
    assert problem.message.startswith("模板错误：") and "no_such_field" in problem.message


def test_syntax_error_gives_file_and_line(doc, tmp_path):
    path = tmp_path / "report.html"
    path.write_text('{% extends "_base.html" %}\n\n\n{% block title %}{% if %}{% endblock %}\n',
                    encoding="utf-8")
    with pytest.raises(RenderError) as err:
        html_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    (problem,) = err.value.problems
    assert problem.where == f"{path} 第4行"
    assert problem.message.startswith("模板错误：")


def test_missing_include_names_the_template(doc, tmp_path):
    path = tmp_path / "report.html"
    path.write_text('{% extends "_base.html" %}\n{% block head %}\n'
                    '{% include "nowhere.html" %}\n{% endblock %}\n', encoding="utf-8")
    with pytest.raises(RenderError) as err:
        html_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    (problem,) = err.value.problems
    assert problem.where == f"{path} 第3行"
    assert "nowhere.html" in problem.message


def test_template_context_documented_keys(doc):
    ctx = html_render.template_context(doc, RenderOptions())
    assert set(ctx) == {"doc", "sections", "preview", "flags"}
    assert list(ctx["sections"]) == SECTION_IDS
    assert ctx["sections"]["table3"] is doc.section("table3")
    assert set(ctx) <= set(html_render.CONTEXT_VARIABLES)


def test_built_in_templates_use_only_documented_variables():
    import jinja2.meta

    env = html_render.environment(html_render.search_path(RenderOptions()))
    allowed = set(html_render.CONTEXT_VARIABLES) | {m.split("(")[0] for m in html_render.MACROS}
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0]
        used = jinja2.meta.find_undeclared_variables(env.parse(source))
        assert used <= allowed, (name, used - allowed)


def test_row_groups_marked_to_stay_together(tree):
    """Rows inside a short row group (e.g. （三）不予公开 and its eight items) carry class
    "keep" (print CSS avoids breaking after them); the group's last row does not."""
    rows = table_of(tree, "table3").find("tbody").kids("tr")
    first_label = [cells(r)[0].text() if cells(r)[0].tag == "th" else "" for r in rows]
    keep = [r.attrs.get("class") == "keep" for r in rows]
    denied = first_label.index("（三）不予公开")
    assert keep[denied:denied + 8] == [True] * 7 + [False]
    other = first_label.index("（六）其他处理")
    assert keep[other:other + 3] == [True, True, False]
    assert keep[:2] == [False, False] and keep[-1] is False


def test_one_document_s_formats_run_the_templates_once(monkeypatch, tmp_path):
    """render_all (build, batch) makes the page once for HTML, PDF and DOCX; outside it
    every render makes it afresh (a preview sees an edited template at once)."""
    from nianbao.pipeline import render_all

    calls = []
    original = html_render._template_text
    monkeypatch.setattr(html_render, "_template_text",
                        lambda *a: calls.append(1) or original(*a))
    validated = validate(load(EXAMPLE))
    outputs = render_all(validated, ["html", "pdf", "docx"])
    assert len(calls) == 1
    assert "主动公开政府信息1,426条".encode() in outputs["html"]
    doc = compose(validated)
    html_render.render(doc, RenderOptions())
    html_render.render(doc, RenderOptions())
    assert len(calls) == 3
    with html_render.same_page():
        first = html_render.render(doc, RenderOptions())
        other = html_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    assert len(calls) == 5 and first == other   # other options: made again
