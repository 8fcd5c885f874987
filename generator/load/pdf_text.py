"""The running text of a PDF page: characters → lines → paragraphs, without page furniture.

A PDF holds positioned glyphs, not paragraphs.  Characters are grouped into lines by their
vertical position and joined left to right (a space between two Chinese characters is a
justification or copy artefact and is dropped: `总 计` is 总计); page numbers (`— 3 —`,
`第3页 共6页`, `3/6`) and running headers or footers repeated on several pages are removed;
lines are joined into paragraphs where nothing says a new one starts (an indent, a short line
before, a larger gap, a change of type size), across page breaks too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from nianbao.load.doc_grid import Paragraph

_CJK = re.compile("[\u2e80-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")
# a page number alone on a line: "— 3 —", "- 3 -", "3", "第3页", "第 3 页 共 6 页", "3/6"
_PAGE_NUMBER = re.compile(r"^[-—–－―~～·•\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*"
                          r"(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?\s*[-—–－―~～·•\s]*$")
_DIGITS = re.compile(r"\d+")
# a part's run-in heading: "（一）主动公开情况。" at the start of its paragraph
_RUN_IN = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）][^。：:，,；;]{1,28}[。：:]")
BAND = 0.15  # the top and bottom share of a page where headers, footers and page numbers sit
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
INDENT = 0.6  # a line starting this many characters right of the margin starts a paragraph
SHORT = 0.3  # room left at a line's end (in characters) beyond the next line's first piece
_NO_START = set("，。、；：？！）》」』】〕…’”,.;:?!)%")  # may not start a line: moves down with
GAP = 1.0  # a vertical gap of this many characters between lines separates paragraphs
SIZE_CHANGE = 0.15  # a change of type size by this share starts a paragraph
LARGER = 1.15  # type this much larger than the body's marks a title or heading


@dataclass(frozen=True, slots=True)
class Char:
    """One glyph: its text and box, in points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    bold: bool = False

    @property
    def size(self) -> float:
        return self.bottom - self.top


@dataclass
class Line:
    """One line of text on a page."""

    page: int  # 1-based
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    lead: float = 0.0  # width of its first unbreakable piece (a Chinese character, a number)
    bold: str = ""  # its text in bold type at its start
    all_bold: bool = False


class PdfParagraph(Paragraph):
    """A paragraph with the page it starts on."""

    def __init__(self, text: str, page: int, lead: str = "", heading: bool = False) -> None:
        super().__init__(text, lead, heading)
        self.page = page


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def join_chars(chars: list[Char]) -> str:
    """The text of one line's characters (left to right): a space only between two
    non-Chinese characters set apart (`2024 年` → `2024年`, `Word 2016` stays)."""
    out: list[str] = []
    prev: Char | None = None
    for ch in chars:
        if not ch.text.strip():
            continue
        if prev is not None and out and ch.x0 - prev.x1 > 0.25 * max(ch.size, 1.0) \
                and not is_cjk(prev.text[-1]) and not is_cjk(ch.text[0]):
            out.append(" ")
        out.append(ch.text)
        prev = ch
    return "".join(out)


def join_lines(texts: Iterable[str]) -> str:
    """Wrapped lines as one text: no space where either side is Chinese."""
    out = ""
    for text in texts:
        if out and text and not is_cjk(out[-1]) and not is_cjk(text[0]):
            out += " "
        out += text
    return out


def group_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines, top to bottom, each left to right: a character joins
    the line whose vertical middle its own middle is within half a line of."""
    rows: list[tuple[float, float, list[Char]]] = []  # (middle, height, chars)
    for ch in sorted(chars, key=lambda c: (c.top + c.bottom) / 2):
        middle = (ch.top + ch.bottom) / 2
        if rows and abs(middle - rows[-1][0]) <= max(rows[-1][1], ch.size, 1.0) / 2:
            rows[-1][2].append(ch)
            continue
        rows.append((middle, ch.size, [ch]))
    return [sorted(chars, key=lambda c: c.x0) for _, _, chars in rows]


def page_lines(page: int, chars: list[Char]) -> list[Line]:
    """The text lines of one page, top to bottom (empty lines left out)."""
    lines = []
    for row in group_lines(chars):
        text = join_chars(row)
        if not text:
            continue
        sizes = sorted(c.size for c in row if c.text.strip())
        lines.append(Line(page, text, min(c.x0 for c in row), max(c.x1 for c in row),
                          min(c.top for c in row), max(c.bottom for c in row),
                          sizes[len(sizes) // 2], _lead(row), *_bold(row)))
    return lines


def _bold(row: list[Char]) -> tuple[str, bool]:
    """(text of the bold characters starting a line, whether all of it is bold)."""
    visible = [c for c in row if c.text.strip()]
    n = next((i for i, c in enumerate(visible) if not c.bold), len(visible))
    return join_chars(visible[:n]), n == len(visible)


def _lead(row: list[Char]) -> float:
    """The width of a line's first piece that a line break cannot split: one Chinese
    character, or a run of Latin letters and digits (`2020`), with the punctuation after
    it that may not start a line."""
    chars = [c for c in row if c.text.strip()]
    if not chars:
        return 0.0
    end = 1
    if not is_cjk(chars[0].text[0]):
        while end < len(chars) and not is_cjk(chars[end].text[0]):
            end += 1
    while end < len(chars) and chars[end].text in _NO_START:
        end += 1
    return chars[end - 1].x1 - chars[0].x0


def drop_furniture(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Each page's lines without page numbers and running headers or footers: lines among
    the first or last two of a page, inside the top or bottom band, that are a page number
    or whose text (digits aside) recurs at the same height on most pages (two at least)."""
    def edge(lines: list[Line], height: float) -> list[Line]:
        ends = lines[:EDGE_LINES] + lines[-EDGE_LINES:]
        return [ln for ln in ends if ln.bottom < BAND * height or ln.top > (1 - BAND) * height]

    edges = [edge(lines, h) for lines, h in zip(pages, heights, strict=True)]
    seen: Counter[tuple[str, int]] = Counter()
    for e in edges:
        seen.update({_shape(ln) for ln in e})
    often = max(2, (len(pages) + 1) // 2)  # a running header is on most pages
    out = []
    for lines, e in zip(pages, edges, strict=True):
        furniture = {id(ln) for ln in e if _PAGE_NUMBER.match(ln.text)
                     or (len(pages) > 1 and seen[_shape(ln)] >= often)}
        out.append([ln for ln in lines if id(ln) not in furniture])
    return out


def _shape(line: Line) -> tuple[str, int]:
    """A line's text with its numbers blanked, and its height on the page: the same
    running header or footer on every page (a title and a 落款 alike are not that)."""
    return _DIGITS.sub("#", "".join(line.text.split())), round(line.top / 6)


@dataclass
class Margins:
    """Where a page's body lines start and end, and the body's type size."""

    left: float
    right: float
    size: float


def margins(lines: list[Line], body_size: float) -> Margins:
    """The most common start of a line and the right edge most lines reach."""
    if not lines:
        return Margins(0.0, 0.0, body_size)
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    ends = sorted(ln.x1 for ln in lines)
    return Margins(float(left), ends[int(0.9 * (len(ends) - 1))], body_size)


def body_size(pages: list[list[Line]]) -> float:
    """The type size most text is set in."""
    sizes = Counter(round(ln.size, 1) for lines in pages for ln in lines)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def starts_paragraph(line: Line, prev: Line | None, here: Margins, there: Margins) -> bool:
    """Whether a line begins a new paragraph (prev: the line before, on this page or the
    one before; here/there: the margins of their pages)."""
    if prev is None:
        return True
    size = max(line.size, 1.0)
    if abs(line.size - prev.size) > SIZE_CHANGE * max(prev.size, 1.0):
        return True
    if line.x0 > here.left + INDENT * size:
        return True
    if there.right - prev.x1 > line.lead + SHORT * max(prev.size, 1.0):
        return True  # the line before had room for this one's first piece: it ended there
    return line.page == prev.page and line.top - prev.bottom > GAP * size


def paragraph(lines: list[Line], body: float) -> PdfParagraph:
    """One paragraph of lines: its bold lead (a run-in heading), and whether it is a
    heading (all in bold, or larger type than the body's)."""
    lead = []
    for ln in lines:
        lead.append(ln.bold)
        if not ln.all_bold:
            break
    text = join_lines(ln.text for ln in lines)
    lead_text = join_lines(lead)
    run_in = _RUN_IN.match(text)
    if not lead_text.strip() and run_in and run_in.end() < len(text):
        lead_text = run_in[0]  # bold not told apart (a face without bold): 。 ends the heading
    heading = all(ln.all_bold for ln in lines) or lines[0].size > LARGER * body
    return PdfParagraph(text, lines[0].page, lead_text if lead_text.strip() else "", heading)
