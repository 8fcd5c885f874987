"""`make bench` runs end to end on a few reports and prints every measure the issue asks
for (the figures themselves are read by people, not asserted: no timed tests)."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_bench_prints_every_measure():
    out = subprocess.run([sys.executable, "-m", "generator.bench", "--n", "4", "--jobs", "2",
                          "--chromium", "2", "--errors", "0.5", "--seed", "7"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert re.search(r"built 4 \(\d with errors\), failed 0", text), text
    for label in ("reports/s (all three formats)", "median HTML ms/report (in worker)",
                  "median PDF ms/report (in worker)", "median DOCX ms/report (in worker)",
                  "peak RSS per worker (VmHWM)", "Chromium PDF median ms (2 files)",
                  "PDF time WeasyPrint / Chromium", "WeasyPrint PDF median ms, alone",
                  "ratio to Chromium, both alone", "CPU ms per PDF: WeasyPrint",
                  "Chromium (all its processes)", "CPU ratio WeasyPrint / Chromium"):
        assert re.search(re.escape(label) + r"\s+[\d.]+", text), (label, text)
    peak = float(re.search(r"VmHWM\)\s+([\d.]+) MB", text).group(1))
    assert 30 < peak < 2000
    # Chromium's CPU time is read from its processes: it cannot be nothing
    chromium_cpu = float(re.search(r"Chromium \(all its processes\)\s+([\d.]+)", text).group(1))
    assert chromium_cpu > 10, text
