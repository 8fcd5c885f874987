"""The batch summary in three forms: summary.html (a sortable table), summary.xlsx (the same
for clerks) and summary.json (for scripts).  One row per input: file, agency, year, edition,
errors, warnings, infos, status, the outputs and the findings, linked relative to OUT."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
    """summary.json, summary.html and summary.xlsx into OUT (each atomically)."""
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
    write_atomic(out / "summary.json",
                 (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write_atomic(out / "summary.html", summary_html(doc).encode("utf-8"))
    write_atomic(out / "summary.xlsx", summary_xlsx(doc))


# ---- html ----------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{{ heading }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid #bbb; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; white-space: nowrap;
     position: sticky; top: 0; }
th[data-dir="asc"]::after { content: " ▲"; } th[data-dir="desc"]::after { content: " ▼"; }
td.n { text-align: right; } td.f { white-space: nowrap; }
/* 机关 and 文件 are never squeezed by a long status or 说明 (机关 was once cut every two
   characters): a name keeps to one line up to 12 characters, a path wraps after a “/” and
   keeps each part whole up to 14; a longer name breaks at a space, else where it must */
.a, .p { word-break: keep-all; overflow-wrap: break-word; }
td.a { min-width: 4em; } td.a span { display: inline-block; max-width: 12em; }
td.p span { display: inline-block; max-width: 14em; } td.t { min-width: 8em; }
td.a.path { color: #555; }
tr.bad td { background: #fff0f0; } tr.skip td { color: #666; }
p.headline { font-size: 1.15em; font-weight: bold; } p.headline.missing { color: #b00; }
#roster { margin-bottom: 1.5em; } .outside li { margin: .2em 0; }
.totals span { margin-right: 1.5em; }
.filter { margin: 1em 0; } .filter label { margin-right: 1.5em; }
.filter input[type=search] { font: inherit; padding: .2em .4em; width: 16em; }
</style>
</head>
<body>
<h1>{{ heading }}</h1>
{% if doc.get("roster") %}{% set ro = doc.roster %}
<p class="headline{{ ' missing' if ro.missing else '' }}">{{ ro.headline }}</p>
{% endif %}
<p class="totals">
<span>共 {{ t.reports }} 份</span>
{% if doc.formats %}<span>已生成 {{ t.built }} 份</span><span>有错误或未生成 {{ t.with_errors }} 份</span>
{% else %}<span>只校验，未生成报告文件</span><span>无错误 {{ t.reports - t.with_errors }} 份</span>
<span>有错误或无法读取 {{ t.with_errors }} 份</span>{% endif %}
<span>无法读取 {{ t.unreadable }} 份</span>
<span>未变化跳过 {{ t.skipped }} 份</span>
{% if doc.interrupted %}<span>已中断：{{ doc.not_run }} 份未处理</span>{% endif %}
</p>
{% if doc.vanished %}
<div class="vanished">
<p>以下文件是此前为本次输入中已没有的报告生成的，仍在输出目录中（未删除；不再需要请删除）：</p>
<ul>{% for v in doc.vanished %}
<li>{{ v.file }}：{% for path in v.outputs %}<a href="{{ path | url }}">{{ path }}</a> {% endfor %}</li>
{% endfor %}</ul>
</div>
{% endif %}
{% if doc.get("roster") %}{% set ro = doc.roster %}
<h2>名单核对（{{ ro.file }}{% if ro.year %}，{{ ro.year }}年度{% endif %}）</h2>
{% for note in ro.notes %}<p>{{ note }}</p>{% endfor %}
<p>按期/逾期按发布日期与法定期限（县级以上人民政府部门次年1月31日，本级人民政府次年3月31日，2018年度及以前均为3月31日）核对{% if ro.as_of %}；未写发布日期的报告按核对日期 {{ ro.as_of }} 计{% endif %}。点击表头可排序。</p>
<table id="roster">
<thead><tr><th>机关</th><th>机关类型</th><th>分组</th><th>提交情况</th><th>文件</th><th>发布日期</th><th>法定期限</th><th>按期/逾期</th></tr></thead>
<tbody>
{% for a in ro.agencies %}
<tr class="{{ '' if a.submitted and a.timely != '逾期' else 'bad' }}">
<td class="a"><span>{{ a.name }}</span></td><td>{{ a.kind }}{% if not a.kind_given %}（未填，默认）{% endif %}</td>
<td>{{ a.group }}</td><td>{{ a.status }}</td>
<td class="p">{% for f in a.files %}{% if loop.first and a.findings_page %}<a href="{{ a.findings_page | url }}"><span>{{ f | wbr }}</span></a>{% else %}<span>{{ f | wbr }}</span>{% endif %} {% endfor %}</td>
<td>{{ a.date or '' }}{% if a.date and a.date_basis != '发布日期' %}（{{ a.date_basis }}）{% endif %}</td>
<td>{{ a.deadline or '—' }}</td><td>{{ a.timely }}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% if ro.outside %}
<div class="outside">
<p>名单外的报告（机关名称与名单不一致，可能是写法不同或写错）：</p>
<ul>{% for o in ro.outside %}
<li>{{ o.file }}：{{ o.agency }}{% if o.suggestion %}——名单中最接近的是“{{ o.suggestion }}”{% else %}——名单中没有相近的名称{% endif %}</li>
{% endfor %}</ul>
</div>
{% endif %}
<h2>各份报告</h2>
{% endif %}
<p class="filter">
<label>筛选：<input type="search" id="filter-text" placeholder="机关、文件或说明中的文字"></label>
<label><input type="checkbox" id="filter-bad"> 只看有问题的</label>
<span id="filter-count">显示 {{ rows | length }} / {{ rows | length }} 份</span>
　点击表头可排序。
</p>
<table id="reports">
<thead><tr>{% for c in columns %}<th{% if c in column_class %} class="{{ column_class[c] }}"{% endif %}>{{ c }}</th>{% endfor %}{% if doc.formats %}<th>输出文件</th>{% endif %}<th>问题清单</th></tr></thead>
<tbody>
{% for r in rows %}
<tr class="{{ 'bad' if r.errors or r.state != 'built' else '' }}{{ ' skip' if r.skipped else '' }}">
<td class="p"><span>{{ r.file | wbr }}</span></td>
{% if r.agency and r.state in path_named %}<td class="a path" title="文件无法读取，机关和年度按文件所在位置（文件夹、文件名）得出"><span>{{ r.agency }}</span></td>
{% else %}<td class="a"><span>{{ r.agency or '' }}</span></td>{% endif %}
<td class="n">{{ r.year or '' }}</td>
<td>{{ r.edition or '' }}</td><td class="n">{{ r.errors }}</td><td class="n">{{ r.warnings }}</td>
<td class="n">{{ r.infos }}</td><td class="t">{{ r.status }}</td><td class="t">{{ explain(r) }}</td>
{% if change in columns %}<td class="t">{% if r.comparison %}<a href="{{ r.comparison | url }}">{{ r.largest_change or '比对' }}</a>{% endif %}</td>{% endif %}
{% if doc.formats %}<td class="f">{% for fmt, path in r.outputs.items() %}<a href="{{ path | url }}">{{ labels[fmt] }}</a> {% endfor %}</td>{% endif %}
<td><a href="{{ (r.findings_page or r.findings) | url }}">问题清单</a></td>
</tr>
{% endfor %}
</tbody>
</table>
<script>
/* Sorting: each cell's text is read once and compared with one Collator (localeCompare
   with a locale sets one up per comparison: for 1,000 rows ~140 ms of script against ~60
   here; the browser's own relayout of the table, 200-400 ms, is the rest).  Rows move in
   one fragment; numbers compare as numbers; ties keep their order. */
var collator = new Intl.Collator("zh-CN");
document.querySelectorAll("#reports th, #roster th").forEach(function (th) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], asc = th.dataset.dir !== "asc";
    th.parentNode.querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = asc ? "asc" : "desc";
    var i = th.cellIndex;
    var items = Array.prototype.map.call(body.rows, function (row, n) {
      var text = row.cells[i].textContent.trim();
      return {row: row, n: n, text: text, num: text !== "" && !isNaN(text) ? +text : null};
    });
    items.sort(function (a, b) {
      var d = a.num !== null && b.num !== null ? a.num - b.num : collator.compare(a.text, b.text);
      return (asc ? d : -d) || a.n - b.n;
    });
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
  });
});
/* 筛选: rows whose text has every word typed (spaces separate words), and, when ticked,
   only the rows marked as having a problem (tr.bad: errors, unreadable, not generated). */
(function () {
  var text = document.getElementById("filter-text"), bad = document.getElementById("filter-bad");
  var count = document.getElementById("filter-count");
  var body = document.querySelector("#reports tbody");
  function apply() {
    var words = text.value.trim().toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var content = row.textContent.toLowerCase();
      var show = (!bad.checked || row.classList.contains("bad"))
        && words.every(function (w) { return content.indexOf(w) !== -1; });
      row.hidden = !show;
      if (show) { shown += 1; }
    });
    count.textContent = "显示 " + shown + " / " + body.rows.length + " 份";
  }
  text.addEventListener("input", apply);
  bad.addEventListener("change", apply);
  apply();   /* a browser may restore the box and the tick on reload */
}());
</script>
</body>
</html>
"""


def page_environment(**options: Any) -> Any:
    """The Jinja environment of the batch's own pages (summary, findings): autoescaped,
    strict, with ``url`` quoting a relative path for an href."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, **options)
    env.filters["url"] = lambda path: quote(path, safe="/")
    env.filters["wbr"] = lambda path: markupsafe.Markup("/<wbr>").join(
        markupsafe.escape(part) for part in path.split("/"))
    return env


def summary_html(doc: dict[str, Any]) -> str:
    """The sortable summary page (Jinja with autoescape; nothing fetched)."""
    return page_environment().from_string(PAGE).render(
        doc=doc, rows=doc["reports"], t=doc["totals"], columns=columns(doc), change=CHANGE, labels=FORMAT_LABELS,
        explain=explain, column_class={"文件": "p", "机关": "a"}, path_named=PATH_NAMED,
        heading=heading(doc))


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
