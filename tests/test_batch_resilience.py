"""A batch outlives what can go wrong under it, and leaves nothing behind: a pool whose
forkserver is killed is renewed and the batch finishes; workers and forkserver end with the
driver, even after a kill -9; a killed batch is resumed where it stopped (the cache
journal); and the driver keeps no rendered bytes once they are written."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import COUNTY, ROOT
from test_batch import write_report
from test_batch_pool import FORK, die, square

from nianbao.batch import BatchOptions, discover, driver, run_batch
from nianbao.batch import report_task
from nianbao.batch.cache import CACHE_FILE, JOURNAL_FILE, Journal, load_cache
from nianbao.batch.pool import DIED, GAVE_UP, RestartingPool, WorkerDied

LINUX = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
HTML = ("html",)
CHECK = BatchOptions(())   # --check-only


# ---- processes, through /proc ----------------------------------------------------------
def _stat(pid: int) -> list[bytes] | None:
    """/proc/PID/stat after the command name (state, ppid, …), or None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None


def _identity(pid: int) -> tuple[int, bytes] | None:
    """(pid, start time): a pid the system gave to another process later is not the same."""
    stat = _stat(pid)
    return (pid, stat[19]) if stat else None


def _running(who: tuple[int, bytes]) -> bool:
    stat = _stat(who[0])
    return stat is not None and stat[19] == who[1] and stat[0] != b"Z"


def _descendants(pid: int) -> set[tuple[int, bytes]]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                who = _identity(child)
                if who and who not in found:
                    found.add(who)
                    todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait_gone(processes: set[tuple[int, bytes]], seconds: float) -> set[tuple[int, bytes]]:
    """Poll until none of the processes runs (or the deadline); those still running."""
    deadline = time.monotonic() + seconds
    left = {p for p in processes if _running(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = {p for p in left if _running(p)}
    return left


@contextmanager
def batch_process(src: Path, out: Path, *args: str) -> Iterator[tuple[subprocess.Popen, set]]:
    """`nianbao batch src -o out …` started; yields it and a set the test fills with the
    processes it saw below it, every one of which is killed at the end if still running
    (a test that fails must not leave workers behind)."""
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "batch", str(src), "-o", str(out),
                             *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    seen: set[tuple[int, bytes]] = set()
    try:
        yield proc, seen
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid, _ in {p for p in seen if _running(p)}:   # they hold its pipes too
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=60)


def _wait_for(condition, seconds: float, watch: tuple[int, set] | None = None) -> None:
    """Poll condition() until true (a failed assert after `seconds`); meanwhile note every
    process below watch[0] into watch[1]."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if watch is not None:
            watch[1].update(_descendants(watch[0]))
        time.sleep(0.02)


def _reports(root: Path, n: int) -> Path:
    for i in range(n):
        write_report(root / f"机关{i:02d}" / "2024.yaml", COUNTY, f"机关{i:02d}", 2024)
    return root


def _finished(out: Path) -> int:
    """Reports the driver took in: each has its findings written first."""
    return len(list(out.glob("findings/*/*.json")))


# ---- 9. the machinery under the pool fails --------------------------------------------------
class Refusing(ProcessPoolExecutor):
    """A pool whose first `refuse` submits fail as they do while its forkserver, just
    killed, has not yet been reaped (ConnectionRefusedError from its socket)."""

    def __init__(self, count: int, refuse: int):
        super().__init__(count, mp_context=FORK)
        self.refuse = refuse

    def submit(self, fn, /, *args, **kwargs):
        if self.refuse:
            self.refuse -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        return super().submit(fn, *args, **kwargs)


def refusing(*refusals: int):
    """make(): the n-th pool made refuses refusals[n] submits (those after it none)."""
    left = list(refusals)
    return lambda count: Refusing(count, left.pop(0) if left else 0)


def test_a_pool_that_cannot_start_workers_is_renewed():
    with RestartingPool(refusing(1), 2) as pool:
        assert pool.submit(square, 3).result(timeout=60) == 9
    assert pool.restarts == 1


def test_a_replacement_pool_that_cannot_start_workers_is_renewed_too():
    # a worker dies; the pool made in the break refuses the first report submitted to it,
    # inside the done-callback where the old pool left the report (it used to hang there)
    with RestartingPool(refusing(0, 1), 2) as pool:
        squares = [pool.submit(square, n) for n in range(6)]
        killer = pool.submit(die)
        assert [f.result(timeout=60) for f in squares] == [n * n for n in range(6)]
        with pytest.raises(WorkerDied) as err:
            killer.result(timeout=60)
    assert str(err.value) == DIED
    assert pool.restarts >= 2


def test_a_pool_that_never_starts_workers_gives_up():
    with RestartingPool(lambda count: Refusing(count, 10**6), 2) as pool:
        futures = [pool.submit(square, n) for n in range(3)]
        for future in futures:
            with pytest.raises(WorkerDied) as err:
                future.result(timeout=60)
            assert str(err.value) == GAVE_UP


@LINUX
def test_a_batch_whose_forkserver_is_killed_finishes_and_leaves_no_worker(tmp_path: Path):
    n = 40   # checked only (quick): the pool and its forkserver are the same
    src, out = _reports(tmp_path / "DIR", n), tmp_path / "OUT"
    with batch_process(src, out, "--jobs", "2", "--check-only") as (proc, seen):
        _wait_for(lambda: _finished(out) >= 1, 120, (proc.pid, seen))
        seen.update(_descendants(proc.pid))
        servers = [pid for pid, _ in _descendants(proc.pid)
                   if b"multiprocessing.forkserver" in _cmdline(pid)
                   and _stat(pid) and int(_stat(pid)[1]) == proc.pid]
        assert len(servers) == 1 and proc.poll() is None, "the batch ended too soon"
        os.kill(servers[0], signal.SIGKILL)
        _wait_for(lambda: proc.poll() is not None, 120, (proc.pid, seen))
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"]
        assert len(rows) == n and {r["status"] for r in rows} == {"已校验"}
        # the killed server's workers (parted from their pool) and the new pool's end too
        assert not _wait_gone(seen, 30)


# ---- 10. the driver is killed ------------------------------------------------------------
@LINUX
def test_workers_and_forkserver_end_with_a_killed_driver_and_the_rerun_resumes(tmp_path: Path):
    n = 16
    src, out = _reports(tmp_path / "DIR", n), tmp_path / "OUT"
    with batch_process(src, out, "--jobs", "2", "--check-only") as (proc, seen):
        _wait_for(lambda: _finished(out) >= 3, 120, (proc.pid, seen))
        seen.update(_descendants(proc.pid))
        assert any(b"multiprocessing.forkserver" in _cmdline(p) for p, _ in seen)
        proc.kill()
        proc.wait(timeout=60)
        assert not _wait_gone(seen, 30), "workers, forkserver or resource tracker outlived it"
    # 11. the re-run skips every report the killed batch finished (files are written
    # before the journal line: at most the last one is done again)
    written = _finished(out)
    assert written >= 3 and (out / JOURNAL_FILE).is_file()
    with ThreadPoolExecutor(1) as executor:
        result = run_batch(discover(src), executor, out, CHECK)
    skipped = sum(r["skipped"] for r in result.rows)
    assert result.exit_code == 0 and len(result.rows) == n
    assert written - 1 <= skipped < n
    assert not (out / JOURNAL_FILE).exists()   # folded into the cache at the end
    with ThreadPoolExecutor(1) as executor:
        again = run_batch(discover(src), executor, out, CHECK)
    assert all(r["skipped"] for r in again.rows)


# ---- 11. the journal ------------------------------------------------------------------------
def test_the_journal_is_read_up_to_a_line_cut_short_and_folded_once(tmp_path: Path):
    out = tmp_path
    journal = Journal(out)
    journal.record("a.yaml", {"key": "1"})
    journal.record("b.yaml", {"key": "2"})
    journal.record("a.yaml", None)   # a later duplicate: no entry any more
    journal.record("c.yaml", {"key": "3"})
    journal.close()
    with (out / JOURNAL_FILE).open("ab") as f:
        f.write(b'{"run": "' + journal.run.encode() + b'", "file": "d.yaml", "ent')   # killed
    assert load_cache(out) == {"b.yaml": {"key": "2"}, "c.yaml": {"key": "3"}}
    # the next run folds it into the cache before it starts a journal of its own
    nxt = Journal(out)
    assert nxt.previous == {"b.yaml": {"key": "2"}, "c.yaml": {"key": "3"}}
    assert (out / CACHE_FILE).is_file() and (out / JOURNAL_FILE).read_bytes() == b""
    nxt.record("e.yaml", {"key": "5"})
    nxt.fold({"e.yaml": {"key": "5"}})   # the batch's final entries
    assert not (out / JOURNAL_FILE).exists()
    assert load_cache(out) == {"e.yaml": {"key": "5"}}
    # killed between writing the cache and removing the journal: its lines are not replayed
    (out / JOURNAL_FILE).write_text(json.dumps(
        {"run": nxt.run, "file": "b.yaml", "entry": {"key": "2"}}) + "\n", encoding="utf-8")
    assert load_cache(out) == {"e.yaml": {"key": "5"}}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_journal_that_cannot_be_written_is_given_up_not_the_batch(tmp_path: Path, caplog):
    journal = Journal(tmp_path)
    os.close(journal._fd)
    journal._fd = os.open("/dev/full", os.O_WRONLY)   # every write: no space left on device
    journal.record("a.yaml", {"key": "1"})
    journal.record("b.yaml", {"key": "2"})
    assert caplog.text.count("无法写入") == 1
    journal.fold({"a.yaml": {"key": "1"}, "b.yaml": {"key": "2"}})   # the cache, at the end
    assert load_cache(tmp_path) == {"a.yaml": {"key": "1"}, "b.yaml": {"key": "2"}}


# ---- 12. the driver's memory ---------------------------------------------------------------
RENDERED = 400_000   # bytes of each fake report


def check_and_pretend_to_render(task: report_task.Task) -> report_task.Result:
    """The real check of a task, with large outputs in place of rendering."""
    result = report_task.run_task(dataclasses.replace(task, formats=()))
    result.outputs = {"html": b"<html>" + os.urandom(RENDERED)}
    return result


class Watched(Executor):
    """run_batch's executor over a RestartingPool: tasks are checked and fake-rendered,
    each result is watched through a weak reference, and the most reports handed out and
    not yet taken in by the driver (`accepted`, which the test counts) is noted."""

    def __init__(self, inner: Executor, accepted: list):
        self.inner, self.accepted, self.results = inner, accepted, []
        self.submitted = self.most = 0

    def submit(self, fn, /, task, *args, **kwargs) -> Future:
        self.submitted += 1
        self.most = max(self.most, self.submitted - len(self.accepted))
        future = self.inner.submit(check_and_pretend_to_render, task)
        future.add_done_callback(lambda f: self.results.append(weakref.ref(f.result())))
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_the_driver_keeps_no_rendered_bytes(tmp_path: Path, monkeypatch):
    n = 12
    src, out = _reports(tmp_path / "DIR", n), tmp_path / "OUT"
    accepted: list[weakref.ref] = []
    held: list[int] = []
    take = driver._Run.accept

    def accept(self, result):
        take(self, result)
        accepted.append(weakref.ref(result))
        held.append(sum(len(data) for ref in accepted if (r := ref()) is not None
                        for data in r.outputs.values()))
    monkeypatch.setattr(driver._Run, "accept", accept)
    monkeypatch.setattr(driver, "WINDOW", 3)   # inputs are read as their turn comes
    gc.collect()
    gc.disable()   # what is kept alive only by a reference cycle stays: it must be none
    try:
        with RestartingPool(lambda count: ProcessPoolExecutor(count, mp_context=FORK), 2) as pool:
            watched = Watched(pool, accepted)
            result = run_batch(discover(src), watched, out, BatchOptions(HTML))
            assert result.exit_code == 0
            assert all(len(p.read_bytes()) > RENDERED for p in out.glob("*/*.html"))
            assert len(watched.results) == n and held == [0] * n
            assert watched.most == 3
            alive = [ref() for ref in watched.results if ref() is not None]
            assert not alive, f"{len(alive)} results of {n} still referenced after the batch"
    finally:
        gc.enable()
