"""The package guard: a workbook is measured before openpyxl is allowed to open it.

openpyxl builds every cell, every merged cell and every cell a hyperlink range covers as a
Python object inside ``load_workbook``, before nianbao sees anything.  So a 15 KB workbook
with one ``<mergeCell ref="A100:XFD1048576"/>`` asked for 17 billion objects (9.6 GB in 100 s),
and 600,000 rows under a false ``<dimension>`` were read whole (issue 16 §1, §3).  Here the zip
directory is checked first (zip bombs), then each worksheet's XML is streamed through expat in
chunks — no tree is built — counting rows and cells and adding up the area of merged ranges
and hyperlink ranges; the first limit passed stops the scan.  Memory stays at one chunk plus
expat's buffer, time at one pass over at most MAX_UNPACKED_BYTES.

Anything the zip layer raises while reading (a directory that lies about a part's size, a bad
CRC, an unknown compression method) means the file is damaged: a LoadError, never a traceback.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import IO
from xml.etree import ElementTree
from xml.parsers import expat

from nianbao.errors import LoadError, Problem

# Resource limits (README "Limits"): a report workbook is tens of kilobytes unpacked and a
# few hundred cells.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_RATIO = 200             # inflated / compressed per entry; real xlsx parts stay below ~30
MAX_ROWS = 20_000           # <row> elements per sheet, counted while streaming
MAX_CELLS = 200_000         # <c> elements in the whole workbook
MAX_MERGED_CELLS = 200_000  # cells covered by merged and hyperlink ranges, whole workbook
CHUNK = 64 * 1024
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
              ValueError, OSError, KeyError)
DAMAGED = "工作簿已损坏（压缩包中的“{part}”无法完整读出），请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试"
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class _Refused(Exception):
    """A limit was passed while scanning a sheet (message in Chinese)."""


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def ref_area(ref: str) -> int:
    """Cells a reference such as 'A1:C3' (or several, space separated) covers; a reference
    that cannot be read counts as one cell (openpyxl refuses it later as damage)."""
    area = 0
    for part in ref.split()[:1000]:
        m = _REF.fullmatch(part)
        if m is None or m[3] is None:
            area += 1
            continue
        rows = abs(int(m[4]) - int(m[2])) + 1
        cols = abs(_column(m[3]) - _column(m[1])) + 1
        area += rows * cols
    return area


class _SheetScan:
    """Counts of one pass over the worksheets (rows per sheet; cells and covered area in all)."""

    def __init__(self) -> None:
        self.cells = 0
        self.covered = 0
        self.rows = 0
        self.title = ""
        self.formulas = False   # any <f>: the formulas are loaded only when there are some

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "f":
            self.formulas = True
        elif local == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                raise _Refused(f"工作簿的单元格超过 {MAX_CELLS} 个的上限：年报数据只需几百个单元格，"
                               "请删去多余的内容后另存再试")
        elif local == "row":
            self.rows += 1
            if self.rows > MAX_ROWS:
                raise _Refused(f"工作表“{self.title}”超过 {MAX_ROWS} 行的上限：年报数据只需几十行，"
                               "请删去多余的行后另存再试")
        elif local in ("mergeCell", "hyperlink"):
            self.covered += ref_area(attrs.get("ref", ""))
            if self.covered > MAX_MERGED_CELLS:
                what = "合并单元格" if local == "mergeCell" else "超链接"
                raise _Refused(f"工作表“{self.title}”的{what}范围过大（{attrs.get('ref', '')[:40]}），"
                               f"超过 {MAX_MERGED_CELLS} 个单元格的上限，不像是年报数据，已拒绝读取")

    def feed(self, stream: IO[bytes], title: str) -> None:
        """Stream one sheet's XML through expat (no tree, no entity expansion beyond expat's
        own amplification guard)."""
        self.title, self.rows = title, 0
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet title ('xl/worksheets/sheet3.xml' → '表三'), from workbook.xml and its
    relationships; empty when they cannot be read (messages then name the sheet by number)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (*ZIP_ERRORS, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    titles = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get(_REL_NS) in targets:
            target = targets[sheet.get(_REL_NS)].lstrip("/")
            part = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
            titles[part] = sheet.get("name", "")
    return titles


def check_directory(infos: list[zipfile.ZipInfo], name: str, what: str = "工作簿") -> None:
    """Refuse packages (a workbook, a Word document: ``what``) that would inflate beyond the
    limits, from the zip directory alone."""
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise LoadError([Problem(name, f"{what}解压后达 {total // 1024 // 1024} MB，超过"
                                       f" {MAX_UNPACKED_BYTES // 1024 // 1024} MB 的上限，"
                                       "不像是年报数据（可能是“压缩炸弹”），已拒绝读取")])
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise LoadError([Problem(name, f"{what}中的“{info.filename}”压缩比异常"
                                           "（可能是“压缩炸弹”），已拒绝读取")])


def check_package(archive: zipfile.ZipFile, name: str) -> bool:
    """Raise LoadError when the package is damaged or passes a limit; else whether any
    worksheet holds a formula (so the sheets are not read again to find out).

    zipfile never inflates a part beyond the size its directory declares, so the directory
    check bounds every read below even when the directory lies (the lie surfaces as a bad CRC
    or a short part: damage)."""
    infos = archive.infolist()
    check_directory(infos, name)
    titles = sheet_titles(archive)
    scan = _SheetScan()
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/")
              and i.filename.endswith(".xml")]
    for number, info in enumerate(sheets, 1):
        title = titles.get(info.filename) or f"第{number}个工作表"
        try:
            with archive.open(info) as part:
                scan.feed(part, title)
        except _Refused as exc:
            raise LoadError([Problem(name, str(exc))]) from None
        except expat.ExpatError:
            continue   # not well-formed: openpyxl says so, as damage, in its own words
        except ZIP_ERRORS:
            raise LoadError([Problem(name, DAMAGED.format(part=info.filename))]) from None
    return scan.formulas
