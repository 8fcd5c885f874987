"""The document model every renderer draws from, so HTML, PDF and DOCX cannot disagree.

Plain frozen dataclasses: compose builds them; renderers only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CellKind = Literal["label", "head", "banner", "note", "value"]


@dataclass(frozen=True)
class Heading:
    """A heading inside a section: level 2 is （一）…, level 3 is 1.…"""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    """A body paragraph.  `generated` marks sentences nianbao wrote from the figures."""

    text: str
    generated: bool = False


@dataclass(frozen=True)
class GridCell:
    """One cell of a rendered table, spans as in the official layout."""

    text: str
    kind: CellKind
    rowspan: int = 1
    colspan: int = 1
    key: str | None = None  # model path of a value cell, e.g. "table3.new.natural"

    @property
    def words(self) -> tuple[str, ...]:
        """A column head as the two-character words it is made of (商业|企业, 社会|公益|组织),
        so that a narrow column breaks it between words and never inside one (商业企|业).
        Only heads of 4–8 ideographs, an even number: the official column heads of that
        shape are all such compounds (本年|制发|件数, 结果|维持).  Anything else is one piece,
        wrapped as the renderer wraps text."""
        text = self.text
        if (self.kind == "head" and 4 <= len(text) <= 8 and len(text) % 2 == 0
                and all("\u4e00" <= ch <= "\u9fff" for ch in text)):
            return tuple(text[i:i + 2] for i in range(0, len(text), 2))
        return (text,)


@dataclass(frozen=True)
class Table:
    """A statutory table: header rows repeat on every page; body rows never split."""

    table_id: str
    ncols: int
    header: tuple[tuple[GridCell, ...], ...]
    body: tuple[tuple[GridCell, ...], ...]
    col_weights: tuple[float, ...] = ()

    @property
    def small_type(self) -> bool:
        """Set in 小五 rather than 五号: the 10-column 三 and the 15-column 四 (layout.md:
        statutory tables are set smaller to fit the 156 mm type area).  One rule for DOCX
        and PDF, so both formats lay the tables out alike."""
        return self.ncols > 4

    @property
    def col_fractions(self) -> tuple[float, ...]:
        """Relative column widths summing to 1 (equal when the layout gives none)."""
        weights = self.col_weights or (1.0,) * self.ncols
        total = sum(weights)
        return tuple(w / total for w in weights)


Block = Heading | Para | Table


@dataclass(frozen=True)
class Section:
    """One of the six statutory sections: id (overview, table2 …), heading, content."""

    id: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Signature:
    """落款: agency name and date text (date may be empty)."""

    name: str
    date: str


@dataclass(frozen=True)
class Document:
    """A whole report, ready to render."""

    title: str
    agency: str
    year: int
    edition: str
    preamble: tuple[Para, ...]
    sections: tuple[Section, ...]
    signature: Signature | None = None
    date_iso: str | None = None  # document date (from the data, never the clock)
    meta: dict[str, str] = field(default_factory=dict)

    def section(self, section_id: str) -> Section:
        """A section by id."""
        return next(s for s in self.sections if s.id == section_id)
