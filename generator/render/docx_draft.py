"""The draft mark of the DOCX (see `draft`): a paragraph at the top of every page's header.

Word shows one header per page: the section's ``default`` one, the ``even`` one on even pages
(with evenAndOddHeaders, which nianbao's odd/even page numbers switch on) and the ``first``
one on the first page (with titlePg, as an agency's reference may have it).  So every header
the package's section references gets the mark as its first paragraph — nianbao's own, or an
agency's letterhead copied from its reference .docx, whose content stays below the mark —
and each of the three page types that has no header gets one holding only the mark.  That
way no reference can leave a page without it.

The mark names the number of errors, which changes from report to report while the package
around it does not: the marked header parts carry `COUNT` in its place and are written per
report (`docx_render.package`), like word/document.xml.
"""

from __future__ import annotations

import re

from lxml import etree
from nianbao.render.docx_package import CT_NS, R_ID, REL_NS, RT, W_NS, resolve, xml_bytes
from nianbao.render.docx_styles import BasePackage, el, q
from nianbao.render.draft import mark_text

COUNT = "NIANBAO-DRAFT-ERROR-COUNT"   # stands for N in the cached parts; never in a report
CT_HEADER = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
PAGE_TYPES = ("default", "even", "first")
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "word/document.xml"
FACE_LATIN, FACE_CJK = "SimHei", "黑体"
COLOR = "C00000"
SIZE = 28   # half-points: 四号 14 pt, as the PDF's mark


def mark_paragraph(text: str) -> etree._Element:
    """The mark: one centred line of red 黑体, 14 pt, no indent, single line pitch (the
    Normal style's first-line indent and fixed pitch overridden)."""
    ppr = el("w:pPr", None,
             el("w:spacing", {"w:before": "0", "w:after": "0", "w:line": "240",
                              "w:lineRule": "auto"}),
             el("w:ind", {"w:left": "0", "w:right": "0", "w:firstLine": "0",
                          "w:firstLineChars": "0"}),
             el("w:jc", {"w:val": "center"}))
    rpr = el("w:rPr", None,
             el("w:rFonts", {"w:ascii": FACE_LATIN, "w:hAnsi": FACE_LATIN,
                             "w:eastAsia": FACE_CJK, "w:cs": FACE_LATIN}),
             el("w:color", {"w:val": COLOR}), el("w:kern", {"w:val": "0"}),
             el("w:sz", {"w:val": str(SIZE)}), el("w:szCs", {"w:val": str(SIZE)}))
    run = el("w:r", None, rpr)
    etree.SubElement(run, q("w:t")).text = text
    return el("w:p", None, ppr, run)


def _free_header(parts: dict[str, bytes]) -> str:
    n = 1
    while f"word/header{n}.xml" in parts:
        n += 1
    return f"word/header{n}.xml"


def _new_rel(rels: etree._Element, part: str) -> str:
    numbers = [int(m.group(1)) for rel in rels if (m := re.fullmatch(r"rId(\d+)", rel.get("Id", "")))]
    rid = f"rId{max(numbers, default=0) + 1}"
    etree.SubElement(rels, f"{{{REL_NS}}}Relationship",
                     {"Id": rid, "Type": RT + "header", "Target": part[len("word/"):]})
    return rid


def with_mark(base: BasePackage) -> tuple[BasePackage, tuple[str, ...]]:
    """The package with the mark (N as `COUNT`) first in every header of its section, and a
    header of the mark alone for each page type without one; and the names of the header
    parts that hold it (written per report)."""
    parts = dict(base.parts)
    document = etree.fromstring(parts[MAIN])
    sect = document.find(q("w:body")).find(q("w:sectPr"))
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    types = etree.fromstring(parts["[Content_Types].xml"])
    targets = {rel.get("Id"): resolve(MAIN, rel.get("Target", "")) for rel in rels
               if rel.get("TargetMode") != "External"}
    text = mark_text(COUNT)
    marked: list[str] = []
    covered = set()
    for ref in sect.findall(q("w:headerReference")):
        covered.add(ref.get(q("w:type"), "default"))
        part = targets[ref.get(R_ID, "")]
        if part in marked:   # one part serving two page types is marked once
            continue
        header = etree.fromstring(parts[part])
        header.insert(0, mark_paragraph(text))
        parts[part] = xml_bytes(header)
        marked.append(part)
    at = len(sect.findall(q("w:headerReference")))   # new ones after those (schema: any order)
    for page in PAGE_TYPES:
        if page in covered:
            continue
        part = _free_header(parts)
        header = etree.Element(f"{{{W_NS}}}hdr", nsmap={"w": W_NS, "r": R_NS})
        header.append(mark_paragraph(text))
        parts[part] = xml_bytes(header)
        etree.SubElement(types, f"{{{CT_NS}}}Override",
                         {"PartName": f"/{part}", "ContentType": CT_HEADER})
        sect.insert(at, el("w:headerReference", {"w:type": page, "r:id": _new_rel(rels, part)}))
        at += 1
        marked.append(part)
    parts[MAIN] = xml_bytes(document)
    parts["word/_rels/document.xml.rels"] = xml_bytes(rels)
    parts["[Content_Types].xml"] = xml_bytes(types)
    return BasePackage(parts), tuple(marked)


def counted(data: bytes, errors: int) -> bytes:
    """A marked header part with the number of errors in place of `COUNT`."""
    return data.replace(COUNT.encode("ascii"), str(errors).encode("ascii"))
