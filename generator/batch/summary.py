"""The batch summary in three forms: summary.html (a sortable table; the template
templates/batch_summary.html, which an office's `batch --templates DIR` may restyle),
summary.xlsx (the same for clerks) and summary.json (for scripts).  One row per input: file,
agency, year, edition, errors, warnings, infos, status, the outputs and the findings, linked
relative to OUT."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nianbao.write.atomic import write_atomic

ROW_KEYS = ("file", "agency", "year", "edition", "errors", "warnings", "infos", "status",
            "state", "skipped", "note", "first_error", "first_warning", "outputs", "findings",
            "findings_page", "published", "kind", "largest_change", "comparison")
COLUMNS = ("文件", "机关", "年度", "格式版本", "错误", "警告", "提示", "状态", "说明")
# the largest year-on-year change, a column only when some report's last year was found
CHANGE = "最大变化"


def columns(doc: dict[str, Any]) -> tuple[str, ...]:
    """The summary's columns: COLUMNS, and 最大变化 when a report was compared with last year."""
    compared = any(r.get("comparison") for r in doc["reports"])
    return COLUMNS + ((CHANGE,) if compared else ())
FORMAT_LABELS = {"html": "HTML", "pdf": "PDF", "docx": "DOCX"}
# rows whose agency and year come from the file's place in the batch folder, not the file
PATH_NAMED = ("unreadable", "failed")


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Counts for the heading: reports, generated, with errors, unreadable, skipped."""
    return {"reports": len(rows),
            "built": sum(bool(r["outputs"]) for r in rows),
            "with_errors": sum(bool(r["errors"]) or r["state"] not in ("built",)
                               for r in rows),
            "unreadable": sum(r["state"] == "unreadable" for r in rows),
            "skipped": sum(bool(r["skipped"]) for r in rows)}


def explain(row: dict[str, Any]) -> str:
    """The 说明 column: the first error (and how many more) — or, when there is none, the
    first warning so marked — then the batch's notes (last year's report unusable, …)."""
    from nianbao.checks.engine import SEVERITY_ZH

    first = row.get("first_error") or (f"{SEVERITY_ZH['warning']}：{row['first_warning']}"
                                       if row.get("first_warning") else "")
    return "；".join(t for t in (first, row.get("note")) if t)


def write_summary(out: Path, result: Any, options: Any) -> None:
    """summary.json, summary.html and summary.xlsx into OUT (each atomically); summary.html
    from the office's templates folder (``options.templates``) when it has one."""
    from nianbao import __version__

    rows = [{k: r.get(k) for k in ROW_KEYS} for r in result.rows]
    doc = {"tool": f"nianbao {__version__}", "formats": list(options.formats),
           "interrupted": result.interrupted, "not_run": result.not_run,
           "vanished": result.vanished,
           "exit_code": result.exit_code, "totals": totals(rows), "reports": rows}
    roster = getattr(options, "roster", None)
    if roster is not None:   # --roster: who is missing, who is late (batch.roster)
        from nianbao.batch.roster import check_rows

        doc["roster"] = check_rows(roster, rows, getattr(options, "as_of", None))
    html = _html(doc, result, getattr(options, "templates", None))
    write_atomic(out / "summary.json",
                 (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    if html is None:   # not an earlier run's page beside this run's summary.json
        (out / "summary.html").unlink(missing_ok=True)
    else:
        write_atomic(out / "summary.html", html.encode("utf-8"))
    write_atomic(out / "summary.xlsx", summary_xlsx(doc))


def _html(doc: dict[str, Any], result: Any, templates: Path | None) -> str | None:
    """summary.html's text; None when the office's template cannot render — its problems
    go to ``result.page_problems`` (exit code 2, also in summary.json)."""
    from nianbao.errors import RenderError

    try:
        return summary_html(doc, (templates,) if templates is not None else ())
    except RenderError as err:
        result.page_problems.extend(err.problems)
        doc["exit_code"] = result.exit_code
        return None


# ---- html ----------------------------------------------------------------------------------
TEMPLATE = "batch_summary.html"   # templates/, or the office's `batch --templates DIR`
# The page's context, documented once: `nianbao templates export` writes it into its README,
# and a test checks it against what `page_context` gives and what the template reads.
SUMMARY_VARIABLES = {
    "heading": "页面标题：年度报告批量生成汇总（只校验时为…校验汇总）",
    "formats": "生成的格式（html、pdf、docx）；只校验（--check-only）时为空",
    "totals": "份数：reports 共计、built 已生成、with_errors 有错误或未生成、unreadable 无法读取、"
              "skipped 未变化跳过",
    "interrupted": "本次是否被中断（Ctrl-C）",
    "not_run": "中断时未处理的份数",
    "vanished": "输出目录中来自已不在本次输入中的报告的文件：每项 file 文件、outputs 路径列表",
    "roster": "名单核对（--roster），没有名单时为空：headline 首行结论、missing 未提交数、file 名单文件、"
              "year 年度、as_of 核对日期、notes 说明、agencies 各机关（name、kind、kind_given、group、"
              "status、files、findings_page、date、date_basis、deadline、timely、submitted）、"
              "outside 名单外的报告（file、agency、suggestion）",
    "columns": "各份报告表格的列名（文件、机关、年度……；与上年比对过时有“最大变化”）",
    "compared": "是否有“最大变化”一列（有报告找到了上年报告）",
    "rows": "各份报告，每份为 summary.json 中的一行（file、agency、year、edition、errors、warnings、"
            "infos、status、state、skipped、comparison、largest_change 等），另有 explanation "
            "说明列的文字、bad 有错误或未生成、named_by_path 机关和年度按文件位置得出（文件无法读取）、"
            "output_links 输出文件（每项 label、path）、findings_link 问题清单页（没有页时为 JSON 文件）",
}


def page_context(doc: dict[str, Any]) -> dict[str, Any]:
    """The summary page's plain data (SUMMARY_VARIABLES) from the summary.json object;
    paths stay relative to OUT and unquoted (the template quotes an href)."""
    rows = [dict(r, explanation=explain(r), bad=bool(r["errors"]) or r["state"] != "built",
                 named_by_path=bool(r["agency"]) and r["state"] in PATH_NAMED,
                 output_links=[{"label": FORMAT_LABELS[fmt], "path": path}
                               for fmt, path in r["outputs"].items()],
                 findings_link=r["findings_page"] or r["findings"])
            for r in doc["reports"]]
    cols = columns(doc)
    return {"heading": heading(doc), "formats": doc["formats"], "totals": doc["totals"],
            "interrupted": doc["interrupted"], "not_run": doc["not_run"],
            "vanished": doc["vanished"], "roster": doc.get("roster"), "columns": list(cols),
            "compared": CHANGE in cols, "rows": rows}


def summary_html(doc: dict[str, Any], template_dirs: Sequence[Path] = ()) -> str:
    """The sortable summary page: templates/batch_summary.html, or the office's in
    ``template_dirs`` (autoescaped; nothing fetched).  RenderError when it cannot render."""
    from nianbao.render.html_render import render_named

    return render_named(TEMPLATE, {"doc": page_context(doc)}, template_dirs)


def heading(doc: dict[str, Any]) -> str:
    """The summary's title: 年度报告批量生成汇总, or …校验汇总 for --check-only."""
    return "年度报告批量" + ("生成" if doc["formats"] else "校验") + "汇总"


# ---- xlsx ----------------------------------------------------------------------------------
def xlsx_bytes(wb: Any) -> bytes:
    """A workbook of ours as bytes with no clock in them (write.workbook.stable_bytes), marked
    so that a batch never reads it back as an input."""
    from nianbao.batch.discover import OWN_WORKBOOK_CATEGORY
    from nianbao.write.workbook import DEFAULT_STAMP, stable_bytes

    wb.properties.creator, wb.properties.lastModifiedBy = "nianbao", None
    wb.properties.category = OWN_WORKBOOK_CATEGORY   # never read back as a batch input
    wb.properties.created = DEFAULT_STAMP
    return stable_bytes(wb)


def header(ws: Any, titles: list[str], widths: Sequence[float]) -> None:
    """A bold first row with filters, frozen under it, and column widths."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(titles)
    for col, width in enumerate(widths, start=1):
        cell = ws.cell(1, col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


# 汇总 columns: (least, most) width in Excel's units — each fits its longest text between the
# two, a longer one wraps (文件, 机关, 状态, 说明) — or one width for the short ones.  机关
# holds 11 characters a line (县人力资源和社会保障局); all of them fit A4 landscape at ~85 %
XLSX_WIDTHS: dict[str, tuple[float, float]] = {
    "文件": (12, 26), "机关": (8, 24), "年度": (7, 7), "格式版本": (10, 10), "错误": (7, 7),
    "警告": (7, 7), "提示": (7, 7), "状态": (10, 28), "说明": (12, 38), "最大变化": (10, 30),
    "问题清单": (10, 10)}
XLSX_WRAPPED = ("文件", "机关", "状态", "说明", "最大变化")
LINK_WIDTH = 7   # HTML, PDF, DOCX
LINE_HEIGHT = 16   # points a wrapped line takes (Chinese text at the default 11 pt)


def text_width(text: object) -> float:
    """How wide a text is in Excel's column units: a Chinese character about two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1.1 for c in str(text or ""))


def print_setup(ws: Any, title: str) -> None:
    """Printed as a clerk files it: A4 landscape, every column on the page's width (as many
    pages down as it takes), the header row on every page, grid lines, page numbers."""
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.75, header=0.3,
                                  footer=0.3)
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def summary_xlsx(doc: dict[str, Any]) -> bytes:
    """汇总 sheet: one row per report, outputs and findings as relative hyperlinks; printed
    landscape on the page's width with the header on every page (``print_setup``)."""
    import math

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    formats = doc["formats"]
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    heads = columns(doc)
    titles = [*heads, *(FORMAT_LABELS[f] for f in formats), "问题清单"]
    values = [[r["file"], r["agency"], r["year"], r["edition"], r["errors"], r["warnings"],
               r["infos"], r["status"], explain(r), r.get("largest_change") or ""][:len(heads)]
              for r in doc["reports"]]
    widths = []
    for col, title in enumerate(titles):
        least, most = XLSX_WIDTHS.get(title, (LINK_WIDTH, LINK_WIDTH))
        longest = max((text_width(v[col]) for v in values if col < len(v)), default=0)
        widths.append(round(min(most, max(least, text_width(title) + 4, longest + 2)), 1))
    header(ws, titles, widths)
    link_font, bad = Font(color="0563C1", underline="single"), PatternFill("solid",
                                                                           fgColor="FFE0E0")
    by_path = Font(color="555555")   # an agency named by the file's place (unreadable)
    top, wrap = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    wrapped = {i for i, t in enumerate(titles, start=1) if t in XLSX_WRAPPED}
    for r, cells in zip(doc["reports"], values, strict=True):
        ws.append(cells)
        row = ws.max_row
        for col in range(1, len(heads) + 1):
            ws.cell(row, col).alignment = wrap if col in wrapped else top
        # the height of its longest wrapped text: Excel and LibreOffice size a row by its
        # cells only when they edit it, so that a printed row shows all of its text
        lines = max(math.ceil(text_width(cells[col - 1]) / (widths[col - 1] - 1.5))
                    for col in wrapped)
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines
        if r["agency"] and r["state"] in PATH_NAMED:
            ws.cell(row, 2).font = by_path
        links = [(r["outputs"].get(f), FORMAT_LABELS[f]) for f in formats]
        findings = r["findings_page"] or r["findings"]
        for col, (path, text) in enumerate([*links, (findings, "问题清单")],
                                           start=len(heads) + 1):
            if path:
                cell = ws.cell(row, col, text)
                cell.hyperlink, cell.font, cell.alignment = path, link_font, top
        if r["errors"] or r["state"] != "built":
            for col in range(1, len(heads) + 1):
                ws.cell(row, col).fill = bad
    ws.auto_filter.ref = ws.dimensions
    print_setup(ws, heading(doc))
    if doc.get("roster"):
        roster_sheet(wb, doc["roster"])
    return xlsx_bytes(wb)


ROSTER_COLUMNS = (("机关", 24), ("机关类型", 26), ("分组", 12), ("提交情况", 12), ("文件", 26),
                  ("发布日期", 12), ("法定期限", 12), ("按期/逾期", 24))


def roster_sheet(wb: Any, roster: dict[str, Any]) -> None:
    """名单核对, the workbook's first sheet: its first line says how many roster agencies
    are missing; then one row per roster agency (filterable), then the 名单外 reports."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet("名单核对", 0)
    wb.active = 0
    ws.append([roster["headline"]])
    ws.cell(1, 1).font = Font(bold=True, size=13, color="B00000" if roster["missing"] else None)
    for note in roster["notes"]:
        ws.append([note])
    top = ws.max_row + 1
    ws.append([t for t, _ in ROSTER_COLUMNS])
    bad = PatternFill("solid", fgColor="FFE0E0")
    for col, (_, width) in enumerate(ROSTER_COLUMNS, start=1):
        ws.cell(top, col).font = Font(bold=True)
        ws.cell(top, col).fill = PatternFill("solid", fgColor="DDDDDD")
        ws.column_dimensions[ws.cell(top, col).column_letter].width = width
    for a in roster["agencies"]:
        kind = a["kind"] + ("" if a["kind_given"] else "（未填，默认）")
        date = (a["date"] or "") + (f"（{a['date_basis']}）" if a["date"] and
                                    a["date_basis"] != "发布日期" else "")
        ws.append([a["name"], kind, a["group"], a["status"], "、".join(a["files"]), date,
                   a["deadline"] or "—", a["timely"]])
        if not a["submitted"] or a["timely"] == "逾期":
            for col in range(1, len(ROSTER_COLUMNS) + 1):
                ws.cell(ws.max_row, col).fill = bad
    ws.auto_filter.ref = f"A{top}:{ws.cell(ws.max_row, len(ROSTER_COLUMNS)).coordinate}"
    ws.freeze_panes = f"A{top + 1}"
    for row in ws.iter_rows(min_row=top + 1):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    if roster["outside"]:
        ws.append([])
        ws.append(["名单外的报告（机关名称与名单不一致，可能是写法不同或写错）"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for o in roster["outside"]:
            ws.append([o["agency"], "", "", "名单外", o["file"], "", "",
                       f"最接近：{o['suggestion']}" if o["suggestion"] else "名单中没有相近的名称"])
    print_setup(ws, "名单核对")
    ws.print_title_rows = f"{top}:{top}"
