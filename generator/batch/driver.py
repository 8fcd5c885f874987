"""The batch driver: reads the inputs, hands tasks to any Executor, writes what comes back.

Workers only compute; this process alone writes into OUT, each file atomically and only
after its report fully rendered, so an interrupted batch never leaves a partial file.
Ctrl-C cancels the reports not yet started, lets the running ones finish, and writes the
summary of everything that finished.  Each finished report is journaled at once (see
`cache`): even a killed batch is resumed where it stopped.  Memory does not grow with the
batch: inputs are read as reports are handed out (WINDOW ahead of the results), rendered
bytes let go once written; what stays of a report is its summary row and cache entry.
"""

from __future__ import annotations

import json
import signal
import threading
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from nianbao.batch import cache, findings_page, report_task
from nianbao.batch import progress as progress_display
from nianbao.batch.discover import Entry
from nianbao.batch.pool import WorkerDied
from nianbao.batch.report_task import Blob, Result, Task
from nianbao.batch.result_rows import (
    ANNOTATED,
    annotated_path,
    relative_result,
    row_files,
    summary_row,
)
from nianbao.errors import NianbaoError, Problem, RenderError, os_reason
from nianbao.write.atomic import ensure_dir, safe_name, write_atomic

if TYPE_CHECKING:
    import datetime as dt

    from nianbao.batch.roster import Roster

FORMATS = ("html", "pdf", "docx")
DUPLICATE = "duplicate"
FINDINGS_DIR = "findings"
_POLL = 0.2  # seconds between looks at Ctrl-C while waiting for workers
# Reports handed to the executor ahead of the results: enough to keep any local pool or a
# modest cluster busy; the inputs of the rest are read only when their turn comes.
WINDOW = 256


@dataclass(frozen=True)
class BatchOptions:
    """What every report of the batch gets: formats, --force (reports with errors are
    rendered, as drafts), --blank-as-zero, --rebuild (the cache is ignored)."""

    formats: tuple[str, ...] = FORMATS
    force: bool = False
    blank_as_zero: bool = False
    rebuild: bool = False
    annotate: bool = False   # --annotate: OUT/<机关>/<机关><年>标注.xlsx for workbooks with findings
    # --roster / --as-of: the summary's 已提交/未提交 and 按期/逾期 (batch.roster); no report's
    # output depends on them
    roster: Roster | None = None
    as_of: dt.date | None = None
    # --templates: the office's folder; its batch_summary.html / batch_findings.html, when
    # there, make the batch's own pages (the reports' template folders are the entries')
    templates: Path | None = None

    @property
    def check_only(self) -> bool:
        """No format asked (``--check-only``): findings and summary, no report files."""
        return not self.formats


@dataclass
class BatchResult:
    """The rows of the summary (one per input, in input order) and how the run ended."""

    rows: list[dict[str, Any]]
    interrupted: bool = False
    not_run: int = 0
    vanished: list[dict[str, Any]] = field(default_factory=list)  # see _Run.keep_vanished
    # why the office's page template (batch_summary.html, batch_findings.html) could not
    # make a page: the reports are written all the same
    page_problems: list[Problem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every report clean; 1 some have errors; 2 nothing could run, or a page template
        cannot render; 130 interrupted."""
        if self.interrupted:
            return 130
        if self.page_problems:
            return 2
        if not self.rows or all(r["state"] in (report_task.UNREADABLE, report_task.FAILED)
                                for r in self.rows):
            return 2
        if any(r["errors"] or r["state"] != report_task.BUILT for r in self.rows):
            return 1
        return 0


@dataclass
class _Run:
    entries: list[Entry]
    out: Path
    options: BatchOptions
    old: dict[str, dict[str, Any]] = field(default_factory=dict)
    new: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    journal: cache.Journal | None = None
    _folders: dict[Path, report_task.TemplateFolder] = field(default_factory=dict)

    # ---- preparing the tasks ------------------------------------------------------------
    def prepare(self) -> list[int]:
        """The entries to run: every input (with its previous year and templates) is read
        for its key, and the unchanged are skipped; the bytes are not kept."""
        todo = []
        for index, e in enumerate(self.entries):
            task = self.task(index)
            if task is None:
                continue
            cached = self.old.get(e.rel)
            if cache.still_valid(cached, self.keys[index], self.out, self.options.rebuild,
                                 self.options.force and not self.options.check_only):
                self._skip(index, cached)
            else:
                todo.append(index)
        return todo

    def task(self, index: int) -> Task | None:
        """The task of an entry, read now, and its key; None (and an unreadable row) when
        the input cannot be read."""
        e = self.entries[index]
        try:
            task = self._task(index, e)
        except OSError as exc:
            err = NianbaoError([Problem(e.name, f"{os_reason(exc)}，请检查路径")])
            self.keys.pop(index, None)
            self.accept(report_task.unreadable(index, e.name, err))
            return None
        self.keys[index] = cache.task_key(task)
        return task

    def _task(self, index: int, e: Entry) -> Task:
        previous = None
        if e.previous is not None:
            try:
                previous = Blob(e.shown(e.previous), e.previous.read_bytes())
            except OSError:
                previous = None
        return Task(index, Blob(e.name, e.path.read_bytes()), previous,
                    tuple(self._folder(d, e) for d in e.templates), self.options.formats,
                    self.options.force, self.options.blank_as_zero, self.options.annotate)

    def _folder(self, path: Path, e: Entry) -> report_task.TemplateFolder:
        if path not in self._folders:   # named, in messages, relative to the batch folder
            self._folders[path] = replace(report_task.read_template_folder(path),
                                          name=e.shown(path))
        return self._folders[path]

    def _skip(self, index: int, cached: dict[str, Any]) -> None:
        was = cached["row"]["status"]
        row = dict(cached["row"], skipped=True,
                   status="未变化已跳过" + ("" if was in ("已生成", "已校验") else f"：{was}"))
        target = row.get("target")
        if target and target in self.claims:  # a file added since claims the same name
            self._duplicate(index, row, self.claims[target])
        else:
            if target:
                self.claims[target] = index
            self.new[self.entries[index].rel] = cached
        self.rows[index] = row

    # ---- taking results ---------------------------------------------------------------
    def accept(self, result: Result) -> None:
        """Write one report's findings and outputs, record its summary row, and journal
        its cache entry.  The result's bytes are dropped: the future or whatever else
        still holds the result keeps no rendered report."""
        try:
            self._take(relative_result(result, self.entries[result.index], self.out))
        finally:
            result.outputs, result.findings_json = {}, ""
        self._journal(self.entries[result.index].rel)

    def _journal(self, rel: str) -> None:
        if self.journal is not None:
            self.journal.record(rel, self.new.get(rel))

    def _take(self, result: Result) -> None:
        e = self.entries[result.index]
        findings = self._findings_path(e)
        write_atomic(self.out / findings, result.findings_json.encode("utf-8"))
        target = None
        if result.stem:
            assert result.agency is not None, "a result with an output stem (BUILT) names its agency"
            target = f"{safe_name(result.agency)}/{result.stem}"
        row = summary_row(e, result, target, findings, checking=self.options.check_only)
        self.rows[result.index] = row
        if target:
            other = self.claims.get(target)
            if other is not None and other < result.index:
                self._duplicate(result.index, row, other)
                return
            self.claims[target] = result.index
            if other is not None:
                self._demote(other, result.index)
        for fmt, data in result.outputs.items():
            path = f"{target}.{fmt}"
            write_atomic(self.out / path, data)
            row["outputs"][fmt] = path
        if result.comparison:   # beside its 问题清单 page, for the office
            row["comparison"] = path = findings.removesuffix(".json") + ".比对.html"
            write_atomic(self.out / path, result.comparison)
        if result.annotated and result.agency is not None:
            # goes back to the agency: named by the agency and year, nothing of our folders
            row["annotated"] = path = annotated_path(result.agency, result.year)
            write_atomic(self.out / path, result.annotated)
        if self.options.check_only and self._built_before(e.rel):
            # a check leaves the reports an earlier build wrote, and their cache entry: a
            # later build still skips them when unchanged and removes them when stale
            self.new[e.rel] = self.old[e.rel]
            return
        self._drop_stale(e.rel, row)
        if result.state != report_task.FAILED and result.index in self.keys:
            self.new[e.rel] = cache.entry(self.keys[result.index], row, self.out)

    def _built_before(self, rel: str) -> bool:
        """An earlier run of this OUT wrote report files for this input."""
        row = (self.old.get(rel) or {}).get("row")
        return isinstance(row, dict) and bool(row.get("outputs"))

    def _findings_path(self, e: Entry) -> str:
        parts = [safe_name(p) for p in e.rel.split("/") if p not in ("", ".")]
        return "/".join([FINDINGS_DIR, *parts]) + ".json"

    def _duplicate(self, index: int, row: dict[str, Any], winner: int) -> None:
        done = "" if self.options.check_only else "，未生成"
        row.update(state=DUPLICATE, outputs={}, skipped=False,
                   status=f"重复：与 {self.entries[winner].rel} 为同一机关、同一年度{done}")
        if self.new.pop(self.entries[index].rel, None) is not None:
            self._journal(self.entries[index].rel)

    def _demote(self, loser: int, winner: int) -> None:
        """An earlier input claims the name a later one took: the later one is the duplicate
        (the winner's outputs replace its files; the rest are removed)."""
        row = self.rows[loser]
        for path in row_files(row):
            self._remove(path)
        row.pop("annotated", None)
        self._duplicate(loser, row, winner)

    def _drop_stale(self, rel: str, row: dict[str, Any]) -> None:
        """Remove files this input wrote last time and no longer gives (e.g. it now has
        errors, or its agency was renamed), unless another report now owns them."""
        cached = (self.old.get(rel) or {}).get("row") or {}
        gone = (set(row_files(cached))) - set(row_files(row))
        if gone:
            gone -= {p for r in self.rows.values() for p in row_files(r)}
        for path in gone:
            self._remove(path)

    def _remove(self, path: str) -> None:
        """Delete an output this batch wrote earlier (paths come from the cache file: never
        anything outside OUT)."""
        target = (self.out / path).resolve()
        if self.out.resolve() in target.parents and (target.suffix.lstrip(".") in FORMATS
                                                     or target.name.endswith(ANNOTATED)):
            target.unlink(missing_ok=True)

    def write_pages(self) -> list[Problem]:
        """The 问题清单 page of every report handled in this run (and of a skipped one whose
        page is gone), from its findings JSON and its final summary row: written last, as a
        row may still turn into a duplicate after its result came in.  Returns why the
        page template cannot render (then no more pages are tried: the summary links
        those reports' JSON)."""
        dirs = (self.options.templates,) if self.options.templates is not None else ()
        problems: list[Problem] = []
        for row in self.rows.values():
            path = findings_page.page_path(row["findings"])
            if row["skipped"] and (self.out / path).is_file():
                row["findings_page"] = path
                continue
            row["findings_page"] = None
            if problems:
                continue
            try:
                doc = json.loads((self.out / row["findings"]).read_text(encoding="utf-8"))
            except (OSError, ValueError):   # the JSON of a skipped row was removed
                continue
            try:
                page = findings_page.render(doc, row, path, dirs)
            except RenderError as err:
                problems = err.problems
                continue
            row["findings_page"] = path
            write_atomic(self.out / path, page.encode("utf-8"))
        return problems

    def keep_vanished(self) -> list[dict[str, Any]]:
        """Inputs of earlier runs that are not among this run's, whose outputs are still in
        OUT: {"file", "outputs"} each.  They are not deleted (OUT may be shared with other
        batches, or the input only moved), but said, and remembered in the cache until
        their files are gone, so that a report no longer wanted is not published by
        mistake."""
        present = {e.rel for e in self.entries}
        claimed = {p for r in self.rows.values() for p in r["outputs"].values()}
        gone = []
        for rel, cached in sorted(self.old.items()):
            row = cached.get("row") if isinstance(cached, dict) else None
            if rel in present or not isinstance(row, dict):
                continue
            files = [p for p in (row.get("outputs") or {}).values()
                     if p not in claimed and (self.out / p).is_file()]
            if files:
                self.new[rel] = cached
                gone.append({"file": rel, "outputs": files})
        return gone

    def result_rows(self) -> list[dict[str, Any]]:
        return [self.rows[i] for i in sorted(self.rows)]


def page_template_problems(templates: Path | None) -> list[Problem]:
    """Why the batch's page templates (the office's, else the built-in ones) cannot be
    read or compiled — asked before any report runs, so that a syntax error does not
    wait for the end of a long batch."""
    from nianbao.batch.summary import TEMPLATE as SUMMARY_TEMPLATE
    from nianbao.render.html_render import page_template

    dirs = (templates,) if templates is not None else ()
    for name in (SUMMARY_TEMPLATE, findings_page.TEMPLATE):
        try:
            page_template(name, dirs)
        except RenderError as err:
            return err.problems
    return []


# ---- running ------------------------------------------------------------------------------
class _CtrlC:
    """First Ctrl-C asks the batch to stop cleanly; a second one stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _collect(run: _Run, future: Future, task: Task, progress: Any) -> None:
    try:
        result = future.result()
    except WorkerDied as exc:  # it killed its worker, even alone
        err = NianbaoError([Problem("", str(exc))])
        result = report_task.unreadable(task.index, task.input.name, err, report_task.FAILED)
    except BaseException as exc:  # noqa: BLE001  (the cluster went away, …)
        err = NianbaoError([Problem("", f"工作进程失败：{type(exc).__name__}: {exc}")])
        result = report_task.unreadable(task.index, task.input.name, err, report_task.FAILED)
    run.accept(result)
    if progress is not None:
        progress.advance()


def _execute(run: _Run, executor: Executor, todo: list[int], progress: Any
             ) -> tuple[bool, int]:
    """Run the entries, WINDOW at a time; returns (interrupted, number of reports not run)."""
    queue = deque(todo)
    futures: dict[Future, Task] = {}

    def hand_out() -> None:
        while queue and len(futures) < WINDOW:
            task = run.task(queue.popleft())   # None: unreadable now, accepted as such
            if task is not None:
                futures[executor.submit(report_task.run_task, task)] = task
            elif progress is not None:
                progress.advance()

    with _CtrlC() as ctrl_c:
        try:
            hand_out()
            while futures and not ctrl_c.requested:
                done, _ = wait(futures, timeout=_POLL, return_when=FIRST_COMPLETED)
                for f in sorted(done, key=lambda f: futures[f].index):
                    _collect(run, f, futures.pop(f), progress)
                del done
                if not ctrl_c.requested:
                    hand_out()
            if not futures and not queue:
                return False, 0
            cancelled = {f for f in futures if f.cancel()}
            running = set(futures) - cancelled
            if progress is not None:
                progress.stopping(len(running))
            done, _ = wait(running)
            for f in sorted(done, key=lambda f: futures[f].index):
                _collect(run, f, futures.pop(f), progress)
            return True, len(cancelled) + len(queue)
        except KeyboardInterrupt:  # the second Ctrl-C: stop waiting for the running ones
            for f in futures:  # not collected
                f.cancel()
            return True, len(futures) + len(queue)


def run_batch(entries: list[Entry], executor: Executor, out: Path,
              options: BatchOptions = BatchOptions(), progress: bool = False) -> BatchResult:
    """Check and render every entry with any concurrent.futures.Executor; write the outputs,
    the findings, the summary (html, xlsx, json) and the cache into OUT."""
    from nianbao.batch.summary import write_summary

    ensure_dir(out)
    journal = cache.Journal(out)
    try:
        run = _Run(entries, out, options, old=journal.previous, journal=journal)
        todo = run.prepare()
        bar = progress_display.start(len(todo), len(entries) - len(todo),
                                     checking=options.check_only) if progress else None
        try:
            interrupted, not_run = _execute(run, executor, todo, bar) if todo else (False, 0)
        finally:
            if bar is not None:
                bar.close()
    finally:
        journal.close()
    if interrupted:  # keep what the unfinished reports had last time
        finished = {r["file"] for r in run.rows.values()}
        for e in entries:
            if e.rel in run.old and e.rel not in run.new and e.rel not in finished:
                run.new[e.rel] = run.old[e.rel]
    problems = run.write_pages()
    result = BatchResult(run.result_rows(), interrupted, not_run, run.keep_vanished(),
                         problems)
    write_summary(out, result, options)
    journal.fold(run.new)
    return result
