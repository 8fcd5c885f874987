"""The parts of a .docx package that reading a reference needs: relationship and part-name
helpers, and `read_reference`, which opens an agency's Word file (refusing an old .doc, an
encrypted or broken file, with a Chinese message) into a `Reference`.  What is done with it
is `docx_reference`'s business."""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from nianbao.errors import Problem, RenderError, os_reason

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_FOOTER = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc (Word 97–2003) and encrypted .docx

# ---- errors --------------------------------------------------------------------------------
def invalid(path: Path | str, reason: str) -> RenderError:
    """The one error of a bad reference file: where, why, and what to do."""
    return RenderError([Problem(str(path), f"参考文档不是有效的 .docx 文件：{reason}，"
                                           "请在 Word/WPS 中另存为 .docx")])


# ---- package helpers -----------------------------------------------------------------------
def rels_name(part: str) -> str:
    """The .rels part of a part: word/header1.xml → word/_rels/header1.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    """The part name a relationship target of `source` points to (relative or absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    """A relationship target from `source` to `part`."""
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


def xml_bytes(root: etree._Element) -> bytes:
    """Serialize a part the way python-docx does (declaration, UTF-8, standalone)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def wtag(node: etree._Element) -> str | None:
    """Local name of a w: element (None for other namespaces and comments)."""
    tag = node.tag
    if isinstance(tag, str) and tag.startswith(f"{{{W_NS}}}"):
        return tag[len(W_NS) + 2:]
    return None


def insert_ordered(parent: etree._Element, child: etree._Element,
                   order: tuple[str, ...]) -> None:
    """Insert `child` before the first sibling that comes after it in the schema `order`.

    Children not in `order` count as coming after everything in it.
    """
    rank = order.index(wtag(child) or "")
    for sibling in parent:
        name = wtag(sibling)
        if name not in order or order.index(name) > rank:
            sibling.addprevious(child)
            return
    parent.append(child)


@dataclass(frozen=True)
class Reference:
    """Every part of a readable reference package and the name of its main document part."""

    path: str
    parts: dict[str, bytes]
    main: str

    def xml(self, name: str) -> etree._Element:
        """A part parsed; unreadable XML is a bad reference."""
        try:
            return etree.fromstring(self.parts[name])
        except etree.XMLSyntaxError as exc:
            raise invalid(self.path, f"{name} 不是有效的 XML（{exc}）") from exc

    def rels(self, source: str) -> dict[str, tuple[str, str | None]]:
        """Relationship id → (type, part name; None for external targets) of a part."""
        name = rels_name(source)
        if name not in self.parts:
            return {}
        out: dict[str, tuple[str, str | None]] = {}
        for rel in self.xml(name).iter(f"{{{REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            part = None if rel.get("TargetMode") == "External" else resolve(source, target)
            out[rel.get("Id", "")] = (rel.get("Type", ""), part)
        return out

    def related(self, source: str, kind: str) -> str | None:
        """The first internal part of a relationship type (…/styles, …/theme) of a part."""
        for rel_type, part in self.rels(source).values():
            if rel_type.endswith(f"/{kind}") and part is not None:
                return part
        return None

    def content_type(self, part: str) -> str | None:
        """Content type of a part: its Override, else the Default of its extension."""
        root = self.xml("[Content_Types].xml")
        for node in root.iter(f"{{{CT_NS}}}Override"):
            if node.get("PartName", "").lstrip("/") == part:
                return node.get("ContentType")
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        for node in root.iter(f"{{{CT_NS}}}Default"):
            if node.get("Extension", "").lower() == ext:
                return node.get("ContentType")
        return None


# ---- reading -------------------------------------------------------------------------------
def reference_key(path: Path) -> tuple[str, int, int]:
    """Cache key of a reference file: absolute path, mtime (ns) and size."""
    try:
        stat = Path(path).stat()
    except OSError as exc:
        raise RenderError([Problem(str(path), f"找不到参考文档（{os_reason(exc)}）")]) from exc
    if not Path(path).is_file():
        raise invalid(path, "这是一个文件夹")
    return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size


def read_reference(path: Path) -> Reference:
    """Read and check a reference .docx: a zip with a WordprocessingML document and styles."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise invalid(path, f"文件无法读取（{os_reason(exc)}）") from exc
    if data.startswith(OLE_MAGIC):
        raise invalid(path, "这是旧的 .doc（Word 97–2003）格式或加密文档，不是 .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = {i.filename: archive.read(i) for i in archive.infolist()
                     if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, ValueError) as exc:
        raise invalid(path, "不是 zip 格式的 Office 文档（可能是改了扩展名的 .doc、.wps 或"
                            f"已损坏的文件：{exc}）") from exc
    if "[Content_Types].xml" not in parts:
        raise invalid(path, "缺少 [Content_Types].xml，不是 Office Open XML 文档")
    probe = Reference(str(path), parts, "")
    main = probe.related("", "officeDocument") or "word/document.xml"
    if main not in parts:
        raise invalid(path, f"缺少正文部件 {main}")
    if probe.xml(main).tag != f"{{{W_NS}}}document":
        raise invalid(path, "正文不是 Word 文档（可能是 Excel/PowerPoint 文件或"
                            "Strict Open XML 格式）")
    reference = Reference(str(path), parts, main)
    styles = reference.related(main, "styles")
    if styles is None or styles not in parts:
        raise invalid(path, "缺少样式部件 word/styles.xml")
    if reference.xml(styles).tag != f"{{{W_NS}}}styles":
        raise invalid(path, f"{styles} 不是 Word 样式表")
    return reference


