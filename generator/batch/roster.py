"""The roster of a batch (``nianbao batch DIR -o OUT --roster 名单.xlsx``): who is expected,
who is missing, who is late.

A roster is a workbook (.xlsx) or a CSV as Excel and WPS save it (UTF-8 with BOM, or
GBK/GB18030; comma or tab separated) with the columns 机关名称, 机关类型 (a value of
`AgencyKind`; blank → 县级以上人民政府部门, said) and optionally 分组 (县直单位, 乡镇街道 …).
The header row is found by its labels with the readers' label matcher (`xlsx_labels`), on
any of the first rows of any sheet.  Reading is bounded like the other readers (file size,
the workbook guard of `xlsx_book.Book`, a row limit); every problem names the file and the
row or cell, and a roster with problems is refused as a whole (exit 2: a wrong 机关类型 would
give wrong deadlines).

Matching: a report belongs to a roster agency when their names agree after normalising
width (NFKC), spaces and bracket forms; a report of the roster's year matching no agency is
名单外, with the nearest roster name suggested (difflib) — most often a misspelt name.
Timeliness: 按期/逾期 against the statutory deadline of the agency's kind
(`schemas.deadlines.deadline_for`), from the report's 发布日期, or ``--as-of`` for a report
that has none.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem, os_reason
from nianbao.load.xlsx_labels import FUZZY, name_key, normalise, similarity
from nianbao.schemas.common import Agency, AgencyKind
from nianbao.schemas.deadlines import deadline_for

MAX_ROSTER_BYTES = 5 * 1024 * 1024   # a roster of a few hundred agencies is kilobytes
MAX_ROSTER_ROWS = 5_000              # a city with every township has a few hundred
HEADER_ROWS = 20                     # the header is looked for among the first rows
SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")
NAME, KIND = (Agency.model_fields[k].title or k for k in ("name", "kind"))   # 机关名称, 机关类型
GROUP = "分组"
# the column labels, official title first; a clerk's list often says 单位 for 机关
LABELS = {"name": (NAME, "单位名称", "机关", "单位"), "kind": (KIND, "单位类型", "类型"),
          "group": (GROUP, "组别")}
DEFAULT_KIND = AgencyKind.department
SUBMITTED, NOT_SUBMITTED, OUTSIDE = "已提交", "未提交", "名单外"
ON_TIME, LATE, DATE_UNKNOWN, NO_DEADLINE = "按期", "逾期", "发布日期未知", "无全国统一期限"


@dataclass(frozen=True)
class RosterAgency:
    """One expected agency: its name as the roster writes it, kind, group, and the row."""

    name: str
    kind: AgencyKind
    group: str = ""
    where: str = ""
    kind_given: bool = True

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass
class Roster:
    """The expected agencies, in the roster's order; notes say what was assumed."""

    file: str   # the roster's file name (never its folder: the pages go back to agencies)
    agencies: list[RosterAgency] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def find(self, agency: str | None) -> RosterAgency | None:
        """The roster agency a report's agency name is, after normalisation."""
        if not agency:
            return None
        key = name_key(agency)
        return next((a for a in self.agencies if a.key == key), None)

    def nearest(self, agency: str) -> str | None:
        """The roster name closest to a name not on it (difflib), or None."""
        keys = {a.key: a.name for a in self.agencies}
        close = difflib.get_close_matches(name_key(agency), list(keys), n=1, cutoff=0.5)
        return keys[close[0]] if close else None


# ---- reading ---------------------------------------------------------------------------
def read_roster(path: Path) -> Roster:
    """The roster in a .xlsx or .csv file; LoadError listing every problem."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoadError([Problem(name, "名单应为 .xlsx 工作簿或 .csv 文件（Excel/WPS“另存为”CSV）")])
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError([Problem(name, f"无法读取名单：{os_reason(exc)}")]) from None
    if size > MAX_ROSTER_BYTES:
        raise LoadError([Problem(name, f"名单文件超过 {MAX_ROSTER_BYTES // 1024 // 1024} MB，"
                                       "不像是机关名单，已拒绝读取")])
    rows = _xlsx_rows(path, name) if suffix in (".xlsx", ".xlsm") else _csv_rows(path, name)
    return _roster(path.name, name, rows)


Row = tuple[str, list[tuple[str, str]]]   # (where the row is, [(cell's place, text)])


def _xlsx_rows(path: Path, name: str) -> list[tuple[str, list[Row]]]:
    """Each sheet's rows as texts, with each cell's place (工作表“名单” B3)."""
    from nianbao.load.xlsx_book import Book
    from nianbao.provenance import Source
    from openpyxl.utils import get_column_letter

    try:
        book = Book(path, name)
    except OSError as exc:
        raise LoadError([Problem(name, f"无法读取名单：{os_reason(exc)}")]) from None
    sheets = []
    for sheet in book.sheets:
        rows: list[Row] = []
        for r in sorted(sheet.filled)[:MAX_ROSTER_ROWS + HEADER_ROWS + 1]:
            cells = [(str(Source(name, sheet=sheet.title, cell=f"{get_column_letter(c)}{r}")),
                      _text(sheet.raw((r, c)))) for c in range(1, max(sheet.filled[r]) + 1)]
            rows.append((f"{name} 工作表“{sheet.title}” 第{r}行", cells))
        sheets.append((sheet.title, rows))
    return sheets


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(path: Path, name: str) -> list[tuple[str, list[Row]]]:
    """The CSV's rows (UTF-8 with or without BOM, else GB18030; comma or tab), each cell
    named by its line and column as Excel numbers them."""
    from nianbao.batch.discover import _decode

    try:
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise LoadError([Problem(name, f"无法读取名单：{os_reason(exc)}")]) from None
    except UnicodeDecodeError:
        raise LoadError([Problem(name, "名单文件的编码无法识别，请另存为 UTF-8 或在 Excel 中"
                                       "另存为“CSV（逗号分隔）”")]) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for cells in reader:
            if len(rows) > MAX_ROSTER_ROWS + HEADER_ROWS:
                break
            line = reader.line_num
            rows.append((f"{name} 第{line}行", [(f"{name} 第{line}行第{c}列", v.strip())
                                                for c, v in enumerate(cells, start=1)]))
    except csv.Error as exc:
        raise LoadError([Problem(f"{name} 第{reader.line_num}行", f"CSV 格式有误：{exc}")]) from None
    return [("", rows)]


def _column_of(text: str) -> str | None:
    """Which roster column a header cell names (the label matcher: normalised equality, or
    close enough to be a typo), if any."""
    found = normalise(text)
    for column, labels in LABELS.items():
        if any(found == normalise(label) for label in labels):
            return column
    for column, labels in LABELS.items():
        if similarity(normalise(labels[0]), found) >= FUZZY:
            return column
    return None


def _header(rows: list[Row]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, column → position) of the first row naming 机关名称."""
    for i, (_, cells) in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for pos, (_, text) in enumerate(cells):
            column = _column_of(text) if text else None
            if column is not None and column not in columns:
                columns[column] = pos
        if "name" in columns:
            return i, columns
    return None


def _roster(shown: str, name: str, sheets: list[tuple[str, list[Row]]]) -> Roster:
    for _, rows in sheets:
        found = _header(rows)
        if found is not None:
            return _agencies(shown, name, rows, *found)
    raise LoadError([Problem(name, f"没有找到表头“{NAME}”：名单的第一行（或前几行中的一行）应写"
                                   f"“{NAME}”“{KIND}”，可另加“{GROUP}”")])


def _agencies(shown: str, name: str, rows: list[Row], head: int, columns: dict[str, int]
              ) -> Roster:
    roster, problems = Roster(shown), []
    seen: dict[str, str] = {}   # name key → where it was first
    blank_kind: list[str] = []
    body = rows[head + 1:]
    if len(body) > MAX_ROSTER_ROWS:
        raise LoadError([Problem(name, f"名单超过 {MAX_ROSTER_ROWS} 行，不像是机关名单，已拒绝读取")])

    def cell(cells: list[tuple[str, str]], column: str) -> tuple[str, str]:
        pos = columns.get(column)
        return cells[pos] if pos is not None and pos < len(cells) else ("", "")

    for where, cells in body:
        (name_at, agency), (kind_at, kind_text) = cell(cells, "name"), cell(cells, "kind")
        group = cell(cells, "group")[1]
        if not agency:
            if kind_text or group:
                problems.append(Problem(name_at or where, f"缺少{NAME}"))
            continue
        kind = _kind(kind_text)
        if kind is None:
            allowed = "、".join(k.value for k in AgencyKind)
            problems.append(Problem(kind_at, f"{KIND}“{kind_text}”无法识别：应为{allowed}之一"
                                             "（可留空，按县级以上人民政府部门）"))
            continue
        if name_key(agency) in seen:
            problems.append(Problem(name_at, f"“{agency}”与{seen[name_key(agency)]}重复"))
            continue
        seen[name_key(agency)] = name_at
        if not kind_text:
            blank_kind.append(agency)
        roster.agencies.append(RosterAgency(agency, kind or DEFAULT_KIND, group, name_at,
                                            bool(kind_text)))
    if problems:
        raise LoadError(problems)
    if not roster.agencies:
        raise LoadError([Problem(name, f"名单中没有机关：表头“{NAME}”下没有填写机关名称")])
    if blank_kind:
        listed = "、".join(blank_kind[:5]) + ("等" if len(blank_kind) > 5 else "")
        roster.notes.append(f"名单中{len(blank_kind)}个机关未填{KIND}（{listed}），"
                            f"已按“{DEFAULT_KIND.value}”核对发布期限")
    return roster


def _kind(text: str) -> AgencyKind | None:
    """The AgencyKind a roster cell names: its value, or the one value containing the text
    (部门, 乡镇, 街道 …); blank → the default; None when unknown or ambiguous."""
    if not text:
        return DEFAULT_KIND
    found = normalise(text)
    exact = [k for k in AgencyKind if normalise(k.value) == found]
    if exact:
        return exact[0]
    partial = [k for k in AgencyKind if found in normalise(k.value)]
    return partial[0] if len(partial) == 1 else None


# ---- checking a batch against it -------------------------------------------------------
def timeliness(year: int, kind: AgencyKind, published: dt.date | None,
               as_of: dt.date | None) -> dict[str, Any]:
    """按期/逾期 of one report: the deadline of its kind, the date it is judged by (发布日期,
    else --as-of) and the verdict."""
    limit = deadline_for(year, kind)
    date, basis = (published, "发布日期") if published is not None else (as_of, "核对日期")
    if limit is None:
        verdict = NO_DEADLINE
    elif date is None:
        verdict = DATE_UNKNOWN
    else:
        verdict = ON_TIME if date <= limit else LATE
    return {"deadline": limit.isoformat() if limit else None,
            "date": date.isoformat() if date else None,
            "date_basis": basis if date else None, "timely": verdict}


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def roster_year(rows: list[dict[str, Any]]) -> int | None:
    """The year the roster is checked for: the latest report year of the batch."""
    years = [r["year"] for r in rows if isinstance(r.get("year"), int)]
    return max(years) if years else None


def check_rows(roster: Roster, rows: list[dict[str, Any]], as_of: dt.date | None = None
               ) -> dict[str, Any]:
    """The roster part of summary.json: each roster agency with its files, 已提交/未提交 and
    按期/逾期; the reports of the year that are on no roster (名单外) with the nearest name;
    the headline (the summary's first line)."""
    year = roster_year(rows)
    found: dict[str, list[dict[str, Any]]] = {}
    outside = []
    for r in rows:
        if r.get("year") not in (year, None) or r.get("state") == "duplicate":
            continue
        agency = roster.find(r.get("agency"))
        if agency is not None:
            found.setdefault(agency.key, []).append(r)
        elif r.get("agency") and r.get("year") == year:
            outside.append({"file": r["file"], "agency": r["agency"],
                            "suggestion": roster.nearest(r["agency"])})
    agencies = [_agency_row(a, found.get(a.key, []), year, as_of) for a in roster.agencies]
    missing = [a["name"] for a in agencies if not a["submitted"]]
    return {"file": roster.file, "year": year, "as_of": as_of.isoformat() if as_of else None,
            "agencies": agencies, "outside": outside, "missing": len(missing),
            "headline": headline(missing, len(agencies), year), "notes": list(roster.notes)}


def _agency_row(a: RosterAgency, reports: list[dict[str, Any]], year: int | None,
                as_of: dt.date | None) -> dict[str, Any]:
    row: dict[str, Any] = {"name": a.name, "kind": a.kind.value, "kind_given": a.kind_given,
                           "group": a.group, "submitted": bool(reports),
                           "status": SUBMITTED if reports else NOT_SUBMITTED,
                           "files": [r["file"] for r in reports],
                           "findings_page": (reports[0].get("findings_page")
                                             or reports[0].get("findings")) if reports else None,
                           "deadline": None, "date": None, "date_basis": None, "timely": ""}
    if year is None:
        return row
    if reports:
        first = reports[0]
        row.update(timeliness(first.get("year") or year, a.kind, _date(first.get("published")),
                              as_of))
        if first.get("state") in ("unreadable", "failed"):
            row["status"] = f"{SUBMITTED}（无法读取）"
    else:
        limit = deadline_for(year, a.kind)
        row["deadline"] = limit.isoformat() if limit else None
        if limit is not None and as_of is not None and as_of > limit:
            row["timely"] = f"已过期限（截至{as_of.isoformat()}）"
    return row


def headline(missing: list[str], total: int, year: int | None) -> str:
    """The summary's first line: how many roster agencies have not submitted, and which."""
    of_year = f"（{year}年度）" if year else ""
    if not missing:
        return f"名单中的{total}个机关均已提交{of_year}"
    listed = "、".join(missing[:20]) + ("等" if len(missing) > 20 else "")
    return f"名单中有{len(missing)}个机关未提交{of_year}：{listed}"
