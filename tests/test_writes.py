"""Writes (issue 8 §5): atomic outputs, an interrupted build leaves the previous files as
they were, and file names made from agency names are safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def test_interrupted_build_leaves_previous_outputs_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", COUNTY, "-o", out).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    changed = tmp_path / "county.yaml"
    changed.write_text(COUNTY.read_text(encoding="utf-8").replace("1286", "1287"),
                       encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "build", str(changed), "-o",
                             str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # inside rendering: the whole build takes about 2.7 s here
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "已中断：未写出任何不完整的文件" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
