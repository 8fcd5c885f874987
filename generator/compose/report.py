"""Compose: a validated report → one Document (sections, paragraphs, grid tables).

Agency text always wins; where a part has none, the figures are stated in standard
sentences generated from the tables (see `generator.compose.sentences`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nianbao.compose import sentences
from nianbao.compose.document import (
    Block,
    Document,
    GridCell,
    Heading,
    Para,
    Section,
    Signature,
    Table,
)
from nianbao.fmt import cn_date, format_value
from nianbao.provenance import key_path
from nianbao.schemas.common import INFO_FEE, OVERVIEW_PARTS
from nianbao.schemas.layout import LayoutCell, TableLayout
from nianbao.validate import Validated


def paragraphs(text: str | None) -> list[Para]:
    """Split agency text into paragraphs at line breaks; blank lines are dropped."""
    if not text:
        return []
    return [Para(line.strip()) for line in text.splitlines() if line.strip()]


def _value_of(report: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        report = getattr(report, key, None)
    return report


def grid_cell(cell: LayoutCell, report: Any) -> GridCell:
    """A layout cell with its text (label) or formatted figure (value)."""
    if cell.kind == "value" and cell.path:
        return GridCell(format_value(_value_of(report, cell.path)), "value", cell.rowspan,
                        cell.colspan, key_path(cell.path))
    return GridCell(cell.text, cell.kind, cell.rowspan, cell.colspan)


def compose_table(layout: TableLayout, report: Any) -> Table:
    """Fill a table layout with the report's figures."""
    def rows(src: tuple[tuple[LayoutCell, ...], ...]) -> tuple[tuple[GridCell, ...], ...]:
        return tuple(tuple(grid_cell(c, report) for c in row) for row in src)
    return Table(layout.table_id, layout.ncols, rows(layout.header), rows(layout.body),
                 layout.col_weights)


def _overview(checked: Validated) -> list[Block]:
    report = checked.report
    overview = report.narrative.overview
    blocks: list[Block] = list(paragraphs(overview.intro))
    for key, title in OVERVIEW_PARTS:
        blocks.append(Heading(title, 2))
        text = paragraphs(getattr(overview, key))
        blocks.extend(text or sentences.default_part(key, checked))
    return blocks


def _other(checked: Validated) -> list[Para]:
    """六、其他需要报告的事项: the agency's text, with the 信息处理费 statement where the text
    has none (国办函〔2020〕109号).  The statement goes before a "无其他需要报告的事项" line,
    never after it (issue 19 §3): a line that says only that becomes one sentence,
    "本年度未收取信息处理费，无其他需要报告的事项。"."""
    text = checked.report.narrative.other
    blocks: list[Para] = paragraphs(text)
    fee = sentences.fee_sentence(checked) if INFO_FEE not in (text or "") else []
    if not fee:
        return blocks or [Para(sentences.NOTHING_ELSE, generated=True)]
    at = next((i for i, b in enumerate(blocks) if sentences.says_nothing_else(b.text)), None)
    if at is None:
        return blocks + fee
    if sentences.only_nothing_else(blocks[at].text):
        return blocks[:at] + [sentences.fee_and_nothing_else(fee[0])] + blocks[at + 1:]
    return blocks[:at] + fee + blocks[at:]


def _tabular_sections(checked: Validated) -> tuple[Section, ...]:
    """The six sections of the 2019/2021 formats: narrative, tables 二–四, narrative."""
    edition = checked.edition
    narrative: dict[str, Callable[[Validated], Sequence[Block]]] = {
        "overview": _overview, "problems": lambda c: paragraphs(c.report.narrative.problems),
        "other": _other}
    sections = []
    for sid, heading in edition.sections:
        table = edition.table_for_section(sid)
        blocks = [compose_table(table, checked.report)] if table else narrative[sid](checked)
        sections.append(Section(sid, heading, tuple(blocks)))
    return tuple(sections)


def _signature(checked: Validated) -> Signature | None:
    report = checked.report
    sig = report.signature
    date = sig.date or report.published
    return Signature(sig.name or report.agency.name, cn_date(date)) if sig.show else None


def compose(checked: Validated) -> Document:
    """Build the document model of a validated report."""
    report = checked.report
    date = report.signature.date or report.published
    if checked.edition.family == "items":  # 2008: the 2007 条例's six narrative items
        from nianbao.compose.items import items_preamble, items_sections
        preamble, sections = items_preamble(checked), items_sections(checked)
    else:
        preamble, sections = tuple(sentences.preamble(checked)), _tabular_sections(checked)
    return Document(report.title, report.agency.name, report.year, checked.edition.id,
                    tuple(preamble), sections, _signature(checked),
                    date.isoformat() if date else None)
