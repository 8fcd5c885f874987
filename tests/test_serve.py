"""`nianbao serve` without a browser: routes, safety (traversal, uploads, non-loopback),
live state (last good build kept, errors shown), the debounce, escaping, downloads."""

from __future__ import annotations

import http.client
import io
import json
import re
import shutil
import socket
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from conftest import COUNTY, EXAMPLES, run_cli
from nianbao.cli.main import parser
from nianbao.serve import guard, start
from nianbao.serve.server import Handler
from nianbao.serve.state import Site
from nianbao.serve.watcher import Debouncer, Watcher

BALANCE = EXAMPLES / "invalid" / "t3-balance.yaml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    (root / "invalid").mkdir(parents=True)
    shutil.copy(COUNTY, root / "county.yaml")
    shutil.copy(BALANCE, root / "invalid" / "t3-balance.yaml")
    (tmp_path / "secret.yaml").write_text("agency: {name: 机密}\n", encoding="utf-8")
    return root


@pytest.fixture
def server(folder: Path):
    running = start(folder, port=0, interval=0.05, debounce=0.1)
    yield running
    running.stop()


def request(running, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as written (no client-side normalising)."""
    from test_serve_hardening import ask

    return ask(running.url, method, path, body, headers, timeout=60)


def get_json(running, path: str) -> dict:
    status, _, data = request(running, "GET", path)
    assert status == 200
    return json.loads(data)


def wait_for(predicate, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


# ---- command line ------------------------------------------------------------------------
def test_cli_defaults_are_safe():
    args = parser().parse_args(["serve"])
    assert (args.path, args.port, args.host, args.open) == (Path("."), 8000, None, False)
    args = parser().parse_args(["serve", "年报", "--port", "9000", "--host", "0.0.0.0", "--open"])
    assert (args.path, args.port, args.host, args.open) == (Path("年报"), 9000, "0.0.0.0", True)


def test_binds_to_loopback_by_default(server):
    assert server.server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")
    assert server.server.access.loopback_only and server.server.access.token is None


# ---- routes ------------------------------------------------------------------------------
def test_index_lists_every_report_with_counts(server):
    status, headers, body = request(server, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "county.yaml" in page and "invalid/t3-balance.yaml" in page
    assert "某某县交通运输局" in page and "2021年格式" in page
    assert 'href="/report/f/county.yaml"' in page
    assert "secret.yaml" not in page  # outside PATH
    assert "nosniff" == headers["x-content-type-options"]


def test_report_page_state_preview_and_static(server):
    assert request(server, "GET", "/report/f/county.yaml")[0] == 200
    state = get_json(server, "/state/f/invalid/t3-balance.yaml")
    assert state["summary"]["errors"] == 2 and state["problems"] == []
    finding = state["findings"][0]
    assert finding["rule"] == "T3-BALANCE" and "table3.new.natural" in finding["keys"]
    assert finding["cells"][0]["source"].startswith("invalid/t3-balance.yaml 第")
    status, headers, html = request(server, "GET", "/preview/f/invalid/t3-balance.yaml")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
    assert b'data-cell="table3.new.natural" data-flag="error"' in html
    for name in ("serve.js", "serve.css"):
        assert request(server, "GET", f"/static/{name}")[0] == 200


def test_preview_is_the_pipeline_render(server, folder):
    from nianbao.compose.report import compose
    from nianbao.pipeline import check_file
    from nianbao.render import RenderOptions, render
    from nianbao.serve.preview_jobs import cell_flags

    path = folder / "invalid" / "t3-balance.yaml"
    checked = check_file(path)
    expected = render(compose(checked.validated), "html", RenderOptions(
        preview=True, draft_errors=checked.summary["errors"],
        extra={"cell_flags": cell_flags(checked.findings)}))
    preview = request(server, "GET", "/preview/f/invalid/t3-balance.yaml")[2]
    assert preview == expected
    assert "草稿：本报告存在 2 个错误，不得发布".encode() in preview  # the draft its downloads are
    built = render(compose(checked.validated), "html")
    assert b"data-flag" not in built  # the marks are the preview's only


def test_unknown_routes_are_404(server):
    for path in ("/nope", "/report/", "/report/f/missing.yaml", "/download/xls/f/county.yaml",
                 "/static/other.js", "/state/county.yaml"):
        assert request(server, "GET", path)[0] == 404, path
    assert request(server, "POST", "/report/f/county.yaml", b"x")[0] == 404


@pytest.mark.parametrize("path", [
    "/report/f/../../secret.yaml",
    "/report/f/../secret.yaml",
    "/preview/f/..%2f..%2fsecret.yaml",
    "/preview/f/%2e%2e/%2e%2e/secret.yaml",
    "/state/f//etc/passwd",
    "/download/pdf/f/../secret.yaml",
    "/download/docx/f/..%5csecret.yaml",
    "/static/../state.py",
    "/static/..%2fstate.py",
    "/static/%2e%2e%2f__init__.py",
    "/report/f/county.yaml%00.txt",
    "/../../../etc/passwd",
    "/report/u/../../secret.yaml",
])
def test_path_traversal_is_404(server, path):
    status, _, body = request(server, "GET", path)
    assert status == 404
    assert "机密".encode() not in body and b"root:" not in body


def test_symlink_out_of_path_is_not_served(server, folder):
    (folder / "link.yaml").symlink_to(folder.parent / "secret.yaml")
    server.site.sync()
    assert "f/link.yaml" not in server.site.entries
    assert request(server, "GET", "/report/f/link.yaml")[0] == 404


# ---- uploads -----------------------------------------------------------------------------
def test_upload_previews_in_a_temporary_folder(server, folder):
    before = sorted(p.name for p in folder.rglob("*"))
    status, _, body = request(server, "POST", "/upload?name=" + quote("上传的报告.yaml"),
                              COUNTY.read_bytes())
    assert status == 201
    url = json.loads(body)["url"]
    assert url.startswith("/report/u/")
    assert request(server, "GET", url)[0] == 200
    entry = server.site.get(url[len("/report/"):])
    assert folder not in entry.path.parents and entry.path.name == "上传的报告.yaml"
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written to PATH
    page = request(server, "GET", "/")[2].decode()
    assert "上传" in page and "上传的报告.yaml" in page
    upload_dir = server.site.upload_dir
    server.stop()
    assert not upload_dir.exists()


def test_upload_too_large_is_413(server):
    big = b"a: 1\n" * (guard.MAX_UPLOAD_BYTES // 5 + 10)
    status, _, body = request(server, "POST", "/upload?name=big.yaml", big)
    assert status == 413 and "MB" in json.loads(body)["message"]
    # refused from the header alone, before a byte of the body is read
    status, _, body = request(server, "POST", "/upload?name=big.xlsx", b"",
                              {"Content-Length": str(50 * 1024 * 1024)})
    assert status == 413


@pytest.mark.parametrize("name, data", [
    ("report.txt", b"agency: {}\n"),
    ("report.exe", b"MZ\x90\x00"),
    ("report.xls", b"\xd0\xcf\x11\xe0"),
    ("report.xlsx", b"year: 2024\n"),  # not a zip package
    ("report.yaml", b"PK\x03\x04\x00\x00binary"),
    ("report.yaml", "年度".encode("gbk")),
    ("", b"year: 2024\n"),
])
def test_upload_of_other_types_is_415(server, name, data):
    status, _, body = request(server, "POST", "/upload?name=" + quote(name), data)
    assert status == 415
    assert json.loads(body)["message"]
    assert not [e for e in server.site.entries.values() if e.uploaded]


def test_upload_from_another_origin_is_refused(server):
    status, _, _ = request(server, "POST", "/upload?name=a.yaml", COUNTY.read_bytes(),
                           {"Origin": "http://evil.example"})
    assert status == 403


# ---- who may ask -------------------------------------------------------------------------
def test_foreign_host_header_is_refused(server):
    assert request(server, "GET", "/", headers={"Host": "evil.example:8000"})[0] == 403
    assert request(server, "GET", "/", headers={"Host": "localhost"})[0] == 200


def _ask_as(running, client: tuple[str, int], path: str = "/") -> bytes:
    """Hand the server's handler a connection that claims to come from ``client``."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        ours = socket.create_connection(listener.getsockname())
        theirs, _ = listener.accept()
    ours.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                 .encode())
    thread = threading.Thread(target=Handler, args=(theirs, client, running.server))
    thread.start()
    thread.join(30)
    theirs.close()
    ours.settimeout(5)
    data = b""
    while chunk := ours.recv(65536):
        data += chunk
    ours.close()
    return data


def test_non_loopback_client_is_refused(server):
    assert _ask_as(server, ("192.0.2.7", 40000)).startswith(b"HTTP/1.1 403")
    assert _ask_as(server, ("::ffff:10.0.0.1", 40000)).startswith(b"HTTP/1.1 403")
    assert _ask_as(server, ("127.0.0.1", 40000)).startswith(b"HTTP/1.1 200")
    # bound to a network address: other machines may ask, with the token
    server.server.access = guard.Access(False, "t0ken-for-tests", 0)
    assert _ask_as(server, ("192.0.2.7", 40000)).startswith(b"HTTP/1.1 403")
    assert _ask_as(server, ("192.0.2.7", 40000), "/?token=t0ken-for-tests").startswith(
        b"HTTP/1.1 200")


def test_guard_rules():
    assert guard.is_loopback("127.0.0.1") and guard.is_loopback("::1")
    assert guard.is_loopback("::ffff:127.0.0.1") and not guard.is_loopback("10.1.2.3")
    assert not guard.request_allowed("10.1.2.3", "127.0.0.1:8000", loopback_only=True)
    assert not guard.request_allowed("127.0.0.1", "attacker.example", loopback_only=True)
    assert not guard.request_allowed("127.0.0.1", None, loopback_only=True)
    assert guard.request_allowed("127.0.0.1", "[::1]:8000", loopback_only=True)
    assert guard.request_allowed("127.0.0.1", "127.0.0.2:8000", loopback_only=True)
    assert guard.request_allowed("10.1.2.3", "server.lan:8000", loopback_only=False)


# ---- live state --------------------------------------------------------------------------
def test_broken_save_keeps_last_good_build_and_recovers(server, folder):
    path = folder / "county.yaml"
    good = get_json(server, "/state/f/county.yaml")
    assert good["problems"] == [] and good["render_version"] >= 1
    text = path.read_text(encoding="utf-8")
    # a misspelt key leaves the file unreadable (a word in a cell would be a finding)
    path.write_text(text.replace("commercial: 4,", "comercial: 4,", 1), encoding="utf-8")
    broken = wait_for(lambda: (s := get_json(server, "/state/f/county.yaml"))["problems"] and s)
    assert broken["render_version"] == good["render_version"]  # last good build kept
    assert ("第47行" in broken["problems"][0]["where"]
            and "comercial" in broken["problems"][0]["message"])
    assert request(server, "GET", "/preview/f/county.yaml")[0] == 200
    path.write_text(text.replace("natural: 31, commercial: 4,", "natural: 32, commercial: 4,", 1),
                    encoding="utf-8")
    fixed = wait_for(lambda: not (s := get_json(server, "/state/f/county.yaml"))["problems"] and s)
    assert fixed["render_version"] > good["render_version"]
    assert fixed["summary"]["errors"] > 0  # 32 no longer adds up: the finding shows it


def test_new_and_deleted_files_appear_on_the_index(server, folder):
    shutil.copy(COUNTY, folder / "copy.yaml")
    wait_for(lambda: "copy.yaml" in request(server, "GET", "/")[2].decode())
    (folder / "copy.yaml").unlink()
    wait_for(lambda: "copy.yaml" not in request(server, "GET", "/")[2].decode())


def test_events_stream_reports_versions(server, folder):
    netloc = urlsplit(server.url).netloc
    conn = http.client.HTTPConnection(netloc, timeout=10)
    conn.request("GET", "/events/f/county.yaml")
    resp = conn.getresponse()
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    assert resp.fp.readline() == b"retry: 500\n"
    resp.fp.readline()
    assert resp.fp.readline() == b"event: update\n"
    first = json.loads(resp.fp.readline().split(b":", 1)[1])["version"]
    get_json(server, "/state/f/county.yaml")  # first build
    path = folder / "county.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    while (line := resp.fp.readline()) != b"event: update\n":
        assert line
    assert json.loads(resp.fp.readline().split(b":", 1)[1])["version"] > first
    conn.close()


# ---- the debounce ------------------------------------------------------------------------
def test_debouncer_releases_a_burst_once():
    d = Debouncer(0.15)
    a, b = Path("a.yaml"), Path("b.yaml")
    d.add({a}, 0.0)
    assert d.due(0.1) == set()
    d.add({b}, 0.12)  # still in the burst: the quiet period starts again
    assert d.due(0.2) == set()
    assert d.due(0.28) == {a, b}
    assert d.due(0.5) == set()


def test_watcher_burst_of_saves_causes_one_rebuild(tmp_path):
    path = tmp_path / "report.yaml"
    shutil.copy(COUNTY, path)
    calls: list[set[Path]] = []
    watcher = Watcher(tmp_path, calls.append, interval=0.05, debounce=0.15)
    watcher.prime(0.0)
    text = path.read_text(encoding="utf-8")
    now = 0.0
    for i in range(6):  # six saves 60 ms apart, some by rename as Excel and editors do
        now += 0.06
        if i % 2:
            tmp = tmp_path / f".~report{i}.tmp"
            tmp.write_text(text + f"# {i}\n", encoding="utf-8")
            tmp.replace(path)
        else:
            path.write_text(text + f"# {i}\n", encoding="utf-8")
        assert watcher.poll(now) == set()
    assert watcher.poll(now + 0.1) == set()
    assert watcher.poll(now + 0.2) == {path}
    assert watcher.poll(now + 0.5) == set()


def test_real_burst_gives_one_rebuild(tmp_path):
    path = tmp_path / "county.yaml"
    shutil.copy(COUNTY, path)
    site = Site(tmp_path)
    site.sync()
    entry = site.get("f/county.yaml").ensure()
    rebuilds = []
    original = entry.rebuild
    entry.rebuild = lambda: (rebuilds.append(time.monotonic()), original())
    # a quiet period far longer than the watcher takes to see a save, so that a loaded
    # machine still saves faster than it: the burst is a burst
    watcher = Watcher(tmp_path, site.on_change, interval=0.05, debounce=1.0)
    watcher.start()
    try:
        text = path.read_text(encoding="utf-8")
        for i in range(8):  # each save seen by the watcher before the next
            path.write_text(text + "#" * (i + 1) + "\n", encoding="utf-8")
            wait_for(watcher.caught_up, 30)
        # then: every save seen, the burst released, and its build (if any) over
        wait_for(lambda: watcher.idle() and not entry.busy, 60)
    finally:
        watcher.stop()
        site.close()
    assert len(rebuilds) == 1
    assert entry.good.digest and entry.problems == []
    assert entry.good.source.data == path.read_bytes()  # the build saw the last save


# ---- escaping ----------------------------------------------------------------------------
def test_everything_from_the_data_is_escaped(tmp_path):
    text = COUNTY.read_text(encoding="utf-8")
    text = text.replace("name: 某某县交通运输局", "name: 某某县<script>alert(1)</script>局", 1)
    evil = "    <script>alert(2)</script><img src=x onerror=alert(3)>\n"
    text = text.replace("  other: |\n", "  other: |\n" + evil, 1)
    (tmp_path / "evil.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "broken <img src=x onerror=alert(4)>.yaml").write_text(
        "agency: {name: <b>x</b>}\nyear: [\n", encoding="utf-8")
    running = start(tmp_path, port=0)
    try:
        pages = [request(running, "GET", "/")[2]]
        pages.append(request(running, "GET", "/report/f/evil.yaml")[2])
        pages.append(request(running, "GET", "/preview/f/evil.yaml")[2])
        bad = "/report/f/" + quote("broken <img src=x onerror=alert(4)>.yaml")
        pages.append(request(running, "GET", bad)[2])
        for page in pages:
            assert b"<script>alert" not in page and b"<img src=x" not in page
        assert b"&lt;script&gt;alert(2)" in pages[2]
        assert b"&lt;img src=x onerror=alert(4)&gt;" in pages[0]
        state = get_json(running, "/state/f/evil.yaml")
        assert "<script>" in state["agency"]  # JSON holds the text; the page sets textContent
        name = quote("<img src=x onerror=alert(5)>.yaml")
        status, _, _ = request(running, "POST", "/upload?name=" + name, text.encode())
        assert status == 201 and b"<img src=x" not in request(running, "GET", "/")[2]
    finally:
        running.stop()
    js = (Path(__file__).resolve().parents[1] / "generator/serve/assets/serve.js").read_text()
    assert not re.search(r"(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write", js)


# ---- downloads ---------------------------------------------------------------------------
def test_docx_download_is_cached_by_content(server, folder):
    status, headers, data = request(server, "GET", "/download/docx/f/county.yaml")
    assert status == 200 and data.startswith(b"PK")
    assert "wordprocessingml" in headers["content-type"]
    assert "filename*=UTF-8''" + quote("某某县交通运输局2024年政府信息公开工作年度报告.docx") \
        in headers["content-disposition"]
    assert request(server, "GET", "/download/docx/f/county.yaml")[2] == data
    assert server.server.downloads.renders == 1
    path = folder / "county.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# 只改了注释\n", encoding="utf-8")
    wait_for(lambda: get_json(server, "/state/f/county.yaml")["render_version"] > 1)
    request(server, "GET", "/download/docx/f/county.yaml")
    assert server.server.downloads.renders == 2  # new bytes, new rendering


def test_download_of_a_report_with_errors_is_the_marked_draft(server, folder, tmp_path):
    """What `build --force` writes: every page marked with the preview's count of errors."""
    status, _, data = request(server, "GET", "/download/docx/f/invalid/t3-balance.yaml")
    assert status == 200
    out = tmp_path / "built"
    assert run_cli("build", folder / "invalid" / "t3-balance.yaml", "-o", out, "--format",
                   "docx", "--force").returncode == 1
    assert data == next(out.glob("*.docx")).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        headers = [archive.read(n).decode() for n in archive.namelist()
                   if n.startswith("word/header")]
    assert len(headers) == 3 and all("草稿：本报告存在 2 个错误，不得发布" in h for h in headers)


def test_download_of_unreadable_file_is_refused(server, folder):
    (folder / "bad.yaml").write_text("year: [\n", encoding="utf-8")
    server.site.sync()
    status, _, body = request(server, "GET", "/download/pdf/f/bad.yaml")
    assert status == 409 and "无法读取".encode() in body


# ---- the verb ----------------------------------------------------------------------------
def test_serve_verb_prints_the_url_and_stops_cleanly_on_ctrl_c(folder):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", str(folder),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("预览地址：http://127.0.0.1:")
        url = line.split("：", 1)[1].split()[0]
        netloc = urlsplit(url).netloc
        conn = http.client.HTTPConnection(netloc, timeout=30)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "预览已停止" in out and "Traceback" not in err


def test_serve_verb_refuses_a_missing_path_and_a_taken_port(folder, tmp_path):
    from conftest import run_cli

    result = run_cli("serve", tmp_path / "没有这个文件夹")
    assert result.returncode == 2 and "不存在" in result.stderr
    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = run_cli("serve", folder, "--port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "--port" in result.stderr


def test_one_file_serves_only_that_file(folder):
    running = start(folder / "county.yaml", port=0)
    try:
        page = request(running, "GET", "/")[2].decode()
        assert "county.yaml" in page and "t3-balance" not in page
        assert request(running, "GET", "/report/f/county.yaml")[0] == 200
        assert request(running, "GET", "/report/f/invalid/t3-balance.yaml")[0] == 404
    finally:
        running.stop()


@pytest.mark.parametrize("path", ["/", "/report/f/county.yaml", "/static/serve.js",
                                  "/download/docx/f/county.yaml", "/nothing-here"])
def test_head_sends_the_headers_of_get_without_a_body(server, path):
    status, headers, data = request(server, "GET", path)
    head_status, head_headers, head_data = request(server, "HEAD", path)
    assert (head_status, head_data) == (status, b"")
    assert head_headers["content-type"] == headers["content-type"]
    assert head_headers["content-length"] == str(len(data))


def test_head_of_the_event_stream_does_not_hang(server):
    status, headers, data = request(server, "HEAD", "/events")
    assert (status, data) == (200, b"")
    assert headers["content-type"].startswith("text/event-stream")


def test_template_edits_rebuild_the_preview_and_the_downloads(folder, tmp_path):
    from nianbao.serve.state import ServeOptions

    templates = tmp_path / "我局模板"
    templates.mkdir()
    page = templates / "report.html"

    def letterhead(line: str) -> str:
        return ('{% extends "_base.html" %}\n{% block title %}\n<p class="mark">' + line
                + "</p>\n{{ super() }}\n{% endblock %}\n")
    page.write_text(letterhead("第一版抬头"), encoding="utf-8")
    running = start(folder, port=0, interval=0.05, debounce=0.1,
                    options=ServeOptions(template_dirs=(templates,)))
    try:
        first = get_json(running, "/state/f/county.yaml")["render_version"]
        assert "第一版抬头" in request(running, "GET", "/preview/f/county.yaml")[2].decode()
        docx_before = request(running, "GET", "/download/docx/f/county.yaml")[2]

        page.write_text(letterhead("第二版抬头"), encoding="utf-8")
        wait_for(lambda: get_json(running, "/state/f/county.yaml")["render_version"] > first)
        preview = request(running, "GET", "/preview/f/county.yaml")[2].decode()
        assert "第二版抬头" in preview and "第一版抬头" not in preview
        docx_after = request(running, "GET", "/download/docx/f/county.yaml")[2]
        assert docx_after != docx_before and "第二版抬头".encode() in _document_xml(docx_after)

        page.write_text("{% extends \"_base.html\" %}\n{% block title %}{{ oops( }}"
                        "{% endblock %}\n", encoding="utf-8")
        broken = wait_for(lambda: (s := get_json(running, "/state/f/county.yaml"))["problems"]
                          and s)
        assert "report.html" in json.dumps(broken["problems"], ensure_ascii=False)
        assert "第二版抬头" in request(running, "GET", "/preview/f/county.yaml")[2].decode()
    finally:
        running.stop()


def _document_xml(docx: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return archive.read("word/document.xml")
