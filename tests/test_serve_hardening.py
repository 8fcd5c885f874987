"""`nianbao serve` hardened (issue 16, items 13–16): loopback checks whatever way the
loopback address was given; the access token when the server is open to a network; every
file checked in a worker process bounded in time and memory, so one bad file fails alone
while every other page keeps answering; 422 for a report that cannot be rendered; uploads
removed on SIGTERM; a listen backlog that does not stall connections.

The time and memory bounds are shown without relying on any parser bug: ``Limits.setup``
(a hook for tests only, never reachable from the command line) wraps the pipeline's reader
in each worker so that a file carrying a marker comment really sleeps, or really allocates
until the worker's RLIMIT_AS refuses — the same ways a billion-digit number used to hang
or bloat the server.  Waits poll with deadlines; nothing sleeps a fixed time.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from conftest import COUNTY, ROOT

from nianbao.serve import guard, start
from nianbao.serve.server import PreviewServer

SLOW_MARK = "# 测试：读取很慢"
HUGE_MARK = "# 测试：读取很占内存"
SLOW_AGENCY = "慢速下载测试局"


def marked_readers() -> None:
    """Limits.setup of these tests, run in each worker: a file with SLOW_MARK takes
    forever to read, one with HUGE_MARK allocates without end, the download of a report of
    SLOW_AGENCY never ends; other files are read and rendered as usual."""
    from nianbao import pipeline

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

    real_render_all = pipeline.render_all

    def render_all(validated, formats, options=None):  # downloads only: previews render
        if SLOW_AGENCY in validated.report.agency.name:  # their HTML without it
            while True:
                time.sleep(1)
        return real_render_all(validated, formats, options)
    pipeline.render_all = render_all


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


# ---- 13: loopback checks, however the loopback address was given -------------------------
def _ipv6_loopback() -> bool:
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost",
                                  pytest.param("::1", marks=pytest.mark.skipif(
                                      not _ipv6_loopback(), reason="no IPv6 loopback"))])
def test_explicit_loopback_host_keeps_the_loopback_checks(folder, host):
    running = start(folder, host=host, port=0)
    try:
        status, _, body = ask(running.url, headers={"Host": "rebound.example:8000"})
        assert status == 403 and "只接受本机的访问" in body.decode()
        assert ask(running.url, path="/state/f/county.yaml",
                   headers={"Host": "rebound.example"})[0] == 403
        assert ask(running.url)[0] == 200  # the user's own browser: no token needed
        status, _, _ = ask(running.url, "POST", "/upload?name=a.yaml", COUNTY.read_bytes(),
                           {"Origin": "http://rebound.example:8000"})
        assert status == 403
        assert running.server.access.loopback_only and running.token is None
    finally:
        running.stop()


# ---- 14: the access token on a network address ----------------------------------------------
def test_network_address_needs_the_token_then_the_cookie(folder):
    running = start(folder, host="0.0.0.0", port=0)
    try:
        url = f"http://127.0.0.1:{running.server.server_address[1]}/"
        status, _, body = ask(url)
        page = body.decode()
        assert status == 403 and "需要访问令牌" in page and "?token=" in page
        token = running.token
        assert token and len(token) >= 40 and not running.server.access.loopback_only
        assert running.link == running.url + "?token=" + token
        for path in ("/report/f/county.yaml", "/preview/f/county.yaml",
                     "/state/f/county.yaml", "/events", "/events/f/county.yaml",
                     "/download/docx/f/county.yaml", "/static/serve.js", "/?token=wrong",
                     "/?token=" + token[:-1]):
            assert ask(url, path=path)[0] == 403, path
        assert ask(url, "HEAD", "/events")[0] == 403
        assert ask(url, "POST", "/upload?name=a.yaml", COUNTY.read_bytes())[0] == 403
        assert ask(url, headers={"Authorization": "token wrong"})[0] == 403

        status, headers, body = ask(url, path="/?token=" + token)
        assert status == 200 and "county.yaml" in body.decode()
        cookie = headers["set-cookie"]
        name = guard.cookie_name(running.server.server_address[1])
        assert cookie.startswith(f"{name}={token};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        jar = {"Cookie": f"other=1; {name}={token}"}
        for path in ("/report/f/county.yaml", "/state/f/county.yaml",
                     "/download/docx/f/county.yaml"):
            status, headers, _ = ask(url, path=path, headers=jar)
            assert status == 200 and "set-cookie" not in headers, path
        assert ask(url, "HEAD", "/events", headers=jar)[0] == 200
        status, _, body = ask(url, "POST", "/upload?name=a.yaml", COUNTY.read_bytes(), jar)
        assert status == 201
        assert ask(url, path=json.loads(body)["url"], headers=jar)[0] == 200
        assert ask(url, headers={"Authorization": f"token {token}"})[0] == 200
        assert ask(url, headers={"Cookie": f"{name}=wrong"})[0] == 403
    finally:
        running.stop()


def test_a_given_token_is_needed_on_loopback_too(folder):
    running = start(folder, port=0, token="mein-token-123")
    try:
        assert running.server.access.loopback_only
        assert ask(running.url)[0] == 403
        assert ask(running.url, path="/?token=mein-token-123")[0] == 200
        # still a loopback server: a foreign Host is refused even with the token
        assert ask(running.url, path="/?token=mein-token-123",
                   headers={"Host": "rebound.example"})[0] == 403
    finally:
        running.stop()


def test_tokens_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = guard.hmac.compare_digest
    monkeypatch.setattr(guard.hmac, "compare_digest",
                        lambda a, b: calls.append((a, b)) or real(a, b))
    access = guard.Access(False, "s3cret-token", 8000)
    assert access.has_token("token=s3cret-token", None, None) == (True, True)
    assert access.has_token("", "nianbao-token-8000=s3cret-token", None) == (True, False)
    assert access.has_token("", None, "Bearer s3cret-token") == (True, False)
    assert access.has_token("token=s3cret-tokeN", "nianbao-token-8001=s3cret-token",
                            "token nope") == (False, False)
    assert calls and all(b == b"s3cret-token" for _, b in calls)
    assert guard.token_problem("short") and guard.token_problem("有中文的令牌12345")
    assert guard.token_problem(guard.new_token()) is None


def _serve(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "300", "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "nianbao", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def _link(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()
    assert line.startswith("预览地址：http://"), line + proc.stderr.read()
    return line.split("：", 1)[1].split()[0]


def test_serve_verb_prints_the_link_with_its_token(folder):
    proc = _serve([str(folder), "--host", "0.0.0.0", "--port", "0"])
    try:
        link = _link(proc)
        token = re.fullmatch(r"http://0\.0\.0\.0:\d+/\?token=([\w-]{40,})", link).group(1)
        local = link.replace("0.0.0.0", "127.0.0.1")
        assert ask(local.split("?")[0])[0] == 403
        assert ask(local, path="/?token=" + token)[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "带令牌链接" in err and "预览已停止" in out
    result = subprocess.run([sys.executable, "-m", "nianbao", "serve", str(folder),
                             "--token", "a b"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, check=False)
    assert result.returncode == 2 and "--token 只能由" in result.stderr


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
    from nianbao.serve import Limits, ServeOptions, state

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
    from nianbao.serve import Limits, ServeOptions

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


def test_a_download_that_takes_too_long_is_stopped(folder):
    from nianbao.serve import Limits, ServeOptions

    text = COUNTY.read_text(encoding="utf-8").replace("某某县交通运输局", SLOW_AGENCY)
    (folder / "slow-download.yaml").write_text(text, encoding="utf-8")
    limits = Limits(download_seconds=3, setup=marked_readers)
    running = start(folder, port=0, options=ServeOptions(limits=limits))
    try:
        assert ask(running.url, path="/report/f/slow-download.yaml")[0] == 200  # previews
        (status, _, body), took = timed(
            lambda: ask(running.url, path="/download/docx/f/slow-download.yaml"))
        page = body.decode()
        assert status == 422 and "处理超时" in page and "生成 DOCX 文件超过 3 秒" in page
        assert took < 3 + 20, took
        # the replacement worker renders the next file
        status, _, data = ask(running.url, path="/download/docx/f/county.yaml")
        assert status == 200 and data.startswith(b"PK")
    finally:
        running.stop()


# ---- 16: 422 for what cannot be rendered; uploads gone on SIGTERM; the backlog --------------
def test_a_report_that_cannot_be_rendered_answers_422(folder):
    text = COUNTY.read_text(encoding="utf-8").replace(
        "  other: |\n", "  other: |\n    这里有一个字符\U0010FFFD无法显示。\n", 1)
    (folder / "glyph.yaml").write_text(text, encoding="utf-8")
    running = start(folder, port=0)
    try:
        status, headers, body = ask(running.url, path="/download/pdf/f/glyph.yaml")
        page = body.decode()
        assert status == 422 and headers["content-type"].startswith("text/html")
        assert "无法生成" in page and "U+10FFFD" in page and "没有可用字体能够显示" in page
        assert ask(running.url, path="/download/pdf/f/county.yaml")[0] == 200
    finally:
        running.stop()


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_removes_the_uploads_and_the_workers(folder, tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = _serve([str(folder), "--port", "0"], {"TMPDIR": str(temp)})
    try:
        url = _link(proc)
        status, _, _ = ask(url, "POST", "/upload?name=a.yaml", COUNTY.read_bytes())
        assert status == 201
        uploads = list(temp.glob("nianbao-upload-*"))
        assert len(uploads) == 1 and list(uploads[0].rglob("a.yaml"))
        workers = _descendants(proc.pid)  # the forkserver and the preview workers
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "预览已停止" in out and "Traceback" not in err, err
    assert not list(temp.glob("nianbao-upload-*"))
    assert workers
    wait_for(lambda: not any(_alive(pid) for pid in workers), 15)


ORPHAN_SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from test_serve_hardening import marked_readers
from nianbao.serve import Limits, ServeOptions, start
running = start(Path({folder!r}), port=0,
                options=ServeOptions(limits=Limits(build_seconds=600, setup=marked_readers)))
print(running.url, flush=True)
time.sleep(600)
"""


def test_workers_do_not_outlive_a_killed_server(folder):
    _marked(folder, "slow.yaml", SLOW_MARK)
    code = ORPHAN_SERVER.format(tests=str(ROOT / "tests"), folder=str(folder))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        assert ask(url)[0] == 200  # slow.yaml is now stuck in a worker, for 600 s
        workers = _descendants(proc.pid)
        proc.kill()  # no clean stop: nobody tells the workers
        proc.wait(30)
    finally:
        proc.kill()
    assert workers
    wait_for(lambda: not any(_alive(pid) for pid in workers), 20)


def test_the_listen_backlog_takes_a_burst_of_connections(folder):
    from nianbao.serve.downloads import Downloads
    from nianbao.serve.state import Site

    site = Site(folder)
    server = PreviewServer(("127.0.0.1", 0), site, Downloads(), None)
    sockets = []
    try:  # nobody accepts: every connection must wait in the kernel's queue
        for _ in range(64):
            sockets.append(socket.create_connection(server.server_address, timeout=0.5))
    finally:
        for s in sockets:
            s.close()
        server.server_close()
        site.close()
    assert len(sockets) == 64
