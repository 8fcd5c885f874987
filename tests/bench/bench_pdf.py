"""`make bench`, second half: the two PDF engines measured alone on the same reports.

Headless Chromium (Playwright, Debian's /usr/bin/chromium, one browser and ONE page reused)
prints the batch's HTML files with ``page.set_content(html)`` + ``page.pdf(A4)``; nianbao's
PDF renderer renders the same reports in this one process.  Each is timed two ways:

- wall time per PDF (median) — what the issue's ratio target is stated in;
- CPU time per PDF — for Chromium the user + system time of all its processes (browser,
  renderer, GPU and utility processes, read from /proc; the Playwright driver is left
  out), for WeasyPrint this process's.  Chromium prints on several threads and processes
  at once, so on an idle machine its wall time is well below its CPU time; a batch keeps
  every core busy, where CPU time is what limits reports per second.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class EngineTimes:
    """Median wall ms per PDF, CPU ms per PDF, and how many PDFs were timed."""

    wall_ms: float
    cpu_ms: float
    count: int


def _descendant_ticks(prefix: str) -> dict[int, int]:
    """user+system clock ticks of every process below this one whose name starts with
    ``prefix`` (by /proc/<pid>/stat: ppid is field 4, utime and stime fields 14 and 15)."""
    table: dict[int, tuple[str, int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:   # gone meanwhile
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(name)] = (comm, int(fields[1]), int(fields[11]) + int(fields[12]))
    me = os.getpid()

    def below_me(pid: int) -> bool:
        seen = set()
        while pid in table and pid not in seen:
            seen.add(pid)
            pid = table[pid][1]
            if pid == me:
                return True
        return False

    return {pid: ticks for pid, (comm, _, ticks) in table.items()
            if comm.startswith(prefix) and below_me(pid)}


def _cpu_ms_between(before: dict[int, int], after: dict[int, int]) -> float:
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) * tick_ms


def chromium_pdf(html_files: list[Path], warmup: int = 2) -> EngineTimes | str:
    """Chromium printing the files, one page reused; a Chinese reason when it cannot run."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} 不存在"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "未安装 playwright"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for path in html_files[:warmup]:
                page.set_content(path.read_text(encoding="utf-8"))
                page.pdf(format="A4")
            before = _descendant_ticks("chrom")
            for path in html_files:
                html = path.read_text(encoding="utf-8")
                start = time.perf_counter()
                page.set_content(html)
                page.pdf(format="A4")
                times.append((time.perf_counter() - start) * 1000)
            cpu = _cpu_ms_between(before, _descendant_ticks("chrom"))
        finally:
            browser.close()
    return EngineTimes(statistics.median(times), cpu / len(times), len(times))


def weasyprint_pdf(inputs: list[Path], warmup: int = 2) -> EngineTimes:
    """nianbao's PDF renderer on the same reports, in this one process after the batch."""
    from nianbao.compose.report import compose
    from nianbao.pipeline import read
    from nianbao.render import RenderOptions, pdf_render

    docs = [compose(read(path)) for path in inputs]
    for doc in docs[:warmup]:
        pdf_render.render(doc, RenderOptions())
    times, cpu = [], 0.0
    for doc in docs:
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf_render.render(doc, RenderOptions())
        cpu += time.process_time() - start_cpu
        times.append((time.perf_counter() - start) * 1000)
    return EngineTimes(statistics.median(times), cpu * 1000 / len(docs), len(docs))
