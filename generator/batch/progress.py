"""The batch's progress bar on stderr: done/total, reports per second, time left.

Shown only when stderr is a terminal; in a pipe or a log the batch stays quiet until its
closing line.
"""

from __future__ import annotations

from typing import Any


class Bar:
    """A rich progress bar, or nothing when stderr is not a terminal."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    @classmethod
    def start(cls, total: int, skipped: int) -> Bar | None:
        """A started bar for `total` reports to run (`skipped` are said in its title)."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        console = Console(stderr=True)
        if not console.is_terminal or total == 0:
            return None

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f} 份/秒" if speed else "— 份/秒")

        title = "生成年报" + (f"（{skipped} 份未变化，已跳过）" if skipped else "")
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
