"""Batch production (`nianbao batch`, `nianbao aggregate`): many agencies and years in one
folder, previous years found by layout, per-agency templates, summary in three forms,
incremental re-runs, byte-identical outputs (locally and on a Dask cluster), Ctrl-C."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import COUNTY, EXAMPLES, ROOT, TOWNSHIP, run_cli

from nianbao.batch import BatchOptions, discover, run_batch
from nianbao.batch.executors import local_pool
from nianbao.pipeline import read
from nianbao.write.workbook import workbook_bytes
from nianbao.write.yaml_file import yaml_document

TITLE = "{}{}年政府信息公开工作年度报告"
JIA_LINE = "甲局专用抬头"  # DIR/甲局/templates/report.html
TOP_LINE = "全县统一页眉"  # DIR/templates/report.html
T4_SUM_MESSAGE = "表四“行政复议”：结果维持、结果纠正、其他结果、尚未审结之和为1，但“总计”填的是0"
HTML_DOCX = "html,docx"


def _values(source: Path, agency: str, year: int) -> tuple:
    validated = read(source)
    values = validated.report.model_dump(mode="python")
    values["agency"]["name"] = agency
    values["year"] = year
    values["published"] = dt.date(year + 1, 1, 20)
    return validated.edition, values


def write_report(target: Path, source: Path, agency: str, year: int) -> None:
    """A copy of an example under another agency and year, as .yaml or .xlsx."""
    edition, values = _values(source, agency, year)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".xlsx":
        target.write_bytes(workbook_bytes(edition, values))
    else:
        target.write_text(yaml_document(edition, values), encoding="utf-8")


def _template(line: str) -> str:
    return ('{% extends "_base.html" %}\n{% block title %}\n<p class="mark">' + line
            + "</p>\n{{ super() }}\n{% endblock %}\n")


def make_tree(root: Path) -> Path:
    """DIR/<机关>/<年>.yaml|xlsx built from the examples:

    甲局 2023 and 2024 (county; its 2024 上年结转 differs from the 2023 结转下年度 → XYEAR-CARRY),
    乙镇 2024 as a workbook (township), 丙局 2024 broken, 丁局 2024 with a T4-SUM error,
    戊局 2023 only; templates for 甲局 and for everyone."""
    write_report(root / "甲局" / "2023.yaml", COUNTY, "甲局", 2023)
    write_report(root / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(root / "乙镇" / "2024.xlsx", TOWNSHIP, "乙镇", 2024)
    (root / "丙局").mkdir()
    (root / "丙局" / "2024.yaml").write_text("agency: [broken\n", encoding="utf-8")
    write_report(root / "丁局" / "2024.yaml", EXAMPLES / "invalid" / "t4-sum.yaml", "丁局", 2024)
    write_report(root / "戊局" / "2023.yaml", COUNTY, "戊局", 2023)
    for folder, line in ((root / "甲局" / "templates", JIA_LINE), (root / "templates", TOP_LINE)):
        folder.mkdir(parents=True)
        (folder / "report.html").write_text(_template(line), encoding="utf-8")
    return root


def output(out: Path, agency: str, year: int, fmt: str) -> Path:
    return out / agency / f"{TITLE.format(agency, year)}.{fmt}"


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def rows_by_file(out: Path) -> dict[str, dict]:
    return {r["file"]: r for r in summary(out)["reports"]}


def tree_files(out: Path) -> dict[str, bytes]:
    """Every output (not findings, summary or cache) by path relative to OUT."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".html", ".docx", ".pdf")
            and p.parent != out and p.relative_to(out).parts[0] != "findings"}


def findings_pages(out: Path) -> dict[str, bytes]:
    """The 问题清单 pages, by path relative to OUT."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted((out / "findings").rglob("*.html"))}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("batch") / "DIR")


@pytest.fixture(scope="module")
def first_run(tree: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out") / "OUT"
    result = run_cli("batch", tree, "-o", out, "--format", HTML_DOCX, "--jobs", "2")
    return out, result


# ---- one run: outputs, findings, summary ---------------------------------------------------
def test_outputs_only_for_clean_reports(first_run) -> None:
    out, result = first_run
    assert result.returncode == 1, result.stderr
    for agency, year in (("甲局", 2023), ("甲局", 2024), ("乙镇", 2024), ("戊局", 2023)):
        for fmt in ("html", "docx"):
            assert output(out, agency, year, fmt).stat().st_size > 1000
        assert not output(out, agency, year, "pdf").exists()
    assert not (out / "丁局").exists() and not (out / "丙局").exists()
    assert not list(out.rglob("*.tmp"))
    # the closing list names each report with problems and its first error
    assert f"丁局/2024.yaml：有错误未生成（错误 1 个）：{T4_SUM_MESSAGE}" in result.stderr


def test_summary_json_rows_and_counts(first_run) -> None:
    out, _ = first_run
    doc = summary(out)
    rows = rows_by_file(out)
    assert list(rows) == ["丁局/2024.yaml", "丙局/2024.yaml", "乙镇/2024.xlsx",
                          "戊局/2023.yaml", "甲局/2023.yaml", "甲局/2024.yaml"]
    assert doc["totals"] == {"reports": 6, "built": 4, "with_errors": 2, "unreadable": 1,
                             "skipped": 0}
    assert doc["exit_code"] == 1 and doc["formats"] == ["html", "docx"]
    bad = rows["丁局/2024.yaml"]
    assert (bad["status"], bad["errors"], bad["outputs"]) == ("有错误未生成", 1, {})
    assert bad["first_error"] == T4_SUM_MESSAGE
    broken = rows["丙局/2024.yaml"]
    assert broken["status"].startswith("无法读取：") and "YAML" in broken["status"]
    # unreadable: agency and year as its place names them (丙局/2024.yaml)
    assert (broken["agency"], broken["year"], broken["state"]) == ("丙局", 2024, "unreadable")
    ok = rows["乙镇/2024.xlsx"]
    assert (ok["agency"], ok["year"], ok["edition"], ok["status"]) == ("乙镇", 2024, "2021",
                                                                       "已生成")
    assert ok["outputs"] == {f: f"乙镇/{TITLE.format('乙镇', 2024)}.{f}" for f in ("html", "docx")}
    for row in rows.values():
        assert (out / row["findings"]).is_file()
        for path in row["outputs"].values():
            assert (out / path).is_file()


def test_previous_year_found_by_layout(first_run, tree: Path) -> None:
    out, _ = first_run
    rows = rows_by_file(out)
    found = json.loads((out / rows["甲局/2024.yaml"]["findings"]).read_text(encoding="utf-8"))
    assert "XYEAR-CARRY" in [f["rule"] for f in found["findings"]]
    first_year = json.loads((out / rows["甲局/2023.yaml"]["findings"]).read_text("utf-8"))
    assert not any(f["rule"].startswith("XYEAR") for f in first_year["findings"])
    # the findings file is exactly `nianbao check --format json --previous …` run in DIR:
    # files are named relative to the batch folder (the pages go back to the agencies)
    check = run_cli("check", "--format", "json", "甲局/2024.yaml",
                    "--previous", "甲局/2023.yaml", cwd=tree)
    assert found == json.loads(check.stdout)
    assert rows["甲局/2024.yaml"]["warnings"] == found["summary"]["warnings"] > 0


def test_unreadable_findings_are_check_json(first_run) -> None:
    out, _ = first_run
    doc = json.loads((out / "findings" / "丙局" / "2024.yaml.json").read_text("utf-8"))
    assert doc["agency"] is None and doc["problems"] and doc["findings"] == []


def test_agency_templates_first_then_top_level(first_run) -> None:
    out, _ = first_run
    jia = output(out, "甲局", 2024, "html").read_text(encoding="utf-8")
    yi = output(out, "乙镇", 2024, "html").read_text(encoding="utf-8")
    assert JIA_LINE in jia and TOP_LINE not in jia
    assert TOP_LINE in yi and JIA_LINE not in yi
    from test_formats_agree import docx_text
    assert JIA_LINE in docx_text(output(out, "甲局", 2024, "docx"))


def test_summary_html_sortable_with_links(first_run) -> None:
    from urllib.parse import quote

    out, _ = first_run
    page = (out / "summary.html").read_text(encoding="utf-8")
    html_link = quote(f"甲局/{TITLE.format('甲局', 2024)}.html")
    assert f'href="{html_link}"' in page
    assert f'href="{quote("findings/丁局/2024.yaml.html")}"' in page   # the readable page
    assert "有错误未生成" in page and "无法读取" in page and "addEventListener" in page
    assert f'<td class="t">{T4_SUM_MESSAGE}</td>' in page.replace("&#34;", '"')
    assert "http://" not in page and "https://" not in page  # nothing fetched
    assert page.count("<tr class=") == 6
    assert "<h1>年度报告批量生成汇总</h1>" in page and "<th>输出文件</th>" in page


def test_summary_html_sorts_in_a_browser(first_run, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out, _ = first_run
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((out / "summary.html").as_uri())
        files = "#reports tbody tr td:first-child"
        page.click("#reports th:text-is('警告')")  # ascending
        warnings = [int(t) for t in page.locator("#reports tbody tr td:nth-child(6)")
                    .all_inner_texts()]
        assert warnings == sorted(warnings) and warnings[-1] > 0
        page.click("#reports th:text-is('警告')")  # descending
        assert page.locator(files).first.inner_text() == "甲局/2024.yaml"
        page.click("#reports th:text-is('文件')")  # Chinese order: by pinyin
        assert page.locator(files).all_inner_texts() == [
            "丙局/2024.yaml", "丁局/2024.yaml", "甲局/2023.yaml", "甲局/2024.yaml",
            "戊局/2023.yaml", "乙镇/2024.xlsx"]
        shown = f"{files}:visible"
        page.fill("#filter-text", "甲局")
        assert page.locator(shown).all_inner_texts() == ["甲局/2023.yaml", "甲局/2024.yaml"]
        assert page.inner_text("#filter-count") == "显示 2 / 6 份"
        page.fill("#filter-text", "")
        page.check("#filter-bad")   # only the rows with a problem
        assert page.locator(shown).all_inner_texts() == ["丙局/2024.yaml", "丁局/2024.yaml"]
        page.fill("#filter-text", "表四 行政复议")   # every word, anywhere in the row
        assert page.locator(shown).all_inner_texts() == ["丁局/2024.yaml"]
        assert page.inner_text("#filter-count") == "显示 1 / 6 份"
        page.click("#reports th:text-is('文件')")  # sorting keeps the filter
        assert page.locator(shown).all_inner_texts() == ["丁局/2024.yaml"]
        browser.close()
    assert not errors, errors


def test_summary_xlsx_for_clerks(first_run) -> None:
    from openpyxl import load_workbook

    out, _ = first_run
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    head = [c.value for c in ws[1]]
    assert head[:9] == ["文件", "机关", "年度", "格式版本", "错误", "警告", "提示", "状态", "说明"]
    # 最大变化: 甲局 and 乙局 have their 2023 report beside 2024's (issue 20)
    assert head[9:] == ["最大变化", "HTML", "DOCX", "问题清单"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert len(rows) == 6
    jia = rows["甲局/2024.yaml"]
    assert (jia[1].value, jia[2].value, jia[7].value) == ("甲局", 2024, "已生成")
    assert jia[10].hyperlink.target == f"甲局/{TITLE.format('甲局', 2024)}.html"
    assert rows["丁局/2024.yaml"][4].value == 1 and rows["丁局/2024.yaml"][10].value is None
    assert rows["丁局/2024.yaml"][8].value == T4_SUM_MESSAGE   # 说明: the first error


def _page_links(page: Path) -> list[str]:
    import re
    from urllib.parse import unquote

    return [unquote(h) for h in re.findall(r'href="([^"]+)"', page.read_text("utf-8"))]


def test_findings_pages_say_what_check_says(first_run, tree: Path) -> None:
    """问题清单 links to a page per report, in the words of `nianbao check`, whose links all
    lead to files of OUT."""
    import html

    out, _ = first_run
    rows = rows_by_file(out)
    for row in rows.values():
        page = out / row["findings_page"]
        assert row["findings_page"] == row["findings"].removesuffix(".json") + ".html"
        for link in _page_links(page):
            assert (page.parent / link).resolve().is_file(), (page, link)
        assert "../../summary.html" in _page_links(page)
    ding = html.unescape((out / rows["丁局/2024.yaml"]["findings_page"]).read_text("utf-8"))
    assert "有错误，不能发布：1 个错误，0 个警告，0 个提示" in ding
    assert '错误 <span class="rule">T4-SUM</span>' in ding and "<dd>未生成</dd>" in ding
    check = run_cli("check", "丁局/2024.yaml", cwd=tree).stdout
    cells = [line.strip().removeprefix("· ") for line in check.splitlines()
             if line.strip().startswith("·")]
    assert len(cells) == 5 and all(f"<li>{c}</li>" in ding for c in cells)
    assert "第" in cells[0] and "table4.review" in cells[0]
    jia = out / rows["甲局/2024.yaml"]["findings_page"]
    assert [f"../../甲局/{TITLE.format('甲局', 2024)}.{f}" for f in ("docx", "html")] == [
        link for link in _page_links(jia) if "甲局/" in link]
    assert "XYEAR-CARRY" in jia.read_text("utf-8")
    broken = (out / rows["丙局/2024.yaml"]["findings_page"]).read_text("utf-8")
    assert "无法读取：1 个问题" in broken and "YAML" in broken


def test_summary_xlsx_links_the_findings_pages(first_run) -> None:
    from openpyxl import load_workbook

    out, _ = first_run
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    links = {r[0].value: r[12].hyperlink.target for r in ws.iter_rows(min_row=2)}
    assert links["丁局/2024.yaml"] == "findings/丁局/2024.yaml.html"
    assert all((out / target).is_file() for target in links.values())


# ---- re-runs ----------------------------------------------------------------------------
def _mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(("summary.", ".nianbao-cache"))}


def test_incremental_skips_unchanged_and_rebuilds_changed(tree: Path, tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "DIR"
    shutil.copytree(tree, src)
    out = tmp_path / "OUT"
    assert run_cli("batch", src, "-o", out, "--format", HTML_DOCX).returncode == 1
    before = _mtimes(out)
    again = run_cli("batch", src, "-o", out, "--format", HTML_DOCX)
    assert again.returncode == 1  # 丁局 still has errors, 丙局 is still unreadable
    rows = rows_by_file(out)
    assert all(r["skipped"] and r["status"].startswith("未变化已跳过") for r in rows.values())
    assert rows["丁局/2024.yaml"]["errors"] == 1
    assert _mtimes(out) == before
    # last year's file changes: this year's report is checked again (its key includes it)
    with (src / "甲局" / "2023.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# 修改\n")
    third = run_cli("batch", src, "-o", out, "--format", HTML_DOCX)
    assert third.returncode == 1
    rows = rows_by_file(out)
    assert not rows["甲局/2023.yaml"]["skipped"] and not rows["甲局/2024.yaml"]["skipped"]
    assert rows["乙镇/2024.xlsx"]["skipped"] and rows["戊局/2023.yaml"]["skipped"]
    html = output(out, "甲局", 2024, "html").relative_to(out).as_posix()
    assert _mtimes(out)[html] > before[html]
    assert _mtimes(out)[output(out, "乙镇", 2024, "html").relative_to(out).as_posix()] == \
        before[output(out, "乙镇", 2024, "html").relative_to(out).as_posix()]
    # a findings page removed by hand comes back; the report itself stays skipped
    (out / "findings" / "乙镇" / "2024.xlsx.html").unlink()
    assert run_cli("batch", src, "-o", out, "--format", HTML_DOCX).returncode == 1
    assert rows_by_file(out)["乙镇/2024.xlsx"]["skipped"]
    assert "问题清单：乙镇 2024年度" in (out / "findings" / "乙镇" / "2024.xlsx.html").read_text(
        "utf-8")


def test_force_builds_errors_and_drafts_go_without_it(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    assert run_cli("batch", tree, "-o", out, "--format", "html", "--force").returncode == 1
    rows = rows_by_file(out)
    assert rows["丁局/2024.yaml"]["status"].startswith("已生成（有错误")
    assert output(out, "丁局", 2024, "html").is_file()
    assert not any(r["skipped"] for r in rows.values())
    # without --force the draft of a report with errors is removed again
    assert run_cli("batch", tree, "-o", out, "--format", "html").returncode == 1
    assert rows_by_file(out)["丁局/2024.yaml"]["status"] == "有错误未生成"
    assert not output(out, "丁局", 2024, "html").exists()
    assert rows_by_file(out)["甲局/2024.yaml"]["skipped"]


def test_force_renders_drafts_without_rebuilding_the_rest(tree: Path, tmp_path: Path) -> None:
    """--force means drafts only (issue 19 §14): the reports with errors are rendered, marked
    as drafts; the unchanged clean ones are still skipped."""
    out = tmp_path / "OUT"
    assert run_cli("batch", tree, "-o", out, "--format", "html").returncode == 1
    assert rows_by_file(out)["丁局/2024.yaml"]["status"] == "有错误未生成"
    forced = run_cli("batch", tree, "-o", out, "--format", "html", "--force")
    assert forced.returncode == 1
    rows = rows_by_file(out)
    assert not rows["丁局/2024.yaml"]["skipped"]   # left unrendered before: its draft now
    assert rows["丁局/2024.yaml"]["status"].startswith("已生成（有错误")
    assert "草稿：本报告存在 1 个错误，不得发布" in output(out, "丁局", 2024, "html").read_text(
        encoding="utf-8")
    assert rows["甲局/2024.yaml"]["skipped"] and rows["乙镇/2024.xlsx"]["skipped"]
    # --force again: nothing to do, the draft stays
    run_cli("batch", tree, "-o", out, "--format", "html", "--force")
    rows = rows_by_file(out)
    assert rows["丁局/2024.yaml"]["skipped"] and output(out, "丁局", 2024, "html").is_file()


def _library_run(tree: Path, out: Path, **options: bool) -> dict[str, dict]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        result = run_batch(discover(tree), pool, out, BatchOptions(("html",), **options))
    return {r["file"]: r for r in result.rows}


def test_rebuild_ignores_the_cache_and_renders_no_draft(tree: Path, tmp_path: Path) -> None:
    """--rebuild means the cache only: everything is made again; a report with errors is
    not rendered unless --force says so too."""
    out = tmp_path / "OUT"
    _library_run(tree, out)
    before = _mtimes(out)
    rows = _library_run(tree, out, rebuild=True)
    assert not any(r["skipped"] for r in rows.values())
    assert rows["丁局/2024.yaml"]["outputs"] == {}
    html = output(out, "甲局", 2024, "html").relative_to(out).as_posix()
    assert _mtimes(out)[html] > before[html]
    rows = _library_run(tree, out, force=True)   # the draft, the rest skipped
    assert [f for f, r in rows.items() if not r["skipped"]] == ["丁局/2024.yaml"]
    rows = _library_run(tree, out, rebuild=True)   # without --force the draft goes again
    assert not any(r["skipped"] for r in rows.values())
    assert not output(out, "丁局", 2024, "html").exists()
    rows = _library_run(tree, out, rebuild=True, force=True)   # both: everything, drafts too
    assert not any(r["skipped"] for r in rows.values())
    assert output(out, "丁局", 2024, "html").is_file()


def test_rebuild_on_the_command_line(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    assert run_cli("batch", tree, "-o", out, "--format", "html").returncode == 1
    again = run_cli("batch", tree, "-o", out, "--format", "html", "--rebuild")
    assert "未变化跳过 0 份" in again.stdout
    assert not output(out, "丁局", 2024, "html").exists()


def test_check_only_writes_findings_and_summary_not_reports(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    result = run_cli("batch", tree, "-o", out, "--check-only")
    assert result.returncode == 1, result.stderr   # 丁局 has errors, 丙局 unreadable
    rows = rows_by_file(out)
    assert {f: r["status"] for f, r in rows.items() if not f.startswith("丙局")} == {
        "丁局/2024.yaml": "有错误", "乙镇/2024.xlsx": "已校验", "戊局/2023.yaml": "已校验",
        "甲局/2023.yaml": "已校验", "甲局/2024.yaml": "已校验"}
    assert all(r["outputs"] == {} for r in rows.values())
    assert sorted(p.name for p in out.iterdir()) == [
        ".nianbao-cache.json", "findings", "summary.html", "summary.json", "summary.xlsx"]
    # the same findings as a full run (XYEAR from last year's file included)
    found = json.loads((out / rows["甲局/2024.yaml"]["findings"]).read_text(encoding="utf-8"))
    assert "XYEAR-CARRY" in [f["rule"] for f in found["findings"]]
    assert (out / "findings" / "丁局" / "2024.yaml.html").is_file()
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "<h1>年度报告批量校验汇总</h1>" in page and "只校验，未生成报告文件" in page
    assert "<th>输出文件</th>" not in page   # no column that would stay empty
    assert "共 6 份：无错误 4 份，有错误或无法读取 2 份（其中无法读取 1 份）" in result.stdout
    again = run_cli("batch", tree, "-o", out, "--check-only")
    assert "未变化跳过 6 份" in again.stdout
    assert rows_by_file(out)["乙镇/2024.xlsx"]["status"] == "未变化已跳过"
    # asking for reports afterwards renders them: a check-only entry is not a built one
    full = run_cli("batch", tree, "-o", out, "--format", "html")
    assert "未变化跳过 0 份" in full.stdout and output(out, "乙镇", 2024, "html").is_file()
    # a check into an OUT with reports leaves them, and the next build still skips them
    built = tree_files(out)
    assert len(built) == 4
    run_cli("batch", tree, "-o", out, "--check-only")
    assert tree_files(out) == built
    assert rows_by_file(out)["乙镇/2024.xlsx"]["outputs"] == {}   # the summary is the check's
    again = run_cli("batch", tree, "-o", out, "--format", "html")
    assert "未变化跳过 4 份" in again.stdout and tree_files(out) == built


def test_exit_codes_clean_and_nothing_to_run(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    write_report(clean / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    assert run_cli("batch", clean, "-o", tmp_path / "o1", "--format", "html").returncode == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "2024.yaml").write_text("[", encoding="utf-8")
    (broken / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    result = run_cli("batch", broken, "-o", tmp_path / "o2", "--format", "html")
    assert result.returncode == 2
    statuses = [r["status"] for r in summary(tmp_path / "o2")["reports"]]
    assert any("xlsx" in s for s in statuses)  # .xls: save as .xlsx
    (tmp_path / "empty").mkdir()
    assert run_cli("batch", tmp_path / "empty", "-o", tmp_path / "o3").returncode == 2
    assert run_cli("batch", clean, "-o", tmp_path / "o4", "--format", "odt").returncode == 2


def test_same_agency_and_year_twice_is_a_duplicate_row(tmp_path: Path) -> None:
    src = tmp_path / "DIR"
    write_report(src / "a" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(src / "b" / "报告.xlsx", COUNTY, "甲局", 2024)
    out = tmp_path / "OUT"
    assert run_cli("batch", src, "-o", out, "--format", "html").returncode == 1
    rows = rows_by_file(out)
    assert rows["a/2024.yaml"]["status"] == "已生成"
    assert rows["b/报告.xlsx"]["status"] == "重复：与 a/2024.yaml 为同一机关、同一年度，未生成"
    assert rows["b/报告.xlsx"]["outputs"] == {}
    assert len(tree_files(out)) == 1
    checked = tmp_path / "CHECKED"   # an office checking: still a duplicate, nothing to generate
    assert run_cli("batch", src, "-o", checked, "--check-only").returncode == 1
    assert rows_by_file(checked)["b/报告.xlsx"]["status"] == "重复：与 a/2024.yaml 为同一机关、同一年度"


def test_summary_says_the_first_error_and_how_many_more(tmp_path: Path) -> None:
    src = tmp_path / "DIR"
    write_report(src / "甲局" / "2024.yaml", EXAMPLES / "invalid" / "t3-rowsum.yaml", "甲局", 2024)
    out = tmp_path / "OUT"
    assert run_cli("batch", src, "-o", out, "--format", "html").returncode == 1
    row = rows_by_file(out)["甲局/2024.yaml"]
    assert row["first_error"] == ("表三“一、本年新收政府信息公开申请数量”行：各类申请人之和为0，"
                                  "但“总计”列填的是1（另有 2 个错误）")


def test_outputs_of_removed_inputs_are_said_not_deleted(tmp_path: Path) -> None:
    src = tmp_path / "DIR"
    write_report(src / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(src / "乙镇" / "2024.yaml", TOWNSHIP, "乙镇", 2024)
    out = tmp_path / "OUT"
    assert run_cli("batch", src, "-o", out, "--format", "html").returncode == 0
    (src / "乙镇" / "2024.yaml").unlink()
    left = f"乙镇/{TITLE.format('乙镇', 2024)}.html"
    for _ in range(2):   # said on every run while the file is there
        again = run_cli("batch", src, "-o", out, "--format", "html")
        assert again.returncode == 0
        assert ("输出目录中有 1 个文件来自本次输入中已没有的 1 份报告（如 乙镇/2024.yaml），未删除"
                in again.stderr)
        assert summary(out)["vanished"] == [{"file": "乙镇/2024.yaml", "outputs": [left]}]
        assert (out / left).is_file()
        assert "本次输入中已没有的报告" in (out / "summary.html").read_text("utf-8")
    (out / left).unlink()
    quiet = run_cli("batch", src, "-o", out, "--format", "html")
    assert "本次输入中已没有" not in quiet.stderr and summary(out)["vanished"] == []


# ---- manifests ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_manifest_names_agency_and_year(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "files"
    write_report(folder / "a.yaml", COUNTY, "甲局", 2023)
    write_report(folder / "b.xlsx", COUNTY, "甲局", 2024)
    if kind == "csv":
        manifest = folder / "清单.csv"
        manifest.write_text("文件,机关,年度\na.yaml,甲局,2023\nb.xlsx,甲局,2024\n",
                            encoding="utf-8-sig")
    else:
        manifest = folder / "manifest.yaml"
        manifest.write_text("reports:\n  - {file: a.yaml, agency: 甲局, year: 2023}\n"
                            "  - {file: b.xlsx, agency: 甲局, year: 2024}\n", encoding="utf-8")
    out = tmp_path / "OUT"
    result = run_cli("batch", "--manifest", manifest, "-o", out, "--format", "html")
    assert result.returncode == 0, result.stderr
    rows = rows_by_file(out)
    assert list(rows) == ["a.yaml", "b.xlsx"]
    found = json.loads((out / rows["b.xlsx"]["findings"]).read_text(encoding="utf-8"))
    assert "XYEAR-CARRY" in [f["rule"] for f in found["findings"]]
    assert output(out, "甲局", 2024, "html").is_file()


# ---- aggregate ----------------------------------------------------------------------------
def test_aggregate_sums_the_year_and_lists_missing_and_errors(tree: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "汇总.xlsx"
    result = run_cli("aggregate", tree, "--year", "2024", "-o", target)
    assert result.returncode == 1, result.stderr  # 丁局 has errors, 丙局 unreadable, 戊局 missing
    summed = read(target).report
    county, township = read(COUNTY).report, read(TOWNSHIP).report
    assert summed.agency.name == "汇总（2个机关）"
    assert summed.table3.new.total == county.table3.new.total + township.table3.new.total
    assert summed.table3.carry_out.natural == (county.table3.carry_out.natural
                                               + township.table3.carry_out.natural)
    assert summed.table2.licensing.decisions == (county.table2.licensing.decisions
                                                 + township.table2.licensing.decisions)
    assert summed.table4.review.total == county.table4.review.total + township.table4.review.total
    scope = {(r[1].value or r[0].value): r[2].value
             for r in load_workbook(target)["汇总范围"].iter_rows(min_row=2)}
    assert scope["甲局/2024.yaml"] == "计入汇总" and scope["乙镇/2024.xlsx"] == "计入汇总"
    assert scope["丁局/2024.yaml"] == "有错误，未计入"
    assert scope["丙局/2024.yaml"] == "无法读取，未计入"
    assert scope["戊局"] == "缺少2024年度报告"
    assert "甲局/2023.yaml" not in scope
    assert "戊局：缺少2024年度报告" in result.stderr


def test_aggregate_runs_the_rules_on_the_sum(tmp_path: Path) -> None:
    from nianbao.batch.aggregate import aggregate

    src = tmp_path / "DIR"
    write_report(src / "甲" / "2024.yaml", COUNTY, "甲", 2024)
    write_report(src / "乙" / "2024.yaml", COUNTY, "乙", 2024)
    agg = aggregate(discover(src), 2024)
    assert agg.exit_code == 0 and len(agg.included) == 2 and agg.checked.findings == []
    assert agg.checked.validated.report.table3.total.total == 2 * 38


# ---- the same bytes: two runs, and a Dask cluster ----------------------------------------
@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "DIR"
    write_report(root / "甲局" / "2023.yaml", COUNTY, "甲局", 2023)
    write_report(root / "乙镇" / "2024.xlsx", TOWNSHIP, "乙镇", 2024)
    (root / "甲局" / "templates").mkdir(parents=True)
    (root / "甲局" / "templates" / "report.html").write_text(_template(JIA_LINE), "utf-8")
    return root


@pytest.fixture(scope="module")
def local_outputs(small_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("local") / "OUT"
    with local_pool(2, ("html", "pdf", "docx")) as pool:
        result = run_batch(discover(small_tree), pool, out, BatchOptions())
    assert result.exit_code == 0, result.rows
    files = tree_files(out)
    assert sorted(files) == sorted(f"{a}/{TITLE.format(a, y)}.{f}" for a, y in
                                   (("甲局", 2023), ("乙镇", 2024)) for f in ("html", "pdf", "docx"))
    pages = findings_pages(out)
    assert sorted(pages) == ["findings/乙镇/2024.xlsx.html", "findings/甲局/2023.yaml.html"]
    return {**files, **pages}


def test_byte_identical_across_runs(small_tree: Path, local_outputs: dict, tmp_path: Path
                                    ) -> None:
    result = run_cli("batch", small_tree, "-o", tmp_path / "again", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    again = {**tree_files(tmp_path / "again"), **findings_pages(tmp_path / "again")}
    assert {k: hashlib.sha256(v).hexdigest() for k, v in again.items()} == \
        {k: hashlib.sha256(v).hexdigest() for k, v in local_outputs.items()}


def test_dask_cluster_gives_the_same_outputs(small_tree: Path, local_outputs: dict,
                                             tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = run_cli("batch", small_tree, "-o", tmp_path / "dask",
                         "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    dask = tmp_path / "dask"
    assert {**tree_files(dask), **findings_pages(dask)} == local_outputs
    assert summary(tmp_path / "dask")["totals"]["built"] == 2


# ---- Ctrl-C -----------------------------------------------------------------------------
N_CTRL_C = 8


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    src = tmp_path / "DIR"
    for n in range(N_CTRL_C):
        write_report(src / f"机关{n:02d}" / "2024.yaml", COUNTY, f"机关{n:02d}", 2024)
    out = tmp_path / "OUT"
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "batch", str(src), "-o", str(out),
                             "--jobs", "1", "--format", "html,pdf"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*/*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "已中断" in stderr
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".nianbao-*.tmp"))
    doc = summary(out)
    assert doc["interrupted"] and len(doc["reports"]) + doc["not_run"] == N_CTRL_C
    assert doc["not_run"] > 0
    for row in doc["reports"]:
        assert set(row["outputs"]) == {"html", "pdf"}
        html = (out / row["outputs"]["html"]).read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>")
        assert (out / row["outputs"]["pdf"]).read_bytes().rstrip().endswith(b"%%EOF")
    listed = {p for r in doc["reports"] for p in [*r["outputs"].values(), r["findings_page"]]}
    for path in out.rglob("*"):  # every output on disk is one the summary lists, complete
        if path.suffix in (".html", ".pdf") and path.parent != out:
            assert path.relative_to(out).as_posix() in listed
    # the next run finishes the rest and skips what is done
    rest = run_cli("batch", src, "-o", out, "--jobs", "2", "--format", "html,pdf")
    assert rest.returncode == 0, rest.stderr
    rows = summary(out)["reports"]
    assert len(rows) == N_CTRL_C and sum(r["skipped"] for r in rows) == N_CTRL_C - doc["not_run"]


def test_summary_says_the_first_warning_of_a_report_without_errors(first_run) -> None:
    out, _ = first_run
    row = rows_by_file(out)["甲局/2024.yaml"]   # 上年结转 differs from 2023's 结转下年度
    assert (row["errors"], row["first_error"]) == (0, "")
    assert row["first_warning"].startswith("上年结转与上一年度的结转下年度不一致：")
    assert row["first_warning"].endswith(f"（另有 {row['warnings'] - 1} 个警告）")
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert '<td class="t">警告：上年结转与上一年度的结转下年度不一致：' in page
    from openpyxl import load_workbook
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    explained = {r[0]: r[8] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert explained["甲局/2024.yaml"].startswith("警告：上年结转")
    assert explained["丁局/2024.yaml"] == T4_SUM_MESSAGE   # an error comes first
