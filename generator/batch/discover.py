"""Which files a batch runs: a folder walked at any depth, or a manifest (CSV or YAML).

A file laid out as ``DIR/<机关>/<年>.xlsx|yaml`` is known by its folder (the agency) and its
name (the year) before it is read, so the same agency's report of the year before
(``DIR/<机关>/<年-1>.*``) is found for the cross-year rules.  An office that files what it
receives by year lays it out the other way, ``DIR/<年>/<机关>.xlsx|yaml``; that works the
same (``DIR/<年-1>/<机关>.*``; a year in the file name, 交通局2024年.xlsx, is left out of
the agency), also with groups or a folder per agency inside the year
(``DIR/<年>/县直/<机关>.xlsx``, ``DIR/<年>/<机关>/报表.xlsx``): the same path under last
year's folder is last year's.  A manifest may name agency and year instead; the previous
year is then looked up by agency + year among its entries.

Template folders: every ``templates/`` folder on the way from the file's folder up to the
batch root applies, nearest first (``DIR/<机关>/templates/`` before ``DIR/templates/``), and
the built-in templates come last.  ``templates/`` folders, hidden files and folders, Office
lock files (``~$…``), the output folder and the summary workbooks nianbao writes
(``summary.xlsx``, ``nianbao aggregate``'s 汇总.xlsx — marked in their document properties,
wherever they were saved) are never read as inputs.

Every file is named relative to the batch folder (a manifest's own folder), in messages and
findings as in the summary: the pages go back to the agencies, and nothing in them names
the office's folders (``shown``, ``relative_text``).  The agency and year a path names
(``path_agency``) stand in the summary row of a file that cannot be read.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from nianbao.errors import LoadError, Problem, os_reason
from nianbao.load import DOCUMENT_SUFFIXES
from nianbao.load.xlsx_guard import ZIP_ERRORS

READ_SUFFIXES = (".xlsx", ".xlsm", ".yaml", ".yml")  # nianbao's own inputs
INPUT_SUFFIXES = READ_SUFFIXES + (".xls", ".et")  # old formats: the summary says why they fail
TEMPLATES = "templates"
_YEAR_NAME = re.compile(r"((?:19|20)\d{2})(?:年度?)?")
_YEAR_IN_NAME = re.compile(r"(?:19|20)\d{2}(?:年度|年(?!报))?")
# what a file name says besides the agency: 乙局2024年报.xlsx, 乙局2024年度数据.xlsx, 报表.xlsx
_GENERIC_NAME = re.compile(r"(?:政府信息公开)?(?:工作)?(?:年度报告|年报|报告|报表|数据|填报表|填报"
                           r"|统计表)$")
_SEPARATORS = " _-－—.（）()"
MANIFEST_KEYS = {"file": ("file", "文件", "path", "路径"), "agency": ("agency", "机关", "机关名称"),
                 "year": ("year", "年度", "报告年度")}


@dataclass(frozen=True)
class Entry:
    """One input of a batch.

    path: the file to read; rel: its path relative to the batch folder (``某局/2024.yaml``;
        ``../其他/2024.yaml`` for a manifest's entry outside the manifest's folder), which
        keys the cache and the summary; name: how messages and the findings JSON name it —
        the same relative path (see the module docstring);
    agency, year: the grouping key for the previous-year lookup (None when unknown);
    templates: template folders that apply, nearest first; previous: last year's input;
    root: the batch folder (None: paths are shown as given);
    agency_name: the agency as the manifest or the path names it (``某局`` for
        ``某局/2024.xlsx``), shown in the summary when the file cannot be read.
    """

    path: Path
    name: str
    rel: str
    agency: str | None = None
    year: int | None = None
    templates: tuple[Path, ...] = ()
    previous: Path | None = None
    root: Path | None = None
    agency_name: str | None = None

    def shown(self, path: Path) -> str:
        """A path as the batch's messages and pages name it: relative to the batch folder."""
        return str(path) if self.root is None else relative(path, self.root)


# The document category (docProps/core.xml, Excel's 文件 > 属性 > 类别) of the summary
# workbooks nianbao writes: a batch or an aggregate saved into the reports' folder is not
# read back as a report by the next run (the aggregate's sheets have the report layout).
OWN_WORKBOOK_CATEGORY = "nianbao 汇总表（批量处理时不作为输入）"


def report_years(entries: list[Entry]) -> tuple[int, ...]:
    """The report years the entries name (their paths or manifest), for the workers'
    warm-up (report_task.warm lays out each of their editions' table skeletons)."""
    return tuple(sorted({e.year for e in entries if e.year is not None}))


def accepted_suffixes(published: bool = False) -> tuple[str, ...]:
    """The extensions of the files a batch reads: nianbao's inputs, and with published=True
    (batch --check-only) the published reports of load.DOCUMENT_SUFFIXES."""
    return READ_SUFFIXES + (DOCUMENT_SUFFIXES if published else ())


def _is_input(path: Path, published: bool = False) -> bool:
    suffixes = INPUT_SUFFIXES + (DOCUMENT_SUFFIXES if published else ())
    return (path.suffix.lower() in suffixes and not path.name.startswith((".", "~$"))
            and path.is_file() and not is_own_workbook(path))


def is_own_workbook(path: Path) -> bool:
    """True for a summary workbook nianbao wrote (by its document category); any file that
    cannot be opened as one is left to the reader, which says what is wrong with it."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        with zipfile.ZipFile(path) as book:
            info = book.getinfo("docProps/core.xml")
            if info.file_size > 65536:   # a few hundred bytes when Excel or nianbao write it
                return False
            core = book.read(info)
    except ZIP_ERRORS:   # damaged (a lying directory, a bad CRC…): the reader says so
        return False
    return f">{OWN_WORKBOOK_CATEGORY}<".encode() in core


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with ``/``: ``某局/2024.xlsx``, or ``../其他/2024.xlsx``
    outside it; a path on another drive (Windows) by its last folder and name."""
    for base, target in ((root, path), (root.resolve(), path.resolve())):
        try:
            return target.relative_to(base).as_posix()
        except ValueError:
            continue
    try:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    except ValueError:   # another drive
        return PurePosixPath(*path.parts[-2:]).as_posix()


@functools.lru_cache(maxsize=64)
def absolute_forms(folder: Path) -> tuple[str, ...]:
    """The ways a folder may be written absolutely in a message (as given made absolute, and
    with its links resolved; with ``/`` too on Windows), each without the separator at its
    end, longest first.  The root of the file system is none: it is in every path."""
    forms = {str(folder.absolute()), str(folder.resolve())}
    forms |= {f.replace(os.sep, "/") for f in forms}
    return tuple(sorted((f.rstrip("/\\") for f in forms if len(f.rstrip("/\\")) > 2),
                        key=len, reverse=True))


def relative_text(text: str, folders: tuple[Path, ...]) -> str:
    """Text with each folder's absolute path taken out: ``/srv/报告/某局/2024.xlsx`` →
    ``某局/2024.xlsx``, ``/srv/报告`` alone → ``.`` (a safety net: messages name files by
    ``Entry.name`` already, but a system's message may embed a path)."""
    for folder in folders:
        for form in absolute_forms(folder):
            if form in text:
                # the folder's files → their relative path; the folder alone → "."
                text = re.sub(re.escape(form) + r"([/\\]+|(?![\w.\-]))",
                              lambda m: "" if m[1] else ".", text)
    return text


def path_agency(rel: str) -> str | None:
    """The agency a path laid out by year names (``_layout``), as the summary shows it for a
    file that cannot be read: the folder of ``某局/2024.xlsx`` or ``县直/某局/2024.xlsx``; the
    file name of ``2024/某局.xlsx`` (less a year and words such as 年报, 数据: ``2024/县直/
    乙局2024年报.xlsx`` → 乙局); the folder of ``2024/某局/报表.xlsx``.  None when the path
    follows no layout."""
    path = PurePosixPath(rel)
    if _layout(Path(rel))[1] is None:
        return None
    folders = [f for f in path.parts[:-1]
               if f not in ("", ".", "..", "/") and _YEAR_NAME.fullmatch(f) is None]
    if _YEAR_NAME.fullmatch(path.stem) is None:
        name = _YEAR_IN_NAME.sub("", path.stem).strip(_SEPARATORS)
        name = _GENERIC_NAME.sub("", name).strip(_SEPARATORS)
        if name:
            return name
    return folders[-1] if folders else None


def _layout(rel: Path) -> tuple[str | None, int | None]:
    """(agency key, year) of a file whose name or one of whose folders is a year; (None,
    None) otherwise.  The key only groups one agency's years: for ``<机关>/<年>.ext`` the
    folders; else the path without its (nearest) year folder and without a year in the file
    name — ``2024/县直/交通局.xlsx``, ``2024/交通局/报表.xlsx``, ``交通局/2024/报表.xlsx``
    and ``2024/交通局2024年.xlsx`` all match the same path of 2023."""
    match = _YEAR_NAME.fullmatch(rel.stem)
    if match is not None:
        return rel.parent.as_posix(), int(match[1])
    folders = rel.parts[:-1]
    for i in reversed(range(len(folders))):
        folder = _YEAR_NAME.fullmatch(folders[i])
        if folder is not None:
            name = _YEAR_IN_NAME.sub("", rel.stem).strip(" _-－—") or rel.stem
            return Path(*folders[:i], *folders[i + 1:], name).as_posix(), int(folder[1])
    return None, None


def template_dirs(path: Path, root: Path) -> tuple[Path, ...]:
    """``templates/`` folders from the file's folder up to the root, nearest first."""
    found = []
    folder = path.parent
    root = root.resolve()
    while True:
        candidate = folder / TEMPLATES
        if candidate.is_dir():
            found.append(candidate)
        if folder.resolve() == root or folder.parent == folder:
            break
        if root not in folder.resolve().parents:  # a manifest entry outside the root
            break
        folder = folder.parent
    return tuple(found)


def discover(root: Path, exclude: tuple[Path, ...] = (), published: bool = False) -> list[Entry]:
    """Every input file below root (any depth), sorted, with previous years linked.

    published: published reports (load.DOCUMENT_SUFFIXES) are inputs too (batch --check-only);
    a batch that builds leaves them alone, for the HTML and DOCX it writes are no inputs.
    """
    skip = {p.resolve() for p in exclude}
    entries = []
    for path in sorted(_walk(root, skip, published=published)):
        rel = path.relative_to(root)
        agency, year = _layout(rel)
        entries.append(Entry(path, rel.as_posix(), rel.as_posix(), agency, year,
                             template_dirs(path, root), root=root,
                             agency_name=path_agency(rel.as_posix())))
    return link_previous(entries)


def _walk(folder: Path, skip: set[Path], seen: set[Path] | None = None,
          published: bool = False) -> list[Path]:
    """Input files below ``folder``.  A linked folder is followed once: one that leads back
    to a folder already walked (``某局/上级 -> ..``) is not walked again, which would list
    the same files under ever longer names until the system refuses the path."""
    seen = set() if seen is None else seen
    real = folder.resolve()
    if real in seen:
        return []
    seen.add(real)
    found = []
    # real folders before links, so a folder reached both ways is listed under its own name
    for child in sorted(folder.iterdir(), key=lambda c: (c.is_symlink(), c.name)):
        if child.name.startswith(".") or child.resolve() in skip:
            continue
        if child.is_dir():
            if published and _is_batch_output(child):
                continue   # an earlier run's pages (summary.html, findings/*.html) are no reports
            if child.name != TEMPLATES:
                found.extend(_walk(child, skip, seen, published))
        elif _is_input(child, published):
            found.append(child)
    return found


def _is_batch_output(folder: Path) -> bool:
    """A folder an earlier batch wrote its summary into (summary.json beside summary.html)."""
    return (folder / "summary.json").is_file() and (folder / "summary.html").is_file()


def link_previous(entries: list[Entry]) -> list[Entry]:
    """Set each entry's previous: the same agency's entry of the year before (the first in
    order when there are several; duplicates are reported by the batch)."""
    by_key: dict[tuple[str, int], Path] = {}
    for e in entries:
        if e.agency is not None and e.year is not None:
            by_key.setdefault((e.agency, e.year), e.path)
    return [replace(e, previous=by_key.get((e.agency, e.year - 1)))
            if e.agency is not None and e.year is not None else e for e in entries]


# ---- manifest ---------------------------------------------------------------------------
def read_manifest(manifest: Path) -> list[Entry]:
    """Entries of a manifest: CSV with a header row (file, agency, year — or 文件, 机关, 年度)
    or YAML (a list of {file, agency, year}, or {reports: [...]}).  Relative file paths are
    relative to the manifest's folder; agency and year are optional and only group the
    reports for the previous-year lookup (the report's own agency and year are read from
    the file).  Raises LoadError listing every problem of the manifest itself."""
    try:
        text = _decode(manifest.read_bytes())
    except OSError as exc:
        raise LoadError([Problem(str(manifest), f"无法读取清单文件：{os_reason(exc)}")]) \
            from None
    except UnicodeDecodeError:
        raise LoadError([Problem(str(manifest), "清单文件的编码无法识别，请另存为 UTF-8")]) \
            from None
    if manifest.suffix.lower() == ".csv":
        # the header is line 1, so the first entry is line 2 (as Excel numbers it)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        return _manifest_entries(manifest, rows, first=2, unit="行")
    return _manifest_entries(manifest, _yaml_rows(manifest, text))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: Excel and WPS on Chinese Windows save
    “CSV（逗号分隔）” in the ANSI code page, GBK, of which GB18030 is a superset.  A text
    that decodes as UTF-8 is taken as UTF-8 (GBK Chinese seldom is valid UTF-8)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _yaml_rows(manifest: Path, text: str) -> list:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError([Problem(str(manifest), f"清单不是有效的 YAML：{exc}")]) from None
    if isinstance(data, dict):
        data = data.get("reports")
    if not isinstance(data, list):
        raise LoadError([Problem(str(manifest), "清单应为列表：每项写 file（以及可选的 "
                                                "agency、year）；或 reports: 下的列表")])
    return data


def _field(row: dict, key: str) -> object:
    for alias in MANIFEST_KEYS[key]:
        value = row.get(alias)
        if value not in (None, ""):
            return value.strip() if isinstance(value, str) else value
    return None


def _manifest_entries(manifest: Path, rows: list, first: int = 1,
                      unit: str = "项") -> list[Entry]:
    root = manifest.parent
    problems, entries, seen = [], [], set()
    for n, row in enumerate(rows, start=first):
        where = f"{manifest} 第{n}{unit}"
        if isinstance(row, str):
            row = {"file": row}
        if not isinstance(row, dict) or _field(row, "file") is None:
            problems.append(Problem(where, "缺少文件路径（file 或 文件）"))
            continue
        path = _manifest_path(root, str(_field(row, "file")))
        year = _field(row, "year")
        try:
            year = int(str(year).removesuffix("年")) if year is not None else None
        except ValueError:
            problems.append(Problem(where, f"年度“{year}”不是数字"))
            continue
        agency = _field(row, "agency")
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        rel = relative(path, root)
        shown = None if agency is None else str(agency)
        if agency is None and year is None:
            agency, year = _layout(Path(rel))
            shown = path_agency(rel)
        elif shown is None and year is not None:
            shown = path_agency(rel)
        entries.append(Entry(path, rel, rel, None if agency is None else str(agency),
                             year, template_dirs(path, root), root=root, agency_name=shown))
    if problems:
        raise LoadError(problems)
    return link_previous(entries)


def _manifest_path(root: Path, written: str) -> Path:
    """The file a manifest entry names, relative to the manifest's folder.  A Windows path
    (``某局\\2024.xlsx``, typed in Excel on the office's PC) is read with its backslashes
    as folder separators when the file does not exist as written."""
    path = Path(written)
    path = path if path.is_absolute() else root / path
    if "\\" in written and not path.exists():
        alt = Path(written.replace("\\", "/"))
        alt = alt if alt.is_absolute() else root / alt
        if alt.exists():
            return alt
    return path
