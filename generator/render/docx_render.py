"""DOCX renderer: a Document → the bytes of a Word file, byte-identical for the same Document.

How it is fast and deterministic:
* The template (page, styles, footers, settings) is built once per process with python-docx
  (`docx_styles.build_base`) and zipped once with fixed timestamps; the static entries are
  reused as they are.
* Per report only word/document.xml (the body, built with lxml) and docProps/core.xml (dates
  from the data, never the clock) are written and appended to a copy of that static zip,
  always in the same order with the fixed timestamp 1980-01-01.
* With a reference .docx (`RenderOptions.word_reference`: --reference-docx, or a template
  folder's reference.docx) the template is nianbao's base restyled by that Word
  document (`docx_reference`: styles, theme, page, header/footer), built once per process and
  reference file (path + mtime + size), so a batch reads the reference once.
* A draft (`RenderOptions.draft_errors`) is poured into the same template with the mark in
  every header (`docx_draft`), built once per process and reference too; its marked header
  parts are written per report (they name the number of errors), after document.xml.
"""

from __future__ import annotations

import copy
import functools
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from nianbao.compose.document import Document, Table
from nianbao.render import RenderOptions, contract, docx_draft
from nianbao.render.docx_package import reference_key
from nianbao.render.docx_reference import load_reference
from nianbao.render.docx_styles import SIGNATURE, BasePackage, add_text, build_base, el, q
from nianbao.render.docx_tables import is_table, table_element

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed ZipInfo.date_time: no clock in the output
NO_DATE = "2000-01-01"            # core-property dates when the report has no date
DYNAMIC_PARTS = ("docProps/core.xml", "word/document.xml")
CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


# ---- cached template -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Template:
    """The static zip (every entry but the ones written per report) and the body skeleton;
    a draft's template also has its marked header parts (written per report)."""

    static_zip: bytes
    document_root: etree._Element  # word/document.xml of the template: body holds sectPr only
    marked: tuple[tuple[str, bytes], ...] = ()  # draft: header parts with docx_draft.COUNT


def _zip_info(name: str) -> zipfile.ZipInfo:
    """A ZipInfo with fixed time, system and attributes, deflated."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    return info


@functools.cache
def _base() -> BasePackage:
    """Nianbao's own template parts, once per process (python-docx is the slow part)."""
    return build_base()


def _build(base: BasePackage, marked: tuple[str, ...] = ()) -> _Template:
    """Zip the static entries once with fixed timestamps; parse the body skeleton."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in base.order():
            if name not in DYNAMIC_PARTS and name not in marked:
                archive.writestr(_zip_info(name), base.parts[name])
    root = etree.fromstring(base.parts["word/document.xml"])
    return _Template(buffer.getvalue(), root, tuple((n, base.parts[n]) for n in marked))


@functools.lru_cache(maxsize=16)
def _cached_template(key: tuple[str, int, int] | None, draft: bool = False) -> _Template:
    """Nianbao's template (key None) or the one restyled by a reference (path, mtime, size);
    with ``draft``, the mark in every header."""
    base = _base() if key is None else load_reference(_base(), Path(key[0]))
    if draft:
        return _build(*docx_draft.with_mark(base))
    return _build(base)


def _template(reference: Path | None = None, draft: bool = False) -> _Template:
    """The template, built once per process and reference file; a changed file is re-read."""
    return _cached_template(None if reference is None else reference_key(reference), draft)


# ---- body ----------------------------------------------------------------------------------
def paragraph(text: str, style: str | None = None) -> etree._Element:
    """A w:p in a style (None: Normal, the body style)."""
    para = el("w:p")
    if style:
        para.append(el("w:pPr", None, el("w:pStyle", {"w:val": style})))
    add_text(para, text)
    return para


def heading_style(level: int) -> str:
    """Built-in heading style of a level: sections are Heading 1; （一） 2; 1. 3; （1） 4."""
    return f"Heading{min(max(level, 1), 4)}"


def keep_with_next(out: list[etree._Element]) -> None:
    """Keep the last paragraph written so far on the page of the next one (w:keepNext).

    Before the 落款: the Signature style keeps its own lines together, and this ties them to
    the closing text above, as a clerk would move a lone signature back by hand.  After a
    table there is no paragraph to keep (Word keeps a table row with keepNext only on its
    paragraphs, and a whole table moved would leave a gap).
    """
    if not out or out[-1].tag != q("w:p"):
        return
    para = out[-1]
    ppr = para.find(q("w:pPr"))
    if ppr is None:
        ppr = el("w:pPr")
        para.insert(0, ppr)
    if ppr.find(q("w:keepNext")) is None:
        style = ppr.find(q("w:pStyle"))  # schema order: pStyle, keepNext, …
        ppr.insert(0 if style is None else 1, el("w:keepNext"))


def _separate_tables(out: list[etree._Element], node: etree._Element) -> None:
    if is_table(node) and out and is_table(out[-1]):
        out.append(paragraph(""))  # adjacent tables would merge into one


def body_elements(doc: Document, options: RenderOptions | None = None) -> list[etree._Element]:
    """The body in the order of the rendered page: title, preamble, sections, 落款.

    The page comes from the HTML templates (so an agency override — a letterhead line,
    contact details in the 落款 — reaches the DOCX too); the statutory tables are built
    from the document model, never from the page, so no template can alter them.
    """
    from nianbao.render import html_render

    _, body = html_render.render_page(doc, options or RenderOptions())
    tables = {b.table_id: b for s in doc.sections for b in s.blocks if isinstance(b, Table)}
    out: list[etree._Element] = []
    signed = False
    for block in contract.page_blocks(body):
        if block.kind == "table":
            node = table_element(tables[block.text])
        elif block.kind == "title":
            node = paragraph(block.text, "Title")
        elif block.kind == "heading":
            node = paragraph(block.text, heading_style(block.level))
        elif block.kind == "signature":
            if not signed:
                keep_with_next(out)  # the 落款 never stands alone on the last page
                out.append(paragraph("", SIGNATURE))  # one blank line above the 落款
                signed = True
            node = paragraph(block.text, SIGNATURE)
        else:
            node = paragraph(block.text)
        _separate_tables(out, node)
        out.append(node)
    return out


def document_xml(doc: Document, options: RenderOptions | None = None) -> bytes:
    """word/document.xml: the template's body skeleton with the report's blocks."""
    options = options or RenderOptions()
    template = _template(options.word_reference(), options.draft_errors > 0)
    root = copy.deepcopy(template.document_root)
    sect_pr = root.find(q("w:body")).find(q("w:sectPr"))
    for node in body_elements(doc, options):
        sect_pr.addprevious(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- core properties -----------------------------------------------------------------------
def core_xml(doc: Document, draft: bool = False) -> bytes:
    """docProps/core.xml: title, author = agency, dates from the document date, revision 1;
    a draft's status (Word: 文件 › 信息 › 状态) 草稿."""
    stamp = f"{doc.date_iso or NO_DATE}T00:00:00Z"
    root = etree.Element(f"{{{CORE_NS['cp']}}}coreProperties", nsmap=CORE_NS)

    def add(prefix: str, name: str, text: str, w3cdtf: bool = False) -> None:
        node = etree.SubElement(root, f"{{{CORE_NS[prefix]}}}{name}")
        node.text = text
        if w3cdtf:
            node.set(f"{{{CORE_NS['xsi']}}}type", "dcterms:W3CDTF")

    add("dc", "title", doc.title)
    add("dc", "creator", doc.agency)
    add("cp", "lastModifiedBy", doc.agency)
    add("dc", "language", "zh-CN")
    add("cp", "revision", "1")
    if draft:
        add("cp", "contentStatus", "草稿")
    add("cp", "lastPrinted", stamp)
    add("dcterms", "created", stamp, w3cdtf=True)
    add("dcterms", "modified", stamp, w3cdtf=True)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- package -------------------------------------------------------------------------------
def package(document: bytes, core: bytes, reference: Path | None = None,
            draft_errors: int = 0) -> bytes:
    """The .docx: the static zip (of the reference's template, if any) with core.xml and
    document.xml appended, then a draft's marked headers (fixed order)."""
    template = _template(reference, draft_errors > 0)
    buffer = io.BytesIO(template.static_zip)
    buffer.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(_zip_info(DYNAMIC_PARTS[0]), core)
        archive.writestr(_zip_info(DYNAMIC_PARTS[1]), document)
        for name, data in template.marked:
            archive.writestr(_zip_info(name), docx_draft.counted(data, draft_errors))
    return buffer.getvalue()


def render(doc: Document, options: RenderOptions) -> bytes:
    """Render a document to DOCX bytes (renderer protocol of `generator.render`)."""
    draft = options.draft_errors > 0
    return package(document_xml(doc, options), core_xml(doc, draft), options.word_reference(),
                   options.draft_errors)
