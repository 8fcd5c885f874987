"""DOCX page setup, styles and footers: the fixed "template" every report is poured into.

Built once per process with python-docx from its default template (see `build_base`), then
reused byte for byte by `docx_render`.  Every value cites the rule it implements; the rules are
in schemas/statute/layout.md (GB/T 9704—2012 as the default look of a 年度报告).
"""

from __future__ import annotations

import functools
import io
import zipfile
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

# ---- faces (layout.md "Fonts": name the official faces in DOCX, Latin and East Asian) -------
TITLE_FONT = "方正小标宋简体"   # title: 2号 小标宋
BODY_FONT = "仿宋_GB2312"       # body: 3号 仿宋; level 3 headings 仿宋
H1_FONT = "黑体"                # level 1 "一、" 黑体
H2_FONT = "楷体_GB2312"         # level 2 "（一）" 楷体
PAGE_FONT = "宋体"              # page numbers: 4号 半角宋体

# ---- sizes in half-points (w:sz), Chinese point sizes from layout.md ------------------------
SZ_TITLE = 44        # 二号 22 pt
SZ_BODY = 32         # 三号 16 pt
SZ_PAGE = 28         # 四号 14 pt
SZ_TABLE = 21        # 五号 10.5 pt (table text)
SZ_TABLE_SMALL = 18  # 小五 9 pt (wide tables: 三 and the 15-column 四)

# ---- page geometry (layout.md: A4, margins 37/35/28/26 mm, type area 156 × 225 mm) ---------
PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
TYPE_AREA_W_MM = 156
# Page number: its em dashes sit 7 mm below the type area (28 mm above the page edge); the
# dash is about mid-height of a 14 pt line, so the line's foot is ~25 mm above the edge.
FOOTER_DISTANCE_MM = 25
HEADER_DISTANCE_MM = 15

LINE_EXACT = 578     # fixed line pitch 28.9 pt (22 lines in the 225 mm type area), twips
TITLE_LINE = 720     # 36 pt fixed for the 22 pt title so CJK glyphs are not clipped
ONE_CHAR_PAGE = 280  # "空一字" next to the page number: one 14 pt character, twips

TABLE_TEXT = "TableText"            # style ids of the two table text styles
TABLE_TEXT_SMALL = "TableTextSmall"
SIGNATURE = "Signature"


def mm_to_twips(mm: float) -> int:
    """Millimetres to twentieths of a point (1 in = 25.4 mm = 1440 twips)."""
    return round(mm * 1440 / 25.4)


TYPE_AREA_W = mm_to_twips(TYPE_AREA_W_MM)  # 8844: the table width


# ---- small XML helpers ---------------------------------------------------------------------
@functools.cache
def q(tag: str) -> str:
    """Clark name of a prefixed tag or attribute ("w:p" → "{…main}p"), cached for speed."""
    return qn(tag)


def el(tag: str, attrs: dict[str, str] | None = None,
       *children: etree._Element) -> etree._Element:
    """One WordprocessingML element with prefixed attributes and children, in order."""
    node = etree.Element(q(tag), {q(k): v for k, v in (attrs or {}).items()})
    node.extend(children)
    return node


def fonts(face: str) -> etree._Element:
    """w:rFonts naming one face for Latin (ascii/hAnsi), East Asian and complex script.

    No *Theme attributes: they would override the explicit names (ECMA-376 §17.3.2.26).
    """
    return el("w:rFonts", {"w:ascii": face, "w:hAnsi": face, "w:eastAsia": face, "w:cs": face})


def run_props(face: str, size: int, bold: bool = False) -> etree._Element:
    """w:rPr: face, bold on/off, black, size (children in schema order)."""
    val = "1" if bold else "0"
    return el("w:rPr", None, fonts(face), el("w:b", {"w:val": val}),
              el("w:bCs", {"w:val": val}), el("w:color", {"w:val": "000000"}),
              el("w:kern", {"w:val": "0"}), el("w:sz", {"w:val": str(size)}),
              el("w:szCs", {"w:val": str(size)}))


def spacing(line: int, exact: bool = True, before: int = 0, after: int = 0) -> etree._Element:
    """w:spacing with fixed ("exact") or auto line pitch."""
    return el("w:spacing", {"w:before": str(before), "w:after": str(after),
                            "w:line": str(line), "w:lineRule": "exact" if exact else "auto"})


def indent(first_chars: int = 0, size: int = SZ_BODY, **extra: str) -> etree._Element:
    """w:ind with a first-line indent in hundredths of a character (200 = 2 characters).

    firstLine (twips) is written too, for readers that ignore firstLineChars.
    """
    attrs = {"w:firstLineChars": str(first_chars),
             "w:firstLine": str(first_chars * size // 10)}  # chars/100 × size/2 pt × 20
    attrs.update({f"w:{k}": v for k, v in extra.items()})
    return el("w:ind", attrs)


# ---- styles --------------------------------------------------------------------------------
def _style_specs() -> dict[str, tuple[etree._Element, etree._Element]]:
    """styleId → (w:pPr, w:rPr) for every style we set; children in schema order."""
    body_ind = indent(200)  # layout.md: body first line indented 2 characters
    return {
        # body: 3号 仿宋, fixed line pitch 28.9 pt, justified
        "Normal": (el("w:pPr", None, el("w:widowControl", {"w:val": "0"}),
                      spacing(LINE_EXACT), body_ind, el("w:jc", {"w:val": "both"})),
                   run_props(BODY_FONT, SZ_BODY)),
        # title: 2号 小标宋, centred, one body line after; not a heading (no outline level)
        "Title": (el("w:pPr", None, el("w:keepNext"),
                     spacing(TITLE_LINE, after=LINE_EXACT), indent(0),
                     el("w:jc", {"w:val": "center"})),
                  run_props(TITLE_FONT, SZ_TITLE)),
        # level 1 "一、" 黑体, not bold, black, no numbering; outline level 0 → navigation pane
        "Heading1": _heading_style(0, H1_FONT),
        # level 2 "（一）" 楷体
        "Heading2": _heading_style(1, H2_FONT),
        # level 3 "1." 仿宋
        "Heading3": _heading_style(2, BODY_FONT),
        # level 4 "（1）" 仿宋
        "Heading4": _heading_style(3, BODY_FONT),
        # page numbers: 4号 宋体, single spacing, no tab stops
        "Footer": (el("w:pPr", None, spacing(240, exact=False), indent(0)),
                   run_props(PAGE_FONT, SZ_PAGE)),
    }


def _heading_style(level: int, face: str) -> tuple[etree._Element, etree._Element]:
    """A heading style: keep with next, indented like the body, with an outline level."""
    ppr = el("w:pPr", None, el("w:keepNext"), el("w:keepLines"), spacing(LINE_EXACT),
             indent(200), el("w:jc", {"w:val": "both"}), el("w:outlineLvl", {"w:val": str(level)}))
    return ppr, run_props(face, SZ_BODY)


def _custom_specs() -> dict[str, tuple[str, etree._Element, etree._Element]]:
    """styleId → (name, pPr, rPr) of the styles we add: table text and the 落款."""
    def table_text(size: int, line: int) -> tuple[etree._Element, etree._Element]:
        # layout.md: tables set smaller (五号/小五), centred, no first-line indent
        return (el("w:pPr", None, spacing(line), indent(0), el("w:jc", {"w:val": "center"})),
                run_props(BODY_FONT, size))
    return {
        TABLE_TEXT: ("Table Text", *table_text(SZ_TABLE, 320)),
        TABLE_TEXT_SMALL: ("Table Text Small", *table_text(SZ_TABLE_SMALL, 260)),
        # 落款: agency name and date, right-aligned
        SIGNATURE: ("Signature", el("w:pPr", None, el("w:keepNext"), spacing(LINE_EXACT),
                                    indent(0), el("w:jc", {"w:val": "right"})),
                    run_props(BODY_FONT, SZ_BODY)),
    }


def _set_style(style: etree._Element, ppr: etree._Element, rpr: etree._Element) -> None:
    """Replace a style's paragraph and run properties (pPr, rPr come last in w:style)."""
    for tag in ("w:pPr", "w:rPr"):
        for old in style.findall(q(tag)):
            style.remove(old)
    style.append(ppr)
    style.append(rpr)


def _doc_defaults(styles: etree._Element) -> None:
    """Document defaults: 仿宋 16 pt, Chinese language, no paragraph spacing."""
    defaults = styles.find(q("w:docDefaults"))
    rpr = run_props(BODY_FONT, SZ_BODY)
    rpr.append(el("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
    ppr = el("w:pPr", None, spacing(240, exact=False))
    defaults.clear()
    defaults.extend([el("w:rPrDefault", None, rpr), el("w:pPrDefault", None, ppr)])


def apply_styles(document: docx.document.Document) -> None:
    """Re-style the built-in styles and add ours (Heading 1/2 stay the built-in ones)."""
    styles = document.styles.element
    _doc_defaults(styles)
    by_id = {s.get(q("w:styleId")): s for s in styles.findall(q("w:style"))}
    for style_id, (ppr, rpr) in _style_specs().items():
        _set_style(by_id[style_id], ppr, rpr)
    for style_id, (name, ppr, rpr) in _custom_specs().items():
        style = el("w:style", {"w:type": "paragraph", "w:customStyle": "1",
                               "w:styleId": style_id},
                   el("w:name", {"w:val": name}), el("w:basedOn", {"w:val": "Normal"}),
                   el("w:qFormat"))
        _set_style(style, ppr, rpr)
        styles.append(style)


# ---- page setup and footers ----------------------------------------------------------------
def add_page_field(paragraph: etree._Element) -> None:
    """Append "— N —": em dash, space, a real PAGE field, space, em dash (layout.md).

    The field is complex (fldChar begin / instrText PAGE / separate / result / end), which
    Word and LibreOffice both update on every page.
    """
    def fld(kind: str) -> None:
        etree.SubElement(etree.SubElement(paragraph, q("w:r")), q("w:fldChar"),
                         {q("w:fldCharType"): kind})

    add_text(paragraph, "\u2014 ")
    fld("begin")
    instr = etree.SubElement(etree.SubElement(paragraph, q("w:r")), q("w:instrText"),
                             {q("xml:space"): "preserve"})
    instr.text = " PAGE "
    fld("separate")
    add_text(paragraph, "1")  # cached result, replaced when the page is laid out
    fld("end")
    add_text(paragraph, " \u2014")


def add_text(paragraph: etree._Element, text: str) -> None:
    """Append the run of a text to a paragraph: line breaks become w:br; empty text adds nothing.

    SubElement (not `el`) because this runs for every table cell and is the hot path.
    """
    if not text:
        return
    run = etree.SubElement(paragraph, q("w:r"))
    for i, line in enumerate(text.split("\n")):
        if i:
            etree.SubElement(run, q("w:br"))
        node = etree.SubElement(run, q("w:t"))
        if line != line.strip():
            node.set(q("xml:space"), "preserve")
        node.text = line


def _footer_paragraph(paragraph: etree._Element, odd: bool) -> None:
    """GB/T 9704 page number: odd pages right, even pages left, one character of space."""
    paragraph.clear()
    side = indent(0, right=str(ONE_CHAR_PAGE)) if odd else indent(0, left=str(ONE_CHAR_PAGE))
    ppr = el("w:pPr", None, el("w:pStyle", {"w:val": "Footer"}), side,
             el("w:jc", {"w:val": "right" if odd else "left"}))
    paragraph.append(ppr)
    add_page_field(paragraph)


def apply_page(document: docx.document.Document) -> None:
    """A4, GB/T 9704 margins, odd/even footers with page numbers."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.header_distance, section.footer_distance = (Mm(HEADER_DISTANCE_MM),
                                                        Mm(FOOTER_DISTANCE_MM))
    # different odd and even pages: w:evenAndOddHeaders in settings.xml
    document.settings.odd_and_even_pages_header_footer = True
    lang = document.settings.element.find(q("w:themeFontLang"))
    if lang is not None:  # template says ja-JP; these are Chinese documents
        lang.set(q("w:eastAsia"), "zh-CN")
    _footer_paragraph(section.footer.paragraphs[0]._p, odd=True)
    _footer_paragraph(section.even_page_footer.paragraphs[0]._p, odd=False)


def _drop_extras(document: docx.document.Document) -> None:
    """Drop template leftovers: the blank thumbnail, customXml, Word 2010 stylesWithEffects."""
    unwanted = ("thumbnail", "customXml", "stylesWithEffects")
    for rels in (document.part.package.rels, document.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(unwanted):
                del rels[rid]


# ---- font table ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FontEntry:
    """What a word processor needs to stand in for a face it lacks (ECMA-376 §17.8.3).

    Word and WPS try `alt` (w:altName) first; failing that they match panose, charset and
    family, so each entry says "a Chinese (GB2312, charset 86) face of this design".
    """

    alt: str       # a stock face of the same design on Chinese Windows/WPS
    panose: str    # PANOSE-1 as Word writes it for the stock face of that design
    family: str    # w:family: roman = serif (宋/仿宋/楷), swiss = sans (黑体)


# Panose and Unicode/code-page signature of Chinese faces as Word writes them for Windows'
# 宋体/仿宋/楷体/黑体; csb0 bit 18 (0x00040000) is the GB2312 code page, bit 0 Latin-1.
_SIG = {"w:usb0": "00000003", "w:usb1": "288F0000", "w:usb2": "00000016", "w:usb3": "00000000",
        "w:csb0": "00040001", "w:csb1": "00000000"}
_FANGSONG = FontEntry("仿宋", "02010609060101010101", "roman")
_KAITI = FontEntry("楷体", "02010609060101010101", "roman")
_SONG = FontEntry("宋体", "02010600030101010101", "roman")

# Official face → its stand-in.  Windows ships 仿宋/楷体/宋体/黑体 but not the *_GB2312 or 方正
# faces; without an alternate a missing 仿宋_GB2312 may come out in any CJK face (LibreOffice
# here picked a Japanese sans).  The stock faces are listed too, under their English names, for
# systems that know them only by those (FangSong, KaiTi, SimSun, SimHei).
FONT_TABLE: dict[str, FontEntry] = {
    TITLE_FONT: FontEntry("华文中宋", "02010600040101010101", "roman"),  # 小标宋 → a heavy 宋
    BODY_FONT: _FANGSONG,
    H1_FONT: FontEntry("SimHei", "02010609060101010101", "swiss"),
    H2_FONT: _KAITI,
    PAGE_FONT: FontEntry("SimSun", _SONG.panose, "roman"),
    "华文中宋": FontEntry("STZhongsong", "02010600040101010101", "roman"),
    "仿宋": FontEntry("FangSong", _FANGSONG.panose, "roman"),
    "楷体": FontEntry("KaiTi", _KAITI.panose, "roman"),
}


def font_entry(face: str, entry: FontEntry) -> etree._Element:
    """One w:font: alternate, panose, GB2312 charset, family, pitch, signature (schema order)."""
    return el("w:font", {"w:name": face}, el("w:altName", {"w:val": entry.alt}),
              el("w:panose1", {"w:val": entry.panose}), el("w:charset", {"w:val": "86"}),
              el("w:family", {"w:val": entry.family}), el("w:pitch", {"w:val": "variable"}),
              el("w:sig", _SIG))


def font_table(xml: bytes) -> bytes:
    """word/fontTable.xml with an entry (GB2312 charset, substitute) for each official face."""
    root = etree.fromstring(xml)
    for face, entry in FONT_TABLE.items():
        root.append(font_entry(face, entry))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- the base package ----------------------------------------------------------------------
@dataclass(frozen=True)
class BasePackage:
    """The saved template: part name → bytes, in the order they are zipped."""

    parts: dict[str, bytes]

    def order(self) -> list[str]:
        """Fixed entry order: content types and package rels first, then by name."""
        first = ["[Content_Types].xml", "_rels/.rels"]
        return first + sorted(n for n in self.parts if n not in first)


def build_base() -> BasePackage:
    """Build the template once with python-docx and return its parts (slow: ~100 ms)."""
    document = docx.Document()
    apply_page(document)
    apply_styles(document)
    _drop_extras(document)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["word/fontTable.xml"] = font_table(parts["word/fontTable.xml"])
    return BasePackage(parts)
