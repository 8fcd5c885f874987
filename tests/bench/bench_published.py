"""Reading published reports (issue 18), for `make bench`: the median time to read and check
one published report of each format, and the rate of `batch --check-only` over PDFs.

The reports are nianbao's own renderings of the two examples (2021 and 2019 editions): a
PDF, a Word file and a web page of each.  Each is read and checked in this process (after one
warm-up read, so imports are not counted) `REPEAT` times; the median is reported.  The batch
rate is `nianbao batch DIR --check-only` over `COPIES` copies of the PDFs (the wall time of
the command, pool start and summary included; the median of `BATCH_RUNS` runs).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = 7
COPIES = 12  # PDFs per example in the batch folder
BATCH_RUNS = 3  # the batch's rate is the median of this many runs (the machine is shared)
TARGETS = {"pdf": 500.0, "docx": 150.0, "html": 150.0}  # ms (issue 18)
BATCH_TARGET = 4.0  # reports/s on 2 cores


def _examples() -> list[Path]:
    root = Path(__file__).resolve().parents[2] / "examples"
    return [root / "county-transport-2024.yaml", root / "zhumadian-housing-2020.yaml"]


def _render(work: Path) -> dict[str, list[Path]]:
    """The published forms of each example: format → files."""
    from nianbao.pipeline import ReadOptions, build, read

    out: dict[str, list[Path]] = {"pdf": [], "docx": [], "html": []}
    for n, src in enumerate(_examples()):
        folder = work / f"src{n}"
        folder.mkdir()
        for path in build(read(src, ReadOptions()), list(out), folder):
            out[path.suffix.lstrip(".")].append(path)
    return out


def _median_ms(paths: list[Path]) -> float:
    """Median wall time of reading and checking one of the files."""
    from nianbao.pipeline import check_file

    for path in paths:
        check_file(path)  # warm-up: imports, caches
    times = []
    for _ in range(REPEAT):
        for path in paths:
            start = time.perf_counter()
            check_file(path)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _batch_rate(pdfs: list[Path], work: Path, jobs: int) -> tuple[float, int]:
    """The median rate of BATCH_RUNS runs of `batch --check-only` (each into a new output
    folder: a folder checked before would skip the unchanged reports)."""
    folder = work / "batch"
    folder.mkdir()
    for n in range(COPIES):
        for i, pdf in enumerate(pdfs):
            shutil.copy(pdf, folder / f"机关{n:02d}-{i}.pdf")
    count = COPIES * len(pdfs)
    rates = []
    for run in range(BATCH_RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nianbao", "batch", str(folder), "--check-only",
                        "--jobs", str(jobs), "-o", str(work / f"out{run}")],
                       capture_output=True, check=False)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates), count


def report(jobs: int = 2) -> None:
    """Print the published-report figures (a section of `make bench`)."""
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-pub-") as tmp:
        work = Path(tmp)
        files = _render(work)
        print("\n  reading published reports (read + check, one report, in process)")
        for fmt, paths in files.items():
            ms = _median_ms(paths)
            ok = "ok" if ms <= TARGETS[fmt] else "MISSED"
            print(f"  {'median ' + fmt.upper() + ' ms':<40}{ms:>10.0f}   ≤ {TARGETS[fmt]:g}   {ok}")
        rate, count = _batch_rate(files["pdf"], work, jobs)
        ok = "ok" if rate >= BATCH_TARGET else "MISSED"
        print(f"  {f'batch --check-only, {count} PDFs, reports/s':<40}{rate:>10.2f}   "
              f"≥ {BATCH_TARGET:g}   {ok}")


if __name__ == "__main__":
    report(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
