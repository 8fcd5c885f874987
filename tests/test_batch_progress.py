"""The batch's progress: a bar in a terminal, a few plain lines in a log."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from pathlib import Path

from conftest import COUNTY, ROOT, run_cli
from test_batch import write_report

from nianbao.batch.progress import LogLines, duration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _lines(total: int, seconds_each: float, every: float = 10.0) -> list[str]:
    clock, lines = Clock(), []
    log = LogLines(total, "生成年报", every=every, clock=clock, write=lines.append)
    for _ in range(total):
        clock.now += seconds_each
        log.advance()
    return lines


def test_a_long_batch_in_a_log_says_each_tenth() -> None:
    lines = _lines(300, 0.4)   # 2.5 reports/s: 120 s in all
    assert lines[0] == "生成年报：已完成 30/300（2.5 份/秒，剩余约 1分48秒）"
    assert lines[-1] == "生成年报：已完成 300/300（2.5 份/秒）"
    assert len(lines) == 10


def test_lines_are_at_least_ten_seconds_apart() -> None:
    lines = _lines(1000, 1 / 32)   # 31.25 s in all: a tenth every 3.125 s
    assert [re.search(r"已完成 (\d+)/", line)[1] for line in lines] == ["320", "640", "960"]


def test_a_short_batch_prints_no_line() -> None:
    assert _lines(20, 0.3) == []


def test_durations() -> None:
    assert [duration(s) for s in (0, 45.4, 65, 3599, 3725)] == [
        "0秒", "45秒", "1分05秒", "59分59秒", "1小时02分"]


def test_in_a_pipe_the_batch_prints_no_bar(tmp_path: Path) -> None:
    write_report(tmp_path / "DIR" / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    result = run_cli("batch", tmp_path / "DIR", "-o", tmp_path / "OUT", "--format", "html")
    assert result.returncode == 0 and "份/秒" not in result.stderr + result.stdout


def test_in_a_terminal_the_batch_shows_a_bar(tmp_path: Path) -> None:
    for agency in ("甲局", "乙局"):
        write_report(tmp_path / "DIR" / agency / "2024.yaml", COUNTY, agency, 2024)
    main, child = os.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    env.pop("CI", None)   # rich draws no live bar where CI is set
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "batch", str(tmp_path / "DIR"),
                             "-o", str(tmp_path / "OUT"), "--format", "html", "--check-only"],
                            stdin=child, stdout=child, stderr=child, cwd=ROOT, env=env)
    os.close(child)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:   # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0
    text = shown.decode("utf-8", "replace")
    assert "校验年报" in text and "2/2" in text and "份/秒" in text, text
