"""A web-page report (.html/.htm) as paragraphs and grids, in document order.

Portal pages wrap the report in menus, footers and scripts, and Word's "save as web page"
splits a label into nested <span>/<font> pieces with <o:p> markers; a page may be GBK with or
without <meta charset>.  The bytes are decoded as UTF-8, else as the page's declared charset,
else as GB18030 (a superset of GBK and GB2312); lxml.html then parses them.  Scripts, styles
and comments are dropped; a table cell's text is all its text, pieces joined.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.load.doc_grid import MAX_GRID_CELLS, Block, GridBuilder, Paragraph

NOT_HTML = "不是可读取的网页（.html/.htm）"
SAVE_AS = "请在浏览器中打开报告页面后“另存为”网页（.html）再试，或提供 Word 文档"
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# single-byte charsets decode any bytes: a Chinese page declaring one (an editor's default)
# is GBK in fact, so the declaration is not believed
_LATIN = {"iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252"}
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "section",
               "article", "blockquote", "center", "pre", "dd", "dt", "caption", "tr"}
LAYOUT_TEXT = 300  # characters of a cell beyond which a table is page layout, not a report table
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BOLD_TAGS = {"b", "strong"}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u2028]+")
_BR = "\u2028"  # a <br>: a line of its own in running text, a space inside a table cell
# a space between two CJK characters or CJK punctuation is an artefact of source line breaks
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])|(?<=[{_CJK}]) (?=\\d)|(?<=\\d) (?=[{_CJK}])")


def decode(data: bytes, name: str) -> str:
    """The page's text: UTF-8, else its declared charset, else GB18030; else LoadError."""
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoadError([Problem(name, f"{NOT_HTML}（文件内容是二进制数据，不是网页文本）：{SAVE_AS}")])
    candidates = ["utf-8"]
    declared = _META.search(data[:8192])
    if declared and declared[1].decode("ascii").lower() not in _LATIN:
        candidates.append(declared[1].decode("ascii").lower())
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates.insert(0, "utf-16")
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise LoadError([Problem(name, f"{NOT_HTML}（无法识别文字编码：既不是 UTF-8，也不是 GBK/GB18030）"
                                   f"：{SAVE_AS}")])


def _clean(text: str) -> str:
    """White space as a browser shows it, without the spaces source line breaks put between
    Chinese characters."""
    return _CJK_GAP.sub("", _SPACE.sub(" ", text)).strip()


def _bold(el: Any) -> bool:
    return el.tag in _BOLD_TAGS or bool(_BOLD_STYLE.search(el.get("style") or ""))


def _pieces(el: Any, bold: bool, out: list[tuple[str, bool]]) -> None:
    """The text of an element as (text, in bold) pieces; <br> is a line break."""
    if el.tag == "br":
        out.append((_BR, bold))
        return
    bold = bold or _bold(el)
    if el.text:
        out.append((el.text, bold))
    for child in el:
        if isinstance(child.tag, str):
            _pieces(child, bold, out)
        if child.tail:  # a tail follows its element but belongs to the parent's type
            out.append((child.tail, bold))


def _paragraphs(el: Any) -> list[Paragraph]:
    """The paragraphs of a block element: one per line, as <br> breaks them (a portal's
    report is often one <div> of lines: "一、总体情况<br>（一）主动公开情况。…<br>…")."""
    pieces: list[tuple[str, bool]] = []
    _pieces(el, _bold(el), pieces)
    lines: list[list[tuple[str, bool]]] = [[]]
    for text, bold in pieces:
        if text == _BR:
            lines.append([])
        else:
            lines[-1].append((text, bold))
    heading = el.tag in _HEADINGS and len(lines) == 1  # a title broken by <br> is one title
    if el.tag in _HEADINGS and len(lines) > 1:
        return [Paragraph.of([p for line in lines for p in line + [(" ", False)]], True, _clean)]
    return [Paragraph.of(line, heading, _clean) for line in lines
            if _clean("".join(t for t, _ in line))]


def _int(value: str | None) -> int:
    match = re.match(r"\s*(\d{1,6})", value or "")
    return int(match[1]) if match else 1


def _table(table: Any, name: str, budget: list[int]) -> GridBuilder:
    """A <table> placed on a grid by rowspan/colspan (rows of nested tables are not its own)."""
    builder = GridBuilder(name, budget)
    for tr in table.iter("tr"):
        if _owner(tr) is not table:
            continue
        if not builder.new_row():
            break
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            pieces: list[tuple[str, bool]] = []
            _pieces(cell, False, pieces)
            text = _clean("".join(t for t, _ in pieces))
            builder.add(text, _int(cell.get("rowspan")), _int(cell.get("colspan")))
    return builder


def _owner(el: Any) -> Any:
    """The nearest <table> enclosing an element."""
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def read_html_blocks(path: Path, name: str) -> list[Block]:
    """Paragraphs and grids of a web page, in order (raises LoadError for anything else)."""
    import lxml.etree
    import lxml.html

    text = decode(path.read_bytes(), name)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)  # lxml refuses an encoding declaration in str
    if not text.strip():
        raise LoadError([Problem(name, f"{NOT_HTML}（文件是空的）：{SAVE_AS}")])
    if "<" not in text:
        raise LoadError([Problem(name, f"{NOT_HTML}（文件内容是纯文本，不是网页）：{SAVE_AS}")])
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        raise LoadError([Problem(name, f"{NOT_HTML}（网页内容为空或已损坏）：{SAVE_AS}")]) from None
    for bad in root.xpath("//script|//style|//noscript|//head|//comment()"):
        bad.drop_tree()
    budget = [MAX_GRID_CELLS]
    blocks: list[Block] = []
    _walk(root, blocks, name, budget)
    return blocks


def _walk(el: Any, blocks: list[Block], name: str, budget: list[int]) -> None:
    """Tables become grids; a block element with no block inside is a paragraph; other
    elements are walked into (text loose beside blocks is taken as a paragraph too)."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "table" and not _is_layout(child):
            blocks.append(_table(child, name, budget).grid)
        elif child.tag in _BLOCK_TAGS and not _has_block(child):
            blocks.extend(_paragraphs(child))
        else:
            if child.text and child.text.strip():
                blocks.append(Paragraph(_clean(child.text)))
            _walk(child, blocks, name, budget)
        if child.tail and child.tail.strip() and child.tag != "table":
            blocks.append(Paragraph(_clean(child.tail)))


def _is_layout(table: Any) -> bool:
    """A table used to lay out a page (the report sits in one of its cells): it holds
    another table, or a cell of running text longer than any label of a statutory table."""
    if any(True for _ in table.iterdescendants("table")):
        return True
    return any(len(cell.text_content()) > LAYOUT_TEXT for cell in table.iter("td", "th")
               if _owner(cell) is table)


def _has_block(el: Any) -> bool:
    return any(isinstance(d.tag, str) and (d.tag in _BLOCK_TAGS or d.tag == "table")
               for d in el.iterdescendants())
