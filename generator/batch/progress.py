"""The batch's progress on stderr: done/total, reports per second, time left.

In a terminal, a rich progress bar.  In a pipe or a log (a scheduled yearly batch, a Dask
run that lasts), plain lines: one at each tenth of the batch, at most one every 10 seconds,
so a short batch prints none and a long one a dozen at most.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

LOG_EVERY = 10.0   # seconds between two progress lines in a log


def start(total: int, skipped: int, checking: bool = False) -> Bar | LogLines | None:
    """The progress display for `total` reports to run (`skipped` are said in its title);
    checking: a --check-only batch."""
    if total == 0:
        return None
    verb = "校验年报" if checking else "生成年报"
    title = verb + (f"（{skipped} 份未变化，已跳过）" if skipped else "")
    from rich.console import Console

    console = Console(stderr=True)
    if console.is_terminal:
        return Bar.start(console, total, title)
    return LogLines(total, verb)


class Bar:
    """A rich progress bar in a terminal."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    @classmethod
    def start(cls, console: Any, total: int, title: str) -> Bar:
        """A started bar on console."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f} 份/秒" if speed else "— 份/秒")

        progress = Progress(TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), Rate(), TextColumn("剩余"),
                            TimeRemainingColumn(), console=console, transient=False)
        progress.start()
        return cls(progress, progress.add_task(title, total=total))

    def advance(self) -> None:
        """One more report done."""
        self._progress.advance(self._task)

    def stopping(self, running: int) -> None:
        """Ctrl-C: say that the running reports are being finished."""
        self._progress.update(self._task, description=f"正在停止：等待 {running} 份完成")

    def close(self) -> None:
        """Stop refreshing (the last state stays on screen)."""
        self._progress.stop()


def duration(seconds: float) -> str:
    """A time left as a person says it: 45秒, 3分05秒, 1小时02分."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}秒"
    if s < 3600:
        return f"{s // 60}分{s % 60:02d}秒"
    return f"{s // 3600}小时{s % 3600 // 60:02d}分"


class LogLines:
    """Progress as plain lines for a log: at each tenth of the batch, at most one every
    `every` seconds (the clock and the writer can be given, for tests)."""

    def __init__(self, total: int, verb: str, every: float = LOG_EVERY,
                 clock: Callable[[], float] = time.monotonic,
                 write: Callable[[str], None] | None = None) -> None:
        self.total, self.verb, self.every, self.clock = total, verb, every, clock
        self.write = write or (lambda line: print(line, file=sys.stderr, flush=True))
        self.done, self.tenth = 0, 0
        self.started = self.last = clock()

    def advance(self) -> None:
        """One more report done: a line when a new tenth is reached and time has passed."""
        self.done += 1
        tenth = self.done * 10 // self.total
        now = self.clock()
        if tenth <= self.tenth or now - self.last < self.every:
            return
        self.tenth, self.last = tenth, now
        rate = self.done / max(now - self.started, 1e-9)
        left = "" if self.done == self.total else \
            f"，剩余约 {duration((self.total - self.done) / rate)}"
        self.write(f"{self.verb}：已完成 {self.done}/{self.total}（{rate:.1f} 份/秒{left}）")

    def stopping(self, running: int) -> None:
        """Ctrl-C: say that the running reports are being finished."""
        self.write(f"正在停止：等待 {running} 份完成")

    def close(self) -> None:
        """Nothing to clear in a log."""
