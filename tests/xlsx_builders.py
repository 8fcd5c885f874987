"""Build test workbooks with openpyxl: the statutory tables laid out as clerks lay them out.

Tables are drawn from the layouts of schemas/ (spans merged as printed), placed anywhere on
a sheet, with blank rows or columns inserted and labels replaced, and filled with figures
(by default those of the county example).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from nianbao import schemas
from nianbao.load import load
from nianbao.schemas.common import TITLE_SUFFIX
from nianbao.schemas.fields import (
    INFO_HEAD,
    NO,
    SHEET_INFO,
    SHEET_TEXT,
    TABLE_SHEET_PREFIX,
    TEXT_HEAD,
    YES,
    info_fields,
    narrative_fields,
)
from nianbao.schemas.layout import Path, TableLayout, place

ROOT = FilePath(__file__).resolve().parents[1]
COUNTY = ROOT / "examples" / "county-transport-2024.yaml"
EDITION = schemas.EDITIONS["2021"]
T2, T3, T4 = EDITION.tables
SKIP = object()  # a value that leaves its cell empty


def county_data() -> dict[str, Any]:
    """The county example's plain values (as the YAML reader returns them)."""
    return load(COUNTY).data


def get(data: dict[str, Any], path: Iterable[str]) -> Any:
    """data[a][b][c] for a path, None when absent."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def table_values(data: dict[str, Any] | None = None) -> dict[Path, Any]:
    """Every value cell of the three tables → the county example's figure."""
    data = county_data() if data is None else data
    return {slot.path: get(data, slot.path) for slot in EDITION.slots}


def put_table(ws: Any, layout: TableLayout, values: dict[Path, Any], top: int = 1,
              left: int = 1, *, blank_rows_after: Iterable[int] = (),
              blank_cols_after: Iterable[int] = (), labels: dict[str, Any] | None = None,
              merge: bool = True, number_formats: dict[Path, str] | None = None
              ) -> dict[Path, str]:
    """Draw a table with its top-left cell at (top, left); returns path → A1 of each value.

    blank_rows_after / blank_cols_after: layout rows / grid columns after which an empty
    row / column is inserted.  labels: official text → text written instead (None leaves
    the label cell empty).  values: path → what to write (SKIP or None: nothing).
    """
    grid = place(layout.rows, layout.ncols)
    rows = _positions(len(grid), top, set(blank_rows_after))
    cols = _positions(layout.ncols, left, set(blank_cols_after))
    labels = labels or {}
    where: dict[Path, str] = {}
    for r, row in enumerate(grid):
        for c, (cell, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c):
                continue
            sr, sc = rows[r], cols[c]
            target = ws.cell(sr, sc)
            if cell.kind == "value":
                value = values.get(cell.path)
                if value is not None and value is not SKIP:
                    target.value = value
                fmt = (number_formats or {}).get(cell.path)
                if fmt:
                    target.number_format = fmt
                where[cell.path or ()] = target.coordinate
            else:
                text = labels.get(cell.text, cell.text)
                if text is not None:
                    target.value = text
            er, ec = rows[r + cell.rowspan - 1], cols[c + cell.colspan - 1]
            if merge and (er, ec) != (sr, sc):
                ws.merge_cells(start_row=sr, start_column=sc, end_row=er, end_column=ec)
    return where


def _positions(n: int, start: int, gaps_after: set[int]) -> list[int]:
    out, at = [], start
    for i in range(n):
        out.append(at)
        at += 2 if i in gaps_after else 1
    return out


def a1(row: int, col: int) -> str:
    """(6, 4) → 'D6'."""
    return f"{get_column_letter(col)}{row}"


def info_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(title, cell value) of the 基本信息 sheet for a report's data."""
    out = []
    for spec in info_fields(EDITION.model):
        value = get(data, spec.path)
        if spec.kind == "bool" and value is not None:
            value = YES if value else NO
        elif value is not None and spec.kind in ("kind", "edition"):
            value = str(value)
        out.append((spec.title, value))
    return out


def narrative_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(title, text) of the 正文 sheet."""
    return [(spec.title, get(data, spec.path)) for spec in narrative_fields(EDITION.model)]


def put_pairs(ws: Any, head: tuple[str, str], pairs: list[tuple[str, Any]]) -> None:
    """A two-column sheet: header row, then title | value."""
    ws.append(list(head))
    for title, value in pairs:
        ws.append([title, value])


def writer_style(data: dict[str, Any] | None = None, values: dict[Path, Any] | None = None,
                 info: bool = True, narrative: bool = True) -> Workbook:
    """A workbook shaped like the one `nianbao init` writes: 基本信息, 正文, 表二, 表三, 表四,
    each table with its heading in row 1 and its grid from row 3, column A."""
    data = county_data() if data is None else data
    values = table_values(data) if values is None else values
    wb = Workbook()
    wb.remove(wb.active)
    if info:
        put_pairs(wb.create_sheet(SHEET_INFO), INFO_HEAD, info_rows(data))
    if narrative:
        put_pairs(wb.create_sheet(SHEET_TEXT), TEXT_HEAD, narrative_rows(data))
    for layout in EDITION.tables:
        ws = wb.create_sheet(TABLE_SHEET_PREFIX + layout.table_id)
        ws["A1"] = layout.heading
        put_table(ws, layout, values, top=3)
    return wb


def one_sheet(values: dict[Path, Any] | None = None, agency: str = "某某县交通运输局",
              year: int = 2024) -> tuple[Workbook, dict[Path, str]]:
    """All three tables on one sheet under a title line and section headings."""
    values = table_values() if values is None else values
    wb = Workbook()
    ws = wb.active
    ws.title = "年报"
    ws["A1"] = f"{agency}{year}{TITLE_SUFFIX}"
    ws["A2"] = "一、总体情况（略）"
    top, where = 4, {}
    for layout in EDITION.tables:
        ws.cell(top, 1, layout.heading)
        where |= put_table(ws, layout, values, top=top + 1)
        top += len(layout.rows) + 3
    return wb, where


def save(wb: Workbook, path: FilePath) -> FilePath:
    """Save and return the path."""
    wb.save(path)
    return path
