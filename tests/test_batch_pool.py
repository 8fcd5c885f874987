"""A worker that dies takes only its own report down: the pool is replaced, the reports
caught in the break run again, and the one that kills workers fails alone, named in the
summary.  And how many workers a batch starts when --jobs is not given."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import COUNTY, TOWNSHIP
from test_batch import TITLE, write_report

from nianbao.batch import BatchOptions, discover, run_batch
from nianbao.batch.executors import cgroup_cpus, local_pool
from nianbao.batch.pool import DIED, GAVE_UP, RestartingPool, WorkerDied

FORK = multiprocessing.get_context("fork")


def square(n: int) -> int:
    time.sleep(0.05)
    return n * n


def die(code: int = 70) -> None:
    os._exit(code)


def fail_to_start() -> None:
    os._exit(71)


def plain(count: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(count, mp_context=FORK)


def test_only_the_report_that_kills_workers_fails():
    with RestartingPool(plain, 2) as pool:
        squares = [pool.submit(square, n) for n in range(10)]
        killer = pool.submit(die)
        later = [pool.submit(square, n) for n in range(10, 14)]
        assert [f.result(timeout=60) for f in squares + later] == [n * n for n in range(14)]
        with pytest.raises(WorkerDied) as err:
            killer.result(timeout=60)
    assert str(err.value) == DIED
    assert pool.restarts >= 1


def test_ordinary_exceptions_pass_through_untouched():
    with RestartingPool(plain, 2) as pool:
        with pytest.raises(ZeroDivisionError):
            pool.submit(divmod, 1, 0).result(timeout=60)
    assert pool.restarts == 0


def test_workers_that_cannot_start_give_up_after_a_few_restarts():
    def broken(count: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(count, mp_context=FORK, initializer=fail_to_start)
    with RestartingPool(broken, 2) as pool:
        futures = [pool.submit(square, n) for n in range(4)]
        for future in futures:
            with pytest.raises(WorkerDied) as err:
                future.result(timeout=120)
            assert str(err.value) in (DIED, GAVE_UP)


class KillOne(Executor):
    """run_batch's executor, with the task of one input replaced by a worker's death."""

    def __init__(self, inner: Executor, victim: str):
        self.inner, self.victim = inner, victim

    def submit(self, fn, /, task, *args, **kwargs):
        if task.input.name.endswith(self.victim):
            return self.inner.submit(die)
        return self.inner.submit(fn, task, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_batch_goes_on_when_a_worker_dies(tmp_path: Path):
    root = tmp_path / "DIR"
    for agency in ("甲局", "乙局", "丙局"):
        write_report(root / agency / "2024.yaml", COUNTY, agency, 2024)
    write_report(root / "丁镇" / "2024.yaml", TOWNSHIP, "丁镇", 2024)
    out = tmp_path / "OUT"
    with local_pool(2, ("html", "docx")) as pool:
        result = run_batch(discover(root), KillOne(pool, "乙局/2024.yaml"), out,
                           BatchOptions(("html", "docx")))
    assert result.exit_code == 1
    rows = {r["file"]: r for r in
            json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"]}
    dead = rows["乙局/2024.yaml"]
    assert (dead["state"], dead["status"]) == ("failed", f"处理失败：{DIED}")
    findings = json.loads((out / dead["findings"]).read_text(encoding="utf-8"))
    assert findings["problems"] == [{"where": "", "message": DIED}]
    page = (out / dead["findings_page"]).read_text(encoding="utf-8")
    assert "处理失败：1 个问题" in page and f"<li>{DIED}</li>" in page
    assert [rows[f"{a}/2024.yaml"]["state"] for a in ("甲局", "丙局", "丁镇")] == ["built"] * 3
    for agency in ("甲局", "丙局", "丁镇"):
        for fmt in ("html", "docx"):
            assert (out / agency / f"{TITLE.format(agency, 2024)}.{fmt}").is_file()
    assert not (out / "乙局").exists()


# ---- how many workers by default -----------------------------------------------------------
@pytest.mark.parametrize(("files", "cpus"), [
    ({"cpu.max": "200000 100000\n"}, 2),                 # cgroup v2, --cpus=2
    ({"cpu.max": "150000 100000\n"}, 2),                 # 1.5 CPUs: rounded up
    ({"cpu.max": "max 100000\n"}, None),                 # no quota
    ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4),  # v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),                                          # no cgroup files at all
])
def test_cgroup_cpu_quota(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="ascii")
    assert cgroup_cpus(str(tmp_path)) == cpus


def test_default_jobs_is_the_usable_cores_capped_by_the_quota(monkeypatch):
    from nianbao.batch import executors

    monkeypatch.setattr(executors.os, "sched_getaffinity", lambda pid: set(range(32)))
    monkeypatch.setattr(executors, "cgroup_cpus", lambda: 2)
    assert executors.default_jobs() == 2
    monkeypatch.setattr(executors, "cgroup_cpus", lambda: None)
    assert executors.default_jobs() == 32


def test_dask_workers_with_several_threads_are_told_to_use_one() -> None:
    """Issue 17 §8: a process renders one PDF at a time, so a Dask worker's extra threads
    only queue; the batch says so instead of running one PDF at a time silently."""
    from nianbao.batch.executors import crowded_warning, crowded_workers

    info = {"workers": {"tcp://10.0.0.6:4001": {"nthreads": 4},
                        "tcp://10.0.0.5:4001": {"nthreads": 1},
                        "tcp://10.0.0.7:4001": {"nthreads": 2}}}
    crowded = crowded_workers(info)
    assert crowded == ["tcp://10.0.0.6:4001", "tcp://10.0.0.7:4001"]
    assert crowded_workers({"workers": {"tcp://a:1": {"nthreads": 1}}}) == []
    assert crowded_warning(crowded, "tcp://10.0.0.5:8786") == (
        "Dask 工作进程 tcp://10.0.0.6:4001、tcp://10.0.0.7:4001 有多个线程：一个进程同一时间只生成一个"
        " PDF，多余的线程只会排队。请每个进程只用一个线程启动工作进程：dask worker tcp://10.0.0.5:8786"
        " --nworkers N --nthreads 1")
