"""Writes (issue 8 §5): atomic outputs, an interrupted build leaves the previous files as
they were, and file names made from agency names are safe."""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import COUNTY, ROOT, TOWNSHIP, run_cli
from nianbao.write.atomic import safe_name, write_atomic


def test_safe_names() -> None:
    # a name that had to be changed carries a digest of the whole name (issue 16 §7): two
    # agencies whose names differ only in a replaced character never share a file
    assert safe_name("某局/办公室") == "某局_办公室_9e5fbfaa"
    assert safe_name("某局/办公室") != safe_name("某局:办公室")
    assert safe_name("某局办公室") == "某局办公室"
    assert safe_name("..") == "report"
    assert safe_name("../../etc/passwd").startswith("_.._etc_passwd_")
    assert safe_name("CON").startswith("_CON_") and safe_name("lpt1.报告").startswith("_lpt1.报告_")
    assert safe_name('a:b*c?"d<e>f|g\\h').startswith("a_b_c__d_e_f_g_h_")
    long = safe_name("某" * 300)
    assert len(long.encode("utf-8")) <= 200 and long.startswith("某" * 40) and "…" in long


def test_agency_name_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    text = TOWNSHIP.read_text(encoding="utf-8").replace("某某县某某镇人民政府", "../../某镇/政府")
    source = tmp_path / "evil.yaml"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "a" / "out"
    result = run_cli("build", source, "-o", out, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == [
        "_.._某镇_政府2024年政府信息公开工作年度报告_12ae0f0d.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "evil.yaml"]


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "x.html"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["x.html"]


# An agency template that renders without end (the sandbox bounds each range, not nested
# loops): a build using it stays inside rendering from the moment it reads report.html until
# it is interrupted, so the test never races a build that ends first.
ENDLESS = ("{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}"
           "{% endfor %}{% endfor %}{% endfor %}")
IN_OPEN = 0x20  # <sys/inotify.h>


@contextmanager
def opening(path: Path) -> Iterator[Callable[[float], bool]]:
    """Watch a file with inotify (Linux); yields ``opened(timeout)``: whether some process
    opened it within ``timeout`` seconds.  An event, not a guess at how long a start takes."""
    if not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux's")
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    try:
        if libc.inotify_add_watch(fd, os.fsencode(path), IN_OPEN) < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch")
        yield lambda timeout: bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def test_interrupted_build_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", COUNTY, "-o", out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    changed = tmp_path / "county.yaml"
    changed.write_text(COUNTY.read_text(encoding="utf-8").replace("1286", "1287"),
                       encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text(ENDLESS, encoding="utf-8")
    # the build opens report.html first when it renders (html_render.render_page), after
    # reading and checking: once it did, the interrupt lands inside rendering
    with opening(templates / "report.html") as opened:
        proc = subprocess.Popen([sys.executable, "-m", "nianbao", "build", str(changed), "-o",
                                 str(out), "--templates", str(templates)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert opened(120), "the build never began to render"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=120)
        finally:
            proc.kill()  # a build that ignored the interrupt would render for ever
            proc.communicate()
    assert proc.returncode == 130, err
    assert "已中断：未写出任何不完整的文件" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_build_interrupted_after_its_first_format_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every format is rendered before any is written (pipeline.build): an interrupt while
    the PDF renders leaves the HTML, rendered already, unwritten too."""
    from nianbao.pipeline import build, check_file, output_stem
    from nianbao.render import html_render, pdf_render

    validated = check_file(COUNTY).validated
    out = tmp_path / "out"
    out.mkdir()
    stem = output_stem(validated)
    old = {f"{stem}.{fmt}": b"previous" for fmt in ("html", "pdf", "docx")}
    for name, data in old.items():
        (out / name).write_bytes(data)
    rendered: list[str] = []
    real_html = html_render.render

    def html(doc, options):
        rendered.append("html")
        return real_html(doc, options)

    def pdf(doc, options):
        rendered.append("pdf")
        raise KeyboardInterrupt  # what Ctrl-C raises in the middle of WeasyPrint's layout

    monkeypatch.setattr(html_render, "render", html)
    monkeypatch.setattr(pdf_render, "render", pdf)
    with pytest.raises(KeyboardInterrupt):
        build(validated, ["html", "pdf", "docx"], out)
    assert rendered == ["html", "pdf"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old
