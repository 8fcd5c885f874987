"""Reading figures and years out of narrative text (for TEXT-NUMBERS and TEXT-YEAR)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from nianbao.schemas.features import TABLE2

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


# ---- 表二: figures of （一）主动公开 (TEXT-NUMBERS, issue 19 §5) -------------------------------
# The words come from the table's labels in schemas/ (row labels of every edition with tables,
# column labels reduced to their verb: 本年制发件数 → 制发), plus the verbs clerks use instead.
_SYNONYMS = {"制发": ("印发", "制定")}  # 本年制发件数: "印发/制定行政规范性文件3件"
_DECISION = "决定"  # 本年处理决定数量 / 处理决定数量
_FEE_WORDS = r"(?:收费)?(?:金额|收入)?"  # 本年收费金额（单位：万元）
_TOTAL = r"(?:共计|合计|总计|共|为|达)?"
_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)"
_ITEM = re.compile(r"，|,(?!\d)")  # items of a sentence ("1,286" is one number)
_JOINT = "和及与或"  # "行政许可和行政处罚决定5件" is a joint figure: not one cell's


@dataclass(frozen=True)
class Table2Words:
    """What prose calls the rows and columns of 表二, taken from the layouts in schemas/."""

    names: dict[str, tuple[str, ...]]  # row key → its names (longest first)
    verbs: dict[str, str]  # document verb → column key (第二十条第（一）项)
    documents: tuple[str, ...]  # rows of 第二十条第（一）项
    decisions: tuple[str, ...]  # rows with a 处理决定数量 column
    fees: dict[str, str]  # row key → its 万元 amount column


@dataclass(frozen=True)
class StatedCell:
    """A figure the text states for one cell of 表二."""

    path: tuple[str, ...]
    number: int | Decimal
    unit: str
    clause: str


def column_word(label: str) -> str:
    """The verb or noun a column label is built on: 本年制发件数 → 制发, 现行有效件数 →
    现行有效, 本年处理决定数量 → 处理决定, 对外公开总数量 → 对外公开总数."""
    label = label.removeprefix("本年")
    if label.endswith("总数量"):
        return label.removesuffix("量")
    for suffix in ("件数", "数量"):
        label = label.removesuffix(suffix)
    return label


def table2_words(edition: Any, every: tuple[Any, ...]) -> Table2Words:
    """The vocabulary of an edition's 表二; a row is also called by its label in the other
    editions (2019 "规范性文件" is 2021 "行政规范性文件")."""
    names: dict[str, set[str]] = {}
    for other in every:
        if other.has(TABLE2):
            for slot in other.table("二").slots:
                names.setdefault(slot.path[1], set()).add(slot.row_label)
    slots = edition.table("二").slots
    doc_cols = dict(edition.module.T2_DOC_COLS)
    verbs = {column_word(text): key for key, text in doc_cols.items()}
    verbs |= {syn: verbs[v] for v, syns in _SYNONYMS.items() if v in verbs for syn in syns}
    rows = {s.path[1] for s in slots}
    return Table2Words(
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in names.items() if k in rows},
        verbs, tuple(dict.fromkeys(s.path[1] for s in slots if s.path[2] in doc_cols)),
        tuple(s.path[1] for s in slots if s.path[2] == "decisions"),
        {s.path[1]: s.path[2] for s in slots if "万元" in s.column_label})


def _alternation(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _number(text: str) -> int | Decimal | None:
    text = text.replace(",", "").replace("，", "")
    if "." in text:
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return cn_number(text)


@dataclass
class _State:
    """What a sentence is talking about so far: "制发行政规范性文件3件，废止1件" → 废止 of the
    same row."""

    row: str | None = None
    column: str | None = None


def _named_row(words: Table2Words, text: str, keys: tuple[str, ...]) -> str | None:
    """The row of `keys` named last in text."""
    best: tuple[int, str] | None = None
    for key in keys:
        for name in words.names.get(key, ()):
            at = text.rfind(name)
            if at >= 0 and (best is None or at > best[0]):
                best = (at, key)
    return best[1] if best else None


def _joint(text: str, start: int) -> bool:
    return start > 0 and text[start - 1] in _JOINT


def _fee(words: Table2Words, sub: str) -> tuple[tuple[str, ...], Any, str] | None:
    for key, col in words.fees.items():
        rx = rf"(?P<row>{_alternation(words.names[key])}){_FEE_WORDS}{_TOTAL}{_AMOUNT}\s*万元"
        m = re.search(rx, sub)
        if m and not _joint(sub, m.start("row")):
            return ("table2", key, col), _number(m.group(2)), "万元"
    return None


def _decision(words: Table2Words, sub: str, state: _State
              ) -> tuple[tuple[str, ...], Any, str] | None:
    names = _alternation(n for k in words.decisions for n in words.names[k])
    if not names:
        return None
    m = re.search(rf"(?:(?P<row>{names})(?:处理)?|处理){_DECISION}(?:书)?(?:数量)?{_TOTAL}"
                  rf"{NUM}\s*[件份]", sub)
    if m is None or (m["row"] and _joint(sub, m.start("row"))):
        return None
    row = _named_row(words, m["row"], words.decisions) if m["row"] else state.row
    if row not in words.decisions:
        return None
    return ("table2", row, "decisions"), cn_number(m.group(2)), "件"


def _document(words: Table2Words, sub: str, state: _State
              ) -> tuple[tuple[str, ...], Any, str] | None:
    rows = _alternation(n for k in words.documents for n in words.names[k])
    m = re.search(rf"(?P<verb>{_alternation(words.verbs)})?的?(?P<row>{rows})?{_TOTAL}"
                  rf"{NUM}\s*件", sub)
    if m is None or not (m["verb"] or m["row"]):
        return None
    if (m["row"] and _joint(sub, m.start("row"))) or (m["verb"] and _joint(sub, m.start("verb"))):
        return None
    row = _named_row(words, m["row"], words.documents) if m["row"] else state.row
    col = words.verbs[m["verb"]] if m["verb"] else state.column
    if row not in words.documents or col is None:
        return None
    return ("table2", row, col), cn_number(m.group(3)), "件"


def _remember(words: Table2Words, sub: str, state: _State) -> None:
    """The row and document verb a part of a sentence names carry on to the next part."""
    row = _named_row(words, sub, tuple(words.names))
    if row is not None:
        state.row = row
    said = [(sub.rfind(v), key) for v, key in words.verbs.items() if v in sub]
    if said:
        state.column = max(said)[1]


def stated_cells(text: str, words: Table2Words) -> Iterator[StatedCell]:
    """Every figure the text states for a cell of 表二: "作出行政许可决定356件",
    "制发行政规范性文件3件、废止1件，现行有效12件", "收取行政事业性收费12.5万元".

    A part naming rows or verbs without a figure, joined by "、" to the next part, makes that
    part's figure a joint one ("作出行政许可、行政处罚决定共5件"): it is not read."""
    for sentence in _CLAUSE_END.split(text):
        state = _State()
        for item in _ITEM.split(sentence):
            bare = False
            for sub in item.split("、"):
                found = (_fee(words, sub) or _decision(words, sub, state)
                         or _document(words, sub, state))
                if found is not None and not bare and found[1] is not None:
                    yield StatedCell(found[0], found[1], found[2], sentence.strip())
                _remember(words, sub, state)
                bare = found is None and re.search(r"\d|件", sub) is None
                bare = bare and (_named_row(words, sub, tuple(words.names)) is not None
                                 or any(v in sub for v in words.verbs) or _DECISION in sub)


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
