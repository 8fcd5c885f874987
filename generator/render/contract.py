"""What a template may not break, and the blocks every renderer takes from the rendered page.

Agency templates change how a report looks and reads (letterhead, preamble, 落款 …), but
the statutory parts stay nianbao's: every section must still be on the page with its
heading, and every table must be drawn by the `render_table` macro (marked `data-table`).
A template that drops one is refused with a SECTIONS error naming the template file
(条例第五十条: "不能遗漏").

`page_blocks` reads the rendered page into a flat list of blocks in reading order, so the
DOCX carries what the templates wrote (an override's letterhead line appears in all three
formats) while the tables themselves always come from the document model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import html as lxml_html
from nianbao.compose.document import Document
from nianbao.errors import Problem, RenderError

BlockKind = Literal["title", "heading", "para", "table", "signature"]
HEADING_LEVEL = {"h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 4}
CONTAINERS = {"article", "section", "div", "header", "footer", "main", "aside", "nav"}
TEXT_TAGS = {"p", "li", "blockquote", "address", "pre"}


class TemplateContractError(RenderError):
    """A template dropped a statutory section or table (rule SECTIONS, at build time)."""


@dataclass(frozen=True)
class PageBlock:
    """A block of the rendered page: kind, text (or table id), level, CSS classes."""

    kind: BlockKind
    text: str
    level: int = 0
    classes: tuple[str, ...] = ()


def parse(page: str):
    """The <body> of a rendered page."""
    return lxml_html.document_fromstring(page).body


def _text(el) -> str:
    """Text of an element; <br> becomes a line break."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "br" else child.text_content())
        parts.append(child.tail or "")
    return "".join(parts).strip()


def check_contract(doc: Document, body, template_file: str) -> None:
    """Raise TemplateContractError listing every section or table the page lacks."""
    problems = []
    for section in doc.sections:
        found = body.xpath(f'//section[@id="{section.id}"]/h2')
        if not found or "".join(found[0].text_content().split()) != "".join(
                section.heading.split()):
            problems.append(Problem(template_file, f"SECTIONS：模板删去或改动了“{section.heading}”"
                                    "这一部分（条例第五十条，不能遗漏）：请在模板中保留它的 block，"
                                    "或用 render_section(section) 输出它"))
    drawn = {t.get("data-table") for t in body.iter("table")}
    for section in doc.sections:
        for block in section.blocks:
            table_id = getattr(block, "table_id", None)
            if table_id is not None and table_id not in drawn:
                problems.append(Problem(template_file, f"SECTIONS：模板没有输出表{table_id}："
                                        "法定表格必须用 render_table 宏输出，不能删去或自行改写"))
    if problems:
        raise TemplateContractError(problems)


def page_blocks(body) -> list[PageBlock]:
    """The blocks of the rendered page in reading order."""
    return list(_walk(body, in_signature=False))


def _walk(el, in_signature: bool) -> Iterator[PageBlock]:
    for child in el:
        if not isinstance(child.tag, str):
            continue
        classes = tuple((child.get("class") or "").split())
        if child.tag == "table" and child.get("data-table"):
            yield PageBlock("table", child.get("data-table"), classes=classes)
        elif child.tag == "h1":
            yield PageBlock("title", _text(child), classes=classes)
        elif child.tag in HEADING_LEVEL:
            yield PageBlock("heading", _text(child), HEADING_LEVEL[child.tag], classes)
        elif child.tag in TEXT_TAGS:
            text = _text(child)
            if text:
                yield PageBlock("signature" if in_signature else "para", text, classes=classes)
        elif child.tag in CONTAINERS or child.tag in ("ul", "ol"):
            inner = list(_walk(child, in_signature or "signature" in classes))
            if inner:
                yield from inner
            elif _text(child):
                kind: BlockKind = ("signature" if in_signature or "signature" in classes
                                   else "para")
                yield PageBlock(kind, _text(child), classes=classes)
