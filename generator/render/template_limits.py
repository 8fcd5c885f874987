"""Template runs with bounded time and output: an agency's or office's template cannot hang
a render or fill the memory.

Jinja's sandbox keeps templates away from Python's internals and caps ``range()`` at 100,000
items, but not what a template does with them: two nested loops over ``range(100000)`` run
for hours, and a loop that prints its body a million times fills the memory — `nianbao
build` hung, and a batch worker with it.  So every page is made by `render`:

- the page is read piece by piece as Jinja makes it, and stopped once it is longer than
  `MAX_PAGE_CHARS` (the built-in page of a long report is ~150,000 characters: the limit is
  over a hundred times that) or older than `LIMIT_SECONDS`;
- a loop that prints nothing is stopped by a timer signal (SIGALRM) after `LIMIT_SECONDS`,
  where one can be used: in a process's main thread (`nianbao build`, batch workers, the
  batch's own pages) and when no other timer is set.  Elsewhere — the preview server's
  render threads, which bound their renders themselves — only the checks above apply.

Either way the render stops with `TemplateLimit`, which the HTML renderer reports with the
template's file and line (exit 2: the output cannot be produced) — never a partial file.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

LIMIT_SECONDS = 20.0           # a report's page takes 5–25 ms; a slow machine, ~100× that
MAX_PAGE_CHARS = 20_000_000


class TemplateLimit(Exception):
    """A template ran too long or made too long a page (the message says which, in
    Chinese, and what to look for); ``filename``: the template's file, for when no line of
    it is known (the page was stopped between two pieces of output)."""

    filename: str | None = None


def _too_slow() -> TemplateLimit:
    return TemplateLimit(f"模板运行超过 {LIMIT_SECONDS:g} 秒仍未生成完页面，已停止。请检查模板中的循环"
                         "（例如循环里又套着循环）；一份报告的页面通常不到 1 秒即可生成")


def _too_long() -> TemplateLimit:
    return TemplateLimit(f"模板生成的页面超过 {MAX_PAGE_CHARS // 1_000_000} 百万个字符，已停止。"
                         "请检查模板中的循环是否把内容重复输出了很多次")


def render(template: Any, context: Mapping[str, Any]) -> str:
    """``template.render(context)`` (the same text), within the limits above."""
    deadline = time.monotonic() + LIMIT_SECONDS
    parts: list[str] = []
    size = 0
    try:
        with _alarm(LIMIT_SECONDS):
            for piece in template.generate(context):
                size += len(piece)
                if size > MAX_PAGE_CHARS:
                    raise _too_long()
                if time.monotonic() > deadline:
                    raise _too_slow()
                parts.append(piece)
    except TemplateLimit as exc:
        exc.filename = exc.filename or getattr(template, "filename", None)
        raise
    return "".join(parts)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise `TemplateLimit` in this thread after ``seconds``, where a timer signal can be
    used (main thread, SIGALRM free); otherwise nothing."""
    usable = (hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise _too_slow()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
