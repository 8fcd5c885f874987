"""Reading figures and years out of narrative text (for TEXT-NUMBERS and TEXT-YEAR)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_DIGITS = "零〇一二两三四五六七八九"
_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = rf"(\d[\d,，]*|[{_DIGITS}十百千]+)"
_CLAUSE_END = re.compile(r"[。；;！!？?\n]")


def cn_number(text: str) -> int | None:
    """'14' → 14, '2,887' → 2887, '十二' → 12, '两' → 2, '一百零五' → 105."""
    text = text.replace(",", "").replace("，", "")
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _VALUES:
            current = _VALUES[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class Stated:
    """A figure stated in the text: what it claims to be, the number, and the clause."""

    topic: str
    number: int
    clause: str


# Topic patterns, tried in order on each clause.  A clause about 行政复议/行政诉讼 is read only
# for those, so "收到行政复议申请1件" is never taken for new disclosure requests.
_PATTERNS = (
    ("review", re.compile(rf"行政复议[^，,。；\d{_DIGITS}]{{0,12}}?{NUM}\s*[件起宗]")),
    ("litigation", re.compile(rf"行政诉讼[^，,。；\d{_DIGITS}]{{0,12}}?{NUM}\s*[件起宗]")),
    ("carry_in", re.compile(rf"上一?年度?结转[^，,。；\d{_DIGITS}]{{0,15}}?{NUM}\s*件")),
    ("carry_out", re.compile(rf"结转(?:至|到)?下一?年度?[^，,。；\d{_DIGITS}]{{0,15}}?{NUM}\s*件")),
    ("new", re.compile(rf"(?:新收|收到|受理|接收)[^，,。；\d{_DIGITS}]{{0,20}}?申请"
                       rf"[^，,。；\d{_DIGITS}]{{0,6}}?{NUM}\s*件")),
)


def stated_figures(text: str) -> Iterator[Stated]:
    """Every figure the text states about requests, carry-overs, reviews and suits."""
    for clause in _CLAUSE_END.split(text):
        legal = "行政复议" in clause or "行政诉讼" in clause
        for topic, pattern in _PATTERNS:
            if legal != (topic in ("review", "litigation")):
                continue
            for m in pattern.finditer(clause):
                if topic == "new" and "结转" in m.group(0):
                    continue
                n = cn_number(m.group(1))
                if n is not None:
                    yield Stated(topic, n, clause.strip())


_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})\s*年")
_THIS_YEAR = re.compile(r"本年度?|今年")
_PERIOD = re.compile(r"(?:统计期限为?|统计时限为?)?(20\d{2})\s*年\s*1\s*月\s*1\s*日\s*[至到—-]\s*"
                     r"(?:(20\d{2})\s*年\s*)?12\s*月\s*31\s*日")


def sentences(text: str) -> list[str]:
    """Sentences (split at 。！？ and line ends) for year checks."""
    return [s.strip() for s in re.split(r"[。！!？?\n]", text) if s.strip()]


def wrong_years(text: str, year: int) -> Iterator[tuple[str, str]]:
    """(sentence, reason) for statements whose year contradicts the report year."""
    for s in sentences(text):
        for m in _PERIOD.finditer(s):
            if int(m.group(1)) != year or (m.group(2) and int(m.group(2)) != year):
                yield s, f"统计期限写的是{m.group(1)}年，应为{year}年"
                break
        else:
            years = {int(y) for y in _YEAR.findall(s)}
            if _THIS_YEAR.search(s) and years and year not in years and year - 1 in years:
                yield s, f"把{year - 1}年称作“本年”"
