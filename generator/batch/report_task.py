"""The per-report task a batch worker runs: bytes in, bytes out.

A task carries everything a worker needs as values — the input file's bytes, last year's
input bytes, and the contents of the agency's template folders — and returns the rendered
outputs' bytes and the findings JSON.  So a worker needs no access to the batch folder nor
to OUT: the driver reads the inputs and writes every output atomically.  The same task runs
in a local process pool and on a Dask cluster, which is why both give the same bytes.

Workers keep their renderers warm: the renderer modules, the WeasyPrint FontConfiguration,
the DOCX template package and the Jinja environments are module-level caches that live as
long as the worker process (``warm`` fills them once; the first task does otherwise).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.errors import NianbaoError, Problem

if TYPE_CHECKING:
    from nianbao.pipeline import Checked, ReadOptions
    from nianbao.validate import Validated

# what a report ended as (the summary's status is said in Chinese from these)
BUILT, ERRORS, UNREADABLE, RENDER_FAILED, FAILED = (
    "built", "errors", "unreadable", "render_failed", "failed")


@dataclass(frozen=True)
class Blob:
    """A file travelling to a worker: its name (for messages) and its bytes."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        """The file's extension, which chooses the reader."""
        return Path(self.name).suffix.lower()


@dataclass(frozen=True)
class TemplateFolder:
    """A template folder's contents: (relative path, bytes) of every file, and a digest."""

    name: str
    files: tuple[tuple[str, bytes], ...]

    @property
    def digest(self) -> str:
        """sha256 over the relative paths and bytes of every file."""
        h = hashlib.sha256()
        for rel, data in self.files:
            h.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()


def read_template_folder(folder: Path) -> TemplateFolder:
    """Every regular file below a template folder (hidden ones skipped), in a fixed order."""
    files = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith(".") for p in rel.parts):
            files.append((rel.as_posix(), path.read_bytes()))
    return TemplateFolder(str(folder), tuple(files))


@dataclass(frozen=True)
class Task:
    """One report to check and render (picklable: values only)."""

    index: int
    input: Blob
    previous: Blob | None = None
    templates: tuple[TemplateFolder, ...] = ()
    formats: tuple[str, ...] = ("html", "pdf", "docx")
    force: bool = False
    blank_as_zero: bool = False
    annotate: bool = False   # batch --annotate: a workbook input's annotated copy


@dataclass
class Result:
    """What a worker sends back: the outcome, the findings JSON and the outputs' bytes."""

    index: int
    state: str
    findings_json: str
    agency: str | None = None
    year: int | None = None
    edition: str | None = None
    summary: dict[str, int] = field(default_factory=lambda: {"errors": 0, "warnings": 0,
                                                             "infos": 0})
    stem: str | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)
    message: str = ""
    notes: list[str] = field(default_factory=list)
    first_error: str = ""   # the first error finding's message, for the summary's 说明
    first_warning: str = ""   # the same of the warnings (说明 of a report without errors)
    annotated: bytes = b""   # the workbook with its findings on its cells (--annotate)
    comparison: bytes = b""   # the page comparing it with last year's (nianbao compare)
    largest_change: str = ""   # that comparison's largest change, for the summary
    published: str | None = None   # 发布日期 (ISO) and 机关类型: the roster's 按期/逾期
    kind: str | None = None


def _first(checked: Checked, severity: str) -> str:
    """The first finding of a severity, and how many more (“…（另有 2 个警告）”); "" if none."""
    from nianbao.checks.engine import SEVERITY_ZH

    messages = [f.message for f in checked.findings if f.severity == severity]
    if not messages:
        return ""
    more = f"（另有 {len(messages) - 1} 个{SEVERITY_ZH[severity]}）" if len(messages) > 1 else ""
    return messages[0] + more


# the temporary copy a worker reads (``_read``): a system's message may name it
_SHIPPED = re.compile(r"(?:[^\s'\"]*[/\\])?nianbao-input-[^/\\\s'\"]+[/\\]input\.\w+")


def unreadable(index: int, name: str, err: NianbaoError, state: str = UNREADABLE) -> Result:
    """The result of a file that could not be read (the driver uses it too); a message that
    names the worker's temporary copy of the file names the file instead."""
    from nianbao.cli import console

    def named(text: str) -> str:
        return _SHIPPED.sub(lambda _: name, text)

    err = NianbaoError([Problem(named(p.where), named(p.message)) for p in err.problems])
    doc = console.problems_json(name, err)
    return Result(index, state, doc, summary={"errors": len(err.problems), "warnings": 0,
                                              "infos": 0},
                  message="；".join(str(p) for p in err.problems[:3]))


def warm(formats: tuple[str, ...] = ("html", "pdf", "docx"), years: tuple[int, ...] = ()
         ) -> None:
    """Import the renderers and fill their process-wide caches before the first task;
    ``years``: the batch's report years, whose editions' table skeletons are laid out."""
    import importlib

    import nianbao.checks  # noqa: F401  (registers the rules)

    if not formats:
        return  # --check-only: nothing is rendered (the findings pages are the driver's)
    from nianbao.render import RenderOptions, html_render

    html_render.environment(html_render.search_path(RenderOptions()))
    for fmt in formats:
        importlib.import_module(f"nianbao.render.{fmt}_render")
    if "pdf" in formats:
        from nianbao.render import pdf_fonts, pdf_render
        pdf_render.font_config()
        pdf_fonts.subset_font_faces()  # GB2312 subsets: made once per machine, then cached
        _warm_tables(years)
    if "docx" in formats:
        from nianbao.render import docx_render
        template = getattr(docx_render, "_template", None)  # the cached template package
        if template is not None:
            template()


def warm_years(years: tuple[int, ...]) -> tuple[int, ...]:
    """One report year for each edition with statutory tables among ``years`` (the
    batch's), newest edition first; the current edition's when no year is known."""
    from datetime import date

    from nianbao.schemas import EDITIONS, edition_for_year
    from nianbao.schemas.features import STATUTORY_TABLES

    # the clock only picks the edition to warm; no output depends on it
    first: dict[str, int] = {}
    for year in sorted(years or (date.today().year - 1,), reverse=True):
        edition = EDITIONS[edition_for_year(year)]
        if edition.has(STATUTORY_TABLES):
            first.setdefault(edition.id, year)
    return tuple(first.values())


def _warm_tables(years: tuple[int, ...] = ()) -> None:
    """Lay out the PDF table skeletons of the built-in templates (table_skeleton) by
    rendering a blank report of each edition among the batch's ``years``: every report of
    an edition shares them, so a worker's first report of it renders as fast as the rest
    (~1 s an edition moved from the first such task to the pool's start; a batch of one
    edition warms that one only).  Warm-up only: whatever goes wrong here shows again,
    properly reported, in the first task that meets it."""
    from nianbao.compose.report import compose
    from nianbao.pipeline import ReadOptions, read
    from nianbao.render import RenderOptions, pdf_render
    from nianbao.write.yaml_template import yaml_template

    for year in warm_years(years):
        try:
            with tempfile.TemporaryDirectory(prefix="nianbao-warm-") as folder:
                path = Path(folder) / "warm.yaml"
                path.write_text(yaml_template(year, "示例机关"), encoding="utf-8")
                validated = read(path, ReadOptions(blank_as_zero=True))
            pdf_render.render(compose(validated), RenderOptions())
        except Exception:  # noqa: BLE001,S112  (warm-up must never stop a batch)
            continue


def init_worker(formats: tuple[str, ...], years: tuple[int, ...] = ()) -> None:
    """Initializer of a local pool's workers: Ctrl-C is the driver's business (it cancels
    and finishes cleanly), then warm the renderers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm(formats, years)


# ---- template folders on the worker -----------------------------------------------------
def _cache_root() -> Path:
    """A per-user folder for template folders shipped to this machine (kept across tasks
    so each worker's Jinja environments stay cached)."""
    root = Path(tempfile.gettempdir()) / f"nianbao-templates-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        return Path(tempfile.mkdtemp(prefix="nianbao-templates-"))
    return root


def materialize(folder: TemplateFolder) -> Path:
    """The folder's files on this machine, under a name that is the digest of their
    contents (written once, atomically: concurrent workers may race)."""
    import shutil

    target = _cache_root() / folder.digest
    if target.is_dir():
        if all((target / rel).is_file() for rel, _ in folder.files):
            return target
        shutil.rmtree(target, ignore_errors=True)  # a temp cleaner took some files
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    for rel, data in folder.files:
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        staging.rename(target)
    except OSError:  # another worker was first: same contents
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _renamed(err: NianbaoError, places: dict[str, str]) -> NianbaoError:
    """Problems that name a shipped template file by its name in the batch folder."""
    def fix(text: str) -> str:
        for local, original in places.items():
            text = text.replace(local, original)
        return text
    err.problems = [Problem(fix(p.where), fix(p.message)) for p in err.problems]
    return err


# ---- the task ---------------------------------------------------------------------------
def _read(blob: Blob, options: ReadOptions) -> Validated:
    """Read a shipped input through the pipeline (the readers want a file: a temporary
    copy with the same extension, named in every message by its batch name)."""
    from nianbao.pipeline import read

    with tempfile.TemporaryDirectory(prefix="nianbao-input-") as folder:
        path = Path(folder) / f"input{blob.suffix}"
        path.write_bytes(blob.data)
        return read(path, options, name=blob.name)


def run_task(task: Task) -> Result:
    """Check one report against last year's and render it: never raises for a bad input."""
    try:
        return _run(task)
    except NianbaoError as err:
        return unreadable(task.index, task.input.name, err, FAILED)
    except Exception as exc:  # noqa: BLE001  (one bad input never stops the batch)
        return unreadable(task.index, task.input.name,
                          NianbaoError([Problem("", f"内部错误：{type(exc).__name__}: {exc}")]),
                          FAILED)


def _run(task: Task) -> Result:
    from nianbao.checks import run_checks
    from nianbao.cli import console
    from nianbao.pipeline import Checked, ReadOptions, output_stem

    options = ReadOptions(blank_as_zero=task.blank_as_zero)
    try:
        validated = _read(task.input, options)
    except NianbaoError as err:
        return unreadable(task.index, task.input.name, err)
    notes: list[str] = []
    last = _previous(task, validated, notes)
    checked = Checked(validated, run_checks(validated, last))
    report = validated.report
    result = Result(task.index, BUILT, console.findings_json(checked), report.agency.name,
                    report.year, validated.edition.id, checked.summary, output_stem(validated),
                    notes=notes)
    result.first_error = _first(checked, "error")
    result.first_warning = _first(checked, "warning")
    if last is not None:
        _compare(result, task, last, validated)
    if task.annotate and task.input.suffix == ".xlsx" and checked.findings:
        result.annotated = _annotated(task.input, checked.findings)
    result.published = report.published.isoformat() if report.published else None
    result.kind = report.agency.kind.value
    if checked.has_errors and not task.force:
        result.state = ERRORS
        return result
    try:
        result.outputs = _render(task, validated, checked.summary["errors"])
    except NianbaoError as err:
        result.state, result.message = RENDER_FAILED, "；".join(str(p) for p in err.problems[:3])
    return result


def _compare(result: Result, task: Task, last: Validated, validated: Validated) -> None:
    """Last year's report was found: the comparison page (as `nianbao compare` writes it)
    and its largest change; a comparison that fails costs only itself (a note says so)."""
    from nianbao.compare.model import Year, compare_years
    from nianbao.compare.page import html_bytes

    assert task.previous is not None
    try:
        comparison = compare_years(Year(last, Path(task.previous.name).name),
                                   Year(validated, Path(task.input.name).name))
        result.comparison = html_bytes(comparison)
    except Exception as exc:  # noqa: BLE001  (the report itself is still checked and built)
        result.notes.append(f"与上年报告的比对未能生成（{type(exc).__name__}）")
        return
    result.largest_change = comparison.largest


def _annotated(blob: Blob, findings: list[Any]) -> bytes:
    """The agency's own workbook with each finding on its cells, as `check --annotate`
    writes it: it goes back to the agency, so it holds their file and our messages only."""
    from nianbao.write.annotate import annotated_bytes

    with tempfile.TemporaryDirectory(prefix="nianbao-input-") as folder:
        path = Path(folder) / "input.xlsx"
        path.write_bytes(blob.data)
        return annotated_bytes(path, findings)[0]


def _previous(task: Task, validated: Validated, notes: list[str]) -> Validated | None:
    """Last year's report for the XYEAR rules, or None (with a note saying why not)."""
    from nianbao.pipeline import ReadOptions

    if task.previous is None:
        return None
    try:
        last = _read(task.previous, ReadOptions(blank_as_zero=task.blank_as_zero))
    except NianbaoError:
        notes.append(f"上年报告 {task.previous.name} 无法读取，未做跨年度校验")
        return None
    if last.report.year != validated.report.year - 1:
        notes.append(f"上年报告 {task.previous.name} 是{last.report.year}年度的，"
                     f"不是{validated.report.year - 1}年度，未做跨年度校验")
        return None
    return last


def _render(task: Task, validated: Validated, errors: int = 0) -> dict[str, bytes]:
    """The outputs; a report with ``errors`` (rendered for --force) is marked as a draft."""
    from nianbao.pipeline import render_all
    from nianbao.render import RenderOptions

    places = {}
    dirs = []
    for folder in task.templates:
        local = materialize(folder)
        places[str(local)] = folder.name
        places[os.path.realpath(local)] = folder.name
        dirs.append(local)
    try:
        return render_all(validated, list(task.formats),
                          RenderOptions(template_dirs=tuple(dirs), draft_errors=errors))
    except NianbaoError as err:
        raise _renamed(err, places) from None
