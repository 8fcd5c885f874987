"""xlsx reader: the workbook nianbao writes, or any workbook holding the statutory tables.

- 基本信息 / 正文: a field is found by its title (schemas/fields.py) anywhere on the sheet;
  its value is the first filled cell to its right.  Without them, agency and year come from
  a title line "（机关名称）YYYY年政府信息公开工作年度报告" anywhere in the workbook
  (formats.md §2.1); a workbook of tables only is valid input for `check`.
- Tables 二/三/四 are found by their labels (xlsx_tables.py), values read as the clerk meant
  them (xlsx_values.py; formats.md §6).  Blank cells stay None: validate() and the BLANK rule
  decide what a blank means; "—", "-", "/", "无" are kept in zero_spellings for
  --blank-as-zero.
- Every value read has its sheet and A1 cell as source; every problem is collected before
  one LoadError is raised (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from nianbao import schemas
from nianbao.errors import LoadError, Problem
from nianbao.load.xlsx_book import Book, Pos, Sheet
from nianbao.load.xlsx_labels import normalise, title_line, without_note
from nianbao.load.xlsx_tables import Located, copies, locate
from nianbao.load.xlsx_values import (
    Evaluator,
    FormulaError,
    as_amount,
    as_amount_unit,
    as_bool,
    as_count,
    as_date,
    as_text,
    as_year,
    zero_spelling,
)
from nianbao.provenance import Source, Sources
from nianbao.schemas.fields import SHEET_INFO, SHEET_TEXT, FieldSpec, info_fields, narrative_fields
from nianbao.schemas.layout import Path, TableLayout, ValueSlot

if TYPE_CHECKING:
    from nianbao.load import LabelNote, RawReport

# short titles clerks write for a field (besides the title without its bracketed note)
ALIASES = {"年度": ("year",), "落款": ("signature", "name")}
CONVERT: dict[str, Callable[[Any], Any]] = {
    "text": as_text, "kind": as_text, "edition": as_text, "date": as_date, "bool": as_bool,
    "count": as_count,
}


def read_xlsx(path: FilePath, name: str) -> RawReport:
    """Read a workbook into plain values with sheet/cell provenance (raises LoadError)."""
    from nianbao.load import RawReport

    reader = _Reader(Book(path, name), name)
    reader.read_fields()
    reader.read_title_line()
    edition = _edition(reader.data, reader.book)
    reader.data.setdefault("edition", edition.id)  # the table set read decides the edition
    for layout in edition.tables:
        reader.read_table(layout)
    if edition.family == "items":  # 2008: no tables; sections on 正文, figures on 关键数据
        from nianbao.load.xlsx_items import read_items
        read_items(reader, edition)
    if reader.problems:
        unique = {(p.where, p.message): p for p in reader.problems}
        raise LoadError(list(unique.values()))
    return RawReport(reader.data, Sources(name, reader.sources), name, reader.notes,
                     reader.unlocated, reader.zero_spellings)


def _edition(data: dict[str, Any], book: Book) -> schemas.Edition:
    """The edition whose tables to look for: 格式版本 when the workbook states it; else the
    edition whose own table labels the workbook carries (formats.md §1: "the table set is"
    the signal — a 2022 report printed in 2019 tables must be read as 2019 tables so that
    EDITION-YEAR can say so); else the year's; else the newest."""
    wanted = str(data.get("edition"))
    if wanted in schemas.EDITIONS:
        return schemas.EDITIONS[wanted]
    detected = _edition_by_labels(book)
    if detected is not None:
        return detected
    year = data.get("year")
    if isinstance(year, int) and schemas.edition_for_year(year) in schemas.EDITIONS:
        return schemas.EDITIONS[schemas.edition_for_year(year)]
    return schemas.latest()


def _edition_by_labels(book: Book) -> schemas.Edition | None:
    """The table edition with the most labels of its own (labels no other edition has)
    present in the workbook; None when no edition's own labels appear."""
    labels = {e.id: {normalise(c.text) for t in e.tables for row in t.rows for c in row
                     if c.text} for e in schemas.EDITIONS.values() if e.tables}
    present = {text for sheet in book.sheets for text in sheet.by_text}
    scores = {}
    for eid, own in labels.items():
        others = set().union(*(v for k, v in labels.items() if k != eid))
        scores[eid] = len((own - others) & present)
    best = max(scores, key=lambda k: (scores[k], k), default=None)
    return schemas.EDITIONS[best] if best is not None and scores[best] > 0 else None


def _put(data: dict[str, Any], path: Path, value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def _address(pos: Pos) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(pos[1])}{pos[0]}"


class _Reader:
    """Collects values, sources, label notes and problems while reading one workbook."""

    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name = book, name
        self.values = Evaluator(book)
        self.data: dict[str, Any] = {}
        self.sources: dict[Path, Source] = {}
        self.problems: list[Problem] = []
        self.notes: list[LabelNote] = []
        self.unlocated: set[Path] = set()
        self.zero_spellings: dict[Path, str] = {}

    def source(self, sheet: Sheet, pos: Pos) -> Source:
        """Source(file, sheet=…, cell="D7")."""
        return Source(self.name, sheet=sheet.title, cell=_address(pos))

    def value(self, sheet: Sheet, pos: Pos, words: str = "") -> Any:
        """The cell's value (cached or a computed sum); a formula problem is collected.

        words name the cell officially (表三“…”行“总计”列：), prefixed to a problem in it.
        """
        try:
            return self.values.value(sheet, pos)
        except FormulaError as exc:
            where = Source(self.name, sheet=exc.sheet, cell=exc.address)
            mine = (exc.sheet, exc.address) == (sheet.title, _address(pos))
            self.problems.append(Problem(str(where), (words if mine else "") + exc.message))
            return None

    # ---- 基本信息 and 正文 ------------------------------------------------------------------
    def read_fields(self) -> None:
        """Fields of the 基本信息 and 正文 sheets, found by their titles."""
        specs = {f.path: f for e in schemas.EDITIONS.values() for f in info_fields(e.model)}
        texts = {f.path: f for e in schemas.EDITIONS.values() for f in narrative_fields(e.model)}
        for title, fields in ((SHEET_INFO, specs), (SHEET_TEXT, texts)):
            for sheet in self.book.sheets:
                if normalise(sheet.title) == normalise(title):
                    self._read_sheet_fields(sheet, list(fields.values()))
                    break

    def _read_sheet_fields(self, sheet: Sheet, fields: list[FieldSpec]) -> None:
        titles = {normalise(name) for spec in fields for name in _titles(spec)}
        for spec in fields:
            pos = _title_cell(sheet, spec)
            if pos is None:
                continue
            filled = [c for c in sheet.row_cells(pos[0]) if c > pos[1]]
            if filled and sheet.texts.get((pos[0], filled[0]), ("",))[0] in titles:
                filled = []  # "机关名称 | (blank) | 报告年度 | 2024": the next title is no value
            cell = (pos[0], filled[0] if filled else pos[1] + 1)
            self.sources[spec.path] = self.source(sheet, cell)
            value = self._field_value(sheet, cell, spec)
            if value is not None and not (isinstance(value, str) and not value.strip()):
                _put(self.data, spec.path, value)

    def _field_value(self, sheet: Sheet, pos: Pos, spec: FieldSpec) -> Any:
        value = self.value(sheet, pos, f"“{spec.title}”：")
        if value is None:
            return None
        if spec.kind == "amount":
            return as_amount(value, sheet.number_format(pos))
        if spec.path == ("year",):
            return as_year(value)
        return CONVERT.get(spec.kind, as_text)(value)

    def read_title_line(self) -> None:
        """Agency name and year from a title line, where 基本信息 did not give them."""
        if "name" in self.data.get("agency", {}) and "year" in self.data:
            return
        for sheet in self.book.sheets:
            for pos, (_, text) in sheet.texts.items():
                found = title_line(text)
                if found is None:
                    continue
                for path, value in ((("agency", "name"), found[0]), (("year",), found[1])):
                    node = self.data.get(path[0]) if len(path) > 1 else self.data
                    if not isinstance(node, dict) or path[-1] not in node:
                        _put(self.data, path, value)
                        self.sources[path] = self.source(sheet, pos)
                return

    # ---- tables -------------------------------------------------------------------------
    def read_table(self, layout: TableLayout) -> None:
        """Locate one table and read its value cells (a missing table is a problem)."""
        twice = copies(layout, self.book.sheets)
        if twice:
            where = "；".join(f"工作表“{sheet.title}” {_address(pos)}" for sheet, pos in twice)
            self.problems.append(Problem(self.name, f"表{layout.table_id}在工作簿中出现了"
                                         f"{len(twice)}次（{where}）：请删去多余的，只保留要报送的一份"))
            return
        loc = locate(layout, self.book.sheets)
        if loc is None:
            self.problems.append(Problem(self.name, _missing(layout)))
            for slot in layout.slots:
                _put(self.data, slot.path, None)
            return
        corner = self.source(loc.sheet, loc.corner)
        self.sources[layout.slots[0].path[:1]] = corner
        self._label_notes(loc, corner)
        for slot in layout.slots:
            pos = loc.cells.get(slot.path)
            if pos is None:
                self.unlocated.add(slot.path)
                _put(self.data, slot.path, None)
                continue
            self.sources[slot.path] = self.source(loc.sheet, pos)
            _put(self.data, slot.path, self._table_value(loc.sheet, pos, slot,
                                                         loc.units.get(slot.path)))
        self._uncovered(loc, corner)

    def _table_value(self, sheet: Sheet, pos: Pos, slot: ValueSlot,
                     unit: str | None = None) -> Any:
        value = self.value(sheet, pos, _cell_words(slot))
        spelled = zero_spelling(value)
        if spelled is not None:
            self.zero_spellings[slot.path] = spelled
            return None
        if slot.value_kind == "amount":
            return as_amount(value, sheet.number_format(pos))
        if slot.value_kind == "amount_unit":  # 2019 采购总金额: text with its unit
            return as_amount_unit(value, sheet.number_format(pos), unit)
        return as_count(value)

    def _label_notes(self, loc: Located, corner: Source) -> None:
        """LABELS notes: labels read with a typo, and governing labels not found at all."""
        from nianbao.load import LabelNote

        for lab in loc.spec.labels:
            key = (lab.row, lab.col)
            if key in loc.fuzzy:
                where = self.source(loc.sheet, loc.found[key])
                self.notes.append(LabelNote(lab.text, loc.fuzzy[key], where, lab.paths))
            elif key not in loc.found and lab.governing:
                pos = loc.expected(lab)
                where = corner if pos is None else self.source(loc.sheet, pos)
                self.notes.append(LabelNote(lab.text, None, where, lab.paths))
            if key in loc.found and lab.kind == "label" and lab.paths:
                # a row label is the source of its row (a group label of its group), so a
                # message about a value not read still points at the right place
                prefix = tuple(os.path.commonprefix(list(lab.paths)))
                self.sources.setdefault(prefix, self.source(loc.sheet, loc.found[key]))

    def _uncovered(self, loc: Located, corner: Source) -> None:
        """Unlocated values no note explains yet get one naming their row (or column)."""
        from nianbao.load import LabelNote

        noted = {p for n in self.notes if n.found is None for p in n.paths}
        missing: dict[str, list[Path]] = {}
        for slot in loc.spec.layout.slots:
            if slot.path in self.unlocated and slot.path not in noted:
                missing.setdefault(slot.row_label or slot.column_label, []).append(slot.path)
        for label, paths in missing.items():
            self.notes.append(LabelNote(label, None, corner, tuple(paths)))


def _cell_words(slot: ValueSlot) -> str:
    """'表三“一、本年新收…”行“总计”列：' (the official labels of a value cell)."""
    row = f"“{slot.row_label}”行" if slot.row_label else ""
    return f"表{slot.table}{row}“{slot.column_label}”列："


def _titles(spec: FieldSpec) -> list[str]:
    """A field's title, then its short forms (without the bracketed note; aliases)."""
    names = [spec.title, without_note(spec.title)]
    return names + [alias for alias, path in ALIASES.items() if path == spec.path]


def _title_cell(sheet: Sheet, spec: FieldSpec) -> Pos | None:
    """Where a field's title is written: the full title, else a short form of it."""
    for text in _titles(spec):
        found = sheet.by_text.get(normalise(text))
        if found:
            return found[0]
    return None


def _missing(layout: TableLayout) -> str:
    """找不到表三（收到和处理政府信息公开申请情况）：在各工作表中查找了“…”“…”等标签…"""
    from nianbao.load.xlsx_table_spec import table_spec

    subject = layout.heading.split("、", 1)[-1]
    looked = "".join(f"“{t}”" for t in table_spec(layout).looked_for)
    return (f"找不到表{layout.table_id}（{subject}）：在各工作表中查找了{looked}等标签，"
            "均未找到，请按正式表格格式填写该表")
