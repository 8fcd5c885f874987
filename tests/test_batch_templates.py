"""The batch's own pages are templates (issue 21 §3): summary.html and the 问题清单 pages come
from templates/batch_summary.html and templates/batch_findings.html, or from an office's
`batch --templates DIR` when it holds its own; an office's page template that cannot render
is said in Chinese with its file and line, and the batch exits 2 (the reports are written)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import COUNTY, run_cli
from test_batch import write_report

from nianbao.batch import BatchOptions, discover, run_batch
from nianbao.cli.template_export import export

# an office's summary page: its own heading and one line per report, data escaped
OFFICE_SUMMARY = ("{# 县政务公开办的汇总页 #}\n<h1>{{ doc.heading }}（县政务公开办）</h1>\n"
                  "{% for r in doc.rows %}<p class=\"{{ 'bad' if r.bad else 'ok' }}\">"
                  "{{ r.agency }}：错误 {{ r.errors }} 个，"
                  "<a href=\"{{ r.findings_link | urlencode }}\">问题清单</a></p>\n{% endfor %}")
OFFICE_FINDINGS = ("<h1>{{ doc.title }}</h1>\n<p>{{ doc.verdict }}：{{ doc.counts }}</p>\n"
                   "{% for f in doc.findings %}<p>{{ f.label }} {{ f.rule }}</p>\n{% endfor %}"
                   "<a href=\"{{ doc.summary_page | urlencode }}\">返回</a>\n")


def make_tree(root: Path) -> Path:
    """A clean report of an agency whose name needs escaping, and one with an error."""
    write_report(root / "甲局" / "2024.yaml", COUNTY, "A&B局", 2024)
    write_report(root / "丁局" / "2024.yaml", Path(COUNTY).parent / "invalid" / "t4-sum.yaml",
                 "丁局", 2024)
    return root


def office(folder: Path, **pages: str) -> Path:
    """An office's templates folder holding the pages given (name without .html)."""
    folder.mkdir(parents=True)
    for name, text in pages.items():
        (folder / f"{name}.html").write_text(text, encoding="utf-8")
    return folder


def batch(root: Path, out: Path, templates: Path | None = None):
    """`batch --check-only` in this process (threads: the pages are written by the driver)."""
    with ThreadPoolExecutor(2) as pool:
        return run_batch(discover(root), pool, out, BatchOptions(formats=(), templates=templates))


def test_an_office_summary_template_restyles_the_summary(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "报送")
    folder = office(tmp_path / "办公室模板", batch_summary=OFFICE_SUMMARY)
    result = batch(root, tmp_path / "OUT", folder)
    assert result.exit_code == 1 and result.page_problems == []
    # whitespace as written: the comment's line leaves its newline
    assert (tmp_path / "OUT" / "summary.html").read_text(encoding="utf-8") == (
        "\n<h1>年度报告批量校验汇总（县政务公开办）</h1>\n"
        '<p class="bad">丁局：错误 1 个，<a href="findings/%E4%B8%81%E5%B1%80/2024.yaml.html">'
        "问题清单</a></p>\n"
        '<p class="ok">A&amp;B局：错误 0 个，<a href="findings/%E7%94%B2%E5%B1%80/2024.yaml.html">'
        "问题清单</a></p>\n")
    # the office has no batch_findings.html: the 问题清单 pages are the built-in ones
    page = (tmp_path / "OUT" / "findings" / "丁局" / "2024.yaml.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<a href="../../summary.html">返回汇总</a>' in page


def test_an_office_findings_template_restyles_every_findings_page(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "报送")
    folder = office(tmp_path / "办公室模板", batch_findings=OFFICE_FINDINGS)
    batch(root, tmp_path / "OUT", folder)
    page = (tmp_path / "OUT" / "findings" / "丁局" / "2024.yaml.html").read_text("utf-8")
    assert page == ("<h1>丁局 2024年度</h1>\n<p>有错误，不能发布：1 个错误，0 个警告，0 个提示</p>\n"
                    '<p>错误 T4-SUM</p>\n<a href="../../summary.html">返回</a>')  # Jinja drops the last newline
    summary = (tmp_path / "OUT" / "summary.html").read_text(encoding="utf-8")
    assert summary.startswith("<!DOCTYPE html>") and "<h1>年度报告批量校验汇总</h1>" in summary


def test_exported_page_templates_give_the_built_in_pages(tmp_path: Path) -> None:
    """`templates export` then `batch --templates` that folder: the same bytes as without it
    (the office's folder is sandboxed; the built-in templates alone are not)."""
    root = make_tree(tmp_path / "报送")
    batch(root, tmp_path / "内置")
    export(tmp_path / "导出")
    batch(root, tmp_path / "导出的", tmp_path / "导出")
    for page in ("summary.html", "findings/丁局/2024.yaml.html", "findings/甲局/2024.yaml.html"):
        assert (tmp_path / "导出的" / page).read_bytes() == (tmp_path / "内置" / page).read_bytes()


def test_a_summary_template_that_fails_leaves_no_stale_page(tmp_path: Path) -> None:
    """An undefined field: the reports, summary.json and summary.xlsx are written, the
    earlier run's summary.html removed (it would disagree), exit 2 — in summary.json too."""
    root, out = make_tree(tmp_path / "报送"), tmp_path / "OUT"
    batch(root, out)
    assert (out / "summary.html").is_file()
    folder = office(tmp_path / "办公室模板", batch_summary="<h1>{{ doc.heading }}</h1>\n"
                                                          "<p>{{ doc.no_such_field }}</p>\n")
    result = batch(root, out, folder)
    assert [(p.where, p.message) for p in result.page_problems] == [
        (f"{folder / 'batch_summary.html'} 第2行",
         "模板错误：'dict object' has no attribute 'no_such_field'")]
    assert result.exit_code == 2
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["exit_code"] == 2
    assert (out / "summary.xlsx").is_file() and not (out / "summary.html").exists()


@pytest.mark.parametrize(("page", "text", "line", "message"), [
    ("batch_summary", "<h1>{{ doc.heading }</h1>\n", 1, "模板错误：unexpected '}'"),
    ("batch_findings", "<h1>{{ doc.title }}</h1>\n{% for f in doc.findings %}\n", 2,
     "模板错误：Unexpected end of template."),
])
def test_a_broken_page_template_stops_the_batch_before_it_runs(
        tmp_path: Path, page: str, text: str, line: int, message: str) -> None:
    root = make_tree(tmp_path / "报送")
    folder = office(tmp_path / "办公室模板", **{page: text})
    result = run_cli("batch", root, "-o", tmp_path / "OUT", "--check-only", "--templates", folder)
    assert result.returncode == 2
    said = result.stderr.replace("\n", "")
    assert f"无法生成 {folder / (page + '.html')} 第{line}行：{message}" in said, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "OUT").exists()   # refused before anything ran


def test_a_findings_template_that_fails_while_rendering_exits_2(tmp_path: Path) -> None:
    """Found only with the data (a field a finding does not have): the batch runs, writes
    the reports and the summary (linking the findings JSON), says why and exits 2."""
    root = make_tree(tmp_path / "报送")
    folder = office(tmp_path / "办公室模板", batch_findings=(
        "<h1>{{ doc.title }}</h1>\n{% for f in doc.findings %}{{ f.cell }}{% endfor %}\n"))
    out = tmp_path / "OUT"
    result = run_cli("batch", root, "-o", out, "--check-only", "--templates", folder)
    assert result.returncode == 2
    assert (f"无法生成 {folder / 'batch_findings.html'} 第2行：模板错误：'dict object' has no "
            "attribute 'cell'") in result.stderr.replace("\n", "")
    assert "汇总页或问题清单页未能按模板生成" in result.stderr
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"]
    assert {r["file"]: r["findings_page"] for r in rows} == {"丁局/2024.yaml": None,
                                                            "甲局/2024.yaml": None}
    assert 'href="findings/%E4%B8%81%E5%B1%80/2024.yaml.json"' in \
        (out / "summary.html").read_text(encoding="utf-8")


def test_an_office_template_is_sandboxed(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "报送")
    folder = office(tmp_path / "办公室模板",
                    batch_summary="{{ doc.rows.__class__.__mro__ }}\n")
    result = batch(root, tmp_path / "OUT", folder)
    assert result.exit_code == 2
    (problem,) = result.page_problems
    assert problem.where == f"{folder / 'batch_summary.html'} 第1行"
    assert problem.message.startswith("模板错误：access to attribute '__class__'")
