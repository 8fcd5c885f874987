"""Worker processes of the preview, each job bounded in time and memory.

Checking and rendering a report runs in a small pool of child processes, never on the
server's threads: one file that takes minutes or gigabytes (a count of ``1e999999999`` that
a reader turns into a billion-digit integer, a pathological workbook) used to freeze every
page while the server grew without bound.  Now such a file costs one worker:

- memory: each worker sets ``RLIMIT_AS`` on itself before its first job, so an allocation
  beyond the bound fails (MemoryError, answered as 内存超限) instead of swapping the machine;
- time: the server waits for a job at most ``seconds``; then it kills the worker (SIGKILL:
  a worker stuck in C code would not hear anything gentler) and starts a fresh one.

Either way the file gets an error of its own (a ``NianbaoError`` saying what happened and what
to do) and every other page keeps answering.  Workers start through "forkserver" (a fork of
the server, which runs threads, could inherit a held lock) with the pipeline preloaded, so a
replacement is ready in a fraction of a second; the most recently used idle worker takes the
next job, so live reload of one file always finds warm caches.  Workers ignore Ctrl-C (the
server stops them) and end when the server's end of their pipe closes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from nianbao.errors import NianbaoError, Problem

log = logging.getLogger(__name__)

READY_SECONDS = 60.0  # a new worker imports and warms up within this, or it is not used
ORPHAN_POLL = 2.0  # how often a worker checks that the server still runs
PRELOAD = ["nianbao.serve.preview_jobs", "nianbao.pipeline", "nianbao.checks",
           "nianbao.compose.report", "nianbao.render.html_render"]


@dataclass(frozen=True)
class Limits:
    """The bounds of one job.  ``setup`` exists for the tests only: a module-level function
    each worker runs before its first job (they slow a reader down or make it allocate, to
    show that the bounds hold without depending on any parser bug)."""

    build_seconds: float = 20.0      # check + preview HTML of one file
    download_seconds: float = 120.0  # one DOCX or PDF (the first PDF loads WeasyPrint)
    memory_bytes: int = 1 << 30      # address space of a worker (RLIMIT_AS); a PDF needs ~350 MB
    setup: Callable[[], None] | None = None


class Overrun(NianbaoError):
    """A job that ran out of time or memory, or whose worker died."""


def _overrun(label: str, what: str, kind: str, limits: Limits, seconds: float) -> Overrun:
    retry = ("文件中可能有异常巨大的数字（如 1e999999999）、极多的行或极长的文字：请检查、"
             "修正后保存，预览会自动重试。其他报告不受影响。")
    if kind == "time":
        message = f"处理超时：{what}超过 {seconds:g} 秒仍未完成，已中止。{retry}"
    elif kind == "memory":
        message = (f"内存超限：{what}所需内存超过 {limits.memory_bytes >> 20} MB，已中止。"
                   f"{retry}")
    else:
        message = f"处理进程意外退出（可能是内存不足）：{what}未能完成。{retry}"
    return Overrun([Problem(label, message)])


# ---- in the worker ----------------------------------------------------------------------
def _work(conn: Connection, memory_bytes: int, setup: Callable[[], None] | None,
          server: int) -> None:
    """A worker's life: bound its memory, warm up, then run jobs until the pipe closes
    (the server stopped, or killed this worker: nothing to say then)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_bytes:
        _bound_memory(memory_bytes)
    threading.Thread(target=_orphan_watch, args=(server,), name="nianbao-orphan-watch",
                     daemon=True).start()
    try:
        if setup is not None:
            setup()
        from nianbao.serve import preview_jobs

        preview_jobs.warm()
        conn.send(("ready", None))
        while True:
            conn.send(_run(conn.recv()))
    except (EOFError, OSError):
        return


def _orphan_watch(server: int) -> None:
    """End this worker when the server is gone.  A server that stops cleanly kills its
    workers, but one killed outright (SIGKILL, a crash) cannot, and a worker stuck in a
    pathological job would never read its closed pipe: it would spin on for ever."""
    while True:
        time.sleep(ORPHAN_POLL)
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # alive, owned by someone else: cannot happen to our parent
            pass


def _bound_memory(limit: int) -> None:
    """RLIMIT_AS where the system has it (Linux; elsewhere the time bound still holds)."""
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, AttributeError, ValueError, OSError) as exc:
        log.warning("no memory bound for preview workers here: %s", exc)


def _run(job: Any) -> tuple[str, Any]:
    """("ok", value) | ("problems", [Problem]) | ("memory", None) | ("bug", text)."""
    try:
        return "ok", job.run()
    except NianbaoError as err:
        return "problems", list(err.problems)
    except MemoryError:
        return "memory", None
    except Exception as exc:  # a bug must not look like a hung file
        log.exception("preview job")
        return "bug", f"{type(exc).__name__}: {exc}"


# ---- in the server ----------------------------------------------------------------------
def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class Worker:
    """One child process and the server's end of its pipe."""

    def __init__(self, limits: Limits):
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_work, name="nianbao-preview-worker", daemon=True,
                                   args=(child, limits.memory_bytes, limits.setup, os.getpid()))
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        """Wait until the worker has warmed up (raises OSError when it does not)."""
        try:
            if not self.conn.poll(READY_SECONDS) or self.conn.recv()[0] != "ready":
                raise OSError("preview worker did not start")
        except EOFError:
            raise OSError("preview worker ended while starting") from None

    def call(self, job: Any, seconds: float) -> tuple[str, Any]:
        """Send a job and wait for its answer; ("time", None) when it took too long,
        ("died", None) when the process ended."""
        try:
            self.conn.send(job)
            if not self.conn.poll(seconds):
                return "time", None
            return self.conn.recv()
        except (EOFError, OSError):
            return "died", None

    def kill(self) -> None:
        """End the process now (a job under way is abandoned), reap it, close the pipe.
        Only the thread using the worker may call this (closing a pipe another thread
        reads could close a reused descriptor); others call ``stop``."""
        self.stop()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        """SIGKILL the process: the thread waiting for its answer sees the pipe end and
        cleans up."""
        try:
            self.process.kill()
        except (OSError, ValueError, AttributeError):  # already reaped
            pass


class WorkerPool:
    """At most ``size`` workers, started on demand (or by ``prestart``), one job each at a
    time; a worker that overran is replaced by a fresh one."""

    def __init__(self, size: int, limits: Limits, seconds: float, what: str):
        self.size, self.limits, self.seconds, self.what = size, limits, seconds, what
        self.cond = threading.Condition()
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.starting: set[Worker] = set()
        self.count = 0  # workers alive or starting
        self.closed = False
        self.jobs = 0  # how many jobs ran (the tests check the downloads' cache with it)
        self.settled = threading.Event()  # a first worker is ready (or failed to start)

    def run(self, job: Any, label: str, what: str | None = None) -> Any:
        """The job's value; raises its NianbaoError, or Overrun (time, memory, crash)."""
        worker = self._take(label)
        self.jobs += 1
        status, value = worker.call(job, self.seconds)
        if status in ("ok", "problems", "bug"):
            self._give(worker)
        else:
            self._drop(worker)
        if status == "ok":
            return value
        if status == "problems":
            raise NianbaoError(value)
        if status == "bug":
            raise NianbaoError([Problem(label, f"内部错误：{value}")])
        if self.closed:
            raise Overrun([Problem(label, "预览正在停止")])
        log.warning("%s: %s overran (%s); worker replaced", label, what or self.what, status)
        raise _overrun(label, what or self.what, status, self.limits, self.seconds)

    def prestart(self) -> None:
        """Start every worker now, in the background (the first page need not wait)."""
        def one() -> None:
            with self.cond:
                if self.closed or self.count >= self.size:
                    return
                self.count += 1
            self._started(None)
        for _ in range(self.size):
            threading.Thread(target=one, name="nianbao-worker-start", daemon=True).start()

    def _take(self, label: str) -> Worker:
        with self.cond:
            while not self.idle and self.count >= self.size and not self.closed:
                self.cond.wait()
            if self.closed:
                raise Overrun([Problem(label, "预览正在停止")])
            if self.idle:
                worker = self.idle.pop()  # the most recently used: its caches are warm
                self.busy.add(worker)
                return worker
            self.count += 1
        started = self._started(label)
        assert started is not None
        return started

    def _started(self, label: str | None) -> Worker | None:
        """Start a worker (its slot already counted): busy when ``label`` asks for it,
        else idle."""
        worker: Worker | None = None
        try:
            worker = Worker(self.limits)
            with self.cond:
                self.starting.add(worker)  # close() stops it too
            if self.closed:
                raise OSError("stopping")
            worker.wait_ready()
        except (OSError, EOFError) as exc:
            self.settled.set()
            with self.cond:
                self.count -= 1
                self.starting.discard(worker)
                self.cond.notify()
            if worker is not None:
                worker.kill()
            if not self.closed:
                log.error("preview worker failed to start: %s", exc)
            if label is None:
                return None
            if self.closed:
                self._stopping(label)
            raise NianbaoError([Problem(label, "无法启动预览的工作进程，请重新启动 nianbao "
                                               "serve")]) from None
        self.settled.set()
        with self.cond:
            self.starting.discard(worker)
            closed = self.closed
            if closed:
                self.count -= 1
            elif label is None:
                self.idle.append(worker)
                self.cond.notify()
            else:
                self.busy.add(worker)
        if closed:
            worker.kill()
            return None if label is None else self._stopping(label)
        return worker

    @staticmethod
    def _stopping(label: str) -> Worker:
        raise Overrun([Problem(label, "预览正在停止")])

    def _give(self, worker: Worker) -> None:
        with self.cond:
            self.busy.discard(worker)
            closed = self.closed
            if not closed:
                self.idle.append(worker)
                self.cond.notify()
        if closed:
            worker.kill()

    def _drop(self, worker: Worker) -> None:
        worker.kill()
        with self.cond:
            self.busy.discard(worker)
            self.count -= 1
            self.cond.notify()

    def close(self) -> None:
        """Stop every worker (jobs under way end as Overrun)."""
        with self.cond:
            self.closed = True
            idle, others = self.idle, list(self.busy) + list(self.starting)
            self.idle = []
            self.cond.notify_all()
        for worker in idle:
            worker.kill()
        for worker in others:  # their threads see the pipe end and let go of them
            worker.stop()
