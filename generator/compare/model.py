"""Two reports of one agency compared: read through the pipeline, ordered by year, the
cross-year rules run (the later report checked with the earlier as last year's), tables,
largest changes and narrative put side by side.  Nothing here renders or writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nianbao.checks import RULES, Finding, run_checks
from nianbao.compare.narrative import Narrative, narrative
from nianbao.compare.rows import Figure, TableGroup, table_views
from nianbao.errors import LoadError, NianbaoError, Problem
from nianbao.load.xlsx_labels import name_key
from nianbao.pipeline import ReadOptions, read
from nianbao.validate import Validated

TOP = 10   # the largest changes listed first and marked in the tables
# rules whose formula is "last year's figure": meaningless across a gap of years
ADJACENT_ONLY = ("XYEAR-CARRY", "XYEAR-STOCK")


class SameYear(NianbaoError):
    """Both reports are of the same year: there is nothing to compare them against."""


@dataclass
class Year:
    """One of the two reports, and how the page names its file."""

    validated: Validated
    name: str

    @property
    def year(self) -> int:
        return self.validated.report.year

    @property
    def agency(self) -> str:
        return self.validated.report.agency.name

    @property
    def edition(self) -> str:
        return self.validated.edition.id


@dataclass
class Comparison:
    last: Year                 # the earlier year: 上年
    this: Year                 # the later year: 本年
    tables: list[TableGroup]
    top: list[Figure]          # the largest changes (counts), largest first
    findings: list[Finding]    # XYEAR-* of the later report against the earlier
    ran: list[str]             # the XYEAR rules that ran
    skipped: list[str]         # … and those that did not, with the reason
    narrative: Narrative
    compared: int              # figures known in both years
    changed: int               # … of which changed

    @property
    def same_agency(self) -> bool:
        return agency_key(self.last.agency) == agency_key(self.this.agency)

    @property
    def identical(self) -> bool:
        """The tables repeat last year's figures (XYEAR-SAME found it)."""
        return any(f.rule == "XYEAR-SAME" for f in self.findings)

    @property
    def largest(self) -> str:
        """The largest change in words, for the batch summary: 表三“…”“总计”：38→120（+82，+215.8%）."""
        if not self.top:
            return ""
        f = self.top[0]
        pct = "" if f.change.pct == "—" else f"，{f.change.pct}"
        return f"{f.words}：{f.change.last}→{f.change.this}（{f.change.delta}{pct}）"

    @property
    def title(self) -> str:
        return f"{self.this.agency}{self.last.year}年与{self.this.year}年政府信息公开工作年度报告比对"


def agency_key(name: str) -> str:
    """An agency name as compared: width, spaces and bracket forms ignored (the roster's
    comparison, `xlsx_labels.name_key`)."""
    return name_key(name)


def _names(paths: tuple[Path, Path]) -> tuple[str, str]:
    """How the page names the files: their names, or the paths given when the names clash
    (2023/年报.xlsx and 2024/年报.xlsx) — never more than the command line said."""
    if paths[0].name != paths[1].name:
        return paths[0].name, paths[1].name
    return str(paths[0]), str(paths[1])


def read_both(paths: tuple[Path, Path], options: ReadOptions) -> tuple[Year, Year]:
    """Both reports, earlier first; every problem of both files at once when unreadable."""
    years: list[Year] = []
    problems: list[Problem] = []
    for path, name in zip(paths, _names(paths)):
        try:
            years.append(Year(read(path, options, name), name))
        except NianbaoError as err:
            problems += err.problems
    if problems:
        raise LoadError(problems)
    last, this = sorted(years, key=lambda y: y.year)
    if last.year == this.year:
        raise SameYear([Problem("", f"两份报告都是{this.year}年度的（{last.name}、{this.name}）："
                                    "请给出同一机关两个不同年度的报告，如上年和本年")])
    return last, this


def _rules(last: Year, this: Year) -> tuple[list[str], list[str]]:
    """The XYEAR rules that apply, and those left out with the reason."""
    ran, skipped = [], []
    for rule in (r for r in RULES.values() if r.needs_previous):
        if this.edition not in rule.editions:
            skipped.append(f"{rule.id}（不适用于{this.edition}年格式）")
        elif rule.id in ADJACENT_ONLY and this.year - last.year != 1:
            skipped.append(f"{rule.id}（只比较相邻两年，两份报告相隔{this.year - last.year}年）")
        else:
            ran.append(rule.id)
    return ran, skipped


def compare(paths: tuple[Path, Path], options: ReadOptions) -> Comparison:
    """Read both files (any order, any input form and edition) and compare them."""
    return compare_years(*read_both(paths, options))


def compare_years(last: Year, this: Year) -> Comparison:
    """Two reports already read, the earlier first (a batch worker holds both)."""
    ran, skipped = _rules(last, this)
    findings = [f for f in run_checks(this.validated, last.validated) if f.rule in ran]
    tables = table_views(last.validated, this.validated)
    figures = [f for g in tables for v in g.views if v.year is None for f in v.figures]
    ranked = sorted((f for f in figures if f.change.size), key=lambda f: -(f.change.size or 0))
    for rank, f in enumerate(ranked[:TOP], start=1):   # sorted is stable: ties in table order
        f.rank = rank
    known = [f for f in figures if f.change.trend != "na"]
    return Comparison(last, this, tables, ranked[:TOP], findings, ran, skipped,
                      narrative(last.validated, this.validated), len(known),
                      sum(f.change.trend != "same" for f in known))
