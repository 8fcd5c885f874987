"""Statutory publication deadlines of the annual report, by report year and agency kind.

One implementation, used by the DEADLINE rule (generator/checks/rules_text.py) and by the
batch's roster (按期/逾期, generator/batch/roster.py).
"""

from __future__ import annotations

import datetime as dt

from nianbao.schemas.common import AgencyKind


def deadline_for(year: int, kind: AgencyKind) -> dt.date | None:
    """Statutory publication deadline, or None where none is set nationally."""
    if year <= 2018:  # 2007 条例第三十一条: every report by 3月31日
        return dt.date(year + 1, 3, 31)
    if kind == AgencyKind.government:  # 2019 条例第四十九条: 本级政府 report by 3月31日
        return dt.date(year + 1, 3, 31)
    if kind == AgencyKind.township:
        # 乡镇 dates are set locally (formats.md §1): no national deadline to hold them to
        return None
    # departments by 1月31日; "其他" (开发区管委会 etc.) gets the same, stricter, reading
    return dt.date(year + 1, 1, 31)
