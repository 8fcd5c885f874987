"""A polling file watcher with a debounce, dependable across editors and spreadsheets.

Excel, WPS and most editors save by writing a temporary file and renaming it over the old
one; some write in several bursts.  Polling (mtime, size, inode) every ``interval`` seconds
sees all of these the same way, and a change fires only once the files have been quiet for
``debounce`` seconds, so a burst of events causes one rebuild (like mkdocs' livereload).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from nianbao.load import DOCUMENT_SUFFIXES

log = logging.getLogger(__name__)

Signature = tuple[int, int, int] | None  # (mtime_ns, size, inode); None when missing
# nianbao's inputs, and published reports (load.DOCUMENT_SUFFIXES: .docx, .html/.htm, .pdf),
# listed and checked like them (the report page previews nianbao's rendering of what was read)
REPORT_SUFFIXES = (".xlsx", ".yaml", ".yml") + DOCUMENT_SUFFIXES
SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}
MAX_DEPTH = 6
MAX_FILES = 2000


def signature(path: Path) -> Signature:
    """What changes when a file is saved (also by rename); None when it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def is_report_name(name: str) -> bool:
    """A report input by its name (xlsx, yaml or a published report), not an editor's lock
    or temp file."""
    if name.startswith((".", "~$", ".~lock")) or name.endswith(("~", ".tmp")):
        return False
    return name.lower().endswith(REPORT_SUFFIXES)


def report_files(root: Path) -> list[Path]:
    """Report files under a folder (or the file itself), sorted; hidden folders skipped."""
    if not root.is_dir():
        return [root]  # one file: watched even while an editor replaces it
    found: list[Path] = []
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "~")) and d not in SKIP_DIRS
                         and len(here.parts) - base_depth < MAX_DEPTH)
        found.extend(here / f for f in sorted(files) if is_report_name(f))
        if len(found) >= MAX_FILES:
            log.warning("more than %d report files under %s; listing the first", MAX_FILES, root)
            return found[:MAX_FILES]
    return found


def template_files(dirs: Iterable[Path]) -> list[Path]:
    """Every file of the agency template folders (hidden ones skipped), sorted."""
    found: list[Path] = []
    for root in dirs:
        for folder, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            found.extend(Path(folder) / f for f in sorted(files) if not f.startswith("."))
            if len(found) >= MAX_FILES:
                return found[:MAX_FILES]
    return found


def templates_signature(dirs: Iterable[Path]) -> tuple[tuple[str, Signature], ...]:
    """What changes when any template file is saved, added or removed."""
    return tuple((str(p), signature(p)) for p in template_files(dirs))


class Debouncer:
    """Collects changed paths and releases them once no change came for ``delay`` seconds."""

    def __init__(self, delay: float):
        self.delay = delay
        self.pending: set[Path] = set()
        self.last_change = 0.0

    def add(self, paths: Iterable[Path], when: float) -> None:
        """Record changes made at time ``when`` (each one restarts the quiet period)."""
        paths = set(paths)
        if paths:
            self.last_change = max(self.last_change, when) if self.pending else when
            self.pending |= paths

    def due(self, now: float) -> set[Path]:
        """The pending paths when the quiet period has passed (then nothing is pending)."""
        if not self.pending or now - self.last_change < self.delay:
            return set()
        ready, self.pending = self.pending, set()
        return ready

    def wait_time(self, now: float, interval: float) -> float:
        """How long to sleep before the next look: the poll interval, or until due."""
        if not self.pending:
            return interval
        return max(0.0, min(interval, self.last_change + self.delay - now))


class Watcher:
    """Polls the report files under ``root``; calls ``on_change(paths)`` once per burst.

    ``poll(now)`` does one look and is what the tests drive with a fake clock; ``start()``
    runs it in a daemon thread until ``stop()``.  The tree is rescanned every
    ``rescan`` seconds so new and deleted files are noticed too.
    """

    def __init__(self, root: Path, on_change: Callable[[set[Path]], None],
                 interval: float = 0.1, debounce: float = 0.15, rescan: float = 1.0,
                 extra: Callable[[], Iterable[Path]] = lambda: ()):
        self.root, self.on_change, self.extra = root, on_change, extra
        self.interval, self.rescan = interval, rescan
        self.debouncer = Debouncer(debounce)
        self.known: dict[Path, Signature] = {}
        self.last_scan = float("-inf")
        self.last_poll = float("-inf")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # held by the watching thread while it looks and calls on_change, so idle() never
        # sees the moment between a burst's release and the callback that acts on it
        self._looking = threading.Lock()

    def files(self) -> list[Path]:
        """The files watched now (found in the last scan)."""
        return sorted(p for p, s in self.known.items() if s is not None)

    def _scan(self) -> dict[Path, Signature]:
        paths = set(report_files(self.root)) | set(self.extra())
        return {p: signature(p) for p in paths}

    def prime(self, now: float | None = None) -> None:
        """Take the first snapshot without reporting anything."""
        self.known = self._scan()
        self.last_scan = self.last_poll = time.monotonic() if now is None else now

    def poll(self, now: float) -> set[Path]:
        """One look: record what changed, and return the paths whose burst has ended."""
        if now - self.last_scan >= self.rescan:
            current = self._scan()
            self.last_scan = now
        else:
            current = {p: signature(p) for p in self.known}
        changed = {p for p in current.keys() | self.known.keys()
                   if current.get(p) != self.known.get(p)}
        self.known = current  # a file missing mid-save stays watched until the next scan
        if changed:
            self.debouncer.add(changed, self._written_at(changed, current, now))
        self.last_poll = now
        return self.debouncer.due(now)

    def _written_at(self, changed: set[Path], current: dict[Path, Signature],
                    now: float) -> float:
        """When the newest of the changes was made, on the clock of ``now``: the files'
        mtimes tell, so the quiet period counts from the save, not from when the poll
        happened to see it (no later than now, no earlier than the previous poll)."""
        wall = time.time()
        ages = [max(0.0, wall - s[0] / 1e9) if (s := current.get(p)) else 0.0 for p in changed]
        age = min(ages, default=0.0)
        return now - min(age, max(0.0, now - self.last_poll))

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._looking:
                try:
                    ready = self.poll(time.monotonic())
                    if ready:
                        self.on_change(ready)
                except Exception:  # a watcher that dies silently would freeze the preview
                    log.exception("file watcher")
            self._stop.wait(self.debouncer.wait_time(time.monotonic(), self.interval))

    def caught_up(self) -> bool:
        """Whether the last look saw every watched file as it is on disk now (a save made
        since is not noticed yet)."""
        with self._looking:
            return self._seen_all()

    def idle(self) -> bool:
        """Whether nothing is left to do: every save was seen, no burst waits for its quiet
        period, and no ``on_change`` call is running (what it started, e.g. builds on other
        threads, is its own to tell).  A test waits for this instead of sleeping."""
        with self._looking:
            return not self.debouncer.pending and self._seen_all()

    def _seen_all(self) -> bool:
        """The files on disk are as the last look found them (call with _looking held)."""
        return self._scan() == self.known

    def start(self) -> None:
        """Watch in a daemon thread."""
        if not self.known:
            self.prime()
        self._thread = threading.Thread(target=self._run, name="nianbao-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (returns when the thread has ended)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
