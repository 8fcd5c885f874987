"""The narrative of both years side by side, sentences repeated from last year marked.

The text is the composed report's (generator.compose.report), so every input form and edition
gives its sections the same way.  Only the agency's own text counts: sentences nianbao
writes from the figures where a part was left empty (the preamble, 标准句子) are shown but
neither counted nor marked.  A sentence of this year is copied when the same sentence
(diff.key) is anywhere in last year's text, whichever section it stood in.

Sections pair by id (一、总体情况, 五, 六 in the 2019/2021 formats; the agency's own parts
s1 … sN in the 2008 format, by position); a section only one year has stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nianbao.compare.diff import key, split
from nianbao.compare.rows import merge
from nianbao.compose.document import Heading, Para, Section
from nianbao.validate import Validated


@dataclass
class Sentence:
    text: str
    marked: bool = False   # this year: copied from last year; last year: repeated this year


@dataclass
class Paragraph:
    sentences: list[Sentence]
    generated: bool = False    # nianbao's standard sentence, not the agency's text


@dataclass
class Text:
    """One year's text of a section: its parts by sub-heading ("" for the text before the
    first, or a section without any), with its count of sentences and of marked ones."""

    heading: str
    parts: dict[str, list[Paragraph]] = field(default_factory=dict)
    sentences: int = 0
    marked: int = 0


@dataclass
class PartPair:
    """A part of a section (（一）主动公开 …) in both years; None: that year has no such part."""

    heading: str
    last: list[Paragraph] | None
    this: list[Paragraph] | None


@dataclass
class SectionPair:
    heading: str
    last: Text | None
    this: Text | None

    @property
    def all_copied(self) -> bool:
        return bool(self.this and self.this.sentences and self.this.marked == self.this.sentences)

    @property
    def parts(self) -> list[PartPair]:
        """The parts of both years, paired by their sub-heading, in this year's order."""
        was = self.last.parts if self.last else {}
        now = self.this.parts if self.this else {}
        return [PartPair(h, was.get(h), now.get(h)) for h in merge(list(now), list(was))]


@dataclass
class Narrative:
    sections: list[SectionPair] = field(default_factory=list)
    sentences: int = 0     # this year's own sentences
    copied: int = 0        # of them repeated word for word from last year

    @property
    def share(self) -> str:
        """"42%" of this year's sentences copied ("—" when there are none)."""
        return f"{round(100 * self.copied / self.sentences)}%" if self.sentences else "—"


def _sections(validated: Validated) -> dict[str, Section]:
    """The sections with text (tables left out), the agency's preamble first if it wrote one."""
    from nianbao.compose.report import compose

    doc = compose(validated)
    out: dict[str, Section] = {}
    if any(not p.generated for p in doc.preamble):
        out["preamble"] = Section("preamble", "导语", doc.preamble)
    for s in doc.sections:
        blocks = tuple(b for b in s.blocks if isinstance(b, (Heading, Para)))
        if blocks or not validated.edition.table_for_section(s.id):
            out[s.id] = Section(s.id, s.heading, blocks)
    return out


def _own_keys(sections: dict[str, Section]) -> set[str]:
    return {key(s) for sec in sections.values() for b in sec.blocks
            if isinstance(b, Para) and not b.generated for s in split(b.text)} - {""}


def _text(section: Section, others: set[str]) -> Text:
    text = Text(section.heading)
    part = text.parts.setdefault("", [])
    for block in section.blocks:
        if isinstance(block, Heading):
            part = text.parts.setdefault(block.text, [])
            continue
        if not isinstance(block, Para):   # _sections keeps no table; a guard for the types
            continue
        own = not block.generated
        para = Paragraph([], generated=not own)
        for s in split(block.text):
            k = key(s)
            marked = own and k != "" and k in others
            para.sentences.append(Sentence(s, marked))
            text.sentences += own and k != ""
            text.marked += marked
        part.append(para)
    if not text.parts[""] and len(text.parts) > 1:   # no lead before the first sub-heading
        del text.parts[""]
    return text


def narrative(last: Validated, this: Validated) -> Narrative:
    """Both years' sections paired, this year's copied sentences and last year's repeated
    ones marked, with the counts per section and overall."""
    was, now = _sections(last), _sections(this)
    was_keys, now_keys = _own_keys(was), _own_keys(now)
    out = Narrative()
    # sections pair by id; editions with none in common (2008 against 2019/2021): this
    # year's sections, then last year's, each on its own
    order = merge(list(now), list(was)) if set(now) & set(was) else [*now, *was]
    for sid in order:
        a = _text(was[sid], now_keys) if sid in was else None
        b = _text(now[sid], was_keys) if sid in now else None
        out.sections.append(SectionPair((b or a).heading, a, b))  # type: ignore[union-attr]
        if b is not None:
            out.sentences += b.sentences
            out.copied += b.marked
    return out
