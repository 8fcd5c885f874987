"""Counts and amounts parsed with bounded work, whatever the input claims.

Every number a reader hands over passes through here before anything converts it.  The
bounds are far above any real report (a county's requests are in the hundreds, a ministry's
收费 in the millions of 元) and low enough that no conversion, comparison or rendering can
take more than microseconds: ``1e999999999`` typed into a cell once made ``int()`` spin for
ever, and the same text as an amount made the renderer write a billion zeros (issue 16 §2).
``Decimal`` keeps the digits as written (formats.md §6: never a binary float).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic_core import PydanticCustomError

MAX_COUNT_DIGITS = 12     # 999,999,999,999 件
MAX_AMOUNT_DIGITS = 15    # digits before the point: 10^15 元 is more than a national budget
MAX_AMOUNT_DECIMALS = 10  # 万元 to four places is usual; 10 is generous
MAX_NUMBER_TEXT = 64      # longer text is not a number anyone typed; not even normalised
_COUNT_LIMIT = 10 ** MAX_COUNT_DIGITS
_AMOUNT_LIMIT = 10 ** MAX_AMOUNT_DIGITS
_DIGITS = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_EXPONENT = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)[eE][-+]?\d+")


def normalise_number_text(text: str) -> str:
    """'２,８８７ ' → '2887': full-width digits, thousands separators and spaces removed.

    Real spreadsheets and pasted text carry all of these (formats.md §6).
    """
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "").replace(" ", "")


def number_text(v: str) -> str | None:
    """The normalised text of a value typed as text, or None when it is too long to be a
    number (so no normalisation or conversion ever runs on megabytes)."""
    if len(v) > MAX_NUMBER_TEXT * 4:
        return None
    text = normalise_number_text(v)
    return text if len(text) <= MAX_NUMBER_TEXT else None


def _error(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, {k: str(v) for k, v in ctx.items()})


def _too_big_count() -> PydanticCustomError:
    return _error("nianbao_count", "数字过大：件数最多{n}位，请核对", n=MAX_COUNT_DIGITS)


def _shown(v: Any) -> str:
    """A value for a message, cut short (a 5,000-digit number is not printed whole)."""
    text = v if isinstance(v, str) else (f"{v:.6g}" if isinstance(v, float) else str(v))
    return text if len(text) <= 30 else text[:27] + "…"


def to_count(v: Any) -> Any:
    """A count: an int of at most MAX_COUNT_DIGITS digits; text of digits is accepted
    (“2,887”, full-width); fractions, exponents, infinities and words are errors."""
    if v is None or isinstance(v, bool):
        if v is None:
            return v
        raise _error("nianbao_count", "应为整数件数，而不是“是/否”")
    if isinstance(v, int):
        if abs(v) >= _COUNT_LIMIT:   # compared, never printed: str() of 5,000 digits raises
            raise _too_big_count()
        return v
    if isinstance(v, str):
        return _count_text(v)
    if isinstance(v, (float, Decimal)):
        return _count_number(v)
    raise _error("nianbao_count", "应为整数件数")


def _count_text(v: str) -> Any:
    text = number_text(v)
    if text == "":
        return None
    if text is None and v.strip().isdigit():
        raise _too_big_count()
    if text is not None and _DIGITS.fullmatch(text):
        if len(text.lstrip("+-")) > MAX_COUNT_DIGITS:
            raise _too_big_count()
        return int(text)
    if text is not None and _EXPONENT.fullmatch(text):
        raise _error("nianbao_count", "件数请直接写整数，不要用科学计数法（“{text}”）",
                     text=_shown(v))
    raise _error("nianbao_count", "应为整数件数，“{text}”不是数字", text=_shown(v))


def _count_number(v: float | Decimal) -> int:
    if isinstance(v, float) and not math.isfinite(v) or isinstance(v, Decimal) and not v.is_finite():
        raise _error("nianbao_count", "应为整数件数，“{text}”不是数字", text=_shown(v))
    if v != 0 and (abs(v) >= _COUNT_LIMIT if isinstance(v, float) else v.adjusted() >= MAX_COUNT_DIGITS):
        raise _too_big_count()
    if v == int(v):   # bounded above, so int() is cheap
        raise _error("nianbao_count", "件数应写成整数（{v} 请写作 {i}）", v=_shown(v), i=int(v))
    raise _error("nianbao_count", "件数必须是整数，不能有小数（{v}）", v=_shown(v))


def check_amount(amount: Decimal, kind: str = "nianbao_amount") -> Decimal:
    """An amount within bounds: finite, at most MAX_AMOUNT_DIGITS digits before the point
    and MAX_AMOUNT_DECIMALS after it (else a located error of the given kind)."""
    if not amount.is_finite():
        raise _error(kind, "应为金额数字，“{text}”不是数字", text=_shown(amount))
    if amount != 0 and amount.adjusted() >= MAX_AMOUNT_DIGITS:
        raise _error(kind, "金额过大：整数部分最多{n}位，请核对", n=MAX_AMOUNT_DIGITS)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_AMOUNT_DECIMALS:
        raise _error(kind, "金额的小数位过多：最多{n}位小数", n=MAX_AMOUNT_DECIMALS)
    return amount


def decimal_from_text(text: str, kind: str = "nianbao_amount") -> Decimal:
    """A bounded Decimal from normalised text such as '8687.376' (no exponent)."""
    if _EXPONENT.fullmatch(text):
        raise _error(kind, "金额请直接写数字，不要用科学计数法（“{text}”）", text=_shown(text))
    if not _DECIMAL.fullmatch(text):
        raise _error(kind, "应为金额数字，“{text}”不是数字", text=_shown(text))
    try:
        return check_amount(Decimal(text), kind)
    except InvalidOperation:   # pragma: no cover — the pattern admits only plain decimals
        raise _error(kind, "应为金额数字，“{text}”不是数字", text=_shown(text)) from None


def decimal_from_number(v: float | Decimal, kind: str = "nianbao_amount") -> Decimal:
    """A bounded Decimal of a number; a float keeps its shortest repr (0.1 stays 0.1)."""
    if isinstance(v, int):
        if abs(v) >= _AMOUNT_LIMIT:
            raise _error(kind, "金额过大：整数部分最多{n}位，请核对", n=MAX_AMOUNT_DIGITS)
        return Decimal(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise _error(kind, "应为金额数字，“{text}”不是数字", text=_shown(v))
        if abs(v) >= _AMOUNT_LIMIT:
            raise _error(kind, "金额过大：整数部分最多{n}位，请核对", n=MAX_AMOUNT_DIGITS)
        return check_amount(Decimal(repr(v)), kind)
    return check_amount(v, kind)


def to_amount(v: Any) -> Any:
    """Amounts keep the digits given: Decimal from text, never through float; bounded."""
    if v is None:
        return v
    if isinstance(v, bool):
        raise _error("nianbao_amount", "应为金额数字，而不是“是/否”")
    if isinstance(v, (int, float, Decimal)):
        return decimal_from_number(v)
    if isinstance(v, str):
        text = number_text(v)
        if text is None:
            raise _error("nianbao_amount", "应为金额数字，“{text}”不是数字", text=_shown(v))
        return decimal_from_text(text) if text else None
    raise _error("nianbao_amount", "应为金额数字")


def in_count_range(v: float | Decimal) -> bool:
    """Whether a number read from a cell is small enough to convert (readers leave bigger
    ones as they are, for the model to refuse with a located message)."""
    if isinstance(v, float):
        return math.isfinite(v) and abs(v) < _COUNT_LIMIT
    if isinstance(v, Decimal):
        return v.is_finite() and (v == 0 or v.adjusted() < MAX_COUNT_DIGITS)
    return abs(v) < _COUNT_LIMIT


def in_amount_range(v: float | Decimal) -> bool:
    """Whether a number read from a cell is small enough to pad or format as an amount."""
    if isinstance(v, float):
        return math.isfinite(v) and abs(v) < _AMOUNT_LIMIT
    if isinstance(v, Decimal):
        return v.is_finite() and (v == 0 or v.adjusted() < MAX_AMOUNT_DIGITS)
    return abs(v) < _AMOUNT_LIMIT


# Units a clerk types after a figure ("356件", "12.5万元").  Only units that cannot change the
# figure are taken off: a count is a count whether written 件 or 条 (the statutory tables
# count 件; 2019's 表二 counts 条 of information), and an amount cell of the tables is in 万元
# (its column label says so).  "元" in a 万元 cell, "千件" or "约356件" would change or hedge
# the figure and stay errors of that cell.
UNITS = {"count": ("件", "条"), "delta": ("件", "条"), "amount": ("万元",)}
_UNIT_NUMBER = {"count": _DIGITS, "delta": _DIGITS, "amount": _DECIMAL}


def split_unit(v: Any, value_kind: str) -> tuple[str, str] | None:
    """(figure, unit) when text is a plain figure followed by a unit this kind of cell is
    counted in: ('356件', 'count') → ('356', '件'); None for anything else."""
    if not isinstance(v, str) or value_kind not in UNITS:
        return None
    text = number_text(v)
    if text is None:
        return None
    for unit in UNITS[value_kind]:
        figure = text.removesuffix(unit)
        if figure != text and _UNIT_NUMBER[value_kind].fullmatch(figure):
            return figure, unit
    return None
