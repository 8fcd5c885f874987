"""Year against year, the arithmetic: the change of one figure, and sentences repeated.

A figure's change is absolute and in per cent of last year's figure; "—" where it cannot be
said (a figure unknown or without counterpart, last year 0, amounts in different units).
All arithmetic is Decimal, so the same inputs give the same text on every machine.

Sentences end at 。！？；(and their half-width forms) or a line break; two sentences are the
same when they are after NFKC (full/half width) with all whitespace and the closing mark
removed — word for word, nothing looser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from nianbao.fmt import format_value

NA = "—"
PCT_STEP = Decimal("0.1")


class Missing:
    """No counterpart: the figure's row or column does not exist in that year's edition
    (unlike None, a figure the report left blank)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


@dataclass(frozen=True)
class Change:
    """One figure, last year against this year, as printed."""

    last: str
    this: str
    delta: str            # "+3", "-2", "0", or NA
    pct: str              # "+25.0%", "0.0%", or NA (last year 0 or a figure unknown)
    size: Decimal | None  # |change| of a count, for ranking the largest (amounts: None)
    trend: str            # "up", "down", "same", "na"
    delta_value: Decimal | None = None
    pct_value: Decimal | None = None  # a fraction (0.25 for +25 %), for the workbook


def _number(v: Any) -> tuple[Decimal, str] | None:
    """A figure as (amount, unit): counts, amounts, and 采购总金额 with its unit."""
    if v is None or v is MISSING or isinstance(v, bool):
        return None
    amount = getattr(v, "amount", None)   # schemas.edition2019.UnitAmount ("8687.376万元")
    if isinstance(amount, Decimal):
        return amount, getattr(v, "unit", "")
    if isinstance(v, (int, Decimal)):
        return Decimal(v), ""
    return None


def shown(v: Any) -> str:
    """A figure as printed; blank as NA; no counterpart as ""."""
    if v is MISSING:
        return ""
    return NA if v is None else format_value(v)


def change(last: Any, this: Any) -> Change:
    """The change from last year's figure to this year's."""
    a, b = _number(last), _number(this)
    if a is None or b is None or (a[1] and b[1] and a[1] != b[1]):
        return Change(shown(last), shown(this), NA, NA, None, "na")
    d = b[0] - a[0]
    unit = b[1] or a[1]
    delta = ("+" if d > 0 else "") + format(d, "f") + (unit if d else "")
    trend = "up" if d > 0 else "down" if d < 0 else "same"
    # counts only: 万元 and 件 are not to be ranked against each other
    size = abs(d) if isinstance(last, int) and isinstance(this, int) else None
    if a[0] == 0:
        return Change(shown(last), shown(this), delta, NA, size, trend, d)
    ratio = d / abs(a[0])
    pct = (ratio * 100).quantize(PCT_STEP, ROUND_HALF_UP)
    text = ("+" if pct > 0 else "") + format(pct, "f") + "%"
    return Change(shown(last), shown(this), delta, text, size, trend, d, ratio)


# ---- sentences ------------------------------------------------------------------------------
_ENDS = "。！？；!?;"
_SPLIT = re.compile(rf"(?<=[{_ENDS}])|\n")
_SPACE = re.compile(r"\s+")


def split(text: str) -> list[str]:
    """The sentences of a paragraph, each with its closing mark; blank pieces dropped."""
    return [s.strip() for s in _SPLIT.split(text) if s.strip()]


def key(sentence: str) -> str:
    """What two sentences must share to be the same: the words, whatever their width and
    spacing, without the closing mark ("" for a piece that is only punctuation)."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", sentence))
    return text.rstrip(unicodedata.normalize("NFKC", _ENDS))
