"""Formatting shared by messages and documents: dates and figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def cn_date(d: dt.date | None) -> str:
    """2025年1月20日 — GB/T 9704 dates: Arabic numerals, full year, no leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def format_value(v: Any) -> str:
    """Counts as plain integers; amounts with exactly the digits given; blanks empty."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)
