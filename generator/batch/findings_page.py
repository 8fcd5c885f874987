"""One report's 问题清单 as a page a supervising office reads in the browser.

The batch keeps each report's findings as JSON (`check --format json`, for scripts); this
page says the same in the words of `nianbao check`: the verdict, then every finding with its
rule, message and the cells it names (official labels, value, file and line or sheet and
cell), or, for a file that could not be read, every reason.  It links back to the summary
and to the report's outputs.  Nothing in it comes from the clock: same findings, same bytes.
The page is templates/batch_findings.html (an office's `batch --templates DIR` may restyle
it); this module gives it plain data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nianbao.batch.report_task import FAILED
from nianbao.batch.summary import FORMAT_LABELS
from nianbao.checks.engine import SEVERITY_ZH, Finding
from nianbao.cli.console import verdict

TEMPLATE = "batch_findings.html"   # templates/, or the office's `batch --templates DIR`
# The page's context, documented once: `nianbao templates export` writes it into its README,
# and a test checks it against what `page_context` gives and what the template reads.
FINDINGS_VARIABLES = {
    "title": "标题：机关名称和年度（机关未知时为文件名）",
    "file": "数据文件（相对于批量目录）",
    "edition": "格式版本（如 2021）；文件无法读取时为空",
    "status": "状态（已生成、有错误未生成、无法读取：……）",
    "note": "说明（如上年报告无法使用），没有时为空",
    "outputs": "输出文件：每项 label（HTML、PDF、DOCX）、path；未生成时为空",
    "comparison": "与上年的比对页，没有时为空",
    "largest_change": "与上年相比变化最大的一处（文字），没有时为空",
    "annotated": "标注副本（本机关的工作簿，问题标在单元格上），没有时为空",
    "annotated_name": "标注副本的文件名",
    "problems": "文件无法读取或处理失败时的各条原因：每项 where 位置、message 说明；否则为空",
    "failure": "problems 的标题：无法读取，或处理失败",
    "verdict": "结论：有错误，不能发布；或未发现错误",
    "counts": "问题数：如“2 个错误，1 个警告，0 个提示”",
    "summary": "问题数：errors 错误、warnings 警告、infos 提示",
    "findings": "各个问题：每项 severity（error、warning、info）、label（错误、警告、提示）、rule 规则、"
                "message 说明、where 位置（没有时为空）、cells 所涉单元格（每项一行文字）",
    "summary_page": "汇总页 summary.html",
    "json": "供脚本读取的问题清单 JSON",
}


def page_path(findings_json_path: str) -> str:
    """Where the page of a findings file goes: beside it, ``….json`` → ``….html``."""
    return findings_json_path.removesuffix(".json") + ".html"


def page_context(doc: dict[str, Any], row: dict[str, Any], path: str) -> dict[str, Any]:
    """The page's plain data (FINDINGS_VARIABLES): ``doc`` the report's findings JSON object,
    ``row`` its summary row, ``path`` where the page goes in OUT — the paths given are
    relative to it, unquoted (the template quotes an href)."""
    here = posixpath.dirname(path) or "."

    def rel(target: str) -> str:
        return posixpath.relpath(target, here)

    title = row.get("agency") or row["file"]
    if row.get("year"):
        title = f"{title} {row['year']}年度"
    head, counts = verdict(doc["summary"])
    outputs = sorted(row["outputs"].items(), key=lambda kv: FORMAT_LABELS[kv[0]])
    return {
        "title": title, "file": row["file"], "edition": doc.get("edition"),
        "status": row["status"], "note": row.get("note"),
        "outputs": [{"label": FORMAT_LABELS[f], "path": rel(p)} for f, p in outputs],
        "comparison": rel(row["comparison"]) if row.get("comparison") else None,
        "largest_change": row.get("largest_change"),
        "annotated": rel(row["annotated"]) if row.get("annotated") else None,
        "annotated_name": posixpath.basename(row.get("annotated") or ""),
        "problems": doc.get("problems") or [],
        "failure": "处理失败" if row.get("state") == FAILED else "无法读取",
        "verdict": head, "counts": counts, "summary": doc["summary"],
        "findings": [_finding(Finding.from_json(f)) for f in doc["findings"]],
        "summary_page": rel("summary.html"), "json": rel(row["findings"])}


def _finding(f: Finding) -> dict[str, Any]:
    """One finding as the page shows it; ``where`` None when it names no text's place."""
    return {"severity": f.severity, "label": SEVERITY_ZH[f.severity], "rule": f.rule,
            "message": f.message, "where": None if f.where is None else str(f.where),
            "cells": [c.line() for c in f.cells]}


def render(doc: dict[str, Any], row: dict[str, Any], path: str,
           template_dirs: Sequence[Path] = ()) -> str:
    """The page of one report (see `page_context`): templates/batch_findings.html, or the
    office's in ``template_dirs``.  RenderError when the template cannot render."""
    from nianbao.render.html_render import render_named

    return render_named(TEMPLATE, {"doc": page_context(doc, row, path)}, template_dirs)
