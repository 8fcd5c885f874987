"""`nianbao serve` hardened (issue 16, item 15): every file checked in a worker process
bounded in time and memory, so one bad file fails alone while every other page keeps
answering.

The time and memory bounds are shown without relying on any parser bug: ``Limits.setup``
(a hook for tests only, never reachable from the command line) wraps the pipeline's reader
in each worker so that a file carrying a marker comment really sleeps, or really allocates
until the worker's RLIMIT_AS refuses — the same ways a billion-digit number used to hang
or bloat the server.  Waits poll with deadlines; nothing sleeps a fixed time.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from conftest import COUNTY

from generator.serve import start

SLOW_MARK = "# 测试：读取很慢"
HUGE_MARK = "# 测试：读取很占内存"


def marked_readers() -> None:
    """Limits.setup of these tests, run in each worker: a file with SLOW_MARK takes
    forever to read, one with HUGE_MARK allocates without end; other files are read as
    usual."""
    from generator import pipeline

    real = pipeline.read

    def read(path, options=None, name=None):
        text = Path(path).read_bytes().decode("utf-8", "replace")
        if SLOW_MARK in text:
            while True:
                time.sleep(1)
        if HUGE_MARK in text:
            hoard = []
            while True:
                hoard.append(bytes(32 << 20))  # calloc: address space, no RAM
        return real(path, options or pipeline.ReadOptions(), name)
    pipeline.read = read


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    root.mkdir()
    shutil.copy(COUNTY, root / "county.yaml")
    return root


def ask(url: str, method: str = "GET", path: str = "/", body: bytes | None = None,
        headers: dict[str, str] | None = None, timeout: float = 60
        ) -> tuple[int, dict[str, str], bytes]:
    """One request to the server at ``url`` (Host as a browser sends it, unless given)."""
    netloc = urlsplit(url).netloc
    conn = http.client.HTTPConnection(netloc, timeout=timeout)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    all_headers = {"Host": netloc, **(headers or {})}
    if body is not None:
        all_headers.setdefault("Content-Length", str(len(body)))
    for name, value in all_headers.items():
        conn.putheader(name, value)
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read() if method != "HEAD" else b""
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def wait_for(predicate, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


# ---- 15: a file bounded in time and memory fails alone ------------------------------------
def _marked(folder: Path, name: str, mark: str) -> Path:
    path = folder / name
    path.write_text(COUNTY.read_text(encoding="utf-8") + f"\n{mark}\n", encoding="utf-8")
    return path


def _problems(running, id: str) -> str:
    status, _, body = ask(running.url, path=f"/state/{id}")
    assert status == 200
    return json.dumps(json.loads(body)["problems"], ensure_ascii=False)


def test_a_slow_file_times_out_alone_and_recovers(folder, monkeypatch):
    from generator.serve import Limits, ServeOptions, state

    monkeypatch.setattr(state, "INDEX_WAIT", 0.5)
    bad = _marked(folder, "slow.yaml", SLOW_MARK)
    limits = Limits(build_seconds=8, setup=marked_readers)
    running = start(folder, port=0, interval=0.05, debounce=0.1,
                    options=ServeOptions(limits=limits))
    try:
        assert running.site.previews.settled.wait(60)  # the workers are up
        (status, _, body), took = timed(lambda: ask(running.url))
        assert status == 200 and took < 6, took  # the index does not wait for slow.yaml
        row = re.search(r'<tr[^>]*data-file="slow.yaml".*?</tr>', body.decode(), re.DOTALL).group()
        assert "正在检查" in row
        # other reports answer while slow.yaml holds a worker
        (status, _, _), took = timed(lambda: ask(running.url, path="/report/f/county.yaml"))
        assert status == 200 and took < 6, took
        assert ask(running.url, path="/preview/f/county.yaml")[0] == 200
        # slow.yaml's own page: an error of its own once the bound is reached
        problems, took = timed(lambda: _problems(running, "f/slow.yaml"))
        assert "处理超时" in problems and "8 秒" in problems and "修正后保存" in problems
        assert took < 8 + 20, took
        assert "处理超时" in ask(running.url)[2].decode()
        # the replacement worker takes the fixed file
        bad.write_text(COUNTY.read_text(encoding="utf-8"), encoding="utf-8")
        wait_for(lambda: _problems(running, "f/slow.yaml") == "[]")
        assert ask(running.url, path="/preview/f/slow.yaml")[0] == 200
    finally:
        running.stop()


def test_a_file_that_needs_too_much_memory_fails_alone(folder):
    from generator.serve import Limits, ServeOptions

    limits = Limits(build_seconds=60, memory_bytes=1 << 30, setup=marked_readers)
    running = start(folder, port=0, options=ServeOptions(limits=limits))
    try:
        status, _, body = ask(running.url, "POST", "/upload?name=" + quote("大.yaml"),
                              (COUNTY.read_text(encoding="utf-8") + HUGE_MARK).encode())
        assert status == 201
        id = json.loads(body)["id"]
        problems = _problems(running, id)
        assert "内存超限" in problems and "1024 MB" in problems and "大.yaml" in problems
        assert ask(running.url, path="/report/f/county.yaml")[0] == 200
        assert json.loads(ask(running.url, path="/state/f/county.yaml")[2])["problems"] == []
        assert ask(running.url, path="/download/pdf/" + id)[0] == 409  # nothing good to render
    finally:
        running.stop()
