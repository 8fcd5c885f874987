"""DOCX and PDF downloads: built on demand in a worker thread, cached by content.

The bytes are exactly what ``nianbao build`` writes (same pipeline, ``preview`` off).  The
cache key is the hash of the input file's bytes, the format and the template files'
signatures, so a file saved without a change is not rendered again, an edited template is,
and two clicks on the same button
wait for one rendering.  WeasyPrint loads on the first PDF (about two seconds).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from generator.serve.state import Snapshot

DOWNLOAD_FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
KEEP = 16  # rendered files kept in memory
TIMEOUT = 300


def _render(snapshot: Snapshot, fmt: str, template_dirs: tuple[Path, ...]) -> bytes:
    from generator.pipeline import render_all
    from generator.render import RenderOptions

    options = RenderOptions(template_dirs=template_dirs)
    return render_all(snapshot.validated, [fmt], options)[fmt]


class Downloads:
    """Rendered files by (input hash, format, template files' signatures at the preview's
    build); one rendering at a time."""

    def __init__(self, template_dirs: tuple[Path, ...] = ()):
        self.template_dirs = template_dirs
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-render")
        self.cache: OrderedDict[tuple, Future[bytes]] = OrderedDict()
        self.lock = threading.Lock()
        self.renders = 0  # how many renderings ran (the tests check the cache with it)

    def _job(self, snapshot: Snapshot, fmt: str) -> bytes:
        self.renders += 1
        return _render(snapshot, fmt, self.template_dirs)

    def get(self, snapshot: Snapshot, fmt: str) -> bytes:
        """The file's bytes (raises the pipeline's NianbaoError when it cannot be made)."""
        key = (snapshot.digest, fmt, snapshot.templates)
        with self.lock:
            future = self.cache.get(key)
            if future is None:
                future = self.pool.submit(self._job, snapshot, fmt)
                self.cache[key] = future
            self.cache.move_to_end(key)
            while len(self.cache) > KEEP:
                self.cache.popitem(last=False)
        try:
            return future.result(timeout=TIMEOUT)
        except BaseException:
            with self.lock:  # a failure is not cached: the next click tries again
                if self.cache.get(key) is future:
                    del self.cache[key]
            raise

    def close(self) -> None:
        """Stop the worker (a rendering under way is abandoned)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
