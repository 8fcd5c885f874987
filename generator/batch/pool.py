"""A local process pool that survives the death of a worker, or of the machinery under it.

When a worker process dies (killed for memory, or a crash inside a C library), Python's
ProcessPoolExecutor is broken for good: every report still running or queued fails with
BrokenProcessPool, and one bad input would take the rest of the batch down with it.
`RestartingPool` replaces the broken pool and gives each report caught in the break a
second run with the others; a report caught in two breaks runs once more alone, in a
one-worker pool, one report at a time.  A report whose worker dies even then is the one
that kills workers: only its future fails, with `WorkerDied`.

The machinery can fail too, and not only with BrokenProcessPool: when the forkserver that
starts the workers is killed (or runs out of memory), its workers' pool breaks, and starting
the next pool's workers raises whatever the dead server's socket gives —
ConnectionRefusedError, EOFError, an OSError from fork.  `submit` is where that surfaces;
it runs inside a done-callback when a pool is replaced, where an exception would only be
logged and the report's future never finish (the batch then waited for ever).  So any
exception of a pool's `submit` counts as a break: the pool is renewed (within MAX_RESTARTS)
and the report, which never started, is submitted again; and whatever goes wrong while
settling a report fails that report rather than leaving it pending.
"""

from __future__ import annotations

import functools
import threading
import time
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
INTERNAL = "工作进程池内部出错，未能处理该报告：{}"
# Before submitting again after a pool failed to start workers: a killed forkserver is
# reaped (and started afresh) only once it has fully exited, and until then every
# connection to it is refused — retrying at once would spend every restart in that moment.
PAUSE = 0.1


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


def _discard(pool: ProcessPoolExecutor | None) -> None:
    """Shut a broken or replaced pool down without waiting; it may fail in any way."""
    if pool is not None:
        try:
            pool.shutdown(wait=False, cancel_futures=True)
        except Exception:  # noqa: BLE001,S110  (its machinery is what failed)
            pass


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
        while True:
            generation = self._generation
            try:
                inner = self._pool.submit(job.fn, *job.args, **job.kwargs)
                break
            except Exception as exc:  # noqa: BLE001  (broken, or its machinery failed)
                # the job never started: renew the pool and submit it again
                if not self._renew(generation, pause=not isinstance(exc, BrokenProcessPool)):
                    self._fail(job, GAVE_UP)
                    return
        job.outer.inner = inner
        inner.add_done_callback(functools.partial(self._settle, job, generation=generation))

    def _run_alone(self) -> None:
        """Start the next report waiting to run alone (one at a time: a death then can
        only be that report's)."""
        while not self._alone_busy and self._alone_queue and not self._closed:
            job = self._alone_queue.popleft()
            if job.outer.cancelled():
                continue
            try:
                if self._alone is None:
                    self._alone = self._make(1)
                inner = self._alone.submit(job.fn, *job.args, **job.kwargs)
            except Exception:  # noqa: BLE001  (the one-worker pool cannot start: renew it)
                _discard(self._alone)
                self._alone = None
                if self.restarts >= MAX_RESTARTS:
                    self._fail(job, GAVE_UP)
                else:
                    self.restarts += 1
                    time.sleep(PAUSE)
                    self._alone_queue.appendleft(job)
                continue
            self._alone_busy = True
            job.outer.inner = inner
            inner.add_done_callback(functools.partial(self._settle, job, generation=None))

    def _settle(self, job: _Job, inner: Future, generation: int | None) -> None:
        """A run ended: pass its outcome on, or run it again when its pool broke.  (A
        done-callback: an exception here would only be logged, the caller left waiting.)"""
        with self._lock:
            try:
                if generation is None:   # it ran alone
                    self._alone_busy = False
                self._pass_on(job, inner, generation)
            except Exception as exc:  # noqa: BLE001
                self._fail(job, INTERNAL.format(f"{type(exc).__name__}: {exc}"))
            if job.outer.done():
                # outer → inner → this callback → job → outer is a cycle: without this,
                # each finished report's result (its rendered bytes) would wait for the
                # garbage collector instead of going when the caller lets go of it
                job.outer.inner = None
            if generation is None:
                self._run_alone()

    def _pass_on(self, job: _Job, inner: Future, generation: int | None) -> None:
        if inner.cancelled():
            job.outer.cancel()
        elif isinstance(inner.exception(), BrokenProcessPool) and not self._closed:
            if generation is None:
                _discard(self._alone)   # that pool is broken too
                self._alone = None
                self._fail(job)
            else:
                self._broken(job, generation)
        elif not job.outer.set_running_or_notify_cancel():
            pass   # cancelled meanwhile
        elif inner.exception() is not None:
            job.outer.set_exception(inner.exception())
        else:
            job.outer.set_result(inner.result())

    def _broken(self, job: _Job, generation: int) -> None:
        """The shared pool broke under a job: renew it (once per break) and run the job
        again with the others, or alone after its second break."""
        if not self._renew(generation):
            self._fail(job, GAVE_UP)
            return
        job.breaks += 1
        if job.breaks >= 2:
            self._alone_queue.append(job)
            self._run_alone()
        else:
            self._run_shared(job)

    def _renew(self, generation: int, pause: bool = False) -> bool:
        """Replace the shared pool that broke at `generation`, once per break (the reports
        caught in the same break find it replaced); False when restarts are used up."""
        if generation != self._generation:
            return True
        if self.restarts >= MAX_RESTARTS:
            return False
        self.restarts += 1
        self._generation += 1
        if pause:
            time.sleep(PAUSE)
        old = self._pool
        try:
            self._pool = self._make(self._workers)
        except Exception:  # noqa: BLE001  (kept: its next submit fails and renews again)
            return True
        _discard(old)
        return True

    def _fail(self, job: _Job, message: str = DIED) -> None:
        outer = job.outer
        if outer.done():
            return
        if outer.running() or outer.set_running_or_notify_cancel():
            outer.set_exception(WorkerDied(message))
