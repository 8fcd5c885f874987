"""The narrative of a published report: its six sections and the five parts of 一, found by
their headings, and the title line and 落款 date around them.

Headings are the ones of schemas/ (edition.sections, common.OVERVIEW_PARTS), matched in their
real variants: the numbering must be the official one ("一、", "（一）", brackets of either
width) and the words close to the official ones ("（一）主动公开情况", "五、存在的主要问题及改进
措施"); sections and parts only move forward, so an enumeration inside a part ("二、加强…")
is not taken for section 二.  A heading is a paragraph of its own, or a run-in lead at the
start of a paragraph ("（一）主动公开情况。2024年…"), bold or not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from nianbao.load.doc_grid import Paragraph
from nianbao.load.xlsx_labels import normalise, title_line
from nianbao.schemas.common import OVERVIEW_PARTS, AgencyKind

HEADING_MAX = 30  # characters (normalised) of a heading; longer text is a sentence
SECTION_RATIO = 0.6  # difflib ratio of a section's words to the official ones
PART_COMMON = 4  # characters a part's words share in one run with the official ones
SIGNATURE_TAIL = 6  # the 落款 date is among the last paragraphs (a portal footer may follow)
_BREADCRUMB = re.compile(r"[>＞»›|｜/]")  # separators of a portal's "you are here" path
_LEAD_PUNCT = "。：:．.，, \u3000"  # left over after a bold run-in heading "（一）主动公开情况"
_END = "。：:；;，,"
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_CN_DIGITS = "〇一二三四五六七八九"
_CN_DATE = re.compile(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月"
                      r"([一二三四五六七八九十]{1,3})日$")
_ISO_DATE = re.compile(r"(?:发布时间|发布日期|时间)[:：](\d{4})-(\d{1,2})-(\d{1,2})")
_NUMBERS = re.compile(r"^(?:\((?P<part>[一二三四五六七八九十]+)\)|(?P<sec>[一二三四五六七八九十]+)[、.,，])")
NARRATIVE_SECTIONS = ("overview", "problems", "other")  # the sections holding text


@dataclass
class Narrative:
    """What the paragraphs said: narrative texts by model path, each with its paragraph."""

    texts: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    where: dict[tuple[str, ...], int] = field(default_factory=dict)  # path → paragraph number
    found: set[str] = field(default_factory=set)  # section ids whose heading was found
    numbers: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # of each text


def _numbered(text: str) -> tuple[str, str, str] | None:
    """('sec'|'part', numeral, words) of a normalised heading candidate."""
    match = _NUMBERS.match(text)
    if match is None:
        return None
    kind = "part" if match["part"] else "sec"
    return kind, match[kind], text[match.end():].rstrip(_END)


def _official(heading: str) -> tuple[str, str, str]:
    numbered = _numbered(normalise(heading))
    assert numbered is not None, f"schemas/ headings are numbered: {heading}"
    return numbered


def _close(kind: str, official: str, words: str) -> bool:
    """Whether printed heading words are the official ones in a variant."""
    if not words:
        return False
    if words.startswith(official) or official.startswith(words):
        return True
    matcher = SequenceMatcher(None, official, words, autojunk=False)
    if kind == "sec":
        return matcher.ratio() >= SECTION_RATIO
    longest = matcher.find_longest_match(0, len(official), 0, len(words)).size
    return longest >= min(PART_COMMON, len(official))


def _candidate(para: Paragraph) -> tuple[str, str] | None:
    """(heading as printed, the rest of the paragraph) of a paragraph that may start with
    a heading: its bold lead, the whole of a short paragraph, or a run-in lead ending in
    "。" or "："."""
    text = para.text.strip()
    lead = para.lead.strip()
    if lead and text.startswith(lead) and len(normalise(lead)) <= HEADING_MAX:
        return lead, text[len(lead):].lstrip(_LEAD_PUNCT).strip()
    if len(normalise(text)) <= HEADING_MAX:
        return text, ""
    cut = min((i for i in (text.find(c) for c in "。：:") if i >= 0), default=-1)
    if 0 < cut <= HEADING_MAX:
        return text[:cut + 1], text[cut + 1:].strip()
    return None


class _Matcher:
    """Finds the next section or part heading, in statutory order."""

    def __init__(self, sections: tuple[tuple[str, str], ...]) -> None:
        self.sections = [(sid, _official(h)) for sid, h in sections]
        self.parts = [(pid, _official(h)) for pid, h in OVERVIEW_PARTS]

    def section(self, words: str, after: int) -> int | None:
        """Index of the section heading ``words`` names, after ``after`` (None if none)."""
        return self._next("sec", self.sections, words, after)

    def part(self, words: str, after: int) -> int | None:
        """Index of the part of 一 heading ``words`` names, after ``after`` (None if none)."""
        return self._next("part", self.parts, words, after)

    @staticmethod
    def _next(kind: str, headings: list, words: str, after: int) -> int | None:
        numbered = _numbered(normalise(words))
        if numbered is None or numbered[0] != kind:
            return None
        for i in range(after + 1, len(headings)):
            _, (_, numeral, official) = headings[i]
            if numbered[1] == numeral and _close(kind, official, numbered[2]):
                return i
        return None


def read_narrative(paras: list[tuple[int, Paragraph]],
                   sections: tuple[tuple[str, str], ...]) -> Narrative:
    """Split numbered paragraphs into sections and parts (text before 一 is the preamble)."""
    matcher = _Matcher(sections)
    out = Narrative()
    section, part = -1, -1
    target: tuple[str, ...] | None = None
    for number, para in paras:
        body = para.text.strip()
        cand = _candidate(para)
        if cand is not None:
            found = matcher.section(cand[0], section)
            if found is not None:
                section, part = found, -1
                sid = matcher.sections[found][0]
                out.found.add(sid)
                target = _section_path(sid)
                if target is not None:
                    out.where.setdefault(target, number)
                if sid == "overview":  # a part not found is reported at 一's heading
                    out.where.setdefault(("narrative", "overview"), number)
                body = cand[1]
            elif section == 0:
                hit = matcher.part(cand[0], part)
                if hit is not None:
                    part = hit
                    target = ("narrative", "overview", matcher.parts[hit][0])
                    out.where.setdefault(target, number)
                    body = cand[1]
        if target is not None and body:
            out.texts.setdefault(target, []).append(body)
            out.numbers.setdefault(target, []).append(number)
            out.where.setdefault(target, number)
    return out


def _section_path(sid: str) -> tuple[str, ...] | None:
    """Where a section's text goes: 一's lead paragraph, 五, 六 (tables' text is not kept)."""
    if sid == "overview":
        return ("narrative", "overview", "intro")
    return ("narrative", sid) if sid in NARRATIVE_SECTIONS else None


def _cn_number(text: str) -> str:
    """"二〇一二" → "2012", "二十六" → "26", "十" → "10" (digits pass through)."""
    text = text.replace("零", "〇")
    if "十" not in text:
        return "".join(str(_CN_DIGITS.index(ch)) if ch in _CN_DIGITS else ch for ch in text)
    tens, _, ones = text.partition("十")
    return str((_CN_DIGITS.index(tens) if tens else 1) * 10
               + (_CN_DIGITS.index(ones) if ones else 0))


def any_date(text: str) -> dt.date | None:
    """A paragraph that is a date, or a portal line stating one: "2025年1月20日",
    "二〇一二年三月二十六日" (a 落款 of the 2008 era), "发布时间：2013-03-22 作者：…"."""
    compact = unicode_digits("".join(text.split()))
    match = _DATE.match(compact) or _CN_DATE.match(compact) or _ISO_DATE.search(compact)
    if match is None:
        return None
    try:
        return dt.date(*(int(_cn_number(match[k])) for k in (1, 2, 3)))
    except ValueError:
        return None


def signature_date(texts: list[str], agency: str | None) -> tuple[dt.date | None, int]:
    """The 落款 date near the end of the last section's text, and how many trailing
    paragraphs are not text of that section: the agency's name and the date of the 落款, and
    whatever a portal prints below them (footer lines)."""
    for i in range(len(texts) - 1, max(len(texts) - SIGNATURE_TAIL, 0) - 1, -1):
        compact = unicode_digits("".join(texts[i].split()))
        if _DATE.match(compact) is None and _CN_DATE.match(compact) is None:
            continue
        date = any_date(texts[i])
        if date is None:
            return None, 0
        start = i
        before = "".join(texts[i - 1].split()) if i > 0 else ""
        if agency and agency in before and len(before) <= len(agency) + 10 and "。" not in before:
            start = i - 1
        return date, len(texts) - start
    return None, 0


def unicode_digits(text: str) -> str:
    """Full-width digits as ASCII (a date typed as ２０２５年)."""
    return normalise(text) if any("０" <= ch <= "９" for ch in text) else text


# Title forms of published reports besides the workbook's title line (xlsx_labels.TITLE_LINE,
# "XX2024年(度)政府信息公开工作年度报告"): "明光市住建局政府信息公开2014年度工作报告" (seed 002)
# and "市建委2011年度政府信息公开工作报告" (seed 000).
_TITLE_FORMS = (
    re.compile(r"^(?P<agency>.{2,60}?)政府信息公开(?:工作)?(?P<year>\d{4})年度?(?:工作)?(?:年度)?报告$"),
    re.compile(r"^(?P<agency>.{2,60}?)(?P<year>\d{4})年度?政府信息公开工作报告$"),
)


def document_title(text: str) -> tuple[str, int] | None:
    """('某某县交通运输局', 2024) from a title in one of its usual forms, or None."""
    found = title_line(text)
    if found is not None:
        return found
    compact = "".join(text.split())
    for form in _TITLE_FORMS:
        match = form.match(compact)
        if match is not None:
            return match["agency"], int(match["year"])
    return None


def find_title(paras: list[tuple[int, Paragraph]], limit: int) -> tuple[str, int, int] | None:
    """(agency, year, paragraph number) from the title line among the paragraphs before 一:
    one paragraph, or two consecutive ones (a title split after the agency's name).

    Headings (a title style, <h1>, bold) are tried first, so a portal's breadcrumb naming
    the report ("首页 > 政务公开 > 某局2024年…") does not give the agency; a breadcrumb's path
    is cut off when it is all there is."""
    head = [(n, p) for n, p in paras if n < limit]
    for headings_only in (True, False):
        for i, (number, para) in enumerate(head):
            if headings_only and not para.heading:
                continue
            found = document_title(para.text)
            if found is None and i + 1 < len(head):
                found = document_title(para.text + head[i + 1][1].text)
            if found is not None:
                agency = _BREADCRUMB.split(found[0])[-1].strip()
                if len(agency) >= 2:
                    return agency, found[1], number
    return None


def agency_kind(name: str) -> AgencyKind | None:
    """The kind of agency a name says, where it says one: a published report does not state
    its kind, yet the deadline depends on it (DEADLINE: 本级人民政府 by 3月31日), and taking a
    county government for a department would be a false alarm on a report published in
    March.  None (the default, 县级以上人民政府部门) when the name does not tell."""
    compact = "".join(name.split())
    if compact.endswith(("街道办事处", "乡人民政府", "镇人民政府")):
        return AgencyKind.township
    if compact.endswith("人民政府"):
        return AgencyKind.government
    return None


def put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """data[path[0]][path[1]]… = value, creating the mappings on the way."""
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value
