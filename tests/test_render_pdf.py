"""PDF renderer: text and order, A4, embedded fonts, page numbers, determinism, the glyph
check and the URL fetcher."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.compose.report import compose
from nianbao.compose.document import Para, Table
from nianbao.errors import RenderError
from nianbao.load import load
from nianbao.render import TEMPLATES_DIR, RenderOptions, pdf_fonts, pdf_render
from nianbao.validate import validate


ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
PAGE_NUMBER = re.compile(r"^\s*— \d+ —\s*$")


@pytest.fixture(scope="module")
def doc():
    return compose(validate(load(EXAMPLE)))


@pytest.fixture(scope="module")
def pdf_file(doc, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "county.pdf"
    path.write_bytes(pdf_render.render(doc, RenderOptions()))
    return path


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdftotext(path: Path, *flags: str) -> str:
    return run("pdftotext", *flags, str(path), "-")


def with_problems_text(doc, text: str):
    section = doc.section("problems")
    new = dataclasses.replace(section, blocks=(Para(text),) + section.blocks)
    return dataclasses.replace(doc, sections=tuple(new if s.id == "problems" else s
                                                   for s in doc.sections))


def values(doc, sid: str) -> list[str]:
    table = next(b for b in doc.section(sid).blocks if isinstance(b, Table))
    return [c.text for row in table.header + table.body for c in row if c.kind == "value"]


# ---- output ----------------------------------------------------------------------------------
def test_is_a_pdf(pdf_file):
    data = pdf_file.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_text_in_order(pdf_file, doc):
    text = pdftotext(pdf_file)
    flat = re.sub(r"\s+", "", text)
    assert flat.startswith(re.sub(r"\s+", "", doc.title))
    positions = [flat.index(s.heading) for s in doc.sections]
    assert positions == sorted(positions)
    for heading in ("（一）主动公开", "（五）监督保障"):
        assert heading in flat
    assert flat.index("某某县交通运输局2025年1月20日") > positions[-1]  # 落款 after section 六


def test_table_numbers_in_order(pdf_file, doc):
    """Standalone numbers between one table heading and the next are exactly the table's
    values, row by row, left to right (labels like "1.属于国家秘密" are not standalone)."""
    lines = [ln for ln in pdftotext(pdf_file, "-layout").splitlines()
             if not PAGE_NUMBER.match(ln)]
    text = "\n".join(lines)
    headings = [s.heading for s in doc.sections]
    for sid, nxt in (("table2", "table3"), ("table3", "table4"), ("table4", "problems")):
        start = text.index(doc.section(sid).heading)
        end = text.index(doc.section(nxt).heading)
        found = re.findall(r"(?<!\S)\d+(?:\.\d+)?(?!\S)", text[start + len(headings[0]):end])
        assert found == values(doc, sid), sid
    assert len(values(doc, "table3")) == 25 * 7


def test_table_labels_present(pdf_file):
    flat = re.sub(r"\s+", "", pdftotext(pdf_file))
    for label in ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                  "申请人情况", "法人或其他组织", "未经复议直接起诉", "复议后起诉",
                  "第二十条第（八）项", "本年收费金额（单位：万元）"):
        assert label in flat, label


def test_table3_whole_on_one_page(pdf_file):
    """Table 三 (小五, as in the DOCX) fits a page and is not split: a split would leave its
    22-row “三、本年度办理结果” cell open at the page foot."""
    pages = pdftotext(pdf_file).split("\f")
    with_head = [p for p in pages if "申请人情况" in p]
    assert len(with_head) == 1
    flat = re.sub(r"\s+", "", with_head[0])
    assert "一、本年新收政府信息公开申请数量" in flat and "四、结转下年度继续办理" in flat


def test_column_heads_wrap_between_words(pdf_file):
    """商业|企业 in a narrow column, never 商业企|业 (GridCell.words)."""
    lines = pdftotext(pdf_file, "-layout").splitlines()
    top = next(i for i, ln in enumerate(lines) if re.search(r"商业\s+科研", ln))
    below = "\n".join(lines[top + 1:top + 4])
    assert re.search(r"企业\s+机构", below), below
    assert "商业企" not in "".join(lines)


def test_header_repeats_when_a_table_splits(doc, tmp_path):
    """A table longer than a page still splits, its header rows repeated on the next page."""
    folder = tmp_path / "templates" / "css"
    folder.mkdir(parents=True)
    css = (TEMPLATES_DIR / "css" / "print.css").read_text(encoding="utf-8")
    (folder / "print.css").write_text(css + "\nth, td { font-size: 16pt; }\n", encoding="utf-8")
    path = tmp_path / "big.pdf"
    path.write_bytes(pdf_render.render(doc, RenderOptions(template_dirs=(tmp_path / "templates",))))
    pages = pdftotext(path).split("\f")
    with_head = [i for i, p in enumerate(pages) if "申请人情况" in p]
    assert len(with_head) >= 2 and with_head[1] == with_head[0] + 1


def test_a4_pages(pdf_file):
    info = run("pdfinfo", "-f", "1", "-l", "99", str(pdf_file))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes, info
    for w, h in sizes:
        assert float(w) == pytest.approx(595.28, abs=0.5)
        assert float(h) == pytest.approx(841.89, abs=0.5)


def test_fonts_embedded(pdf_file):
    rows = run("pdffonts", str(pdf_file)).splitlines()[2:]
    assert rows
    names = []
    for row in rows:
        cols = row.split()
        # name type... encoding emb sub uni object ID: emb is the 5th column from the end
        assert cols[-5] == "yes", row
        names.append(cols[0])
    assert any("Noto-Serif-CJK-SC" in n for n in names)   # 仿宋/宋体 fallback
    assert any("Noto-Sans-CJK-SC" in n for n in names)    # 黑体 fallback
    assert any("UKai" in n for n in names)                # 楷体 fallback


def test_page_numbers_alternate_sides(pdf_file):
    text = pdftotext(pdf_file, "-raw")
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert page.rstrip().splitlines()[-1] == f"— {n} —"
    bbox = pdftotext(pdf_file, "-bbox")
    page_width = 595.28
    for n in (1, 2, 3):
        page = bbox.split("<page ")[n]
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="[\d.]+">([^<]*)</word>', page)
        digits = [(float(x0), float(y0), float(x1)) for x0, y0, x1, w in words if w == str(n)]
        x0, y0, x1 = max(digits, key=lambda d: d[1])  # the lowest one is the page number
        assert y0 > 841.89 - 35 / 25.4 * 72  # in the bottom margin
        if n % 2:   # odd page: right-aligned, one 14pt character from the right edge
            assert x1 > page_width - 26 / 25.4 * 72 - 40
        else:       # even page: left-aligned
            assert x0 < 28 / 25.4 * 72 + 40


def test_byte_identical(doc, pdf_file):
    assert pdf_render.render(doc, RenderOptions()) == pdf_file.read_bytes()


def test_byte_identical_across_processes(pdf_file, tmp_path):
    out = tmp_path / "again.pdf"
    code = ("import sys\n"
            "from generator.load import load\n"
            "from generator.validate import validate\n"
            "from generator.compose.report import compose\n"
            "from generator.render import pdf_render, RenderOptions\n"
            f"doc = compose(validate(load({str(EXAMPLE)!r})))\n"
            "open(sys.argv[1], 'wb').write(pdf_render.render(doc, RenderOptions()))\n")
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, cwd=ROOT)
    assert out.read_bytes() == pdf_file.read_bytes()


def test_no_clock_in_pdf(pdf_file):
    info = run("pdfinfo", "-isodates", str(pdf_file))
    dates = re.findall(r"^(CreationDate|ModDate):\s+(\S+)", info, re.MULTILINE)
    assert dates == [("CreationDate", "2025-01-20T00:00:00Z")]  # the document date, no clock


# ---- glyph check -----------------------------------------------------------------------------
@pytest.mark.parametrize("ch", ["😀", "\U0010FFFD"])
def test_character_without_glyph_fails_loudly(doc, ch):
    bad = with_problems_text(doc, f"我们在这里放了一个字符{ch}后面还有文字")
    with pytest.raises(RenderError) as err:
        pdf_render.render(bad, RenderOptions())
    (problem,) = err.value.problems
    assert f"字符“{ch}”（U+{ord(ch):04X}）没有可用字体能够显示" in problem.message
    assert "五、存在的主要问题及改进情况" in problem.message
    assert f"一个字符{ch}后面还有文字" in problem.message


def test_glyph_check_reports_each_character_once_and_table_cells(doc):
    table = next(b for b in doc.section("table4").blocks if isinstance(b, Table))
    cell = dataclasses.replace(table.header[0][0], text="行政复议\U0001F4A9")
    header = ((cell,) + table.header[0][1:],) + table.header[1:]
    section = dataclasses.replace(doc.section("table4"),
                                  blocks=(dataclasses.replace(table, header=header),))
    bad = dataclasses.replace(doc, sections=tuple(section if s.id == "table4" else s
                                                  for s in doc.sections))
    bad = with_problems_text(bad, "再来一次\U0001F4A9")
    charset = pdf_fonts.drawable(pdf_render.html_render.render_text(bad, RenderOptions()))
    problems = pdf_render.missing_glyphs(bad, charset)
    assert len(problems) == 1
    assert "U+1F4A9" in problems[0].message
    assert "四、政府信息公开行政复议、行政诉讼情况（表格）" in problems[0].message


def test_whitespace_and_controls_are_ignored(doc):
    ok = with_problems_text(doc, "全角\u3000空格\u200b零宽\ttab")
    charset = pdf_fonts.drawable(pdf_render.html_render.render_text(ok, RenderOptions()))
    assert pdf_render.missing_glyphs(ok, charset) == []


def test_font_stacks_resolve_to_installed_faces(doc):
    html = pdf_render.html_render.render_text(doc, RenderOptions())
    stacks = pdf_fonts.font_stacks(html)
    assert ("FangSong_GB2312", "仿宋_GB2312", "FangSong", "Noto Serif CJK SC") in stacks
    assert ("FZXiaoBiaoSong-B05S", "方正小标宋简体", "Noto Serif CJK SC") in stacks
    assert ("SimHei", "黑体", "Noto Sans CJK SC") in stacks
    assert ("KaiTi_GB2312", "楷体_GB2312", "KaiTi", "AR PL UKai CN", "Noto Serif CJK SC") in stacks
    assert pdf_fonts.resolve_face("Noto Serif CJK SC") is not None
    assert pdf_fonts.resolve_face("No Such Face 12345") is None  # a substitute is not a match
    files = {Path(f).name for f, _ in pdf_fonts.chosen_faces(html)}
    assert any("NotoSerifCJK" in f for f in files) and any("ukai" in f for f in files)


def test_one_font_configuration_per_process(doc, pdf_file):
    assert pdf_render.font_config() is pdf_render.font_config()


# ---- fetcher ---------------------------------------------------------------------------------
def test_fetcher_refuses_network_and_other_files():
    fetcher = pdf_render.make_fetcher((str(TEMPLATES_DIR),))
    for url in ("file:///etc/passwd", "http://example.com/x.png", "https://example.com/a.css",
                f"{TEMPLATES_DIR.as_uri()}/../pyproject.toml", "ftp://example.com/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://example.com/x.png" in fetcher.refused


def test_fetcher_allows_data_and_template_files():
    fetcher = pdf_render.make_fetcher((str(TEMPLATES_DIR),))
    response = fetcher.fetch("data:text/plain;base64,5aW9")
    assert response.read() == "好".encode()
    response.close()
    css = TEMPLATES_DIR / "css" / "print.css"
    response = fetcher.fetch(css.as_uri())
    assert response.read() == css.read_bytes()
    response.close()
    assert fetcher.refused == []


def test_template_referencing_outside_file_fails(doc, tmp_path):
    (tmp_path / "report.html").write_text(
        '{% extends "_base.html" %}\n{% block head %}<style media="print">'
        "h1 { background: url(file:///etc/hostname) }</style>{% endblock %}\n",
        encoding="utf-8")
    with pytest.raises(RenderError) as err:
        pdf_render.render(doc, RenderOptions(template_dirs=(tmp_path,)))
    assert "file:///etc/hostname" in str(err.value)


def test_font_stacks_read_only_css_that_prints():
    html = ('<style media="screen">p { font-family: "Screen Only" }</style>'
            '<style media="print">p { font-family: "A", \'B\' }</style>'
            "<style>h1 { font-family: C }</style>"
            '<style media="all">h2 { font-family: "D" }</style>')
    assert pdf_fonts.font_stacks(html) == [("A", "B"), ("C",), ("D",)]


# ---- parsing: tinyhtml5's regex cache (generator/render/pdf_fast/parse_cache.py) ---------------------
def test_parse_cache_hits_and_parses_the_same_tree(doc):
    import xml.etree.ElementTree as ET

    import tinyhtml5
    from tinyhtml5 import inputstream

    from nianbao.render import html_render
    from nianbao.render.pdf_fast import fastpath
    from nianbao.render.pdf_fast import parse_cache

    html = pdf_fonts.use_subsets(html_render.render_text(doc, RenderOptions()))
    shipped = inputstream.characters_until_regex
    pdf_render.render(doc, RenderOptions())          # fills the cache
    assert inputstream.characters_until_regex is shipped    # in place during renders only

    def parse() -> bytes:
        return ET.tostring(tinyhtml5.parse(html, namespace_html_elements=False))

    with fastpath.scoped():
        cache = inputstream.characters_until_regex
        assert isinstance(cache, parse_cache.RegexCache)
        fixed = parse()
        keys = set(cache)
        assert parse() == fixed and set(cache) == keys   # a second parse adds nothing
    assert keys and all(isinstance(chars, (str, tuple, frozenset)) for chars, _ in keys)

    inputstream.characters_until_regex = plain_cache = {}
    try:
        plain = parse()
    finally:
        inputstream.characters_until_regex = shipped
    assert plain == fixed
    # The shipped store keys each regex by itself, so a lookup never hits. When this
    # fails, tinyhtml5 has mended its cache and parse_cache can go.
    assert plain_cache and all(isinstance(chars, re.Pattern) for chars, _ in plain_cache)


def test_streams_deflated_at_zlib_default_level(pdf_file):
    """pydyf asks for level 9; a nianbao render's streams are deflated at 6 (pdf_deflate),
    anyone else's at 9, during and after it."""
    import threading
    import zlib

    import pydyf

    from nianbao.render.pdf_fast import fastpath

    assert pdf_file.exists()   # a render has been made
    data = "".join(f"{i * 7919 % 104729} 0 Td ({i:x}) Tj\n" for i in range(4000)).encode()
    assert zlib.compress(data, 6) != zlib.compress(data, 9)

    def deflated() -> bytes:
        stream = pydyf.Stream([data], compress=True).data
        body = stream.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
        assert zlib.decompress(body) == data
        return body

    assert deflated() == zlib.compress(data, 9)       # after a render: pydyf's own
    with fastpath.scoped():
        assert deflated() == zlib.compress(data, 6)   # in a nianbao render
        elsewhere: list[bytes] = []
        thread = threading.Thread(target=lambda: elsewhere.append(deflated()))
        thread.start()
        thread.join()
        assert elsewhere == [zlib.compress(data, 9)]  # another thread meanwhile: its own
    assert pydyf.zlib is zlib
