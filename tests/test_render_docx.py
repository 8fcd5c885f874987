"""DOCX renderer: structure, merges, styles, page setup, footers, determinism, LibreOffice."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from lxml import etree

from conftest import soffice_convert
from nianbao.compose.report import compose
from nianbao.compose.document import GridCell, Table
from nianbao.load import load
from nianbao.render import render
from nianbao.render.docx_tables import column_widths, table_element
from nianbao.schemas.layout import place
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
T3_COLUMNS = ("natural", "commercial", "research", "nonprofit", "legal", "other", "total")


def w(name: str) -> str:
    """Clark name of a w: attribute or tag."""
    return f"{{{W}}}{name}"


@pytest.fixture(scope="module")
def doc():
    return compose(validate(load(str(EXAMPLE))))


@pytest.fixture(scope="module")
def data() -> bytes:
    return render(compose(validate(load(str(EXAMPLE)))), "docx")


@pytest.fixture(scope="module")
def word(data):
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def parts(data) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: etree.fromstring(archive.read(n)) for n in archive.namelist()
                if n.endswith(".xml")}


@pytest.fixture(scope="module")
def tables(parts) -> list[etree._Element]:
    return parts["word/document.xml"].findall(".//w:tbl", NS)


def cell_text(tc: etree._Element) -> str:
    return "".join(tc.itertext())


def style_el(parts, style_id: str) -> etree._Element:
    return parts["word/styles.xml"].find(f"w:style[@w:styleId='{style_id}']", NS)


# ---- content and order ---------------------------------------------------------------------
def test_section_headings_are_heading1_in_order(word, doc):
    found = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert found == [s.heading for s in doc.sections]
    assert found[0] == "一、总体情况" and len(found) == 6


def test_title_first_in_title_style_then_preamble(word, doc):
    paras = word.paragraphs
    # a long title breaks after the agency name, as on the HTML and PDF page
    assert paras[0].text == f"{doc.agency}\n{doc.title[len(doc.agency):]}"
    assert paras[0].style.name == "Title"
    assert [p.text for p in paras[1:1 + len(doc.preamble)]] == [p.text for p in doc.preamble]
    assert all(p.style.name == "Normal" for p in paras[1:1 + len(doc.preamble)])


def test_subheadings_are_heading2(word):
    found = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert found == ["（一）主动公开", "（二）依申请公开", "（三）政府信息管理",
                     "（四）政府信息公开平台建设", "（五）监督保障"]


def test_signature_last_and_right_aligned(word, doc):
    last = word.paragraphs[-2:]
    assert [p.text for p in last] == [doc.signature.name, doc.signature.date]
    assert all(p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in last)


def test_no_signature_when_none(doc):
    plain = docx.Document(io.BytesIO(render(dataclasses.replace(doc, signature=None), "docx")))
    assert plain.paragraphs[-1].text == doc.sections[-1].blocks[-1].text
    assert not any(p.style.name == "Signature" for p in plain.paragraphs)


def test_blocks_follow_their_heading(parts, doc):
    body = parts["word/document.xml"].find("w:body", NS)
    kinds = [(node.tag == w("tbl"), "".join(node.itertext())[:12]) for node in body
             if node.tag in (w("p"), w("tbl"))]
    heading4 = next(i for i, (_, t) in enumerate(kinds) if t.startswith("四、政府信息公开"))
    assert kinds[heading4 + 1][0] and kinds[heading4 + 2][1].startswith("五、")


# ---- tables --------------------------------------------------------------------------------
def test_three_tables(word, tables):
    assert len(word.tables) == 3 == len(tables)


def test_table3_note_cell_spans_3x3(tables, word):
    rows = tables[1].findall("w:tr", NS)
    firsts = [row.find("w:tc", NS) for row in rows[:4]]
    spans = [tc.find("w:tcPr/w:gridSpan", NS).get(w("val")) for tc in firsts[:3]]
    merges = [tc.find("w:tcPr/w:vMerge", NS) for tc in firsts[:3]]
    assert spans == ["3", "3", "3"]
    assert merges[0].get(w("val")) == "restart"
    assert all(m is not None and m.get(w("val"), "continue") == "continue" for m in merges[1:])
    assert firsts[3].find("w:tcPr/w:vMerge", NS) is None  # first body row starts fresh
    assert cell_text(firsts[0]).startswith("（本列数据的勾稽关系为")
    t3 = word.tables[1]
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # python-docx sees one merged cell


def test_table3_header_spans(tables):
    rows = tables[1].findall("w:tr", NS)
    applicants = rows[0].findall("w:tc", NS)[1]
    assert cell_text(applicants) == "申请人情况"
    assert applicants.find("w:tcPr/w:gridSpan", NS).get(w("val")) == "7"
    second = rows[1].findall("w:tc", NS)
    assert [cell_text(tc) for tc in second] == ["", "自然人", "法人或其他组织", "总计"]
    assert second[2].find("w:tcPr/w:gridSpan", NS).get(w("val")) == "5"
    group = rows[5].findall("w:tc", NS)[0]  # 三、本年度办理结果 spans 22 rows
    assert cell_text(rows[5]).startswith("三、本年度办理结果")
    assert group.find("w:tcPr/w:vMerge", NS).get(w("val")) == "restart"
    continued = [r.find("w:tc/w:tcPr/w:vMerge", NS) for r in rows[6:27]]
    assert all(m is not None and m.get(w("val")) == "continue" for m in continued)
    assert rows[27].find("w:tc/w:tcPr/w:vMerge", NS) is None


def test_column_heads_break_between_words(tables):
    """A head too long for its column breaks between its words (w:br): 商业|企业 in table 三's
    9 pt, 34 pt-wide columns, where Word would break 商业企|业; one that fits stays whole."""
    def lines(tc: etree._Element) -> list[str]:
        run = tc.find(".//w:r", NS)
        return "".join("\n" if c.tag == w("br") else c.text or "" for c in run).split("\n")

    third = tables[1].findall("w:tr", NS)[2].findall("w:tc", NS)
    heads = [tc for tc in third if cell_text(tc)]
    assert [lines(tc) for tc in heads] == [["商业", "企业"], ["科研", "机构"],
                                           ["社会", "公益", "组织"], ["法律", "服务", "机构"],
                                           ["其他"]]
    table2_head = tables[0].findall("w:tr", NS)[1].findall("w:tc", NS)[1]
    assert lines(table2_head) == ["本年制发件数"]


def test_table3_numbers_equal_the_example(tables):
    figures = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["table3"]
    expected: list[str] = []
    for key in ("new", "carry_in", "granted", "partial", "denied", "unable",
                "not_processed", "other", "total", "carry_out"):
        rows = [figures[key]] if "total" in figures[key] else list(figures[key].values())
        for row in rows:
            expected.extend(str(row[c]) for c in T3_COLUMNS)
    body_rows = tables[1].findall("w:tr", NS)[3:]
    found = [cell_text(tc) for row in body_rows for tc in row.findall("w:tc", NS)[-7:]]
    assert len(body_rows) == 25 and found == expected


def test_table2_banners_span_all_columns(tables):
    banners = [row for row in tables[0].findall("w:tr", NS) if cell_text(row).startswith("第二十条")]
    assert len(banners) == 4
    for row in banners:
        (tc,) = row.findall("w:tc", NS)
        assert tc.find("w:tcPr/w:gridSpan", NS).get(w("val")) == "4"
        assert row.find("w:tc/w:p/w:pPr/w:keepNext", NS) is not None  # never alone at a foot


def test_table4_fifteen_columns(tables):
    t4 = tables[2]
    assert len(t4.findall("w:tblGrid/w:gridCol", NS)) == 15
    top = t4.find("w:tr", NS).findall("w:tc", NS)
    assert [(cell_text(tc), tc.find("w:tcPr/w:gridSpan", NS).get(w("val"))) for tc in top] == [
        ("行政复议", "5"), ("行政诉讼", "10")]
    values = [cell_text(tc) for tc in t4.findall("w:tr", NS)[-1].findall("w:tc", NS)]
    assert values == ["1", "0", "0", "0", "1"] + ["0"] * 10


def test_header_rows_repeat_and_rows_never_split(tables):
    for tbl, nheader in zip(tables, (0, 3, 3)):
        rows = tbl.findall("w:tr", NS)
        flags = [row.find("w:trPr/w:tblHeader", NS) is not None for row in rows]
        assert flags == [i < nheader for i in range(len(rows))]
        assert all(row.find("w:trPr/w:cantSplit", NS) is not None for row in rows)
        for row in rows[:nheader]:
            assert all(p.find("w:pPr/w:keepNext", NS) is not None
                       for p in row.findall("w:tc/w:p", NS))


def test_table_geometry_fixed_full_width_bordered(tables):
    for tbl in tables:
        cols = [int(c.get(w("w"))) for c in tbl.findall("w:tblGrid/w:gridCol", NS)]
        assert sum(cols) == int(tbl.find("w:tblPr/w:tblW", NS).get(w("w"))) == 8844  # 156 mm
        assert tbl.find("w:tblPr/w:tblLayout", NS).get(w("type")) == "fixed"
        borders = tbl.find("w:tblPr/w:tblBorders", NS)
        assert [b.get(w("val")) for b in borders] == ["single"] * 6
        for row in tbl.findall("w:tr", NS):  # each cell as wide as the grid columns it spans
            cells = row.findall("w:tc", NS)
            assert sum(int(tc.find("w:tcPr/w:tcW", NS).get(w("w"))) for tc in cells) == 8844
            assert all(tc.find("w:tcPr/w:vAlign", NS).get(w("val")) == "center" for tc in cells)


def test_table3_column_widths_follow_fractions(tables, doc):
    t3 = doc.section("table3").blocks[0]
    cols = [int(c.get(w("w"))) for c in tables[1].findall("w:tblGrid/w:gridCol", NS)]
    assert cols == column_widths(t3.col_fractions, 8844)
    assert all(abs(c - f * 8844) < 1 for c, f in zip(cols, t3.col_fractions))


def test_empty_cell_stays_empty_and_bad_spans_fail():
    table = Table("x", 2, (), ((GridCell("a", "label"), GridCell("", "value")),))
    cells = table_element(table).findall(".//w:tc", NS)
    assert cells[1].find(".//w:t", NS) is None and cells[1].find("w:p", NS) is not None
    with pytest.raises(ValueError):
        place(((GridCell("a", "label", colspan=3),),), 2)
    with pytest.raises(ValueError):
        place(((GridCell("a", "label"),),), 2)


# ---- page, styles, footers -----------------------------------------------------------------
def test_page_a4_and_gbt9704_margins(word, parts):
    section = word.sections[0]
    twip = 635  # EMU
    for got, mm in ((section.page_width, 210), (section.page_height, 297),
                    (section.top_margin, 37), (section.bottom_margin, 35),
                    (section.left_margin, 28), (section.right_margin, 26)):
        assert abs(got - Mm(mm)) <= twip, (got, mm)
    pg = parts["word/document.xml"].find(".//w:sectPr/w:pgMar", NS)
    assert [pg.get(w(k)) for k in ("top", "bottom", "left", "right")] == [
        "2098", "1984", "1587", "1474"]


@pytest.mark.parametrize("style_id,face,size", [
    ("Normal", "仿宋_GB2312", "32"), ("Heading1", "黑体", "32"),
    ("Heading2", "楷体_GB2312", "32"), ("Title", "方正小标宋简体", "44")])
def test_style_fonts(parts, style_id, face, size):
    style = style_el(parts, style_id)
    fonts = style.find("w:rPr/w:rFonts", NS)
    assert [fonts.get(w(k)) for k in ("ascii", "hAnsi", "eastAsia")] == [face] * 3
    assert not any("Theme" in k for k in fonts.attrib)  # a theme font would override the name
    assert style.find("w:rPr/w:sz", NS).get(w("val")) == size
    entry = parts["word/fontTable.xml"].find(f"w:font[@w:name='{face}']", NS)
    assert entry.find("w:charset", NS).get(w("val")) == "86"  # GB2312


def test_body_and_heading_paragraph_format(parts):
    normal = style_el(parts, "Normal")
    assert normal.find("w:pPr/w:ind", NS).get(w("firstLineChars")) == "200"
    line = normal.find("w:pPr/w:spacing", NS)
    assert (line.get(w("line")), line.get(w("lineRule"))) == ("578", "exact")  # 28.9 pt
    for style_id, level in (("Heading1", "0"), ("Heading2", "1")):
        style = style_el(parts, style_id)
        assert style.find("w:pPr/w:outlineLvl", NS).get(w("val")) == level
        assert style.find("w:pPr/w:numPr", NS) is None
        assert style.find("w:rPr/w:b", NS).get(w("val")) == "0"
        assert style.find("w:rPr/w:color", NS).get(w("val")) == "000000"
    title = style_el(parts, "Title")
    assert title.find("w:pPr/w:jc", NS).get(w("val")) == "center"
    assert title.find("w:pPr/w:outlineLvl", NS) is None


def test_odd_even_footers_with_page_field(word, parts):
    settings = parts["word/settings.xml"]
    assert settings.find("w:evenAndOddHeaders", NS) is not None
    section = word.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        (para,) = footer._element.findall("w:p", NS)
        kinds = [f.get(w("fldCharType")) for f in para.iter(w("fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert "".join(para.find(".//w:instrText", NS).itertext()).strip() == "PAGE"
        assert "".join(t.text for t in para.iter(w("t"))) == "\u2014 1 \u2014"
        assert para.find("w:pPr/w:jc", NS).get(w("val")) == align
        assert para.find("w:pPr/w:ind", NS).get(w(align)) == "280"  # one 14 pt character
    footer_style = style_el(parts, "Footer")
    assert footer_style.find("w:rPr/w:rFonts", NS).get(w("eastAsia")) == "宋体"
    assert footer_style.find("w:rPr/w:sz", NS).get(w("val")) == "28"


# ---- determinism and metadata --------------------------------------------------------------
def test_core_properties(word, doc):
    core = word.core_properties
    assert (core.title, core.author, core.revision) == (doc.title, doc.agency, 1)
    assert core.created.date().isoformat() == doc.date_iso == "2025-01-20"
    assert core.modified == core.created == core.last_printed


def test_no_date_gives_fixed_2000(doc):
    undated = render(dataclasses.replace(doc, date_iso=None), "docx")
    assert docx.Document(io.BytesIO(undated)).core_properties.created.year == 2000


def test_byte_identical_in_process_and_across_processes(data, doc):
    assert render(doc, "docx") == data
    script = ("import hashlib,sys; from generator.load import load; "
              "from generator.validate import validate; from generator.compose.report import compose; "
              "from generator.render import render; "
              f"sys.stdout.write(hashlib.sha256(render(compose(validate(load({str(EXAMPLE)!r}))),"
              "'docx')).hexdigest())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    assert out.stdout == hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert infos[0].filename == "[Content_Types].xml"
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)


# ---- LibreOffice ---------------------------------------------------------------------------
def test_libreoffice_converts_to_pdf(data, doc, tmp_path):
    src = tmp_path / "report.docx"
    src.write_bytes(data)
    pdf = soffice_convert(src, tmp_path, "pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    pages = text.split("\f")
    assert "申请人情况" in text and "行政诉讼" in text
    for number, page in enumerate(pages[:2], start=1):  # pdftotext may drop the spaces
        assert re.search(f"\u2014 ?{number} ?\u2014\\s*$", page), page[-80:]
    assert doc.signature.date in "".join(text.split())  # pdftotext spaces digits from CJK
