"""A formula's cached result can be an infinite or NaN float (the fuzz suite found one in a
date cell): the workbook reader reports the cell, it does not crash on int(inf)."""

from __future__ import annotations

import math

import pytest
from nianbao.load.xlsx_values import as_date, as_text


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_left_for_validation(value):
    assert as_date(value) is value  # not a date: validation says so, with the cell
    assert as_text(value) == str(value)


def test_whole_numbers_still_become_digits():
    assert as_text(12345678.0) == "12345678"
    assert as_date(20250120.0).isoformat() == "2025-01-20"
