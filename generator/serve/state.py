"""What the preview server knows: the report files under PATH, their last good build, the
current error of each, and the uploads.

Each report file is an ``Entry``.  A rebuild runs the same pipeline as ``nianbao build``
(read → check → compose → render html with ``preview=True``) in a worker process bounded
in time and memory (``workers``); when it fails the entry keeps its last good ``Snapshot``
and records the problems, so the page shows the error over the last good report (like
mkdocs' serve).  Every change bumps a version and wakes the Server-Sent-Events streams
waiting on ``Site.changed``.  Builds the watcher asks for run on a few threads of their own,
so one slow file neither holds up the others nor the index.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError, Problem
from nianbao.load import MAX_FILE_BYTES
from nianbao.pipeline import ReadOptions
from nianbao.serve.preview_jobs import Built, PreviewJob, Source
from nianbao.serve.watcher import (
    Signature,
    report_files,
    signature,
    template_files,
    templates_signature,
)
from nianbao.serve.workers import READY_SECONDS, Limits, WorkerPool
from nianbao.write.atomic import safe_name

log = logging.getLogger(__name__)

MAX_UPLOADS = 100  # the oldest upload is dropped beyond this
PREVIEW_WORKERS = 2  # one file stuck at its bound leaves a worker for the others
BUILD_THREADS = 4
INDEX_WAIT = 2.0  # seconds the index waits for builds (once a worker is up); the rest show
#                   正在检查… and the page reloads when they are done


@dataclass(frozen=True)
class ServeOptions:
    """How the server reads and renders: the pipeline's read options, agency templates,
    and the bounds of each file's checking and rendering."""

    read: ReadOptions = field(default_factory=ReadOptions)
    template_dirs: tuple[Path, ...] = ()
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Snapshot:
    """The last good build of a file: the preview page and what the findings panel shows,
    and the input's bytes (downloads are rendered from exactly what was previewed)."""

    source: Source
    digest: str  # sha256 of the input bytes (downloads are cached by it)
    templates: tuple  # the template files' signatures it was rendered with
    built: Built
    version: int
    built_ms: float

    @property
    def html(self) -> bytes:
        return self.built.html


def read_input(path: Path, label: str) -> bytes:
    """The file's bytes, refusing (without reading it) a file too large to be a report."""
    with path.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise NianbaoError([Problem(label, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，"
                                           "不像是年报数据文件")])
    return data


class Entry:
    """One report file (under PATH, or uploaded) and the state of its preview."""

    def __init__(self, id: str, path: Path, label: str, site: Site, uploaded: bool = False):
        self.id, self.path, self.label, self.site, self.uploaded = id, path, label, site, uploaded
        self.lock = threading.RLock()  # the fields below (held briefly)
        self.build_lock = threading.Lock()  # one build at a time (held while a worker runs)
        self.present = True
        self.built_sig: Signature | object = _NEVER
        self.good: Snapshot | None = None
        self.problems: list[Problem] = []
        self.version = 0
        self.queued = False  # a scheduled build has not started yet
        self.waiting = 0  # scheduled builds not finished

    def relabel(self, text: str) -> str:
        """Messages name the file as the page does (never the server's temp folder)."""
        return text.replace(str(self.path), self.label)

    @property
    def busy(self) -> bool:
        """A build is under way or waiting (the index says 正在检查… rather than wait)."""
        return self.waiting > 0 or self.build_lock.locked()

    def ensure(self) -> Entry:
        """Build now unless the last build saw the file as it is (waits for a build under
        way; bounded by the workers' time limit)."""
        with self.build_lock:
            if self.built_sig != signature(self.path):
                self._rebuild()
        self.site.wake()  # the index may be waiting for this build to end
        return self

    def rebuild(self) -> None:
        """Run the pipeline on the file; keep the last good build when it fails."""
        with self.build_lock:
            self._rebuild()
        self.site.wake()

    def schedule(self, force: bool = True) -> Future | None:
        """Build on a build thread (``force``: even if the file did not change, as after a
        template edit).  A burst of saves while a slow build runs queues one more build,
        not one per save."""
        with self.lock:
            if self.queued:
                return None
            self.queued = True
            self.waiting += 1
        try:
            return self.site.builds.submit(self._scheduled, force)
        except RuntimeError:  # the server is stopping
            with self.lock:
                self.queued, self.waiting = False, self.waiting - 1
            return None

    def _scheduled(self, force: bool) -> None:
        try:
            with self.lock:
                self.queued = False  # a save from now on needs another build
            self.rebuild() if force else self.ensure()
        finally:
            with self.lock:
                self.waiting -= 1
            self.site.wake()

    def _rebuild(self) -> None:
        sig = signature(self.path)
        start = time.perf_counter()
        try:
            data = read_input(self.path, self.label)
        except OSError:
            return self._failed(sig, [Problem(self.label, "文件不存在或无法读取（可能已被移动、"
                                                          "删除，或正被其他程序占用）")])
        except NianbaoError as err:
            return self._failed(sig, err.problems)
        digest = hashlib.sha256(data).hexdigest()
        templates = self.site.templates_signature()
        if (self.good and not self.problems and digest == self.good.digest
                and templates == self.good.templates):
            self.built_sig = sig  # saved without a change
            return None
        source = Source(self.label, self.path.suffix.lower(), data)
        options = self.site.options
        job = PreviewJob(source, options.read, options.template_dirs)
        try:
            built = self.site.previews.run(job, self.label)
        except NianbaoError as err:
            return self._failed(sig, err.problems)
        snapshot = Snapshot(source, digest, templates, built, self.version + 1,
                            (time.perf_counter() - start) * 1000)
        with self.lock:
            self.good, self.problems, self.built_sig = snapshot, [], sig
            self._bump()
        log.info("rebuilt %s in %.0f ms", self.label, snapshot.built_ms)
        return None

    def _failed(self, sig: Signature, problems: list[Problem]) -> None:
        with self.lock:
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
            b = good.built if good else None
            return {
                "id": self.id, "label": self.label, "version": self.version,
                "render_version": good.version if good else 0,
                "problems": [{"where": p.where, "message": p.message} for p in self.problems],
                "agency": b.agency if b else None,
                "year": b.year if b else None,
                "edition": b.edition if b else None,
                "title": b.title if b else None,
                "summary": b.summary if b else None,
                "findings": b.findings if b else [],
                "built_ms": round(good.built_ms, 1) if good else None,
                "present": self.present,
                "pending": self.built_sig is _NEVER,
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
        self.closed = False
        dirs = tuple(d.resolve() for d in self.options.template_dirs)  # workers' cwd may differ
        self.options = replace(self.options, template_dirs=dirs)
        self.previews = WorkerPool(PREVIEW_WORKERS, self.options.limits,
                                   self.options.limits.build_seconds, "检查和生成预览")
        self.builds = ThreadPoolExecutor(BUILD_THREADS, thread_name_prefix="nianbao-build")

    def bump(self) -> None:
        """Something changed: wake every event stream."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wake(self) -> None:
        """A build ended: wake whoever waits for builds (the index)."""
        with self.changed:
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
        now fails, and shows the template's error).  The builds run on the build threads:
        the watcher goes on watching while a slow file is checked."""
        self.sync()
        with self.lock:
            everything = any(_under(p, self.options) for p in paths)
            changed = [e for e in self.entries.values() if everything or e.path in paths]
        for entry in changed:
            if entry.built_sig is not _NEVER:  # files nobody looked at build when asked
                entry.schedule()
        self.bump()

    def get(self, id: str) -> Entry | None:
        """The entry of an id from a URL: only ids the server made resolve, so no path
        from a request ever reaches the file system."""
        with self.lock:
            return self.entries.get(id)

    def listing(self, timeout: float | None = None) -> list[Entry]:
        """Every present file for the index (files under PATH first, then uploads), built
        if that takes at most ``timeout`` seconds (INDEX_WAIT); the others go on building
        and say so (their page reloads the index when they are done)."""
        self.sync()
        with self.lock:
            entries = [e for e in self.entries.values() if e.present]
        for e in entries:
            if e.built_sig != signature(e.path):
                e.schedule(force=False)
        if any(e.busy for e in entries):  # the workers' start-up (once) is not a slow file
            self.previews.settled.wait(READY_SECONDS)
        with self.changed:
            self.changed.wait_for(lambda: not any(e.busy for e in entries),
                                  INDEX_WAIT if timeout is None else timeout)
        return sorted(entries, key=lambda e: (e.uploaded, e.label if not e.uploaded else
                                              f"{int(e.id[2:]):09d}"))

    def add_upload(self, name: str, data: bytes) -> Entry:
        """Keep an uploaded file in a temporary folder (never beside the user's files)."""
        with self.lock:
            if self.closed:
                raise NianbaoError([Problem(name, "预览正在停止")])
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
        entry.schedule(force=False)  # its page waits for the build (bounded)
        self.bump()
        return entry

    def _drop_old_uploads(self) -> None:
        uploads = [e for e in self.entries.values() if e.uploaded]
        for old in uploads[:-MAX_UPLOADS]:
            del self.entries[old.id]
            shutil.rmtree(old.path.parent, ignore_errors=True)

    def close(self) -> None:
        """Remove the uploads, stop the workers and wake the event streams so they end."""
        with self.lock:
            self.closed = True
            upload_dir, self.upload_dir = self.upload_dir, None
        if upload_dir is not None:
            shutil.rmtree(upload_dir, ignore_errors=True)
        self.previews.close()
        self.builds.shutdown(wait=False, cancel_futures=True)
        self.bump()
