"""DOCX and PDF downloads: built on demand in a worker process, cached by content.

The bytes are exactly what ``nianbao build`` writes (same pipeline, ``preview`` off), made
from the very bytes the preview showed; a report with errors is what ``build --force``
writes: a draft, marked so on every page with the number of errors its preview counted
(the page asks before downloading one).  The cache key is the hash of the input file's
bytes, the format and the template files' signatures, so a file saved without a change is
not rendered again, an edited template is, and two clicks on the same button wait for one
rendering.  The rendering runs in its own worker (bounded in time and memory like the
previews', see ``workers``), started at the first download; WeasyPrint loads on the first
PDF (about two seconds).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from nianbao.errors import Problem
from nianbao.serve.preview_jobs import DownloadJob
from nianbao.serve.state import ServeOptions, Snapshot
from nianbao.serve.workers import Overrun, WorkerPool

DOWNLOAD_FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
KEEP = 16  # rendered files kept in memory
QUEUE_TIMEOUT = 600  # a click waits at most this long (renderings queue one at a time)


def draft_errors(snapshot: Snapshot) -> int:
    """The error findings of the previewed report: a download of it is a draft when any."""
    return int(snapshot.built.summary.get("errors", 0))


class Downloads:
    """Rendered files by (input hash, format, template files' signatures at the preview's
    build); one rendering at a time."""

    def __init__(self, options: ServeOptions | None = None):
        self.options = options or ServeOptions()
        self.workers = WorkerPool(1, self.options.limits, self.options.limits.download_seconds,
                                  "生成下载文件")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-render")
        self.cache: OrderedDict[tuple, Future[bytes]] = OrderedDict()
        self.lock = threading.Lock()
        self.renders = 0  # how many renderings ran (the tests check the cache with it)

    def _job(self, snapshot: Snapshot, fmt: str) -> bytes:
        self.renders += 1
        job = DownloadJob(snapshot.source, self.options.read, self.options.template_dirs, fmt,
                          draft_errors(snapshot))
        return self.workers.run(job, snapshot.source.label, f"生成 {fmt.upper()} 文件")

    def get(self, snapshot: Snapshot, fmt: str) -> bytes:
        """The file's bytes (raises the pipeline's NianbaoError when it cannot be made, and
        ``workers.Overrun`` when it takes too long or too much memory)."""
        key = (snapshot.digest, fmt, snapshot.templates, draft_errors(snapshot))
        with self.lock:
            future = self.cache.get(key)
            if future is None:
                future = self.pool.submit(self._job, snapshot, fmt)
                self.cache[key] = future
            self.cache.move_to_end(key)
            while len(self.cache) > KEEP:
                self.cache.popitem(last=False)
        try:
            return future.result(timeout=QUEUE_TIMEOUT)
        except BaseException as exc:
            with self.lock:  # a failure is not cached: the next click tries again
                if self.cache.get(key) is future:
                    del self.cache[key]
            if isinstance(exc, TimeoutError):
                raise Overrun([Problem(snapshot.source.label, "等待生成的文件太多，请稍后再试")]
                              ) from None
            raise

    def close(self) -> None:
        """Stop the worker (a rendering under way is abandoned)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.workers.close()
