"""A reference .docx (like pandoc's ``--reference-doc``): Word styles, theme, fonts, page setup
and letterhead from a document the agency made in Word; the content still comes from nianbao.

The package is built from nianbao's own base (`docx_styles.build_base`), so every style id the
body uses exists, and then takes from the reference:

* **Styles.** The reference's word/styles.xml is the starting point (its docDefaults, latent
  styles and every style it defines). A reference style *is* a nianbao style when it has the
  same type and name (case-insensitive: "heading 1", "Normal", "footer", "Table Text", …) —
  Chinese Word and WPS write localized ids such as ``1`` or ``a`` for them — or, failing
  that, the same type and styleId. A matched reference style takes nianbao's id (references
  to it from basedOn/next/link and from the copied headers/footers are rewritten); an
  unmatched one keeps its id unless that id is taken by a different nianbao style, then it is
  renamed (``<id>Ref``). Nianbao styles the reference does not define are added as they are
  (without w:default when the reference already has a default of that type). Automatic
  numbering is removed from the reference's Title and Heading 1–4: nianbao writes "一、",
  "（一）", "1." and "（1）" in the text, so a numbered heading style would number twice.
* **Theme, font table, numbering.** The reference's theme (so theme fonts resolve), its font
  table plus nianbao's entries for the official faces the reference does not list, and its
  numbering definitions (nianbao's body uses none); with their own parts (embedded fonts,
  picture bullets) when they have any.
* **Section.** Page size, margins, columns, document grid, titlePg … from the reference's
  body w:sectPr (its last). The headers/footers it references are copied with their .rels
  and the images/media they use, registered in [Content_Types].xml and
  word/_rels/document.xml.rels under fresh relationship ids.
* **Footers — the choice.** If the reference has any footer, its footers replace nianbao's
  "— N —" page numbers (the agency designed them; evenAndOddHeaders then follows the
  reference). If it has none, nianbao's GB/T 9704 odd/even page-number footers stay, so
  evenAndOddHeaders stays on; a reference header then also serves even pages unless the
  reference has its own even header, and with titlePg the first page keeps the odd page number.
* **Settings.** themeFontLang, embedded-font and mirror-margin/gutter settings follow the
  reference; nothing else of its settings, and nothing of its body text, is used.

A file that is not a .docx (an old .doc renamed, a broken zip, no styles) raises RenderError
with a Chinese message, never a traceback.
"""

from __future__ import annotations

import copy
import posixpath
import re
from pathlib import Path

from lxml import etree
from nianbao.render.docx_package import (
    CT_FOOTER,
    CT_NS,
    R_ID,
    REL_NS,
    RT,
    Reference,
    insert_ordered,
    invalid,
    read_reference,
    relative,
    rels_name,
    resolve,
    wtag,
    xml_bytes,
)
from nianbao.render.docx_styles import BasePackage, el, q

NUMBERED_IN_TEXT = ("Title", "Heading1", "Heading2", "Heading3", "Heading4")
STYLE_REFS = ("w:basedOn", "w:next", "w:link")
BODY_STYLE_REFS = ("w:pStyle", "w:rStyle", "w:tblStyle")
# CT_SectPr children after the header/footer references, in schema order
SECT_ORDER = ("footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc", "pgBorders",
              "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
              "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")
# CT_Settings children up to the ones taken from the reference, in schema order
SETTINGS_ORDER = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
    "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop",
    "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle", "proofState",
    "formsDesign", "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
    "stylePaneSortMethod", "documentType", "mailMerge", "revisionView", "trackRevisions",
    "doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
    "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation",
    "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
    "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders")
FOLLOWED_SETTINGS = ("embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts",
                     "mirrorMargins", "gutterAtTop")


# ---- styles --------------------------------------------------------------------------------
def _style_key(style: etree._Element) -> tuple[str, str] | None:
    """(type, lower-case name) of a style, None without a name."""
    name = style.find(q("w:name"))
    if name is None or not name.get(q("w:val")):
        return None
    return style.get(q("w:type"), "paragraph"), name.get(q("w:val"), "").strip().lower()


def style_map(base: etree._Element, ref: etree._Element) -> dict[str, str]:
    """Reference styleId → styleId in the output (see the module docstring)."""
    base_styles = base.findall(q("w:style"))
    by_name = {_style_key(s): s.get(q("w:styleId")) for s in base_styles if _style_key(s)}
    base_ids = {s.get(q("w:styleId")): s.get(q("w:type"), "paragraph") for s in base_styles}
    ref_styles = [(s, s.get(q("w:styleId"), "")) for s in ref.findall(q("w:style"))]
    mapping: dict[str, str] = {}
    claimed: set[str] = set()
    for style, rid in ref_styles:  # 1. same type and name
        target = by_name.get(_style_key(style))
        if target and target not in claimed and rid not in mapping:
            mapping[rid] = target
            claimed.add(target)
    for style, rid in ref_styles:  # 2. same type and id
        kind = style.get(q("w:type"), "paragraph")
        if rid not in mapping and base_ids.get(rid) == kind and rid not in claimed:
            mapping[rid] = rid
            claimed.add(rid)
    reserved = set(base_ids) | {rid for _, rid in ref_styles}
    for _, rid in ref_styles:  # 3. the reference's own styles: keep the id unless taken
        if rid in mapping:
            continue
        new = rid
        if rid in base_ids:
            new, n = f"{rid}Ref", 2
            while new in reserved:
                new, n = f"{rid}Ref{n}", n + 1
            reserved.add(new)
        mapping[rid] = new
    return mapping


def merge_styles(base_xml: bytes, ref_root: etree._Element) -> tuple[bytes, dict[str, str]]:
    """word/styles.xml: the reference's styles under nianbao's ids, plus nianbao's missing."""
    base = etree.fromstring(base_xml)
    out = copy.deepcopy(ref_root)
    mapping = style_map(base, out)
    for style in out.findall(q("w:style")):
        new = mapping.get(style.get(q("w:styleId"), ""), style.get(q("w:styleId")))
        style.set(q("w:styleId"), new)
        for tag in STYLE_REFS:
            for ref in style.findall(q(tag)):
                ref.set(q("w:val"), mapping.get(ref.get(q("w:val"), ""), ref.get(q("w:val"))))
        if new in NUMBERED_IN_TEXT:
            for num in style.findall(f"{q('w:pPr')}/{q('w:numPr')}"):
                num.getparent().remove(num)
    if out.find(q("w:docDefaults")) is None:
        out.insert(0, copy.deepcopy(base.find(q("w:docDefaults"))))
    if out.find(q("w:latentStyles")) is None and base.find(q("w:latentStyles")) is not None:
        out.find(q("w:docDefaults")).addnext(copy.deepcopy(base.find(q("w:latentStyles"))))
    present = {s.get(q("w:styleId")) for s in out.findall(q("w:style"))}
    defaults = {s.get(q("w:type"), "paragraph") for s in out.findall(q("w:style"))
                if s.get(q("w:default")) in ("1", "true", "on")}
    for style in base.findall(q("w:style")):
        if style.get(q("w:styleId")) in present:
            continue
        added = copy.deepcopy(style)
        if style.get(q("w:type"), "paragraph") in defaults:
            added.attrib.pop(q("w:default"), None)
        out.append(added)
    return xml_bytes(out), mapping


def restyle(xml: bytes, mapping: dict[str, str]) -> bytes:
    """A header/footer part with its style references renamed like the styles."""
    root = etree.fromstring(xml)
    for tag in BODY_STYLE_REFS:
        for node in root.iter(q(tag)):
            val = node.get(q("w:val"), "")
            node.set(q("w:val"), mapping.get(val, val))
    return xml_bytes(root)


def merge_font_table(base_xml: bytes, ref_root: etree._Element) -> bytes:
    """The reference's font table plus nianbao's entries for faces it does not list.

    A face the reference lists without an alternate gets nianbao's (w:altName comes first in
    w:font), so a machine without 仿宋_GB2312 still falls back to a Chinese 仿宋.
    """
    out = copy.deepcopy(ref_root)
    listed = {f.get(q("w:name")): f for f in out.findall(q("w:font"))}
    for font in etree.fromstring(base_xml).findall(q("w:font")):
        theirs = listed.get(font.get(q("w:name")))
        if theirs is None:
            out.append(copy.deepcopy(font))
            continue
        alt = font.find(q("w:altName"))
        if theirs.find(q("w:altName")) is None and alt is not None:
            theirs.insert(0, copy.deepcopy(alt))
    return xml_bytes(out)


# ---- the merged package --------------------------------------------------------------------
class _Merge:
    """Nianbao's base parts being changed into the reference-styled package."""

    def __init__(self, base: BasePackage, ref: Reference) -> None:
        self.ref = ref
        self.parts = dict(base.parts)
        self.types = etree.fromstring(self.parts["[Content_Types].xml"])
        self.doc_rels = etree.fromstring(self.parts["word/_rels/document.xml.rels"])
        self.document = etree.fromstring(self.parts["word/document.xml"])
        self.settings = etree.fromstring(self.parts["word/settings.xml"])
        self.copied: dict[str, str] = {}  # reference part → output part
        self.mapping: dict[str, str] = {}

    # -- relationships and content types --
    def target(self, kind: str) -> str | None:
        """Output part of nianbao's document relationship of a type (…/theme, …/numbering)."""
        for rel in self.doc_rels:
            if rel.get("Type", "").endswith(f"/{kind}"):
                return resolve("word/document.xml", rel.get("Target", ""))
        return None

    def add_rel(self, rel_type: str, part: str) -> str:
        """A document relationship with a fresh id (one above the highest rIdN)."""
        numbers = [int(m.group(1)) for rel in self.doc_rels
                   if (m := re.fullmatch(r"rId(\d+)", rel.get("Id", "")))]
        rid = f"rId{max(numbers, default=0) + 1}"
        etree.SubElement(self.doc_rels, f"{{{REL_NS}}}Relationship",
                         {"Id": rid, "Type": rel_type, "Target": relative("word/document.xml",
                                                                          part)})
        return rid

    def set_type(self, part: str, content_type: str | None) -> None:
        """Register a part: a Default by extension where that fits, else an Override."""
        if content_type is None:
            raise invalid(self.ref.path, f"部件 {part} 没有内容类型")
        name = f"/{part}"
        for node in self.types.findall(f"{{{CT_NS}}}Override"):
            if node.get("PartName") == name:
                if node.get("ContentType") == content_type:
                    return  # already registered (theme, numbering, font table)
                self.types.remove(node)
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        defaults = {d.get("Extension", "").lower(): d.get("ContentType")
                    for d in self.types.findall(f"{{{CT_NS}}}Default")}
        if defaults.get(ext) == content_type:
            return
        if ext and ext not in defaults and ext not in ("xml", "rels"):
            index = len(self.types.findall(f"{{{CT_NS}}}Default"))
            self.types.insert(index, etree.Element(f"{{{CT_NS}}}Default",
                                                   {"Extension": ext,
                                                    "ContentType": content_type}))
            return
        etree.SubElement(self.types, f"{{{CT_NS}}}Override",
                         {"PartName": name, "ContentType": content_type})

    def drop(self, part: str) -> None:
        """Remove a part, its .rels and its Override."""
        self.parts.pop(part, None)
        self.parts.pop(rels_name(part), None)
        for node in self.types.findall(f"{{{CT_NS}}}Override"):
            if node.get("PartName") == f"/{part}":
                self.types.remove(node)

    # -- copying parts --
    def free_name(self, wanted: str) -> str:
        """`wanted`, or with a number before the extension when that name is taken."""
        stem, ext = posixpath.splitext(wanted)
        stem = stem.rstrip("0123456789") if re.search(r"\d$", stem) else stem
        name, n = wanted, 1
        while name in self.parts:
            name, n = f"{stem}{n}{ext}", n + 1
        return name

    def copy(self, source: str, dest: str, data: bytes | None = None) -> None:
        """Copy a reference part (or `data` in its place) to `dest` with its related parts."""
        if source not in self.ref.parts:
            raise invalid(self.ref.path, f"引用的部件 {source} 不存在")
        self.copied.setdefault(source, dest)
        self.parts[dest] = self.ref.parts[source] if data is None else data
        self.set_type(dest, self.ref.content_type(source))
        self.parts.pop(rels_name(dest), None)
        if rels_name(source) not in self.ref.parts:
            return
        rels = self.ref.xml(rels_name(source))
        for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            part = resolve(source, rel.get("Target", ""))
            if part not in self.copied:
                self.copy(part, self.free_name(part))
            rel.set("Target", relative(dest, self.copied[part]))
        self.parts[rels_name(dest)] = xml_bytes(rels)

    # -- the steps --
    def styles(self) -> None:
        """Styles, theme, font table and numbering from the reference."""
        ref, main = self.ref, self.ref.main
        styles = ref.related(main, "styles")
        assert styles is not None  # checked by read_reference
        self.parts["word/styles.xml"], self.mapping = merge_styles(
            self.parts["word/styles.xml"], ref.xml(styles))
        for kind in ("theme", "numbering"):
            source, dest = ref.related(main, kind), self.target(kind)
            if source is not None and dest is not None:
                self.copy(source, dest)
        source, dest = ref.related(main, "fontTable"), self.target("fontTable")
        if source is not None and dest is not None:
            self.copy(source, dest, merge_font_table(self.parts[dest], ref.xml(source)))

    def headers_footers(self, ref_sect: etree._Element) -> list[etree._Element]:
        """Copy the reference's headers/footers; their references, nianbao's footers if none."""
        rels = self.ref.rels(self.ref.main)
        found: dict[str, list[tuple[str, str]]] = {"header": [], "footer": []}
        for kind, pairs in found.items():
            for node in ref_sect.findall(q(f"w:{kind}Reference")):
                source = rels.get(node.get(R_ID, ""), ("", None))[1]
                if source is None or source not in self.ref.parts:
                    raise invalid(self.ref.path, f"页眉页脚引用 {node.get(R_ID)} 不存在")
                pairs.append((node.get(q("w:type"), "default"), source))
        old_sect = self.document.find(q("w:body")).find(q("w:sectPr"))
        if found["footer"]:  # the agency's footers replace nianbao's page numbers
            for node in old_sect.findall(q("w:footerReference")):
                rel = self.rel(node.get(R_ID, ""))
                self.doc_rels.remove(rel)
                self.drop(resolve("word/document.xml", rel.get("Target", "")))
        out = [self.link(kind, page, self.copy_part(kind, source))
               for kind, pairs in found.items() for page, source in pairs]
        if not found["footer"]:
            titled = ref_sect.find(q("w:titlePg")) is not None
            out.extend(self.keep_page_numbers(dict(found["header"]), old_sect, titled))
        return out

    def rel(self, rid: str) -> etree._Element:
        """A relationship of nianbao's document by id."""
        for rel in self.doc_rels:
            if rel.get("Id") == rid:
                return rel
        raise KeyError(rid)

    def link(self, kind: str, page: str, part: str) -> etree._Element:
        """A w:headerReference/w:footerReference of a page type to a part, with a new rel."""
        return el(f"w:{kind}Reference", {"w:type": page, "r:id": self.add_rel(RT + kind, part)})

    def copy_part(self, kind: str, source: str) -> str:
        """Copy a reference header/footer (styles renamed) to a new part of its own."""
        dest = self.free_name(f"word/{kind}1.xml")
        self.copy(source, dest, restyle(self.ref.parts[source], self.mapping))
        return dest

    def keep_page_numbers(self, headers: dict[str, str], old_sect: etree._Element,
                          titled: bool) -> list[etree._Element]:
        """Nianbao's odd/even footers (so evenAndOddHeaders stays on); the reference's default
        header then serves even pages too, and a titlePg first page keeps its page number.
        Each reference gets a part of its own, as Word writes them."""
        out = []
        if "default" in headers and "even" not in headers:
            out.append(self.link("header", "even", self.copy_part("header", headers["default"])))
        footers = old_sect.findall(q("w:footerReference"))
        out.extend(copy.deepcopy(node) for node in footers)
        odd = next((n for n in footers if n.get(q("w:type")) == "default"), None)
        if titled and odd is not None:
            part = resolve("word/document.xml", self.rel(odd.get(R_ID, "")).get("Target", ""))
            first = self.free_name("word/footer1.xml")
            self.parts[first] = self.parts[part]
            self.set_type(first, CT_FOOTER)
            out.append(self.link("footer", "first", first))
        return out

    def section(self) -> None:
        """The body's w:sectPr from the reference, with headers/footers re-linked."""
        ref_body = self.ref.xml(self.ref.main).find(q("w:body"))
        ref_sect = ref_body.find(q("w:sectPr")) if ref_body is not None else None
        if ref_sect is None:
            return  # no section properties: nianbao's page and footers stay
        body = self.document.find(q("w:body"))
        old_sect = body.find(q("w:sectPr"))
        references = self.headers_footers(ref_sect)
        new_sect = el("w:sectPr", None, *references)
        for child in ref_sect:
            if wtag(child) in SECT_ORDER and wtag(child) != "printerSettings":
                new_sect.append(copy.deepcopy(child))
        for name in ("pgSz", "pgMar"):  # a reference without them keeps nianbao's
            if new_sect.find(q(f"w:{name}")) is None:
                insert_ordered(new_sect, copy.deepcopy(old_sect.find(q(f"w:{name}"))),
                               ("headerReference", "footerReference") + SECT_ORDER)
        old_sect.addprevious(new_sect)
        body.remove(old_sect)
        self.settings_from(ref_sect.find(q("w:footerReference")) is not None)

    def settings_from(self, own_footers: bool) -> None:
        """Settings that belong to the page and fonts follow the reference."""
        settings_part = self.ref.related(self.ref.main, "settings")
        ref_settings = (self.ref.xml(settings_part) if settings_part in self.ref.parts
                        else el("w:settings"))
        followed = FOLLOWED_SETTINGS + (("evenAndOddHeaders",) if own_footers else ())
        for name in followed:
            for old in self.settings.findall(q(f"w:{name}")):
                self.settings.remove(old)
            theirs = ref_settings.find(q(f"w:{name}"))
            if theirs is not None and theirs.get(q("w:val"), "1") not in ("0", "false", "off"):
                insert_ordered(self.settings, copy.deepcopy(theirs), SETTINGS_ORDER)
        lang, ours = ref_settings.find(q("w:themeFontLang")), \
            self.settings.find(q("w:themeFontLang"))
        if lang is not None and ours is not None:
            ours.getparent().replace(ours, copy.deepcopy(lang))

    def result(self) -> BasePackage:
        """The merged parts."""
        self.parts["[Content_Types].xml"] = xml_bytes(self.types)
        self.parts["word/_rels/document.xml.rels"] = xml_bytes(self.doc_rels)
        self.parts["word/document.xml"] = xml_bytes(self.document)
        self.parts["word/settings.xml"] = xml_bytes(self.settings)
        return BasePackage(self.parts)


def apply_reference(base: BasePackage, ref: Reference) -> BasePackage:
    """Nianbao's base package restyled by a reference document (module docstring)."""
    merge = _Merge(base, ref)
    try:
        merge.styles()
        merge.section()
    except (KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise invalid(ref.path, f"无法读取其中的样式或页面设置（{exc}）") from exc
    return merge.result()


def load_reference(base: BasePackage, path: Path) -> BasePackage:
    """Read a reference .docx and merge it into nianbao's base package."""
    return apply_reference(base, read_reference(path))
