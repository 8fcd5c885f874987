"""`make bench` runs end to end on a few reports and prints every measure the issue asks
for (the figures themselves are read by people, not asserted: no timed tests)."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_bench_prints_every_measure():
    out = subprocess.run([sys.executable, "-m", "nianbao.bench", "--n", "4", "--jobs", "2",
                          "--chromium", "2", "--errors", "0.5", "--seed", "7"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert re.search(r"built 4 \(\d with errors\), failed 0", text), text
    for label in ("reports/s (all three formats)", "median HTML ms/report (in worker)",
                  "median PDF ms/report (in worker)", "median DOCX ms/report (in worker)",
                  "peak RSS per worker (VmHWM)", "Chromium PDF median ms (2 reports)",
                  "PDF time WeasyPrint / Chromium", "WeasyPrint PDF median ms, alone",
                  "ratio to Chromium, both alone", "CPU ms per PDF: WeasyPrint",
                  "Chromium (all its processes)", "CPU ratio WeasyPrint / Chromium"):
        assert re.search(re.escape(label) + r"\s+[\d.]+", text), (label, text)
    peak = float(re.search(r"VmHWM\)\s+([\d.]+) MB", text).group(1))
    assert 30 < peak < 2000
    # Chromium's CPU time is read from its processes: it cannot be nothing
    chromium_cpu = float(re.search(r"Chromium \(all its processes\)\s+([\d.]+)", text).group(1))
    assert chromium_cpu > 10, text


def test_both_engines_are_timed_on_the_reports_themselves(tmp_path):
    """Chromium and WeasyPrint get the reports' HTML and inputs — not summary.html or the
    findings/ pages OUT also holds."""
    from concurrent.futures import ThreadPoolExecutor

    from nianbao.batch import BatchOptions, discover, run_batch
    from nianbao.bench import report_pairs, write_inputs

    inputs, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inputs, 3, seed=7, error_share=0.0)
    with ThreadPoolExecutor(1) as pool:
        result = run_batch(discover(inputs), pool, out, BatchOptions(("html",), force=True))
    assert (out / "summary.html").is_file() and list((out / "findings").rglob("*.html"))
    pairs = report_pairs([r for r in result.rows if r["state"] == "built"], inputs, out)
    assert len(pairs) == 3
    for source, html in pairs:
        assert source.is_file() and source.parent.parent == inputs
        assert html.parent.parent == out and html.name.endswith("政府信息公开工作年度报告.html")
        assert source.parent.name in html.read_text(encoding="utf-8")   # that agency's report
