"""`make bench` / ``python -m bench --n 60 --jobs 2``: batch throughput.

1. Synthesizes N agencies as YAML in a temporary ``DIR/<机关>/<year>.yaml``, in the mix of
   `bench_variety` (plain 2021-edition reports 30 %, with an agency template 20 %, rare
   characters outside GB2312 15 %, long narratives 15 %, the 2019 edition 10 %, all-zero
   tables 10 %; ``--mix``); names and figures vary; about 15 % of those with figures carry
   one 勾稽 error.
2. Runs the batch library (`run_batch`, the local pool of --jobs warmed
   workers, html+pdf+docx, ``--force`` so the reports with errors render too, as drafts
   marked on every page; they are counted separately; OUT is new each run, so nothing is
   skipped and ``--rebuild`` is not needed).  Wall time of `run_batch` after the pool is up
   and warm gives reports per second (the pool start is printed on its own line).
3. Per-format times are measured *inside the workers* during that same run: the executor
   is wrapped so each task runs through `_timed_task`, which times every call of
   `generator.render.render` by format and reads the worker's VmHWM (peak resident set)
   from /proc; medians over all reports, peak = the largest VmHWM of any worker.
4. Headless Chromium (Playwright, Debian's /usr/bin/chromium, one browser and ONE page
   reused) prints the same HTML files: ``page.set_content(html)`` + ``page.pdf(A4)``,
   median ms, and the ratio WeasyPrint PDF (in the workers) / Chromium PDF.  Chromium runs
   alone on the machine while the workers shared it, so nianbao's PDF renderer is then timed
   alone too, on the same reports in one process, for a second ratio of like with like —
   and both in CPU time as well (`bench_pdf`: Chromium prints on several processes at once).
5. Typst (`bench_typst`) lays out the same reports' document model with a comparable
   template: the floor, and nianbao's PDF time as a multiple of it.  Per kind of report:
   median PDF ms and how far each kind raised a worker's peak RSS.

Speed targets live here, not in timed tests.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import Executor, Future
from pathlib import Path

from nianbao.batch.executors import default_jobs
from nianbao.render import TEMPLATES_DIR  # noqa: F401  (package import check)

from bench.bench_pdf import EngineTimes, chromium_pdf, weasyprint_pdf
from bench.bench_typst import typst_pdf
from bench.bench_variety import (
    describe_mix,
    parse_mix,
    print_floor,
    print_kinds,
    write_varied_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
TARGETS = {"rps": 6.0, "ratio": 0.7, "docx_ms": 40.0, "peak_mb": 150.0}

PLACES = ["东城", "西岭", "南湖", "北川", "青山", "白水", "临江", "安平", "永宁", "长乐", "清河",
          "石门", "桃源", "丰县", "泰和", "新安", "平远", "龙泉", "金沙", "云溪"]
LEVELS = ["县", "市", "区"]
OFFICES = ["交通运输局", "自然资源局", "住房和城乡建设局", "教育局", "卫生健康委员会", "民政局",
           "生态环境局", "市场监督管理局", "农业农村局", "人力资源和社会保障局", "财政局",
           "应急管理局", "水利局", "文化和旅游局", "人民政府办公室"]
RARE_NAMES = ["王镕", "李堃", "张喆", "陈昇", "刘珺", "赵犇", "孙淼", "周䶮"]
COLUMNS = ("natural", "commercial", "research", "nonprofit", "legal", "other")
WEIGHTS = (0.78, 0.1, 0.01, 0.02, 0.05, 0.04)
OUTCOMES = {  # table 三 rows that add up to （七）总计, grouped as the YAML nests them
    "granted": None, "partial": None,
    "denied": ("state_secret", "prohibited_by_law", "three_safeties", "third_party",
               "internal_affairs", "process_info", "enforcement_files", "inquiry_matters"),
    "unable": ("not_held", "needs_creation", "still_unclear"),
    "not_processed": ("petition", "repeated", "publications", "mass_repeated",
                      "confirm_existing"),
    "other": ("no_correction", "unpaid_fee", "other"),
}
SHARES = {"granted": 0.45, "partial": 0.1, "denied": 0.06, "unable": 0.25,
          "not_processed": 0.08, "other": 0.06}


# ---- synthetic inputs ------------------------------------------------------------------
def _split(total: int, weights: tuple[float, ...], rng: random.Random) -> list[int]:
    """total split into len(weights) non-negative integers (random, roughly weighted)."""
    parts = [0] * len(weights)
    for _ in range(total):
        parts[rng.choices(range(len(weights)), weights)[0]] += 1
    return parts


def _row(values: list[int]) -> dict[str, int]:
    row = dict(zip(COLUMNS, values))
    row["total"] = sum(values)
    return row


def _table3(rng: random.Random) -> dict:
    scale = rng.choice([3, 10, 40, 150, 600])
    new = _split(rng.randint(scale // 3, scale), WEIGHTS, rng)
    carry_in = _split(rng.randint(0, max(1, scale // 15)), WEIGHTS, rng)
    available = [a + b for a, b in zip(new, carry_in)]
    carry_out = [rng.randint(0, v // 10) for v in available]
    handled = [a - b for a, b in zip(available, carry_out)]
    # split each column's handled count over the outcome rows
    rows: dict[tuple[str, str | None], list[int]] = {}  # (group, sub or None) → one per column
    keys: list[tuple[str, str | None]] = []
    for group, subs in OUTCOMES.items():
        for sub in subs or (None,):
            keys.append((group, sub))
    weights = tuple(SHARES[g] / len(OUTCOMES[g] or (None,)) for g, _ in keys)
    per_column = [_split(h, weights, rng) for h in handled]
    for i, key in enumerate(keys):
        rows[key] = [per_column[c][i] for c in range(len(COLUMNS))]
    table: dict = {"new": _row(new), "carry_in": _row(carry_in)}
    for group, subs in OUTCOMES.items():
        if subs is None:
            table[group] = _row(rows[(group, None)])
        else:
            table[group] = {sub: _row(rows[(group, sub)]) for sub in subs}
    table["total"] = _row(handled)
    table["carry_out"] = _row(carry_out)
    return table


def _table4(rng: random.Random) -> dict:
    def row() -> dict[str, int]:
        vals = [rng.choice([0, 0, 0, 1, 2, 3]) for _ in range(4)]
        return dict(zip(("upheld", "corrected", "other", "pending"), vals), total=sum(vals))
    return {"review": row(), "litigation_direct": row(), "litigation_after_review": row()}


def synth_report(i: int, rng: random.Random, base: dict, inconsistent: bool,
                 rare_share: float = 0.25) -> dict:
    """One agency's 2024 report: the example's structure with new names and figures."""
    import copy

    report = copy.deepcopy(base)
    name = f"{rng.choice(PLACES)}{rng.choice(LEVELS)}{rng.choice(OFFICES)}{i:03d}"
    old = base["agency"]["name"]
    report["agency"]["name"] = name
    report["agency"]["website"] = base["agency"]["website"].replace("某某县", name[:3])
    report["agency"]["contact"] = f"{name}办公室，电话：0000-{rng.randint(1000000, 9999999)}"
    report["published"] = f"2025-01-{rng.randint(10, 28):02d}"
    narrative = report["narrative"]
    overview = narrative["overview"]
    for key in ("intro", "management", "platform", "oversight"):
        overview[key] = overview[key].replace(old, name).replace("某某县", name[:3])
    overview["proactive"] = None   # standard sentences from the tables (no TEXT-NUMBERS noise)
    overview["on_request"] = None
    if rng.random() < rare_share:   # rare characters outside GB2312 (must still render)
        person = rng.choice(RARE_NAMES)
        overview["oversight"] += f"政务公开工作由{person}同志具体负责。\n"
    if rng.random() < 0.5:
        narrative["problems"] += "下一步将继续加强业务培训，提升公开质量。\n" * rng.randint(1, 4)
    t2 = report["table2"]
    t2["normative_documents"] = {"issued": (a := rng.randint(0, 12)), "repealed": rng.randint(0, 3),
                                 "in_force": a + rng.randint(5, 60)}
    for key in ("licensing", "penalty", "coercion"):
        t2[key] = {"decisions": rng.randint(0, 3000)}
    report["table3"] = _table3(rng)
    report["table4"] = _table4(rng)
    # an application dropped for an unpaid fee had a fee notice (FEE-OT2): bill it
    unpaid = report["table3"]["other"]["unpaid_fee"]["total"]
    if unpaid:
        notices = unpaid + rng.randint(0, 2)
        paid = notices - unpaid
        report["fees"] = {"notices": notices, "amount_billed": notices * 100,
                          "amount_collected": paid * 100}
    if inconsistent:   # one 勾稽 error: a total that does not add up
        row = report["table3"]["granted"]
        row["natural"] += rng.randint(1, 5)
    return report


def write_inputs(folder: Path, n: int, seed: int, error_share: float) -> list[bool]:
    """N synthetic reports as DIR/<机关>/2024.yaml; returns which were made inconsistent."""
    import yaml

    base = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    flags = []
    for i in range(n):
        bad = rng.random() < error_share
        report = synth_report(i, rng, base, bad)
        target = folder / report["agency"]["name"] / "2024.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(report, allow_unicode=True, sort_keys=False),
                          encoding="utf-8")
        flags.append(bad)
    return flags


# ---- instrumented workers ----------------------------------------------------------------
def _vm_hwm_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


_PATCHED = False


def _timed_task(task):
    """report_task.run_task, with every render call timed by format (runs in the worker)."""
    global _PATCHED
    import nianbao.render as render_pkg
    from nianbao.batch import report_task

    if not _PATCHED:
        original = render_pkg.render

        def timed(doc, fmt, options=None):
            start = time.perf_counter()
            try:
                return original(doc, fmt, options)
            finally:
                render_pkg._bench_times[fmt] = (time.perf_counter() - start) * 1000
        render_pkg._bench_times = {}
        render_pkg.render = timed
        _PATCHED = True
    render_pkg._bench_times.clear()
    before = _vm_hwm_kb()
    start, start_cpu = time.perf_counter(), time.process_time()
    result = report_task.run_task(task)
    task_ms = (time.perf_counter() - start) * 1000
    cpu_ms = (time.process_time() - start_cpu) * 1000
    result.bench = {"times": dict(render_pkg._bench_times), "pid": os.getpid(),
                    "task_ms": task_ms, "cpu_ms": cpu_ms,
                    "hwm_kb": _vm_hwm_kb(), "hwm_before_kb": before, "agency": result.agency}
    return result


def _worker_pid(delay: float) -> int:
    time.sleep(delay)
    return os.getpid()


class TimingExecutor(Executor):
    """Wraps a pool: runs each batch task through `_timed_task` and keeps the figures."""

    def __init__(self, inner: Executor):
        self.inner = inner
        self.records: list[dict] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = self.inner.submit(_timed_task, *args, **kwargs)
        future.add_done_callback(self._record)
        return future

    def _record(self, future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            bench = getattr(future.result(), "bench", None)
            if bench:
                self.records.append(bench)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def report_pairs(rows: list[dict], inputs: Path, out: Path) -> list[tuple[Path, Path]]:
    """(input, HTML report) of each built row: the files both PDF engines are timed on.
    Taken from the batch's rows, not by listing OUT, which also holds summary.html and the
    findings/ pages (small pages that are not reports: timing Chromium on those made its
    PDF look three times faster than it is)."""
    return [(inputs / r["file"], out / r["outputs"]["html"]) for r in rows
            if "html" in r["outputs"]]


def mark(ok: bool) -> str:
    """The target column's verdict."""
    return "✓" if ok else "✗"


def _print_engines(line: str, pdf_ms: float, chrome: EngineTimes | str,
                   alone: EngineTimes | None) -> None:
    """The PDF engines compared: the workers' PDF time against Chromium's (the issue's
    ratio), then both alone on the machine, in wall time and in CPU time."""
    if isinstance(chrome, str):
        print(line.format("Chromium PDF", "n/a", "", chrome))
        return
    target = f"≤ {TARGETS['ratio']:g}"
    ratio = pdf_ms / chrome.wall_ms if chrome.wall_ms else float("inf")
    print(line.format(f"Chromium PDF median ms ({chrome.count} reports)",
                      f"{chrome.wall_ms:.0f}", "", ""))
    print(line.format("PDF time WeasyPrint / Chromium", f"{ratio:.2f}", target,
                      mark(ratio <= TARGETS["ratio"])))
    if alone is None:
        return
    ratio = alone.wall_ms / chrome.wall_ms
    print(line.format("WeasyPrint PDF median ms, alone", f"{alone.wall_ms:.0f}", "", ""))
    print(line.format("  ratio to Chromium, both alone", f"{ratio:.2f}", target,
                      mark(ratio <= TARGETS["ratio"])))
    print(line.format("CPU ms per PDF: WeasyPrint", f"{alone.cpu_ms:.0f}", "", ""))
    print(line.format("  Chromium (all its processes)", f"{chrome.cpu_ms:.0f}", "", ""))
    print(line.format("  CPU ratio WeasyPrint / Chromium",
                      f"{alone.cpu_ms / chrome.cpu_ms:.2f}" if chrome.cpu_ms else "n/a",
                      "", "(no target)"))


# ---- the run ---------------------------------------------------------------------------------
def _warm_pool(pool: Executor, jobs: int) -> float:
    """Start every worker (each runs the warm-up initializer); seconds it took."""
    start = time.perf_counter()
    for _ in range(20):
        pids = {f.result() for f in [pool.submit(_worker_pid, 0.3) for _ in range(jobs)]}
        if len(pids) >= jobs:
            break
    return time.perf_counter() - start


def run(n: int, jobs: int, seed: int, error_share: float, chromium_n: int,
        keep: Path | None, mix: dict[str, float] | None = None) -> int:
    from nianbao.batch import BatchOptions, discover, run_batch
    from nianbao.batch.discover import report_years
    from nianbao.batch.executors import local_pool

    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        inputs, out = work / "in", work / "out"
        made = write_varied_inputs(inputs, n, seed, error_share, mix)
        flags = [bad for _, bad, _ in made]
        entries = discover(inputs)
        formats = ("html", "pdf", "docx")
        pool = local_pool(jobs, formats, report_years(entries))
        warm_s = _warm_pool(pool, jobs)
        timing = TimingExecutor(pool)
        start = time.perf_counter()
        result = run_batch(entries, timing, out, BatchOptions(formats, force=True))
        wall = time.perf_counter() - start
        pool.shutdown(wait=True)

        rows = result.rows
        built = [r for r in rows if r["state"] == "built"]
        with_errors = [r for r in built if r["errors"]]
        failed = [r for r in rows if r["state"] != "built"]
        recs = timing.records
        med = {f: statistics.median(r["times"][f] for r in recs if f in r["times"])
               for f in formats if any(f in r["times"] for r in recs)}
        peaks: dict[int, int] = {}
        for r in recs:
            peaks[r["pid"]] = max(peaks.get(r["pid"], 0), r["hwm_kb"])
        peak_mb = max(peaks.values(), default=0) / 1024
        rps = len(built) / wall if wall else 0.0

        pairs = report_pairs(built, inputs, out)[:chromium_n]
        chrome = chromium_pdf([h for _, h in pairs]) if pairs else "没有 HTML"
        alone = weasyprint_pdf([i for i, _ in pairs]) if pairs else None
        floor = typst_pdf([i for i, _ in pairs]) if pairs else "没有报告"

        print(f"nianbao bench: {n} synthetic reports, {jobs} workers, html+pdf+docx, --force")
        print(f"  mix: {describe_mix(made)}")
        print(f"  inputs: {n - sum(flags)} consistent, {sum(flags)} with a 勾稽 error "
              f"(rendered with --force, counted in the rate); "
              f"built {len(built)} ({len(with_errors)} with errors), failed {len(failed)}")
        for r in failed[:5]:
            print(f"    failed: {r['file']}: {r['status']}")
        print(f"  pool start + warm-up: {warm_s:.2f} s (not in the rate)")
        print()
        line = "  {:<34} {:>12}   {:<14} {}"
        print(line.format("measure", "value", "target", ""))
        print("  " + "-" * 66)

        print(line.format("reports/s (all three formats)", f"{rps:.2f}",
                          f"≥ {TARGETS['rps']:g}", mark(rps >= TARGETS["rps"])))
        print(line.format("batch wall time", f"{wall:.2f} s", "", ""))
        for fmt in formats:
            if fmt in med:
                target = f"≤ {TARGETS['docx_ms']:g} ms" if fmt == "docx" else ""
                ok = mark(med[fmt] <= TARGETS["docx_ms"]) if fmt == "docx" else ""
                print(line.format(f"median {fmt.upper()} ms/report (in worker)",
                                  f"{med[fmt]:.0f}", target, ok))
        print(line.format("median whole task ms (in worker)",
                          f"{statistics.median(r['task_ms'] for r in recs):.0f}", "", ""))
        print(line.format("worker CPU / batch wall × workers",
                          f"{sum(r['cpu_ms'] for r in recs) / 10 / (wall * jobs):.0f} %", "", ""))
        print(line.format("peak RSS per worker (VmHWM)", f"{peak_mb:.0f} MB",
                          f"≤ {TARGETS['peak_mb']:g} MB", mark(peak_mb <= TARGETS["peak_mb"])))
        _print_engines(line, med.get("pdf", 0.0), chrome, alone)
        print_floor(line, floor, alone, med.get("pdf", 0.0))
        print_kinds(recs, made)
        from bench.bench_published import report as published  # issue 18: reading reports
        published(jobs)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work, keep, dirs_exist_ok=True)
            print(f"\n  inputs and outputs kept in {keep}")
        return 0 if not failed else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--n", type=int, default=60, help="synthetic agencies (default 60)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes (default: as nianbao batch, the usable cores)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--errors", type=float, default=0.15,
                        help="share of inputs with a 勾稽 error (default 0.15)")
    parser.add_argument("--chromium", type=int, default=20,
                        help="HTML files Chromium prints for the ratio (default 20; 0 skips)")
    parser.add_argument("--keep", type=Path, help="copy inputs and outputs here")
    parser.add_argument("--mix", type=parse_mix, default=None, metavar="KIND=SHARE,…",
                        help="kinds of report and their shares (default: plain=0.3,"
                             "template=0.2,rare=0.15,long=0.15,2019=0.1,zero=0.1; "
                             "e.g. --mix plain=1 for the uniform batch of earlier runs)")
    args = parser.parse_args(argv)
    return run(args.n, args.jobs or default_jobs(), args.seed, args.errors, args.chromium,
               args.keep, args.mix)


if __name__ == "__main__":
    sys.exit(main())
