"""Opening a workbook safely, and reading its cells (cached values, formulas, formats).

Anything that is not an xlsx workbook gets a Chinese message naming the file (issue: "Garbage
gets a clear Chinese message and exit 2, never a traceback").  The workbook is opened with
cached values (data_only); the formulas are read only when a cell has no cached value.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.load.sniff import OLE_MAGIC, content_kind
from nianbao.load.xlsx_guard import MAX_MERGED_CELLS, ZIP_ERRORS, check_package
from nianbao.load.xlsx_labels import LABEL_MAX, normalise

SAVE_AS = "请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试"
NOT_XLSX = "不是有效的 xlsx 工作簿"
ENCRYPTED = "工作簿设置了打开密码：请在 Excel/WPS 中取消密码后另存再试"
OLD_XLS = "这是旧版 Excel（.xls）文件，只是扩展名为 .xlsx：" + SAVE_AS
Pos = tuple[int, int]  # (row, column), 1-based as in openpyxl


def _zip_kind(path: Path) -> str | None:
    """None for an xlsx package; otherwise what the zip holds, for the message."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except ZIP_ERRORS:
        return "文件已损坏，压缩包无法打开"
    if "word/document.xml" in names:
        return "这是 Word 文档，不是表格"
    if "ppt/presentation.xml" in names:
        return "这是 PowerPoint 演示文稿，不是表格"
    if "content.xml" in names and "mimetype" in names:
        return "这是 OpenDocument（.ods/.odt）文件"
    if "[Content_Types].xml" in names:
        return None  # an Office package: openpyxl finds the workbook part itself
    return "压缩包里没有工作簿"


def check_container(path: Path, name: str) -> bool:
    """Raise LoadError unless the file is a zip holding a workbook within the limits
    (checked before openpyxl); else whether any worksheet holds a formula."""
    data = path.read_bytes()
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise LoadError([Problem(name, ENCRYPTED)])
        raise LoadError([Problem(name, OLD_XLS)])
    if not data.startswith(b"PK"):
        raise LoadError([Problem(name, f"{NOT_XLSX}（{content_kind(data, 'xlsx')}）：{SAVE_AS}")])
    kind = _zip_kind(path)
    if kind is not None:
        raise LoadError([Problem(name, f"{NOT_XLSX}（{kind}）：{SAVE_AS}")])
    try:
        with zipfile.ZipFile(path) as archive:
            return check_package(archive, name)
    except ZIP_ERRORS:
        raise LoadError([Problem(name, f"{NOT_XLSX}（文件已损坏，压缩包无法打开）：{SAVE_AS}")]) from None


def _open(path: Path, name: str, data_only: bool) -> Any:
    """openpyxl.load_workbook with every failure turned into a LoadError."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():  # openpyxl warns about extensions it drops
            warnings.simplefilter("ignore")
            return load_workbook(path, data_only=data_only, keep_links=False)
    except Exception as exc:  # noqa: BLE001 — any openpyxl failure means "cannot read"
        raise LoadError([Problem(name, f"{NOT_XLSX}（工作簿已损坏或格式不受支持："
                                       f"{type(exc).__name__}）：{SAVE_AS}")]) from None


@dataclass
class Sheet:
    """One worksheet as the locator sees it: label texts by position, values, merges.

    Cells are read through openpyxl's private ``_cells`` dict: ``ws.cell()`` and
    ``iter_rows()`` create every empty cell they pass, which a formatted column makes slow.
    """

    title: str
    ws: Any  # openpyxl Worksheet opened with cached values
    texts: dict[Pos, tuple[str, str]] = field(default_factory=dict)  # pos → (normalised, as written)
    by_text: dict[str, list[Pos]] = field(default_factory=dict)  # normalised → positions
    by_row: dict[int, list[Pos]] = field(default_factory=dict)  # row → text positions, by column
    filled: dict[int, list[int]] = field(default_factory=dict)  # row → non-empty columns
    covered: dict[Pos, Pos] = field(default_factory=dict)  # merged non-anchor cell → anchor
    extent: dict[Pos, Pos] = field(default_factory=dict)  # merged anchor → bottom-right

    def raw(self, pos: Pos) -> Any:
        """The cached value of a cell (None when empty)."""
        cell = self.ws._cells.get(pos)
        return None if cell is None else cell.value

    def number_format(self, pos: Pos) -> str:
        """The number format of a cell ('General' when empty)."""
        cell = self.ws._cells.get(pos)
        return "General" if cell is None else str(cell.number_format)

    def anchor(self, pos: Pos) -> Pos:
        """The top-left cell of the merged range covering pos (pos itself otherwise)."""
        return self.covered.get(pos, pos)

    def row_cells(self, row: int) -> list[int]:
        """Columns of the non-empty cells of a row, left to right."""
        return self.filled.get(row, [])


def index_sheet(title: str, ws: Any) -> Sheet:
    """Index the short text cells of a sheet by normalised text and by row."""
    sheet = Sheet(title, ws)
    for pos, cell in sorted(ws._cells.items()):
        value = cell.value
        if value is not None and value != "":
            sheet.filled.setdefault(pos[0], []).append(pos[1])
        if isinstance(value, str) and value.strip() and len(value) <= LABEL_MAX:
            norm = normalise(value)
            sheet.texts[pos] = (norm, value.strip())
            sheet.by_text.setdefault(norm, []).append(pos)
            sheet.by_row.setdefault(pos[0], []).append(pos)
    for rng in ws.merged_cells.ranges:
        if len(sheet.covered) + rng.size["rows"] * rng.size["columns"] > MAX_MERGED_CELLS:
            break
        top = (rng.min_row, rng.min_col)
        sheet.extent[top] = (rng.max_row, rng.max_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != top:
                    sheet.covered[(r, c)] = top
    return sheet


class Book:
    """An opened workbook: indexed sheets with cached values; formulas on demand."""

    def __init__(self, path: Path, name: str) -> None:
        formulas = check_container(path, name)
        self.path, self.name = path, name
        wb = _open(path, name, data_only=True)
        self.sheets = [index_sheet(ws.title, ws) for ws in wb.worksheets]
        self._by_title = {s.title: s for s in self.sheets}
        self._formulas: Any = None
        self._has_formulas = formulas

    def sheet(self, title: str) -> Sheet | None:
        """A sheet by its exact title (as formulas name it)."""
        return self._by_title.get(title)

    def has_formulas(self) -> bool:
        """Whether any worksheet holds a formula (<f> element), as the package guard saw.

        Most workbooks have none or have cached values; knowing spares a second openpyxl
        load each time a blank cell is read.
        """
        return self._has_formulas

    def formula(self, title: str, pos: Pos) -> str | None:
        """The formula of a cell ('=SUM(B5:H5)'), or None; loads the formulas once, lazily."""
        if not self.has_formulas():
            return None
        if self._formulas is None:
            self._formulas = _open(self.path, self.name, data_only=False)
        if title not in self._formulas.sheetnames:
            return None
        cell = self._formulas[title]._cells.get(pos)
        if cell is None or cell.data_type != "f":
            return None
        value = cell.value
        text = getattr(value, "text", value)  # ArrayFormula keeps its text in .text
        return text if isinstance(text, str) else None
