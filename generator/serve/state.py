"""What the preview server knows: the report files under PATH, their last good build, the
current error of each, and the uploads.

Each report file is an ``Entry``.  A rebuild runs the same pipeline as ``nianbao build``
(check_file → compose → render html with ``preview=True``); when it fails the entry keeps
its last good ``Snapshot`` and records the problems, so the page shows the error over the
last good report (like mkdocs' serve).  Every change bumps a version and wakes the
Server-Sent-Events streams waiting on ``Site.changed``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.checks.engine import SEVERITY_ZH
from generator.errors import NianbaoError, Problem
from generator.pipeline import ReadOptions
from generator.provenance import key_path
from generator.serve.watcher import (
    Signature,
    report_files,
    signature,
    template_files,
    templates_signature,
)
from generator.validate import Validated
from generator.write import safe_name

log = logging.getLogger(__name__)

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}
MAX_UPLOADS = 100  # the oldest upload is dropped beyond this


@dataclass(frozen=True)
class ServeOptions:
    """How the server reads and renders: the pipeline's read options and agency templates."""

    read: ReadOptions = field(default_factory=ReadOptions)
    template_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The last good build of a file: the preview page and what the findings panel shows."""

    html: bytes
    validated: Validated
    digest: str  # sha256 of the input bytes (downloads are cached by it)
    templates: tuple  # the template files' signatures it was rendered with
    findings: list[dict[str, Any]]
    summary: dict[str, int]
    version: int
    built_ms: float


def cell_flags(findings: list[Any]) -> dict[str, str]:
    """{cell key: worst severity} for the preview's marks (error over warning over info)."""
    flags: dict[str, str] = {}
    for f in findings:
        for c in f.cells:
            key = key_path(c.path)
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK.get(flags.get(key, ""), 0):
                flags[key] = f.severity
    return flags


def finding_view(f: Any, relabel: Any) -> dict[str, Any]:
    """One finding for the panel: the JSON of `check --format json` plus the cell keys."""
    out = f.as_json()
    out["message"] = relabel(f.message)
    out["severity_zh"] = SEVERITY_ZH[f.severity]
    out["keys"] = [key_path(c.path) for c in f.cells]
    out["where"] = relabel(str(f.where)) if f.where is not None else None
    out.pop("source", None)  # `where` says it in words, without the server's paths
    out["cells"] = [{"key": key_path(c.path), "words": c.words(),
                     "value": out["cells"][i]["value"],
                     "source": relabel(str(c.source)) if c.source else None}
                    for i, c in enumerate(f.cells)]
    return out


class Entry:
    """One report file (under PATH, or uploaded) and the state of its preview."""

    def __init__(self, id: str, path: Path, label: str, site: Site, uploaded: bool = False):
        self.id, self.path, self.label, self.site, self.uploaded = id, path, label, site, uploaded
        self.lock = threading.RLock()
        self.present = True
        self.built_sig: Signature | object = _NEVER
        self.good: Snapshot | None = None
        self.problems: list[Problem] = []
        self.version = 0

    def relabel(self, text: str) -> str:
        """Messages name the file as the page does (never the server's temp folder)."""
        return text.replace(str(self.path), self.label)

    def ensure(self) -> Entry:
        """Build now unless the last build saw the file as it is."""
        with self.lock:
            if self.built_sig != signature(self.path):
                self.rebuild()
        return self

    def rebuild(self) -> None:
        """Run the pipeline on the file; keep the last good build when it fails."""
        with self.lock:
            sig = signature(self.path)
            start = time.perf_counter()
            try:
                data = self.path.read_bytes()
            except OSError:
                return self._failed(sig, [Problem(self.label, "文件不存在或无法读取（可能已被移动、"
                                                              "删除，或正被其他程序占用）")])
            digest = hashlib.sha256(data).hexdigest()
            templates = self.site.templates_signature()
            if (self.good and not self.problems and digest == self.good.digest
                    and templates == self.good.templates):
                self.built_sig = sig  # saved without a change
                return None
            try:
                snapshot = self._build(digest, templates, start)
            except NianbaoError as err:
                return self._failed(sig, err.problems)
            except Exception as exc:  # a bug must not take the preview down
                log.exception("rebuilding %s", self.path)
                return self._failed(sig, [Problem(self.label, f"内部错误：{type(exc).__name__}: "
                                                              f"{exc}")])
            self.good, self.problems, self.built_sig = snapshot, [], sig
            self._bump()
            log.info("rebuilt %s in %.0f ms", self.label, snapshot.built_ms)
        return None

    def _build(self, digest: str, templates: tuple, start: float) -> Snapshot:
        from generator.compose import compose
        from generator.pipeline import check_file
        from generator.render import RenderOptions, render

        checked = check_file(self.path, self.site.options.read)
        options = RenderOptions(template_dirs=self.site.options.template_dirs, preview=True,
                                extra={"cell_flags": cell_flags(checked.findings)})
        html = render(compose(checked.validated), "html", options)
        findings = [finding_view(f, self.relabel) for f in checked.findings]
        return Snapshot(html, checked.validated, digest, templates, findings, checked.summary,
                        self.version + 1, (time.perf_counter() - start) * 1000)

    def _failed(self, sig: Signature, problems: list[Problem]) -> None:
        self.problems = [Problem(self.relabel(p.where), self.relabel(p.message))
                         for p in problems] or [Problem(self.label, "无法读取")]
        self.built_sig = sig
        self._bump()

    def _bump(self) -> None:
        self.version += 1
        self.site.bump()

    def state(self) -> dict[str, Any]:
        """What the report page shows, as JSON (texts are escaped by the page)."""
        with self.lock:
            good = self.good
            v = good.validated if good else None
            return {
                "id": self.id, "label": self.label, "version": self.version,
                "render_version": good.version if good else 0,
                "problems": [{"where": p.where, "message": p.message} for p in self.problems],
                "agency": v.report.agency.name if v else None,
                "year": v.report.year if v else None,
                "edition": v.edition.id if v else None,
                "title": v.report.title if v else None,
                "summary": good.summary if good else None,
                "findings": good.findings if good else [],
                "built_ms": round(good.built_ms, 1) if good else None,
                "present": self.present,
            }


_NEVER = object()


def _under(path: Path, options: ServeOptions) -> bool:
    """Whether a path lies in (or, deleted, lay in) an agency template folder."""
    return any(path.is_relative_to(d) for d in options.template_dirs)


@dataclass
class Site:
    """The report files under ``target`` (a file or a folder) and the uploads."""

    target: Path
    options: ServeOptions = field(default_factory=ServeOptions)
    entries: dict[str, Entry] = field(default_factory=dict)
    version: int = 0

    def __post_init__(self) -> None:
        self.target = self.target.resolve()
        self.root = self.target if self.target.is_dir() else self.target.parent
        self.changed = threading.Condition()
        self.lock = threading.RLock()
        self.upload_dir: Path | None = None
        self.upload_count = 0

    def bump(self) -> None:
        """Something changed: wake every event stream."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def file_id(self, path: Path) -> str | None:
        """The id of a file under PATH (None when it lies outside, e.g. through a symlink)."""
        try:
            rel = path.resolve().relative_to(self.root)
        except (ValueError, OSError):
            return None
        return "f/" + rel.as_posix()

    def sync(self) -> None:
        """Bring the list up to date with the files on disk (added, removed)."""
        found = {}
        for path in report_files(self.target):
            if path.exists():
                id = self.file_id(path)
                if id is not None:
                    found[id] = path
        with self.lock:
            for id, path in found.items():
                entry = self.entries.get(id)
                if entry is None:
                    self.entries[id] = Entry(id, path, id[2:], self)
                    self.bump()
                elif not entry.present:
                    entry.present = True
                    self.bump()
            for entry in self.entries.values():
                if not entry.uploaded and entry.present and entry.id not in found:
                    entry.present = False  # its page says so after the watcher's rebuild
                    self.bump()

    def template_files(self) -> list[Path]:
        """The files of the agency template folders (watched with the reports)."""
        return template_files(self.options.template_dirs)

    def templates_signature(self) -> tuple:
        """The template files' signatures: a build made with others is out of date."""
        return templates_signature(self.options.template_dirs)

    def on_change(self, paths: set[Path]) -> None:
        """The watcher's callback: one call per burst of saves.  A changed template
        rebuilds every report shown so far (each keeps its last good build if the template
        now fails, and shows the template's error)."""
        self.sync()
        with self.lock:
            everything = any(_under(p, self.options) for p in paths)
            changed = [e for e in self.entries.values() if everything or e.path in paths]
        for entry in changed:
            if entry.built_sig is not _NEVER:  # files nobody looked at build when asked
                entry.rebuild()
        self.bump()

    def get(self, id: str) -> Entry | None:
        """The entry of an id from a URL: only ids the server made resolve, so no path
        from a request ever reaches the file system."""
        with self.lock:
            return self.entries.get(id)

    def listing(self) -> list[Entry]:
        """Every present file, built, for the index (files under PATH first, then uploads)."""
        self.sync()
        with self.lock:
            entries = [e for e in self.entries.values() if e.present]
        for e in entries:
            e.ensure()
        return sorted(entries, key=lambda e: (e.uploaded, e.label if not e.uploaded else
                                              f"{int(e.id[2:]):09d}"))

    def add_upload(self, name: str, data: bytes) -> Entry:
        """Keep an uploaded file in a temporary folder (never beside the user's files)."""
        with self.lock:
            if self.upload_dir is None:
                self.upload_dir = Path(tempfile.mkdtemp(prefix="nianbao-upload-"))
            self.upload_count += 1
            n = self.upload_count
            folder = self.upload_dir / str(n)
            folder.mkdir()
            base = Path(name.replace("\\", "/")).name
            path = folder / (safe_name(Path(base).stem)[:80] + Path(base).suffix.lower())
            path.write_bytes(data)
            entry = Entry(f"u/{n}", path, path.name, self, uploaded=True)
            self.entries[entry.id] = entry
            self._drop_old_uploads()
        entry.ensure()
        self.bump()
        return entry

    def _drop_old_uploads(self) -> None:
        uploads = [e for e in self.entries.values() if e.uploaded]
        for old in uploads[:-MAX_UPLOADS]:
            del self.entries[old.id]
            shutil.rmtree(old.path.parent, ignore_errors=True)

    def close(self) -> None:
        """Remove the uploads and wake the event streams so they end."""
        if self.upload_dir is not None:
            shutil.rmtree(self.upload_dir, ignore_errors=True)
        self.bump()
