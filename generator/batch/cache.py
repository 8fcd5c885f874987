"""Incremental batches: ``OUT/.nianbao-cache.json`` remembers what each input gave.

A report is skipped when its key is unchanged and the files it wrote are still in OUT.
The key is a sha256 over: the input's bytes, last year's input's bytes, every file of its
template folders, the tool (version plus a digest of the code, schemas and built-in
templates, so an upgrade or a local edit rebuilds) and the options that change outputs.

Each report is recorded as it finishes, not only when the batch ends: a line of JSON
appended to ``OUT/.nianbao-cache.journal`` and flushed to disk (O(1) a report), so a batch
killed midway (kill -9, a power cut, an OOM kill of the driver) is resumed by the next run,
which skips what was done.  The journal is folded into the cache file when a batch ends,
or when the next batch starts after one that did not end.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any, TypeGuard

from nianbao.batch.report_task import ERRORS, Task
from nianbao.write.atomic import write_atomic

log = logging.getLogger(__name__)
CACHE_FILE = ".nianbao-cache.json"
JOURNAL_FILE = ".nianbao-cache.journal"
CACHE_VERSION = 1
_CODE_SUFFIXES = (".py", ".html", ".css", ".json", ".docx", ".xml", ".md", ".j2")


@functools.cache
def tool_fingerprint() -> str:
    """``0.1.0+<digest>``: the version and a digest of every file that shapes outputs."""
    import nianbao
    from nianbao import schemas
    from nianbao.render import TEMPLATES_DIR

    h = hashlib.sha256()
    for root in (Path(nianbao.__file__).parent, Path(schemas.__file__).parent, TEMPLATES_DIR):
        for path in sorted(root.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{nianbao.__version__}+{h.hexdigest()[:16]}"


def task_key(task: Task) -> str:
    """The content key of a task (see the module docstring)."""
    h = hashlib.sha256()
    head = {"tool": tool_fingerprint(), "name": task.input.name, "formats": list(task.formats),
            "blank_as_zero": task.blank_as_zero, "annotate": task.annotate,
            "previous": task.previous.name if task.previous else None,
            "templates": [[t.name, t.digest] for t in task.templates]}
    h.update(json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    h.update(hashlib.sha256(task.input.data).digest())
    h.update(hashlib.sha256(task.previous.data).digest() if task.previous else b"-")
    return h.hexdigest()


def load_cache(out: Path) -> dict[str, dict[str, Any]]:
    """The entries of the last run, by input (relative path), with the reports an unfinished
    run recorded in the journal; empty when none or unreadable."""
    return _read(out)[0]


def _read(out: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The cache's entries with the journal applied, and the run the cache has folded in
    (its journal lines, if still there, are in the entries already)."""
    try:
        doc = json.loads((out / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    ok = isinstance(doc, dict) and doc.get("version") == CACHE_VERSION
    reports = doc.get("reports") if ok else None
    entries: dict[str, dict[str, Any]] = reports if isinstance(reports, dict) else {}
    folded = doc.get("folded") if ok else None
    try:
        lines = (out / JOURNAL_FILE).read_bytes().splitlines()
    except OSError:
        return entries, folded
    for line in lines:
        try:
            rec = json.loads(line)
            run, rel, value = rec["run"], rec["file"], rec["entry"]
        except (ValueError, TypeError, KeyError):   # a line cut short by the kill
            continue
        if run == folded or not isinstance(rel, str):
            continue
        if isinstance(value, dict):
            entries[rel] = value
        else:
            entries.pop(rel, None)
    return entries, folded


def save_cache(out: Path, entries: dict[str, dict[str, Any]], folded: str | None = None) -> None:
    """Write the entries atomically, in a stable order (folded: the run whose journal
    they include, so that its lines are not applied again)."""
    doc = {"version": CACHE_VERSION, "tool": tool_fingerprint(), "reports": entries,
           "folded": folded}
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomic(out / CACHE_FILE, text.encode("utf-8"))


class Journal:
    """This run's record of finished reports: one JSON line per change of a report's
    cache entry ({"run", "file", "entry"}, entry null when it has none), each written with
    one write() and flushed to disk before the next report is taken."""

    def __init__(self, out: Path) -> None:
        self.path = out / JOURNAL_FILE
        self.previous, folded = _read(out)   # what earlier runs left: cache and journal
        if self.path.exists():   # left by a run that did not end: fold it in first
            save_cache(out, self.previous, folded)
            self.path.unlink()
        self.run = uuid.uuid4().hex
        write_atomic(self.path, b"")   # an OUT that cannot take it is said now, as WriteError
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def record(self, rel: str, value: dict[str, Any] | None) -> None:
        """Say (durably) what the cache holds for input `rel` now.  A journal that cannot
        be written (a full disk) is given up, not the batch: the cache is still written
        at its end."""
        if self._fd < 0:
            return
        line = json.dumps({"run": self.run, "file": rel, "entry": value},
                          ensure_ascii=False, sort_keys=True) + "\n"
        try:
            os.write(self._fd, line.encode("utf-8"))
            getattr(os, "fdatasync", os.fsync)(self._fd)
        except OSError as exc:
            log.warning("缓存日志 %s 无法写入（%s）：此后完成的报告到批处理结束时才记入缓存",
                        self.path, exc)
            self.close()

    def fold(self, entries: dict[str, dict[str, Any]]) -> None:
        """The batch ended: write the cache with every entry, then drop the journal."""
        self.close()
        save_cache(self.path.parent, entries, self.run)
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop recording (the journal stays for the next run to fold in)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def entry(key: str, row: dict[str, Any], out: Path) -> dict[str, Any]:
    """A cache entry: the key, the summary row, and the size of each file written."""
    files = [*row["outputs"].values(), row["findings"],
             *filter(None, [row.get("annotated"), row.get("comparison")])]
    return {"key": key, "row": row, "files": {f: (out / f).stat().st_size for f in files}}


def still_valid(cached: dict[str, Any] | None, key: str, out: Path, rebuild: bool,
                drafts: bool = False) -> TypeGuard[dict[str, Any]]:
    """True when the report can be skipped: not ``rebuild`` (``--rebuild``: everything is
    made again), same key, every file still there (same size), and what was made is what
    this run makes of a report with errors — with ``drafts`` (``--force``) its draft, so a
    report left unrendered for its errors is rendered now; without, nothing, so the draft an
    earlier ``--force`` wrote is removed.  (True implies a cached entry, hence the TypeGuard:
    the caller may then use it as a dict.)"""
    if rebuild or not isinstance(cached, dict) or cached.get("key") != key:
        return False
    row = cached.get("row")
    if not isinstance(row, dict) or not {"status", "state", "outputs", "findings"} <= set(row):
        return False
    if row.get("errors") and row.get("outputs") and not drafts:
        return False   # a draft no longer asked for: made again, without it
    if drafts and row.get("state") == ERRORS:
        return False   # left unrendered for its errors: its draft is asked for now
    files = cached.get("files") or {}
    try:
        return all((out / f).stat().st_size == size for f, size in files.items())
    except OSError:
        return False
