"""A finished report as the batch summary's row: its status in words, the files it names,
where its annotated copy goes, and its texts with the office's folders taken out (the
pages go back to the agencies).  Split from the driver, which only runs and writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nianbao.batch import report_task
from nianbao.batch.discover import Entry
from nianbao.batch.report_task import Result
from nianbao.write.atomic import safe_name


def relative_result(result: Result, e: Entry, out: Path) -> Result:
    """The result with no absolute path of the batch folder or OUT left in what the pages
    show (the findings JSON, the message, the notes): they go back to the agencies.
    Messages name files relative to the batch folder already; this catches a path that a
    system's message embeds."""
    from nianbao.batch.discover import relative_text

    folders = (e.root, out) if e.root is not None else (out,)

    def fix(value: Any) -> Any:
        """Every string of a decoded JSON value, each folder's absolute path taken out."""
        if isinstance(value, str):
            return relative_text(value, folders)
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    try:   # decoded, so that a path written with escapes (a Windows backslash) is found too
        doc = json.loads(result.findings_json)
    except ValueError:
        doc = None
    fixed = fix(doc)
    if fixed != doc:   # else the bytes stay exactly as the worker wrote them
        result.findings_json = json.dumps(fixed, ensure_ascii=False, indent=2)
    result.message, result.first_error = fix(result.message), fix(result.first_error)
    result.first_warning, result.notes = fix(result.first_warning), fix(result.notes)
    return result


ANNOTATED = "标注.xlsx"


def annotated_path(agency: str, year: int | None) -> str:
    """OUT/<机关>/<机关><年>标注.xlsx (issue 20): the agency's workbook with its findings."""
    stem = safe_name(agency + (str(year) if year else ""))
    return f"{safe_name(agency)}/{stem}{ANNOTATED}"


def row_files(row: dict[str, Any]) -> list[str]:
    """The report files a row names (its outputs and its annotated copy)."""
    return [*row.get("outputs", {}).values(),
            *filter(None, [row.get("annotated"), row.get("comparison")])]


def summary_row(e: Entry, result: Result, target: str | None, findings: str,
         checking: bool = False) -> dict[str, Any]:
    """The summary row of one report (its cache entry keeps it for skipped runs);
    checking: a --check-only batch, which renders nothing."""
    # a file that could not be read: the agency and year its path names (某局/2024.xlsx)
    return {"file": e.rel, "name": e.name, "agency": result.agency or e.agency_name,
            "year": result.year or e.year,
            "edition": result.edition, **result.summary, "state": result.state,
            "status": status_words(result, checking), "skipped": False, "note": "；".join(result.notes),
            "first_error": result.first_error, "first_warning": result.first_warning,
            "largest_change": result.largest_change,
            "published": result.published, "kind": result.kind,
            "target": target, "outputs": {}, "findings": findings}


def status_words(result: Result, checking: bool = False) -> str:
    if checking and result.state in (report_task.BUILT, report_task.ERRORS):
        return "有错误" if result.summary["errors"] else "已校验"
    if result.state == report_task.BUILT:
        return "已生成（有错误，按 --force 生成）" if result.summary["errors"] else "已生成"
    if result.state == report_task.ERRORS:
        return "有错误未生成"
    label = {report_task.UNREADABLE: "无法读取",
             report_task.RENDER_FAILED: "无法生成"}.get(result.state, "处理失败")
    return f"{label}：{result.message}"
