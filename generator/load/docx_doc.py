"""A Word (.docx) report as paragraphs and grids, in document order.

The package is measured before it is parsed (a .docx is a zip: the directory's unpacked size
and each part's ratio are bounded, as for workbooks), then word/document.xml is walked with
lxml (python-docx's whole-package load is not needed to read): real Word files split a label into many runs, merge label cells
horizontally (gridSpan) and vertically (vMerge), and mark headings either with a heading
style or by bold type (README "Reading published reports").
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.load.doc_grid import MAX_GRID_CELLS, Block, GridBuilder, Paragraph
from nianbao.load.sniff import content_kind
from nianbao.load.xlsx_book import Pos
from nianbao.load.xlsx_guard import ZIP_ERRORS, check_directory

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SAVE_AS = "请在 Word/WPS 中打开后“另存为” .docx 格式再试"
NOT_DOCX = "不是有效的 Word 文档（.docx）"
MAX_BLOCKS = 50_000  # paragraphs and tables of one document; a report has a few hundred


def _refuse(name: str, why: str) -> LoadError:
    return LoadError([Problem(name, f"{NOT_DOCX}（{why}）：{SAVE_AS}")])


def check_docx(path: Path, name: str) -> None:
    """Raise LoadError unless the file is a zip holding a Word document within the limits."""
    with path.open("rb") as stream:
        head = stream.read(8)
    if not head.startswith(b"PK"):
        raise _refuse(name, content_kind(path.read_bytes(), "docx"))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except ZIP_ERRORS:
        raise _refuse(name, "文件已损坏，压缩包无法打开") from None
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        kind = "这是 Excel 工作簿" if "xl/workbook.xml" in names else "压缩包里没有 Word 文档"
        raise _refuse(name, kind)
    check_directory(infos, name, "Word 文档")


def _on(element: Any) -> bool:
    """A toggle property (<w:b/>, <w:b w:val="0"/>) switched on."""
    return element is not None and element.get(f"{W}val", "true") not in ("0", "false", "off")


def _run_text(run: Any) -> str:
    parts = []
    for child in run:
        if child.tag == f"{W}t":
            parts.append(child.text or "")
        elif child.tag == f"{W}tab":
            parts.append(" ")
        elif child.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts)


def _runs(p: Any) -> list[Any]:
    """The runs of a paragraph, including those inside hyperlinks, smart tags and fields."""
    return [r for r in p.iter(f"{W}r") if r.getparent().tag != f"{W}rPr"]


class _Styles:
    """Heading and bold facts of paragraph styles (word/styles.xml), by style id."""

    def __init__(self, root: Any) -> None:
        self.facts: dict[str, tuple[bool, bool]] = {}
        if root is None:
            return
        for style in root.iterchildren(f"{W}style"):
            name = style.find(f"{W}name")
            label = (name.get(f"{W}val", "") if name is not None else "").lower()
            heading = label.startswith(("heading", "title", "标题")) or style.find(
                f"{W}pPr/{W}outlineLvl") is not None
            self.facts[style.get(f"{W}styleId", "")] = (heading, _on(style.find(f"{W}rPr/{W}b")))

    def of(self, style_id: str | None) -> tuple[bool, bool]:
        """(is a heading style, is bold) of a paragraph style."""
        return self.facts.get(style_id or "", (False, False))


def _paragraph(p: Any, styles: _Styles) -> Paragraph:
    """Text, bold lead and heading flag of one w:p."""
    style = p.find(f"{W}pPr/{W}pStyle")
    heading, style_bold = styles.of(style.get(f"{W}val") if style is not None else None)
    if p.find(f"{W}pPr/{W}outlineLvl") is not None:
        heading = True
    pieces: list[tuple[str, bool]] = []
    for run in _runs(p):
        text = _run_text(run)
        if text:
            b = run.find(f"{W}rPr/{W}b")
            pieces.append((text, _on(b) if b is not None else style_bold))
    return Paragraph.of(pieces, heading)


def _cell_text(tc: Any) -> str:
    """A cell's paragraphs joined by line breaks (nested tables are not read)."""
    return "\n".join("".join(_run_text(r) for r in _runs(p)) for p in tc.findall(f"{W}p"))


def _int(element: Any, default: int) -> int:
    try:
        return int(element.get(f"{W}val")) if element is not None else default
    except (TypeError, ValueError):
        return default


def _table(tbl: Any, name: str, budget: list[int]) -> GridBuilder:
    """A w:tbl placed on a grid: gridSpan widens a cell, vMerge continues the cell above."""
    builder = GridBuilder(name, budget)
    above: dict[int, tuple[Pos, int]] = {}  # start column → (anchor, last column) of the row above
    for tr in tbl.iterchildren(f"{W}tr"):
        if not builder.new_row():
            break
        builder.skip(_int(tr.find(f"{W}trPr/{W}gridBefore"), 0))
        here: dict[int, tuple[Pos, int]] = {}
        for tc in tr.iterchildren(f"{W}tc"):
            span = _int(tc.find(f"{W}tcPr/{W}gridSpan"), 1)
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            start = builder.col
            if vmerge is not None and vmerge.get(f"{W}val", "continue") == "continue" \
                    and start in above:
                anchor, last = above[start]
                builder.extend_down(anchor, start, last)
                here[start] = (anchor, last)
                continue
            pos = builder.add(_cell_text(tc), 1, span)
            if pos is not None:
                here[pos[1]] = (pos, builder.col - 1)
        above = here
    return builder


def _parse(archive: zipfile.ZipFile, part: str, name: str) -> Any:
    """One XML part, parsed without entities or network (None when the part is absent)."""
    from lxml import etree

    if part not in archive.namelist():
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(archive.read(part), parser)
    except (etree.XMLSyntaxError, *ZIP_ERRORS):
        raise _refuse(name, f"文档已损坏，“{part}”无法读取") from None


def read_docx_blocks(path: Path, name: str) -> list[Block]:
    """Paragraphs and grids of a .docx, in order (raises LoadError for anything else).

    word/document.xml and word/styles.xml are parsed directly: opening the whole package
    with python-docx parses every part (theme, numbering, settings…) and took a third of
    the time of reading a report.
    """
    check_docx(path, name)
    try:
        with zipfile.ZipFile(path) as archive:
            document = _parse(archive, "word/document.xml", name)
            styles = _Styles(_parse(archive, "word/styles.xml", name))
    except ZIP_ERRORS:
        raise _refuse(name, "文件已损坏，压缩包无法打开") from None
    body = document.find(f"{W}body") if document is not None else None
    if body is None:
        raise _refuse(name, "文档中没有正文")
    budget = [MAX_GRID_CELLS]
    blocks: list[Block] = []
    stack = list(body)[::-1]
    while stack and len(blocks) < MAX_BLOCKS:
        element = stack.pop()
        if element.tag == f"{W}p":
            blocks.append(_paragraph(element, styles))
        elif element.tag == f"{W}tbl":
            blocks.append(_table(element, name, budget).grid)
        elif element.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
            stack.extend(list(element)[::-1])  # content controls hold ordinary paragraphs
    return blocks
