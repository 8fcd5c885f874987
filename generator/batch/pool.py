"""A local process pool that survives the death of a worker.

When a worker process dies (killed for memory, or a crash inside a C library), Python's
ProcessPoolExecutor is broken for good: every report still running or queued fails with
BrokenProcessPool, and one bad input would take the rest of the batch down with it.
`RestartingPool` replaces the broken pool and gives each report caught in the break a
second run with the others; a report caught in two breaks runs once more alone, in a
one-worker pool, one report at a time.  A report whose worker dies even then is the one
that kills workers: only its future fails, with `WorkerDied`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

# More restarts than this in one batch means workers cannot run at all (a broken install,
# no memory): the reports caught in further breaks fail at once instead of retrying.
MAX_RESTARTS = 8
DIED = "处理该报告时工作进程意外退出（内存不足，或渲染库崩溃），单独重试仍然如此"
GAVE_UP = f"工作进程反复意外退出（已重启 {MAX_RESTARTS} 次），不再重试；请检查内存和安装"


class WorkerDied(Exception):
    """The worker process died while running this task, even when it ran alone."""


class _Outer(Future):
    """The future a caller holds; cancelling it cancels the run it currently waits on."""

    inner: Future | None = None

    def cancel(self) -> bool:
        inner = self.inner
        if inner is not None and not inner.cancel():
            return False
        return super().cancel()


class _Job:
    """A submitted call and how many pools it has seen break under it."""

    def __init__(self, outer: _Outer, fn: Callable, args: tuple, kwargs: dict):
        self.outer, self.fn, self.args, self.kwargs = outer, fn, args, kwargs
        self.breaks = 0


class RestartingPool(Executor):
    """An Executor over process pools made by ``make(workers)``, replaced when broken."""

    def __init__(self, make: Callable[[int], ProcessPoolExecutor], workers: int):
        self._make, self._workers = make, workers
        self._lock = threading.RLock()
        self._pool = make(workers)
        self._generation = 0
        self.restarts = 0
        self._alone: ProcessPoolExecutor | None = None   # the one-worker pool
        self._alone_queue: deque[_Job] = deque()
        self._alone_busy = False
        self._closed = False

    # ---- Executor ---------------------------------------------------------------------
    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        """Run fn(*args, **kwargs) in a worker process."""
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            job = _Job(_Outer(), fn, args, kwargs)
            self._run_shared(job)
            return job.outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the current pools down (the broken ones are gone already)."""
        with self._lock:
            self._closed = True
            pools = [p for p in (self._pool, self._alone) if p is not None]
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    # ---- running ----------------------------------------------------------------------
    def _run_shared(self, job: _Job) -> None:
        generation = self._generation
        try:
            inner = self._pool.submit(job.fn, *job.args, **job.kwargs)
        except BrokenProcessPool:   # broke before our callback saw it: same as a break
            self._broken(job, generation)
            return
        job.outer.inner = inner
        inner.add_done_callback(lambda f: self._settle(job, f, generation))

    def _run_alone(self) -> None:
        """Start the next report waiting to run alone (one at a time: a death then can
        only be that report's)."""
        if self._alone_busy or not self._alone_queue or self._closed:
            return
        job = self._alone_queue.popleft()
        if job.outer.cancelled():
            self._run_alone()
            return
        if self._alone is None:
            self._alone = self._make(1)
        self._alone_busy = True
        try:
            inner = self._alone.submit(job.fn, *job.args, **job.kwargs)
        except BrokenProcessPool:
            self._alone_busy = False
            self._alone = None
            self._fail(job)
            self._run_alone()
            return
        job.outer.inner = inner
        inner.add_done_callback(lambda f: self._settle(job, f, None))

    def _settle(self, job: _Job, inner: Future, generation: int | None) -> None:
        """A run ended: pass its outcome on, or run it again when its pool broke."""
        with self._lock:
            if generation is None:   # it ran alone
                self._alone_busy = False
            if inner.cancelled():
                job.outer.cancel()
            elif isinstance(inner.exception(), BrokenProcessPool) and not self._closed:
                if generation is None:
                    self._alone = None   # that pool is broken too
                    self._fail(job)
                else:
                    self._broken(job, generation)
            elif not job.outer.set_running_or_notify_cancel():
                pass   # cancelled meanwhile
            elif inner.exception() is not None:
                job.outer.set_exception(inner.exception())
            else:
                job.outer.set_result(inner.result())
            if generation is None:
                self._run_alone()

    def _broken(self, job: _Job, generation: int) -> None:
        """The shared pool broke under a job: renew it (once per break) and run the job
        again with the others, or alone after its second break."""
        if generation == self._generation:
            if self.restarts >= MAX_RESTARTS:
                self._fail(job, GAVE_UP)
                return
            self.restarts += 1
            self._generation += 1
            old, self._pool = self._pool, self._make(self._workers)
            old.shutdown(wait=False, cancel_futures=True)
        job.breaks += 1
        if job.breaks >= 2:
            self._alone_queue.append(job)
            self._run_alone()
        else:
            self._run_shared(job)

    def _fail(self, job: _Job, message: str = DIED) -> None:
        if job.outer.set_running_or_notify_cancel():
            job.outer.set_exception(WorkerDied(message))
