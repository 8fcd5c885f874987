"""What an edition has, by name: the capabilities rules and default sentences depend on.

An edition module declares `FEATURES`, a frozenset of the names defined here; a rule
declares what it `needs` (`@rule(..., needs=(TABLE4,))`) and runs on every edition whose
FEATURES include all of it, so no rule lists editions by name (issue 21 §1).  A rule that
needs nothing applies to every edition.

Each feature is defined once, below, with what an edition that declares it promises
(the model paths the rules and sentences read).  A new edition that has, say, the table 三
of 2021 declares TABLE3_OUTCOMES and gets every rule over that table without touching them.
"""

from __future__ import annotations

FEATURES: dict[str, str] = {}   # name → what an edition declaring it has


def feature(name: str, meaning: str) -> str:
    """Define a feature (once) and return its name."""
    if name in FEATURES:
        raise ValueError(f"feature {name} defined twice")
    FEATURES[name] = meaning
    return name


def forget(name: str) -> None:
    """Undefine a feature (a test's fake edition cleaning up after itself)."""
    FEATURES.pop(name, None)


STATUTORY_TABLES = feature(
    "STATUTORY_TABLES",
    "Statutory tables whose value cells the agency fills in (edition.slots): blanks, "
    "numbers, units and labels are checked cell by cell, and compared year on year.  The "
    "report has six sections (schemas.common.section_headings); without this feature an "
    "edition is narrative only.")
NARRATIVE_ITEMS = feature(
    "NARRATIVE_ITEMS",
    "No statutory table: the six items of 2007 条例第三十二条 in prose, under the agency's "
    "own headings (narrative.sections, figures; schemas/statute/formats.md §4).  Its "
    "edition.family is \"items\".")
TABLE2 = feature(
    "TABLE2",
    "表二 主动公开政府信息情况 with rows `T2_ROWS` (regulations, normative_documents, …) and "
    "第二十条第（一）项's document columns `T2_DOC_COLS` (table2.<row>.<column>).")
TABLE2_STOCK = feature(
    "TABLE2_STOCK",
    "表二 as in 国办公开办函〔2021〕30号 (formats.md §2.2): （一） 本年制发件数 · 本年废止件数 · "
    "现行有效件数 (issued, repealed, in_force); （五）（六） 本年处理决定数量 (decisions); "
    "（八） 本年收费金额 (administrative_fees.amount).")
TABLE2_ITEMS = feature(
    "TABLE2_ITEMS",
    "表二 as in 国办公开办函〔2019〕60号 (formats.md §3): （一） 本年新制作数量 · 本年新公开数量 · "
    "对外公开总数量 (new_made, new_public, total_public); （五）（六）（八） 上一年项目数量 · "
    "本年增/减 (previous_items, change) and 处理决定数量; （九） 政府集中采购 (procurement).")
TABLE3_OUTCOMES = feature(
    "TABLE3_OUTCOMES",
    "表三 收到和处理政府信息公开申请情况 (formats.md §2.3): rows new, carry_in, the outcome "
    "rows （一）…（六）, total, carry_out, in that printed order; applicant columns with "
    "`total` last.")
TABLE3_UNPAID_FEE = feature(
    "TABLE3_UNPAID_FEE",
    "表三 （六）其他处理 in sub-rows, among them table3.other.unpaid_fee (申请人逾期未按收费"
    "通知要求缴纳费用, formats.md §2.3, §5).")
TABLE4 = feature(
    "TABLE4",
    "表四 政府信息公开行政复议、行政诉讼情况 (formats.md §2.4): groups review, "
    "litigation_direct, litigation_after_review, each with outcome columns and `total` last.")
FEE_STATEMENT = feature(
    "FEE_STATEMENT",
    "Practice of the edition's years: section 六 states the 信息处理费 collected, or that "
    "none was (国办函〔2020〕109号, in force from 2021-01-01; formats.md §5).")
