"""Cell values of a workbook: numbers as the clerk meant them, and sums without cached results.

formats.md §6: counts are integers, 万元 amounts keep the digits given (Decimal, never float);
"2,887", "１４" (full-width) and " 14 " are normalised; "—", "-", "无", "/" spell zero only when
the user opted in (--blank-as-zero), so they are read as blank and remembered.

A formula cell normally carries the value Excel/WPS/LibreOffice computed when saving.  A
workbook written by a program and never opened has none: plain sums (=SUM(B5:H5),
=SUM(A1,B2:C3), =B5+C5, with $ and sheet prefixes) are computed here, Excel's way (SUM skips
text); any other formula is an error naming its cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from nianbao.load.xlsx_book import Book, Pos, Sheet
from nianbao.schemas.numbers import (
    MAX_COUNT_DIGITS,
    MAX_NUMBER_TEXT,
    in_amount_range,
    in_count_range,
    normalise_number_text,
    number_text,
)

ZERO_SPELLINGS = frozenset({"—", "——", "―", "–", "-", "--", "/", "无"})
MAX_RANGE_CELLS = 10_000  # =SUM(A1:Z9999) would be a mistake; don't walk it
UNSUPPORTED = ("公式“{formula}”没有计算结果，nianbao 只能计算求和公式：请在 Excel/WPS 中打开并保存"
               "一次，或直接填写数字")
CYCLE = "公式“{formula}”循环引用了自身，无法计算：请改正公式，或直接填写数字"
NOT_A_NUMBER = ("公式“{formula}”引用的单元格 {ref} 不是数字（“{text}”），无法计算：请改正该单元格，"
                "或直接填写数字")

_INT = re.compile(r"-?\d+")
_PLAIN_DECIMAL = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_FORMAT_DECIMALS = re.compile(r"\.(0+)")
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


# ---- plain values -----------------------------------------------------------------------
def decimal_of(number: float | Decimal) -> Decimal:
    """A Decimal of a cell number; floats are read to Excel's 15 significant digits."""
    if isinstance(number, float):
        return Decimal(format(number, ".15g"))
    return Decimal(number)


def shown_decimals(number_format: str) -> int:
    """Decimals a number format always shows: '0.00' → 2, '#,##0.0000' → 4, 'General' → 0."""
    section = _FORMAT_NOISE.sub("", number_format.split(";")[0])
    match = _FORMAT_DECIMALS.search(section)
    return len(match.group(1)) if match else 0


def _pad(amount: Decimal, decimals: int) -> Decimal:
    """Show the decimals the cell shows (12.34 under '0.0000' → 12.3400); never round."""
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -decimals:
        return amount.quantize(Decimal(1).scaleb(-decimals))
    return amount


def zero_spelling(value: Any) -> str | None:
    """'—' when a cell spells zero (or 'not applicable') with a dash, slash or 无."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text in ZERO_SPELLINGS:
            return value.strip()
    return None


def as_count(value: Any) -> Any:
    """An int where the cell holds a whole number (14.0, '2,887', '１４'); else as is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (float, Decimal)):
        if not in_count_range(value):   # 1e308, inf: the model refuses it, located
            return value
        return int(value) if value == int(value) else decimal_of(value)
    if isinstance(value, str):
        text = number_text(value)
        if text == "":
            return None
        if text is None:
            return value
        if _INT.fullmatch(text):
            # at most MAX_COUNT_DIGITS digits are converted; longer ones stay text for the
            # model to refuse (int() of 4,300+ digits raises, of millions takes seconds)
            return int(text) if len(text.lstrip("-")) <= MAX_COUNT_DIGITS else value
        number = _decimal_text(text)
        return number if number is not None and in_count_range(number) else value
    return value


def as_amount(value: Any, number_format: str = "General") -> Any:
    """A Decimal keeping the digits given (text) or shown (number format); else as is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        if not in_amount_range(value):   # 1e308 would not even quantize: the model refuses it
            return value
        return _pad(decimal_of(value), shown_decimals(number_format))
    if isinstance(value, str):
        text = number_text(value)
        if text == "":
            return None
        number = _decimal_text(text) if text is not None else None
        return number if number is not None and in_amount_range(number) else value
    return value


UNITS = ("万元", "元")  # units of the 2019 采购总金额 (longest first)


def format_unit(number_format: str) -> str | None:
    """'万元' when a number format prints a unit after the figure (0.000"万元"), else None."""
    literal = number_format.split(";")[0].replace('"', "").replace("\\", "")
    return next((unit for unit in UNITS if unit in literal), None)


def as_amount_unit(value: Any, number_format: str = "General", unit: str | None = None) -> Any:
    """采购总金额 (2019) as text with its unit: "8687.376万元" as written; a number gets the
    unit its number format prints, else the unit of its header ("采购总金额（单位：万元）").
    A figure without any unit is passed on as is: the model asks for the unit."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        if not in_amount_range(value):
            return value
        number = _pad(decimal_of(value), shown_decimals(number_format))
        unit = format_unit(number_format) or unit
        return f"{format(number, 'f')}{unit}" if unit else number
    if isinstance(value, str):
        text = value.strip()
        bare = _decimal_text(number_text(text) or "x") is not None
        return f"{text}{unit}" if bare and unit else text
    return value


def _decimal_text(text: str) -> Decimal | None:
    """A plain decimal ('12.5'; no exponent, bounded length), else None."""
    if len(text) > MAX_NUMBER_TEXT or not _PLAIN_DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:   # pragma: no cover — the pattern admits only plain decimals
        return None


def _whole(value: Any) -> bool:
    """A number with no fraction; an infinite or NaN float (a formula's cached result can be
    one) is not, and must not reach int(), which raises on it."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value == int(value))


def as_text(value: Any) -> Any:
    """Text of a text field: numbers typed into it (a phone number) become their digits."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, float) and _whole(value):
        return str(int(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def as_date(value: Any) -> Any:
    """A date from an Excel date or from text such as 2025-01-20, 2025/1/20, 2025年1月20日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if _whole(value):
        value = str(int(value))
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split())
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return value


def as_bool(value: Any) -> Any:
    """是/否 (also TRUE/FALSE, 1/0) → True/False; anything else as is."""
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    answers = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}
    return answers.get(text, value)


def as_year(value: Any) -> Any:
    """2024 from 2024, '2024', '２０２４年' or '2024年度'."""
    if isinstance(value, str):
        value = re.sub(r"年度?$", "", normalise_number_text(value))
    return as_count(value)


# ---- formulas -----------------------------------------------------------------------------
class FormulaError(Exception):
    """A formula without cached value that nianbao cannot compute (names its cell)."""

    def __init__(self, sheet: str, address: str, message: str) -> None:
        super().__init__(message)
        self.sheet, self.address, self.message = sheet, address, message


_TOKEN = re.compile(r"""\s*(?:
    (?P<sum>SUM\s*\()
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[^\s!'(),:+\-*/^&=<>"]+)!)?\$?[A-Za-z]{1,3}\$?\d{1,7}(?![\w(]))
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>[+,:)])
)""", re.VERBOSE | re.IGNORECASE)
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class _Unsupported(Exception):
    """Anything but a plain sum."""


class _NotANumber(Exception):
    """A cell added with + holds text that is no number."""

    def __init__(self, ref: str, text: str) -> None:
        super().__init__(ref)
        self.ref, self.text = ref, text


def _tokens(formula: str) -> list[tuple[str, str]]:
    text, pos, out = formula.lstrip("=").rstrip(), 0, []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _Unsupported
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def parse_sum(formula: str) -> list[tuple[str, str, str | None, bool]]:
    """Terms of a plain sum: (kind 'num'|'ref', text, range end or None, inside SUM).

    Raises _Unsupported for anything else (AVERAGE, *, -, IF, whole columns …).
    """
    tokens = _tokens(formula)
    terms: list[tuple[str, str, str | None, bool]] = []
    i = 1 if tokens[:1] == [("op", "+")] else 0
    while True:
        kind, text = tokens[i] if i < len(tokens) else ("", "")
        if kind == "sum":
            i += 1
            while True:
                i = _argument(tokens, i, terms)
                op = tokens[i][1] if i < len(tokens) else ""
                i += 1
                if op == ")":
                    break
                if op != ",":
                    raise _Unsupported
        elif kind in ("ref", "num"):
            terms.append((kind, text, None, False))
            i += 1
        else:
            raise _Unsupported
        if i == len(tokens):
            return terms
        if tokens[i] != ("op", "+"):
            raise _Unsupported
        i += 1


def _argument(tokens: list[tuple[str, str]], i: int,
              terms: list[tuple[str, str, str | None, bool]]) -> int:
    """One SUM argument: a number, a cell or a range A1:B5; returns the next index."""
    kind, text = tokens[i] if i < len(tokens) else ("", "")
    if kind == "num":
        terms.append(("num", text, None, True))
        return i + 1
    if kind != "ref":
        raise _Unsupported
    after = tokens[i + 1:i + 3]
    if len(after) == 2 and after[0] == ("op", ":") and after[1][0] == "ref":
        terms.append(("ref", text, after[1][1], True))
        return i + 3
    terms.append(("ref", text, None, True))
    return i + 1


def _split_ref(ref: str) -> tuple[str | None, Pos]:
    """("表三", (7, 4)) from "'表三'!$D$7"; sheet None when the reference has no prefix."""
    from openpyxl.utils import column_index_from_string

    sheet, _, address = ref.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    match = _ADDRESS.match(address)
    if match is None:
        raise _Unsupported
    return (sheet or None), (int(match[2]), column_index_from_string(match[1].upper()))


class Evaluator:
    """Values of cells: cached when there is one, computed for plain sums otherwise."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._done: dict[tuple[str, Pos], Decimal] = {}
        self._active: set[tuple[str, Pos]] = set()

    def value(self, sheet: Sheet, pos: Pos) -> Any:
        """The cell's value: cached, or its formula computed (raises FormulaError)."""
        value = sheet.raw(pos)
        if value is None:
            formula = self.book.formula(sheet.title, pos)
            if formula is not None:
                return self._evaluate(sheet, pos, formula)
        return value

    def _evaluate(self, sheet: Sheet, pos: Pos, formula: str) -> Decimal:
        from openpyxl.utils import get_column_letter

        key = (sheet.title, pos)
        address = f"{get_column_letter(pos[1])}{pos[0]}"
        if key in self._done:
            return self._done[key]
        if key in self._active:
            raise FormulaError(sheet.title, address, CYCLE.format(formula=formula))
        self._active.add(key)
        try:
            terms = parse_sum(formula)
            total = sum((self._term(sheet, term) for term in terms), Decimal(0))
        except _Unsupported:
            raise FormulaError(sheet.title, address,
                               UNSUPPORTED.format(formula=formula)) from None
        except _NotANumber as exc:
            raise FormulaError(sheet.title, address, NOT_A_NUMBER.format(
                formula=formula, ref=exc.ref, text=exc.text)) from None
        finally:
            self._active.discard(key)
        self._done[key] = total
        return total

    def _term(self, sheet: Sheet, term: tuple[str, str, str | None, bool]) -> Decimal:
        kind, text, end, in_sum = term
        if kind == "num":
            return Decimal(text)
        title, start = _split_ref(text)
        target = self.book.sheet(title) if title else sheet
        if target is None:
            raise _Unsupported
        stop = _split_ref(end)[1] if end else start
        rows = range(min(start[0], stop[0]), max(start[0], stop[0]) + 1)
        cols = range(min(start[1], stop[1]), max(start[1], stop[1]) + 1)
        if len(rows) * len(cols) > MAX_RANGE_CELLS:
            raise _Unsupported
        return sum((self._number(target, (r, c), in_sum, target is not sheet)
                    for r in rows for c in cols), Decimal(0))

    def _number(self, sheet: Sheet, pos: Pos, in_sum: bool, other_sheet: bool) -> Decimal:
        """A referenced cell as a number: blank is 0; SUM skips text, + reads numeric text."""
        value = self.value(sheet, pos)
        if value is None or (in_sum and isinstance(value, (str, bool))):
            return Decimal(0)
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return decimal_of(value)
        number = _decimal_text(number_text(str(value)) or "x")
        if number is None:
            from openpyxl.utils import get_column_letter

            ref = f"{get_column_letter(pos[1])}{pos[0]}"
            raise _NotANumber(f"“{sheet.title}”!{ref}" if other_sheet else ref, str(value))
        return number
