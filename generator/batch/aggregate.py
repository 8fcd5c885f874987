"""`nianbao aggregate DIR --year Y`: tables 二, 三 and 四 summed over the agencies of a year.

Every report of the year that reads and checks without errors, in the year's edition, is
added up value cell by value cell (the cells come from the edition's layouts, so every
table and every column is covered).  The sum is a report of its own — agency
"汇总（N个机关）" — and runs through the same validation and the same table rules.  Reports
with errors are listed and not added in (one wrong figure would spoil the sum); so are
reports in another edition, duplicates, unreadable files, and the agency folders that have
no file for the year.  采购总金额 (2019) keeps its unit: amounts in 元 and 万元 are added in
万元 (exact: 1万元 = 10000元) and a note says so.

With a roster (``--roster``, batch.roster) each member gets its 分组 and 机关类型 from it, the
roster agencies without a report of the year are missing, and a report on no roster is
said (名单外, with the nearest name).  The sheet 各机关 (aggregate_sheets.py) lists every
agency's figures with sums per 分组; ``-o 汇总.yaml`` writes the summed report's input file
(aggregate_yaml.py).  The sum is the report of the 本级人民政府 (its deadline, 3月31日), not
of a department.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nianbao import schemas
from nianbao.batch.discover import Entry
from nianbao.errors import NianbaoError
from nianbao.pipeline import Checked, ReadOptions, check_file
from nianbao.schemas.common import COVERS_SEP, COVERS_TITLE, AgencyKind

if TYPE_CHECKING:
    from nianbao.batch.roster import Roster

TABLE_IDS = ("二", "三", "四")
SUMMED_KIND = AgencyKind.government   # a 全区/全市 sum is the 本级人民政府's report
INCLUDED, ERRORS, UNREADABLE, OTHER_EDITION, DUPLICATE = (
    "计入汇总", "有错误，未计入", "无法读取，未计入", "格式版本不同，未计入", "重复，未计入")


@dataclass
class Member:
    """One input considered for the sum, and what became of it."""

    file: str
    agency: str | None
    state: str
    errors: int = 0
    message: str = ""
    warnings: int = 0
    kind: str = ""    # 机关类型: the roster's when it names the agency, else the report's
    group: str = ""   # 分组, from the roster
    figures: dict[str, Any] = field(default_factory=dict)   # the 各机关 columns (header → value)


@dataclass
class Aggregate:
    """The summed report with its findings, and the account of who is in it."""

    year: int
    checked: Checked | None
    members: list[Member] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    roster: Roster | None = None
    absent: list[tuple[str, str, str]] = field(default_factory=list)  # roster: (机关, 类型, 分组)

    @property
    def included(self) -> list[Member]:
        """The members added into the sum."""
        return [m for m in self.members if m.state == INCLUDED]

    @property
    def exit_code(self) -> int:
        """0 complete and clean; 1 the sum has errors, or agencies have errors or are
        missing; 2 nothing of that year could be summed."""
        if self.checked is None:
            return 2
        if self.checked.has_errors or self.missing or len(self.included) < len(self.members):
            return 1
        return 0


def aggregate(entries: list[Entry], year: int, options: ReadOptions | None = None,
              roster: Roster | None = None) -> Aggregate:
    """Read the year's reports among the entries, sum the clean ones, check the sum."""
    from nianbao.batch.aggregate_sheets import member_figures

    options = options or ReadOptions()
    result = Aggregate(year, None, missing=_missing(entries, year), roster=roster)
    read: list[tuple[Entry, Checked]] = []
    for e in entries:
        if e.year is not None and e.year != year:
            continue  # DIR/<机关>/<年>.xlsx of another year: not even opened
        try:
            checked = check_file(e.path, options)
        except NianbaoError as err:
            result.members.append(Member(e.rel, e.agency, UNREADABLE, len(err.problems),
                                         str(err.problems[0]) if err.problems else ""))
            continue
        if checked.validated.report.year == year:
            read.append((e, checked))
    edition = _edition(read, year)
    reports, seen = [], set()
    for e, checked in read:
        v = checked.validated
        name = v.report.agency.name
        state = (OTHER_EDITION if v.edition.id != edition else DUPLICATE if name in seen
                 else ERRORS if checked.has_errors else INCLUDED)
        result.members.append(Member(e.rel, name, state, checked.summary["errors"],
                                     warnings=checked.summary["warnings"],
                                     kind=v.report.agency.kind.value,
                                     figures=member_figures(v.edition, v.report)))
        if state == INCLUDED:
            seen.add(name)
            reports.append(v.report)
    if roster is not None:
        _place(result, roster)
    if reports and schemas.EDITIONS[edition].tables:
        result.checked = _check_sum(schemas.EDITIONS[edition], year, reports, result.notes)
    elif reports:
        result.notes.append(f"{year}年度为{edition}年格式，没有法定表格，无从汇总")
    return result


def _place(result: Aggregate, roster: Roster) -> None:
    """Each member's 分组 and 机关类型 from the roster; the roster agencies with no report
    of the year are missing; a report on no roster is said, with the nearest name."""
    found = set()
    for m in result.members:
        agency = roster.find(m.agency)
        if agency is not None:
            m.kind, m.group = agency.kind.value, agency.group
            found.add(agency.key)
        elif m.agency:
            near = roster.nearest(m.agency)
            m.group = "名单外"
            result.notes.append(f"{m.file}：“{m.agency}”不在名单中"
                                + (f"（名单中最接近的是“{near}”）" if near else ""))
    known = {m.agency for m in result.members} | set(result.missing)
    for a in roster.agencies:
        if a.key not in found:
            result.absent.append((a.name, a.kind.value, a.group))
            if not any(roster.find(k) is a for k in known if k):
                result.missing.append(a.name)


def _missing(entries: list[Entry], year: int) -> list[str]:
    """Agencies known by the layout (``<机关>/<年>.*``, ``<年>/<机关>.*`` …: the key names
    the path without the year) that have reports of other years but not this one."""
    folders = {e.agency for e in entries if e.agency is not None and e.year is not None}
    present = {e.agency for e in entries if e.year == year}
    return sorted(folders - present)


def _edition(read: list[tuple[Entry, Checked]], year: int) -> str:
    """The edition most of the year's reports use (the year's own edition on a tie)."""
    counts = Counter(c.validated.edition.id for _, c in read)
    own = schemas.edition_for_year(year)
    return max(counts, key=lambda e: (counts[e], e == own)) if counts else own


def _value(report: Any, path: tuple[str, ...]) -> Any:
    node = report
    for key in path:
        node = getattr(node, key, None)
    return node


def _set(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        values = values.setdefault(key, {})
    values[path[-1]] = value


def _sum_units(amounts: list[Any], label: str, notes: list[str]) -> Any:
    """采购总金额: like units added as they are; 元 and 万元 together added in 万元."""
    units = {a.unit for a in amounts if a is not None and a.unit}
    if not units:
        return 0
    if len(units) == 1:
        unit = units.pop()
        return {"value": sum((a.amount for a in amounts if a is not None), Decimal(0)),
                "unit": unit}
    notes.append(f"{label}：各机关有的以元、有的以万元填写，已统一折算为万元相加")
    total = sum((a.amount / 10000 if a.unit == "元" else a.amount
                 for a in amounts if a is not None), Decimal(0))
    return {"value": total, "unit": "万元"}


def summed_values(edition: schemas.Edition, year: int, reports: list[Any],
                  notes: list[str]) -> dict[str, Any]:
    """A report's values: every value cell of tables 二/三/四 added over the reports."""
    values: dict[str, Any] = {
        "edition": edition.id, "year": year, "signature": {"show": False},
        "agency": {"name": f"汇总（{len(reports)}个机关）", "kind": SUMMED_KIND.value,
                   # 汇总范围: the default sentences speak of these agencies, not "本机关"
                   "covers": COVERS_SEP.join(r.agency.name for r in reports)}}
    for slot in edition.slots:
        cells = [_value(r, slot.path) for r in reports]
        if slot.value_kind == "amount_unit":
            total = _sum_units(cells, f"表{slot.table}“{slot.row_label}”"
                                      f"“{slot.column_label}”", notes)
        else:
            total = sum((c for c in cells if c is not None), 0)
        _set(values, slot.path, total)
    return values


def _check_sum(edition: schemas.Edition, year: int, reports: list[Any],
               notes: list[str]) -> Checked:
    """Validate the sum like any report and keep the findings about its tables."""
    from nianbao.checks import run_checks
    from nianbao.load import RawReport
    from nianbao.provenance import Sources
    from nianbao.validate import validate

    name = f"{year}年度汇总"
    values = summed_values(edition, year, reports, notes)
    validated = validate(RawReport(values, Sources(name, {}), name), edition.id)
    findings = [f for f in run_checks(validated)
                if f.cells and all(c.table in TABLE_IDS for c in f.cells)]
    return Checked(validated, findings)


# ---- 汇总.xlsx --------------------------------------------------------------------------------
def aggregate_xlsx(agg: Aggregate) -> bytes:
    """The summed tables (the fill-in workbook's sheets, so `nianbao check` reads it too;
    基本信息 says it is a 汇总 and of whom), 各机关 (every agency's figures, with sums per
    分组), then 汇总范围 (who is in, who is not and why) and 校验结果 (findings on the sum)."""
    from nianbao.batch.aggregate_sheets import agency_sheet, mark_summed
    from nianbao.batch.summary import header, xlsx_bytes
    from nianbao.checks.engine import SEVERITY_ZH
    from nianbao.write.workbook import build

    assert agg.checked is not None
    v = agg.checked.validated
    wb = build(v.edition, v.report.model_dump(mode="python"))
    mark_summed(wb, agg)
    agency_sheet(wb, agg)
    scope = wb.create_sheet(COVERS_TITLE)
    header(scope, ["机关", "文件", "情况", "错误数", "说明"], [34, 36, 20, 8, 60])
    for m in agg.members:
        scope.append([m.agency or "", m.file, m.state, m.errors, m.message])
    for folder in agg.missing:
        scope.append([folder, "", f"缺少{agg.year}年度报告", None, ""])
    for note in agg.notes:
        scope.append(["", "", "说明", None, note])
    checks = wb.create_sheet("校验结果")
    header(checks, ["规则", "级别", "说明"], [16, 8, 100])
    for f in agg.checked.findings:
        checks.append([f.rule, SEVERITY_ZH[f.severity], f.message])
    if not agg.checked.findings:
        checks.append(["", "", "汇总表未发现问题"])
    return xlsx_bytes(wb)
