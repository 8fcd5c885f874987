"""Incremental batches: ``OUT/.nianbao-cache.json`` remembers what each input gave.

A report is skipped when its key is unchanged and the files it wrote are still in OUT.
The key is a sha256 over: the input's bytes, last year's input's bytes, every file of its
template folders, the tool (version plus a digest of the code, schemas and built-in
templates, so an upgrade or a local edit rebuilds) and the options that change outputs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any, TypeGuard

from generator.batch.jobs import Task
from generator.write import write_atomic

CACHE_FILE = ".nianbao-cache.json"
CACHE_VERSION = 1
_CODE_SUFFIXES = (".py", ".html", ".css", ".json", ".docx", ".xml", ".md", ".j2")


@functools.cache
def tool_fingerprint() -> str:
    """``0.1.0+<digest>``: the version and a digest of every file that shapes outputs."""
    import generator
    import schemas
    from generator.render import TEMPLATES_DIR

    h = hashlib.sha256()
    for root in (Path(generator.__file__).parent, Path(schemas.__file__).parent, TEMPLATES_DIR):
        for path in sorted(root.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{generator.__version__}+{h.hexdigest()[:16]}"


def task_key(task: Task) -> str:
    """The content key of a task (see the module docstring)."""
    h = hashlib.sha256()
    head = {"tool": tool_fingerprint(), "name": task.input.name, "formats": list(task.formats),
            "blank_as_zero": task.blank_as_zero,
            "previous": task.previous.name if task.previous else None,
            "templates": [[t.name, t.digest] for t in task.templates]}
    h.update(json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    h.update(hashlib.sha256(task.input.data).digest())
    h.update(hashlib.sha256(task.previous.data).digest() if task.previous else b"-")
    return h.hexdigest()


def load_cache(out: Path) -> dict[str, dict[str, Any]]:
    """The entries of the last run, by input (relative path); empty when none or unreadable."""
    try:
        doc = json.loads((out / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != CACHE_VERSION:
        return {}
    reports = doc.get("reports")
    return reports if isinstance(reports, dict) else {}


def save_cache(out: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write the entries atomically, in a stable order."""
    doc = {"version": CACHE_VERSION, "tool": tool_fingerprint(), "reports": entries}
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomic(out / CACHE_FILE, text.encode("utf-8"))


def entry(key: str, row: dict[str, Any], out: Path) -> dict[str, Any]:
    """A cache entry: the key, the summary row, and the size of each file written."""
    files = [*row["outputs"].values(), row["findings"]]
    return {"key": key, "row": row, "files": {f: (out / f).stat().st_size for f in files}}


def still_valid(cached: dict[str, Any] | None, key: str, out: Path, force: bool
                ) -> TypeGuard[dict[str, Any]]:
    """True when the report can be skipped: same key, every file still there (same size),
    and not a draft of a report with errors written by an earlier --force.  (True implies
    a cached entry, hence the TypeGuard: the caller may then use it as a dict.)"""
    if force or not isinstance(cached, dict) or cached.get("key") != key:
        return False
    row = cached.get("row")
    if not isinstance(row, dict) or not {"status", "state", "outputs", "findings"} <= set(row):
        return False
    if row.get("errors") and row.get("outputs"):
        return False
    files = cached.get("files") or {}
    try:
        return all((out / f).stat().st_size == size for f, size in files.items())
    except OSError:
        return False
