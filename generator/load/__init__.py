"""Readers: one per input format behind one `load(path)`.

Readers return plain values plus where each came from; they know nothing of pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.errors import LoadError, Problem
from nianbao.provenance import Sources

MAX_FILE_BYTES = 20 * 1024 * 1024  # a report input is kilobytes; refuse anything absurd
DOCUMENT_SUFFIXES = (".docx", ".html", ".htm", ".pdf")  # published reports (doc_reader.py)


@dataclass(frozen=True)
class LabelNote:
    """A label read from a spreadsheet that differs from the official one (rule LABELS).

    official: the label it was taken for; found: what the cell says (None when no cell
    matched at all, so the row or column could not be identified); paths: the value
    cells the label governs.
    """

    official: str
    found: str | None
    where: Any  # generator.provenance.Source of the label cell (or of the table)
    paths: tuple[tuple[str, ...], ...] = ()
    message: str = ""  # a deviation other than a label's wording, said in full (LABELS)


@dataclass
class RawReport:
    """Plain values of one input file with the source of each.

    notes: label differences (LABELS); unlocated: value paths whose row or column could
    not be identified (reported by LABELS, not again by BLANK); zero_spellings: value
    cells holding "—", "-", "/", "无" (blank unless --blank-as-zero; path → what was written);
    controls: control and bidirectional characters removed before parsing (Source, characters),
    said by the TEXT-CONTROL rule.  group_rows: see below.
    """

    data: dict[str, Any]
    sources: Sources
    file: str
    notes: list[LabelNote] = field(default_factory=list)
    unlocated: set[tuple[str, ...]] = field(default_factory=set)
    zero_spellings: dict[tuple[str, ...], str] = field(default_factory=dict)
    # characters a reader removed before parsing (YAML may not hold C0 controls): where, what
    controls: list[tuple[Any, str]] = field(default_factory=list)
    # figures of a group printed as one row (表三 （六）其他处理 without its sub-rows): group
    # path + column → value; the sub-rows' paths are then unlocated (unknown, not blank)
    group_rows: dict[tuple[str, ...], Any] = field(default_factory=dict)
    # read from a published report (DOCX/HTML/PDF), which prints no 机关类型 and no fees
    # fields: what is missing there was never the clerk's to fill in this file
    printed: bool = False


def load(path: str | Path, agency: str | None = None, year: int | None = None,
         name: str | None = None) -> RawReport:
    """Read a report input file (.yaml/.yml/.xlsx, or a published .docx/.html/.htm/.pdf report)
    into plain values with provenance.

    agency and year, when given (command line --agency/--year), win over the file's.
    name: how messages name the file (default: the path); batch workers read a temporary
    copy of the input's bytes but report the file by its name in the batch folder.
    """
    path = Path(path)
    name = str(path) if name is None else name
    if not path.is_file():
        raise LoadError([Problem(name, "文件不存在或不是普通文件，请检查路径")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LoadError([Problem(name, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，"
                                       "不像是年报数据文件")])
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from nianbao.load.yaml_reader import read_yaml
        raw = read_yaml(path, name)
    elif suffix in (".xlsx", ".xlsm"):
        from nianbao.load.xlsx_reader import read_xlsx
        raw = read_xlsx(path, name)
    elif suffix in DOCUMENT_SUFFIXES:  # a published report: Word file or web page
        from nianbao.load.doc_reader import read_document
        raw = read_document(path, name)
    elif suffix in (".xls", ".et"):
        raise LoadError([Problem(name, "这是旧版 Excel（.xls）或 WPS 表格格式：请在 Excel/WPS 中"
                                       "“另存为” .xlsx 格式后再试")])
    else:
        raise LoadError([Problem(name, f"不支持的文件类型“{suffix or '无扩展名'}”："
                                       "请提供 .xlsx 工作簿、.yaml 数据文件，或已发布年报的"
                                       " .docx 文档、.html 网页、.pdf 文件")])
    return override(raw, agency, year)


def override(raw: RawReport, agency: str | None, year: int | None) -> RawReport:
    """Apply --agency/--year: they win over what the file says."""
    from nianbao.provenance import Source

    if agency is not None:
        raw.data.setdefault("agency", {})
        if isinstance(raw.data["agency"], dict):
            raw.data["agency"]["name"] = agency
            raw.sources.by_path[("agency", "name")] = Source(raw.file, key="--agency")
    if year is not None:
        raw.data["year"] = year
        raw.sources.by_path[("year",)] = Source(raw.file, key="--year")
    return raw
