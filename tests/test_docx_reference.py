"""Reference .docx (pandoc's --reference-doc): Word styles, page setup and letterhead from a
document the agency made in Word; the content still comes from nianbao."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from conftest import soffice_convert
from nianbao.compose.report import compose
from nianbao.errors import RenderError
from nianbao.load import load
from nianbao.render import RenderOptions, docx_reference, docx_render, render
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS = {"w": W, "r": R, "a": A}
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
LETTERHEAD = "某某县交通运输局"
MARGIN = str(round(30 * 1440 / 25.4))  # 30 mm in twips: 1701


def w(name: str) -> str:
    return f"{{{W}}}{name}"


# ---- building reference documents with python-docx -----------------------------------------
def png(width: int = 120, height: int = 30) -> bytes:
    """A small solid red PNG (the letterhead's emblem)."""
    raw = b"".join(b"\x00" + b"\xc8\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def set_fonts(style, face: str) -> None:
    """Name one face for Latin and East Asian text, dropping the template's theme fonts."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.attrib.clear()
    for key in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{key}"), face)


def make_reference(path: Path, header: bool = True, footer: bool = False,
                   first_page: bool = False) -> Path:
    """An agency's Word document: 宋体 14 pt body, red 黑体 18 pt Heading 1, 30 mm margins,
    optionally a letterhead header (text and image) and a footer of its own."""
    document = docx.Document()
    normal = document.styles["Normal"]
    set_fonts(normal, "宋体")
    normal.font.size = Pt(14)
    heading = document.styles["Heading 1"]
    set_fonts(heading, "黑体")
    heading.font.size = Pt(18)
    heading.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    heading.paragraph_format.space_before = Pt(12)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(30))
    if header:
        para = section.header.paragraphs[0]
        para.text = LETTERHEAD
        para.add_run().add_picture(io.BytesIO(png()), width=Mm(25))
    if footer:
        section.footer.paragraphs[0].text = "机关自己的页脚"
    if first_page:
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = "首页红头"
    document.add_paragraph("这段正文不会出现在报告里")
    document.save(path)
    return path


# ---- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc():
    return compose(validate(load(str(EXAMPLE))))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reference")


@pytest.fixture(scope="module")
def reference(folder) -> Path:
    return make_reference(folder / "模板.docx")


@pytest.fixture(scope="module")
def plain(doc) -> bytes:
    return render(doc, "docx")


@pytest.fixture(scope="module")
def data(doc, reference) -> bytes:
    return render(doc, "docx", RenderOptions(reference_docx=reference))


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def xml(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(unzip(data)[name])


def style_el(data: bytes, style_id: str) -> etree._Element:
    found = xml(data, "word/styles.xml").findall(f"w:style[@w:styleId='{style_id}']", NS)
    assert len(found) == 1, (style_id, len(found))
    return found[0]


def sect_pr(data: bytes) -> etree._Element:
    return xml(data, "word/document.xml").find("w:body/w:sectPr", NS)


def doc_rels(data: bytes) -> dict[str, tuple[str, str]]:
    root = xml(data, "word/_rels/document.xml.rels")
    return {r.get("Id"): (r.get("Type").rsplit("/", 1)[1], r.get("Target"))
            for r in root.iter(PKG_REL)}


def referenced(data: bytes, kind: str) -> dict[str, str]:
    """w:type → part name of the section's header or footer references."""
    rels = doc_rels(data)
    out = {}
    for node in sect_pr(data).findall(f"w:{kind}Reference", NS):
        rel_type, target = rels[node.get(f"{{{R}}}id")]
        assert rel_type == kind
        out[node.get(w("type"))] = f"word/{target}"
    return out


def text(part: bytes) -> str:
    return "".join(etree.fromstring(part).itertext())


# ---- styles --------------------------------------------------------------------------------
def test_normal_takes_reference_font_and_size(data):
    normal = style_el(data, "Normal")
    fonts = normal.find("w:rPr/w:rFonts", NS)
    assert [fonts.get(w(k)) for k in ("ascii", "eastAsia")] == ["宋体", "宋体"]
    assert normal.find("w:rPr/w:sz", NS).get(w("val")) == "28"  # 14 pt
    assert normal.get(w("default")) == "1"


def test_heading1_takes_reference_font_size_colour_spacing(data):
    heading = style_el(data, "Heading1")
    fonts = heading.find("w:rPr/w:rFonts", NS)
    assert [fonts.get(w(k)) for k in ("ascii", "hAnsi", "eastAsia")] == ["黑体"] * 3
    assert heading.find("w:rPr/w:sz", NS).get(w("val")) == "36"  # 18 pt
    assert heading.find("w:rPr/w:color", NS).get(w("val")) == "C00000"
    assert heading.find("w:pPr/w:spacing", NS).get(w("before")) == "240"  # 12 pt


def test_nianbao_styles_the_reference_lacks_are_kept(data, plain):
    for style_id in ("TableText", "TableTextSmall", "Signature"):
        assert etree.tostring(style_el(data, style_id)) == etree.tostring(
            style_el(plain, style_id))
    styles = xml(data, "word/styles.xml")
    ids = [s.get(w("styleId")) for s in styles.findall("w:style", NS)]
    assert len(ids) == len(set(ids))
    defaults = [s.get(w("type")) for s in styles.findall("w:style", NS)
                if s.get(w("default")) == "1"]
    assert len(defaults) == len(set(defaults))  # one default style per type


def test_doc_defaults_theme_and_font_table_from_reference(data, reference):
    ref = unzip(reference.read_bytes())
    ref_styles = etree.fromstring(ref["word/styles.xml"])
    assert etree.tostring(xml(data, "word/styles.xml").find("w:docDefaults", NS)) == \
        etree.tostring(ref_styles.find("w:docDefaults", NS))
    assert unzip(data)["word/theme/theme1.xml"] == ref["word/theme/theme1.xml"]
    names = {f.get(w("name")) for f in xml(data, "word/fontTable.xml").findall("w:font", NS)}
    assert {"仿宋_GB2312", "黑体"} <= names  # nianbao's faces still listed for its own styles


# ---- page, header, footer ------------------------------------------------------------------
def test_margins_and_page_are_the_reference(data):
    margins = sect_pr(data).find("w:pgMar", NS)
    assert [margins.get(w(k)) for k in ("top", "bottom", "left", "right")] == [MARGIN] * 4
    size = sect_pr(data).find("w:pgSz", NS)
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")  # the reference's A4


def test_letterhead_header_with_its_image(data):
    parts = unzip(data)
    headers = referenced(data, "header")
    assert set(headers) == {"default", "even"}  # letterhead on even pages too, own part each
    assert headers["default"] != headers["even"]
    assert text(parts[headers["default"]]) == text(parts[headers["even"]])
    header = headers["default"]
    assert LETTERHEAD in text(parts[header])
    rels_part = header.replace("word/", "word/_rels/") + ".rels"
    (image_rel,) = [r for r in etree.fromstring(parts[rels_part]).iter(PKG_REL)
                    if r.get("Type").endswith("/image")]
    image = f"word/{image_rel.get('Target')}"
    assert parts[image] == png()
    embeds = [b.get(f"{{{R}}}embed") for b in etree.fromstring(parts[header]).iter(f"{{{A}}}blip")]
    assert embeds == [image_rel.get("Id")]
    even_rels = etree.fromstring(parts[headers["even"].replace("word/", "word/_rels/") + ".rels"])
    assert [r.get("Target") for r in even_rels.iter(PKG_REL)] == [image_rel.get("Target")]
    assert sorted(n for n in parts if n.startswith("word/media/")) == [image]  # copied once
    types = etree.fromstring(parts["[Content_Types].xml"])
    registered = {n.get("PartName"): n.get("ContentType") for n in types.iter()
                  if n.get("PartName")}
    assert registered[f"/{header}"].endswith("header+xml")
    assert any(n.get("Extension") == "png" and n.get("ContentType") == "image/png"
               for n in types.iter())


def test_page_number_footers_kept_when_reference_has_no_footer(data, plain):
    footers = referenced(data, "footer")
    assert footers == referenced(plain, "footer") and set(footers) == {"default", "even"}
    for name in footers.values():
        assert unzip(data)[name] == unzip(plain)[name]
        assert " PAGE " in text(unzip(data)[name])
    assert xml(data, "word/settings.xml").find("w:evenAndOddHeaders", NS) is not None
    rids = [r for r in doc_rels(data)]
    assert len(rids) == len(set(rids))


def test_reference_without_header_or_footer_keeps_page_numbers(doc, plain, folder):
    bare = make_reference(folder / "bare.docx", header=False)
    out = render(doc, "docx", RenderOptions(reference_docx=bare))
    assert referenced(out, "header") == {}
    assert referenced(out, "footer") == referenced(plain, "footer")
    odd = unzip(out)[referenced(out, "footer")["default"]]
    shown = "".join(t.text for t in etree.fromstring(odd).iter(w("t")))
    assert shown == "\u2014 1 \u2014" and " PAGE " in text(odd)
    assert xml(out, "word/settings.xml").find("w:evenAndOddHeaders", NS) is not None
    assert sect_pr(out).find("w:pgMar", NS).get(w("top")) == MARGIN


def test_reference_footer_replaces_page_numbers(doc, folder):
    own = make_reference(folder / "footer.docx", footer=True)
    out = render(doc, "docx", RenderOptions(reference_docx=own))
    parts = unzip(out)
    footers = referenced(out, "footer")
    assert list(footers) == ["default"] and "机关自己的页脚" in text(parts[footers["default"]])
    assert not any(" PAGE " in text(v) for n, v in parts.items() if "footer" in n)
    assert sorted(n for n in parts if re.fullmatch(r"word/footer\d+\.xml", n)) == [
        footers["default"]]  # nianbao's two footers are gone, not orphaned
    assert LETTERHEAD in text(parts[referenced(out, "header")["default"]])
    # the reference has no evenAndOddHeaders: its one footer serves every page
    assert xml(out, "word/settings.xml").find("w:evenAndOddHeaders", NS) is None


def test_title_page_keeps_odd_page_number(doc, folder):
    titled = make_reference(folder / "titled.docx", first_page=True)
    out = render(doc, "docx", RenderOptions(reference_docx=titled))
    assert sect_pr(out).find("w:titlePg", NS) is not None
    headers, footers = referenced(out, "header"), referenced(out, "footer")
    assert "首页红头" in text(unzip(out)[headers["first"]])
    assert footers["first"] != footers["default"]  # a part of its own, as Word writes them
    assert unzip(out)[footers["first"]] == unzip(out)[footers["default"]]  # odd page number
    assert xml(out, "word/settings.xml").find("w:evenAndOddHeaders", NS) is not None


# ---- content -------------------------------------------------------------------------------
def test_content_is_nianbaos(data, plain, doc):
    def body(blob: bytes) -> list[bytes]:
        nodes = xml(blob, "word/document.xml").find("w:body", NS)
        return [etree.tostring(n) for n in nodes if n.tag != w("sectPr")]

    assert body(data) == body(plain)
    word = docx.Document(io.BytesIO(data))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == [
        s.heading for s in doc.sections]
    assert "这段正文不会出现在报告里" not in "".join(p.text for p in word.paragraphs)
    plain_t3 = docx.Document(io.BytesIO(plain)).tables[1]
    assert [[c.text for c in row.cells] for row in word.tables[1].rows] == [
        [c.text for c in row.cells] for row in plain_t3.rows]
    assert word.tables[1].rows[-1].cells[-1].text.isdigit()


# ---- Chinese Word / WPS style ids ----------------------------------------------------------
def localize(source: Path, target: Path) -> Path:
    """The reference as Chinese Word saves it: localized style ids ("a", "1", "a3"), a
    numbered Heading 1, and an own style that happens to use the id "Heading1"."""
    renames = {"Normal": "a", "Heading1": "1", "Heading1Char": "10", "Header": "a3",
               "HeaderChar": "a4"}
    parts = unzip(source.read_bytes())
    styles = etree.fromstring(parts["word/styles.xml"])
    for node in styles.iter(w("style"), w("basedOn"), w("next"), w("link")):
        attr = w("styleId") if node.tag == w("style") else w("val")
        node.set(attr, renames.get(node.get(attr), node.get(attr)))
    heading = styles.find("w:style[@w:styleId='1']", NS)
    ppr = heading.find("w:pPr", NS)
    num = etree.SubElement(ppr, w("numPr"))
    etree.SubElement(num, w("numId"), {w("val"): "1"})
    ppr.insert(0, num)
    own = etree.SubElement(styles, w("style"), {w("type"): "paragraph", w("styleId"): "Heading1"})
    etree.SubElement(own, w("name"), {w("val"): "机关标题"})
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8")
    header = etree.fromstring(parts["word/header1.xml"])
    for node in header.iter(w("pStyle")):
        node.set(w("val"), renames.get(node.get(w("val")), node.get(w("val"))))
    parts["word/header1.xml"] = etree.tostring(header, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(target, "w") as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    return target


def test_styles_matched_by_name_when_ids_are_localized(doc, reference, folder):
    out = render(doc, "docx", RenderOptions(
        reference_docx=localize(reference, folder / "zh.docx")))
    heading = style_el(out, "Heading1")
    assert heading.find("w:name", NS).get(w("val")) == "heading 1"
    assert heading.find("w:rPr/w:color", NS).get(w("val")) == "C00000"
    assert heading.find("w:pPr/w:numPr", NS) is None  # nianbao numbers headings in the text
    assert heading.find("w:basedOn", NS).get(w("val")) == "Normal"
    assert style_el(out, "Normal").find("w:rPr/w:rFonts", NS).get(w("eastAsia")) == "宋体"
    own = style_el(out, "Heading1Ref")
    assert own.find("w:name", NS).get(w("val")) == "机关标题"
    ids = {s.get(w("styleId")) for s in xml(out, "word/styles.xml").findall("w:style", NS)}
    assert not {"a", "1", "a3"} & ids
    header = etree.fromstring(unzip(out)[referenced(out, "header")["default"]])
    assert {p.get(w("val")) for p in header.iter(w("pStyle"))} == {"Header"}


# ---- determinism and caching ---------------------------------------------------------------
def test_byte_identical_and_fixed_zip_times(doc, data, reference):
    assert render(doc, "docx", RenderOptions(reference_docx=reference)) == data
    docx_render._cached_template.cache_clear()  # rebuilt from the file: same bytes
    assert render(doc, "docx", RenderOptions(reference_docx=reference)) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_reference_read_once_per_file_version(doc, folder, monkeypatch):
    path = make_reference(folder / "batch.docx")
    calls: list[Path] = []
    real = docx_reference.read_reference

    def counting(p: Path):
        calls.append(p)
        return real(p)

    monkeypatch.setattr(docx_reference, "read_reference", counting)
    first = [render(doc, "docx", RenderOptions(reference_docx=path)) for _ in range(3)]
    assert len(calls) == 1 and first[0] == first[1] == first[2]
    make_reference(path, header=False)  # the agency edits the template
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = render(doc, "docx", RenderOptions(reference_docx=path))
    assert len(calls) == 2 and referenced(changed, "header") == {}


# ---- bad reference files -------------------------------------------------------------------
def _no_styles(path: Path, reference: Path) -> None:
    with zipfile.ZipFile(reference) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename != "word/styles.xml":
                dst.writestr(info, src.read(info))


@pytest.mark.parametrize("kind,reason", [
    ("text", "不是 zip 格式"),
    ("doc", ".doc（Word 97–2003）"),
    ("no-styles", "缺少样式部件"),
    ("xlsx", "不是 Word 文档"),
    ("broken-xml", "不是有效的 XML"),
])
def test_bad_reference_gives_render_error(doc, reference, tmp_path, kind, reason):
    path = tmp_path / f"{kind}.docx"
    if kind == "text":
        path.write_text("这不是 Word 文件", encoding="utf-8")
    elif kind == "doc":  # a .doc renamed: an OLE compound file
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    elif kind == "no-styles":
        _no_styles(path, reference)
    elif kind == "xlsx":
        import openpyxl
        openpyxl.Workbook().save(path)
    else:
        parts = unzip(reference.read_bytes())
        parts["word/styles.xml"] = b"<w:styles"
        with zipfile.ZipFile(path, "w") as archive:
            for name, blob in parts.items():
                archive.writestr(name, blob)
    with pytest.raises(RenderError) as caught:
        render(doc, "docx", RenderOptions(reference_docx=path))
    (problem,) = caught.value.problems
    assert problem.where == str(path)
    assert problem.message.startswith("参考文档不是有效的 .docx 文件：")
    assert problem.message.endswith("请在 Word/WPS 中另存为 .docx")
    assert reason in problem.message


def test_missing_reference_names_the_file(doc, tmp_path):
    path = tmp_path / "没有这个文件.docx"
    with pytest.raises(RenderError) as caught:
        render(doc, "docx", RenderOptions(reference_docx=path))
    assert str(caught.value).startswith(f"{path}：找不到参考文档")


# ---- LibreOffice ---------------------------------------------------------------------------
def test_libreoffice_shows_letterhead(data, tmp_path):
    src = tmp_path / "report.docx"
    src.write_bytes(data)
    pdf = soffice_convert(src, tmp_path, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, timeout=60, check=True).stdout.split("\f")
    for number, page in enumerate(pages[:2], start=1):  # odd and even pages
        assert page.lstrip().startswith(LETTERHEAD), page[:80]
        assert re.search(f"\u2014 ?{number} ?\u2014\\s*$", page), page[-80:]
    assert "申请人情况" in "".join(pages)


# ---- reference.docx in a template folder ---------------------------------------------------
def test_template_folder_reference_docx_styles_the_docx(doc, data, tmp_path):
    make_reference(tmp_path / "reference.docx")
    from_folder = render(doc, "docx", RenderOptions(template_dirs=(tmp_path,)))
    assert from_folder == data   # the same as --reference-docx with that file
    header = referenced(from_folder, "header")["default"]
    assert LETTERHEAD in text(unzip(from_folder)[header])


def test_given_reference_docx_wins_over_the_folder_one(doc, tmp_path, reference):
    make_reference(tmp_path / "reference.docx", header=False, footer=True)
    chosen = render(doc, "docx", RenderOptions(template_dirs=(tmp_path,),
                                               reference_docx=reference))
    assert chosen == render(doc, "docx", RenderOptions(reference_docx=reference))


def test_batch_agency_folder_reference_docx(tmp_path):
    from nianbao.batch import BatchOptions, discover, run_batch
    from nianbao.batch.executors import local_pool

    root = tmp_path / "DIR"
    (root / "甲局" / "templates").mkdir(parents=True)
    (root / "甲局" / "2024.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"),
                                            encoding="utf-8")
    make_reference(root / "甲局" / "templates" / "reference.docx")
    out = tmp_path / "OUT"
    with local_pool(1, ("docx",)) as pool:
        result = run_batch(discover(root), pool, out, BatchOptions(("docx",)))
    assert result.exit_code == 0, result.rows
    (built,) = list(out.rglob("*.docx"))
    header = referenced(built.read_bytes(), "header")["default"]
    assert LETTERHEAD in text(unzip(built.read_bytes())[header])
