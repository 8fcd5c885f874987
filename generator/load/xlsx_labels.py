"""Label normalisation and fuzzy matching for the xlsx reader.

formats.md §6: "Labels in the wild vary in bracket width ( (一) vs （一）), spaces, line breaks
and small typos ("现行有效件"): match labels after normalising width and white space, report
what differed."  Normalised equality is an exact match (nothing reported); a label that only
comes close (difflib ratio ≥ FUZZY) is accepted and reported by the LABELS rule.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

FUZZY = 0.8  # the smallest difflib ratio accepted as "the same label with a typo"
LABEL_MAX = 120  # longer cell texts are prose (正文), never a table label

# quote marks are dropped: 危及“三安全一稳定” is often typed with "" or without quotes
_DROP = dict.fromkeys(map(ord, "“”\"'‘’「」『』\u200b\u200c\u200d\ufeff"), None)
# numbering written 1、 or 1． (full-width dot) instead of 1. is a matter of style, not a typo
_NUMBERING = re.compile(r"^(\d+)[、,，]")

# Title line of practice (formats.md §2.1): "（机关名称）YYYY年政府信息公开工作年度报告"
TITLE_LINE = re.compile(r"^(?P<agency>.{2,60}?)(?P<year>\d{4})年度?政府信息公开工作年度报告$")


def normalise(text: str) -> str:
    """The comparison form of a label: NFKC width, no white space, no quotes.

    NFKC turns full-width brackets, digits and the ideographic space into their half-width
    forms; every kind of white space (line breaks inside a cell, U+3000) is then removed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).translate(_DROP)
    return _NUMBERING.sub(r"\1.", text)


# 【】[]〔〕 read as round brackets (NFKC makes （） round already)
_BRACKETS = str.maketrans("【[〔［〖", "(((((", ) | str.maketrans("】]〕］〗", ")))))")


def name_key(name: str) -> str:
    """The comparison form of an agency name (a roster's, two years' of one agency): the
    label's normalisation with every bracket form made round."""
    return normalise(name).translate(_BRACKETS)


def similarity(official: str, found: str) -> float:
    """difflib ratio of two normalised labels (0.0 when cheaply known to be below FUZZY)."""
    matcher = SequenceMatcher(None, official, found, autojunk=False)
    if matcher.real_quick_ratio() < FUZZY or matcher.quick_ratio() < FUZZY:
        return 0.0
    return matcher.ratio()


def title_line(text: str) -> tuple[str, int] | None:
    """('某某县交通运输局', 2024) from a title line, or None.

    The agency part keeps its own width (full-width brackets stay as written); only white
    space is removed.  \\d also matches full-width digits, which int() reads.
    """
    compact = "".join(text.split())
    match = TITLE_LINE.match(compact)
    if match is None:
        return None
    return match["agency"], int(match["year"])


def without_note(title: str) -> str:
    """'落款机关（默认为机关名称）' → '落款机关': a clerk's shortened field title."""
    return re.split(r"[（(]", title, maxsplit=1)[0]
