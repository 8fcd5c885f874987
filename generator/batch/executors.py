"""The executors the command line offers: a local process pool, or a Dask cluster.

`run_batch` takes any `concurrent.futures.Executor`; these are the two `nianbao batch`
makes.  Local workers start through the "forkserver" method (where the platform has it;
"spawn" elsewhere): a fork of a driver that already runs the progress bar's thread could
inherit a held lock.  Each worker ignores Ctrl-C (the driver stops the batch cleanly) and
warms the renderers once.

Local workers end with the driver (`tie_to_driver`).  Left alone they would not: a worker
waits on its task queue, whose pipe it holds both ends of, so it never sees the driver go;
the forkserver stays up while any worker holds its "alive" pipe; and a worker whose
forkserver was killed is beyond its pool's reach (the pool reads the dead server's pipe for
its exit code and never signals it).  After a kill -9 of the driver, or a forkserver killed
during a batch, such workers (~150 MB each) would run until the next reboot.

With ``--scheduler tcp://HOST:8786`` the batch runs on a Dask distributed cluster through
``Client.get_executor()``.  The workers need nianbao installed (the same version, with
its fonts) — nothing else: each task carries the input file's bytes, last year's bytes and
the contents of the agency's template folders, and returns the rendered outputs' bytes and
the findings JSON to the driver, which writes them into OUT.  Workers need no shared file
system and never see OUT.  Dask is imported only here, only for --scheduler.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from nianbao.batch import report_task
from nianbao.batch.pool import RestartingPool
from nianbao.cli import console


class SchedulerError(Exception):
    """The Dask scheduler cannot be used (not installed, not reachable)."""


def default_jobs() -> int:
    """Workers when --jobs is not given: the cores this process may run on — its CPU
    affinity, capped by a container's CPU quota (cgroup v2 ``cpu.max``, v1 CFS quota), so a
    container limited to 2 CPUs on a 32-core host starts 2 workers, not 32 (each needs
    ~130 MB and would only queue for the same two CPUs)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cores = os.cpu_count() or 1
    quota = cgroup_cpus()
    return max(1, min(cores, quota) if quota else cores)


def cgroup_cpus(root: str = "/sys/fs/cgroup") -> int | None:
    """CPUs a cgroup CPU quota allows (rounded up), or None when there is none."""
    candidates = ((f"{root}/cpu.max", None),
                  (f"{root}/cpu/cpu.cfs_quota_us", f"{root}/cpu/cpu.cfs_period_us"))
    for first, second in candidates:
        try:
            with open(first, encoding="ascii") as f:
                fields = f.read().split()
            if second is not None:
                with open(second, encoding="ascii") as f:
                    fields += f.read().split()
            quota, period = fields[0], fields[1]
            if quota in ("max", "-1"):
                return None
            return max(1, math.ceil(int(quota) / int(period)))
        except (OSError, ValueError, IndexError):
            continue
    return None


def _context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["nianbao.batch.report_task", "nianbao.pipeline"])
        return ctx
    return multiprocessing.get_context("spawn")


def local_pool(workers: int, formats: tuple[str, ...], years: tuple[int, ...] = ()
               ) -> RestartingPool:
    """A process pool whose workers ignore Ctrl-C, keep warm renderers and end with this
    process, replaced when a worker dies (see `pool`: only the report that kills workers
    fails).  ``years``: the batch's report years (report_task.warm)."""
    driver = os.getpid()
    if "pdf" in formats:
        cut_font_subsets_apart()

    def make(count: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=count, mp_context=_context(),
                                   initializer=init_local_worker,
                                   initargs=(tuple(formats), driver, tuple(years)))
    return RestartingPool(make, max(1, workers))


def cut_font_subsets_apart() -> None:
    """On a machine's first batch, cut the GB2312 font subsets (pdf_fonts) in a process of
    their own that ends before the workers start.  Cut in the workers' warm-up instead,
    each worker read the full faces and kept their pages as its peak: 181 MB a worker on
    that first batch, against ~125 MB on every later one.  Should this process fail, the
    workers cut them as before (said once, here)."""
    from nianbao.render import pdf_fonts

    try:
        if pdf_fonts.subsets_made():
            return
        cutter = _context().Process(target=pdf_fonts.cut_subsets, name="nianbao-font-subsets",
                                    args=(os.environ.get("XDG_CACHE_HOME"),))
        cutter.start()
        cutter.join()
        failed = cutter.exitcode != 0
    except Exception:  # noqa: BLE001  (the workers cut them instead; said below)
        failed = True
    if failed:
        console.warn("未能预先生成字体子集，改由各工作进程生成（首批报告内存占用较高）")


def init_local_worker(formats: tuple[str, ...], driver: int, years: tuple[int, ...] = ()
                      ) -> None:
    """Initializer of a local pool's workers: tied to the driver first, then warmed."""
    tie_to_driver(driver)
    report_task.init_worker(formats, years)


# ---- workers end with the driver ----------------------------------------------------------
# After its forkserver dies, a worker lives this long before it exits: its pool's manager
# thread sees the server's pipes close and gives the pool up, and only then stops reading
# results.  A worker killed at once (PR_SET_PDEATHSIG) could die halfway through writing its
# result, and that thread would wait for the rest for ever (the batch hung, 1 run in 14).
ORPHAN_GRACE = 5.0
_POLL = 1.0   # seconds between looks at the driver where it cannot be waited on (no pidfd)


def tie_to_driver(driver: int) -> None:
    """End this worker process when the driver process `driver` ends (at once: nothing
    reads its results any more) or when the process that forked it — the forkserver, when
    that is not the driver — ends (after ORPHAN_GRACE).  POSIX only; without polling where
    Linux has pidfds (5.3+)."""
    if os.name != "posix":
        return
    threading.Thread(target=_watch, args=(driver, os.getppid()), name="nianbao-driver-watch",
                     daemon=True).start()


def _watch(driver: int, parent: int) -> None:
    import select

    try:
        fds = [os.pidfd_open(driver)] + ([os.pidfd_open(parent)] if parent != driver else [])
    except ProcessLookupError:   # gone already
        os._exit(1)
    except (AttributeError, OSError):   # no pidfds here
        fds = []
    if os.getppid() != parent or not _descends_from(driver, parent):
        os._exit(1)   # died before the pidfds were open: those numbers may be another's
    if fds:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        if fds[0] not in [fd for fd, _ in poller.poll()]:   # the forkserver went, not the driver
            time.sleep(ORPHAN_GRACE)
        os._exit(1)
    while _alive(driver):
        if os.getppid() != parent:
            time.sleep(ORPHAN_GRACE)
            break
        time.sleep(_POLL)
    os._exit(1)


def _descends_from(driver: int, parent: int) -> bool:
    """The driver is this worker's parent or grandparent (through the forkserver); true
    when that cannot be read (no /proc)."""
    if parent == driver:
        return True
    try:
        with open(f"/proc/{parent}/stat", "rb") as f:
            stat = f.read()
        return int(stat.rsplit(b")", 1)[1].split()[1]) == driver
    except (OSError, ValueError, IndexError):
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def dask_executor(address: str, formats: tuple[str, ...], years: tuple[int, ...] = ()
                  ) -> Iterator[Executor]:
    """An executor on the Dask cluster at address (its workers warmed first)."""
    try:
        from distributed import Client
    except ImportError:
        raise SchedulerError("使用 --scheduler 需要安装 Dask：pip install 'nianbao[dask]'"
                             ) from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"无法连接 Dask 调度器 {address}：{exc}") from None
    try:
        if "pdf" in formats and (crowded := crowded_workers(client.scheduler_info())):
            console.warn(crowded_warning(crowded, address))
        client.run(report_task.warm, tuple(formats), tuple(years))
        yield client.get_executor(pure=False)
    finally:
        client.close()


def crowded_workers(info: dict) -> list[str]:
    """Dask workers running several threads, from ``Client.scheduler_info()``."""
    workers = info.get("workers") or {}
    return sorted(a for a, w in workers.items() if (w or {}).get("nthreads", 1) > 1)


def crowded_warning(crowded: list[str], address: str) -> str:
    """Why several threads per Dask worker do not help PDFs: a process renders one PDF at a
    time (pdf_render's stamp lock guards WeasyPrint's patched drawing), extra threads queue."""
    shown = "、".join(crowded[:3]) + ("等" if len(crowded) > 3 else "")
    return (f"Dask 工作进程 {shown} 有多个线程：一个进程同一时间只生成一个 PDF，多余的线程只会排队。"
            f"请每个进程只用一个线程启动工作进程：dask worker {address} --nworkers N --nthreads 1")


@contextmanager
def executor_for(workers: int, scheduler: str | None, formats: tuple[str, ...],
                 years: tuple[int, ...] = ()) -> Iterator[Executor]:
    """The executor of `nianbao batch`: Dask when a scheduler is named, else local;
    ``years``: the batch's report years, whose editions the workers warm."""
    if scheduler:
        with dask_executor(scheduler, formats, years) as executor:
            yield executor
    else:
        with local_pool(workers, formats, years) as executor:
            yield executor
