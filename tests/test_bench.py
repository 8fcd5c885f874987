"""`make bench` runs end to end on a few reports and prints every measure the issue asks
for (the figures themselves are read by people, not asserted: no timed tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_bench_prints_every_measure():
    out = subprocess.run([sys.executable, "-m", "bench", "--n", "4", "--jobs", "2",
                          "--chromium", "2", "--errors", "0.5", "--seed", "7"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "tests")})  # as make bench
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert re.search(r"built 4 \(\d with errors\), failed 0", text), text
    for label in ("reports/s (all three formats)", "median HTML ms/report (in worker)",
                  "median PDF ms/report (in worker)", "median DOCX ms/report (in worker)",
                  "peak RSS per worker (VmHWM)", "Chromium PDF median ms (2 reports)",
                  "PDF time WeasyPrint / Chromium", "WeasyPrint PDF median ms, alone",
                  "ratio to Chromium, both alone", "CPU ms per PDF: WeasyPrint",
                  "Chromium (all its processes)", "CPU ratio WeasyPrint / Chromium",
                  "Typst PDF median ms (2 reports)", "workers' PDF ms / Typst",
                  "alone PDF ms / Typst"):
        assert re.search(re.escape(label) + r"\s+[\d.]+", text), (label, text)
    peak = float(re.search(r"VmHWM\)\s+([\d.]+) MB", text).group(1))
    assert 30 < peak < 2000
    # Chromium's CPU time is read from its processes: it cannot be nothing
    chromium_cpu = float(re.search(r"Chromium \(all its processes\)\s+([\d.]+)", text).group(1))
    assert chromium_cpu > 10, text
    assert re.search(r"mix: .*%", text), text
    assert re.search(r"per kind\s+reports\s+PDF ms", text), text


def test_the_mix_has_every_kind_in_its_share(tmp_path):
    """The default mix writes each kind in its share (exact counts), agency templates as
    DIR/<机关>/templates/report.html, the 2019 edition, zero tables, rare characters and
    long narratives (the bench run above renders them)."""
    import random

    import yaml
    from bench.bench_variety import MIX, kinds_for, parse_mix, write_varied_inputs

    kinds = kinds_for(60, MIX, random.Random(1))
    assert {k: kinds.count(k) for k in MIX} == {"plain": 18, "template": 12, "rare": 9,
                                                "long": 9, "2019": 6, "zero": 6}
    assert parse_mix("rare=1") == {"rare": 1.0}
    made = write_varied_inputs(tmp_path, 20, seed=3, error_share=0.0)
    by_kind = {kind: tmp_path / agency for kind, _, agency in made}
    assert set(by_kind) == set(MIX)
    assert (by_kind["template"] / "templates" / "report.html").is_file()
    assert yaml.safe_load((by_kind["2019"] / "2020.yaml").read_text("utf-8"))["edition"] == "2019"
    zero = yaml.safe_load((by_kind["zero"] / "2024.yaml").read_text("utf-8"))
    assert zero["table3"]["new"]["total"] == 0
    rare = (by_kind["rare"] / "2024.yaml").read_text("utf-8")
    assert any(ch in rare for ch in "镕堃喆昇珺犇淼䶮昉玥琮婧祎珅昀赟珩垚琤")
    long = yaml.safe_load((by_kind["long"] / "2024.yaml").read_text("utf-8"))
    assert sum(len(v or "") for v in long["narrative"]["overview"].values()) > 2000


def test_typst_lays_out_a_report(tmp_path):
    """The floor's template compiles a report's document model: its tables' figures and
    title are in the PDF."""
    import subprocess as sp

    from bench.bench_typst import write_sample

    pdf = write_sample(ROOT / "examples" / "county-transport-2024.yaml", tmp_path / "t.pdf")
    text = sp.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "某某县交通运输局2024年政府信息公开工作年度报告" in text.replace("\n", "").replace(" ", "")
    assert "收到和处理政府信息公开申请情况" in text


def test_both_engines_are_timed_on_the_reports_themselves(tmp_path):
    """Chromium and WeasyPrint get the reports' HTML and inputs — not summary.html or the
    findings/ pages OUT also holds."""
    from concurrent.futures import ThreadPoolExecutor

    from nianbao.batch import BatchOptions, discover, run_batch
    from bench.bench import report_pairs, write_inputs

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
