"""The pages a batch writes go back to the agencies (issue 19, item 19): summary.html, the
问题清单 pages, the findings JSON they link and summary.xlsx name files relative to the batch
folder and never the office's folders; an unreadable file's row shows the agency and year
its place names; the 机关 column keeps a name whole; summary.xlsx prints landscape on the
page's width with its header on every page."""

from __future__ import annotations

import html
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import COUNTY, TOWNSHIP, run_cli, soffice_convert
from test_batch import write_report

from nianbao.batch import BatchOptions, discover, run_batch
from nianbao.batch.discover import path_agency, relative_text

LONG = "县人力资源和社会保障局"   # 11 characters: was cut every two in the 机关 column
BAD_TEMPLATE = '{% extends "_base.html" %}\n{% block title %}\n{% if %}\n{% endblock %}\n'


def make_batch(root: Path) -> Path:
    """DIR/<机关>/<年>.* with what names files in messages: a workbook of garbage, a broken
    YAML, last year's report unreadable, a cross-year warning (names both years' files and
    lines) and a broken agency template (names the template file)."""
    (root / "某某局").mkdir(parents=True)
    (root / "某某局" / "2024.xlsx").write_bytes(b"not a workbook \x00\x01\x02")
    (root / "丙局").mkdir()
    (root / "丙局" / "2024.yaml").write_text("agency: [broken\n", encoding="utf-8")
    write_report(root / LONG / "2024.xlsx", TOWNSHIP, LONG, 2024)
    (root / LONG / "2023.xlsx").write_bytes(b"garbage")
    write_report(root / "甲局" / "2023.yaml", COUNTY, "甲局", 2023)
    write_report(root / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(root / "戊局" / "2024.yaml", COUNTY, "戊局", 2024)
    (root / "戊局" / "templates").mkdir()
    (root / "戊局" / "templates" / "report.html").write_text(BAD_TEMPLATE, encoding="utf-8")
    # by year, in a group folder: the agency is the file's name less year and 年报
    (root / "2024" / "县直").mkdir(parents=True)
    (root / "2024" / "县直" / "乙局2024年报.xlsx").write_bytes(b"PK\x03\x04 cut short")
    return root


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("pages")
    root, out = make_batch(base / "报告"), base / "发布"
    result = run_cli("batch", root, "-o", out, "--format", "html", "--jobs", "2")
    assert result.returncode == 1, result.stderr
    return root, out


class _Table(HTMLParser):
    """The text of every cell of every row of the summary's table, and each cell's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str]]] = []
        self._cell: list[str] | None = None
        self._class = ""
        self._body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self.rows.append([])
        elif tag == "td" and self._body:
            self._cell, self._class = [], dict(attrs).get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(("".join(self._cell).strip(), self._class))
            self._cell = None
        elif tag == "tbody":
            self._body = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def summary_rows(out: Path) -> dict[str, list[str]]:
    """The summary table's rows by their 文件 cell: [文件, 机关, 年度, …]."""
    table = _Table()
    table.feed((out / "summary.html").read_text(encoding="utf-8"))
    return {row[0][0]: [text for text, _ in row] for row in table.rows}


def page_texts(out: Path) -> dict[str, str]:
    """Every page and file the agencies may be sent: summary.html, summary.json, the
    问题清单 pages and the findings JSON they link, and summary.xlsx's cells and links."""
    from openpyxl import load_workbook

    texts = {p.relative_to(out).as_posix(): html.unescape(p.read_text(encoding="utf-8"))
             for p in [out / "summary.html", out / "summary.json",
                       *sorted((out / "findings").rglob("*.*"))]}
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    texts["summary.xlsx"] = "\n".join(
        f"{c.value} {c.hyperlink.target if c.hyperlink else ''}"
        for row in ws.iter_rows() for c in row)
    return texts


def test_no_page_names_the_offices_folders(batch: tuple[Path, Path]) -> None:
    root, out = batch
    forbidden = {str(root), str(root.resolve()), str(out), str(out.resolve()), "/tmp",
                 str(root.parent), "nianbao-input", "nianbao-templates"}
    texts = page_texts(out)
    assert len(texts) >= 2 + 2 * 7 + 1
    for name, text in texts.items():
        for word in forbidden:
            assert word not in text, (name, word, text[text.find(word) - 80:][:200])


def test_pages_name_files_relative_to_the_batch_folder(batch: tuple[Path, Path]) -> None:
    _, out = batch
    rows = summary_rows(out)
    assert sorted(rows) == sorted([
        "2024/县直/乙局2024年报.xlsx", "丙局/2024.yaml", f"{LONG}/2023.xlsx", f"{LONG}/2024.xlsx",
        "戊局/2024.yaml", "某某局/2024.xlsx", "甲局/2023.yaml", "甲局/2024.yaml"])
    status = {file: row[7] for file, row in rows.items()}
    assert status["某某局/2024.xlsx"] == ("无法读取：某某局/2024.xlsx：不是有效的 xlsx 工作簿（文件内容"
                                        "不是 Excel 格式）：请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试")
    assert status["丙局/2024.yaml"].startswith("无法读取：丙局/2024.yaml 第2行第1列：YAML 语法错误")
    # an agency's own template, named below the batch folder
    assert status["戊局/2024.yaml"].startswith("无法生成：戊局/templates/report.html 第3行：模板错误")
    # 说明: last year's file, and the files and lines a cross-year warning names
    assert rows[f"{LONG}/2024.xlsx"][8] == f"上年报告 {LONG}/2023.xlsx 无法读取，未做跨年度校验"
    assert "（甲局/2024.yaml 第72行 table3.carry_in.commercial）" in rows["甲局/2024.yaml"][8]
    assert "（甲局/2023.yaml 第260行 table3.carry_out.commercial）" in rows["甲局/2024.yaml"][8]
    # the findings JSON is `nianbao check --format json` run in the batch folder
    root = batch[0]
    found = json.loads((out / "findings" / "甲局" / "2024.yaml.json").read_text("utf-8"))
    check = run_cli("check", "--format", "json", "甲局/2024.yaml", "--previous",
                    "甲局/2023.yaml", cwd=root)
    assert found == json.loads(check.stdout) and found["file"] == "甲局/2024.yaml"


def test_findings_pages_name_files_relative_to_the_batch_folder(batch: tuple[Path, Path]
                                                               ) -> None:
    _, out = batch
    page = html.unescape((out / "findings" / "某某局" / "2024.xlsx.html").read_text("utf-8"))
    assert "<h1>问题清单：某某局 2024年度</h1>" in page
    assert "<dt>文件</dt><dd>某某局/2024.xlsx</dd>" in page
    assert ("<li>某某局/2024.xlsx：不是有效的 xlsx 工作簿（文件内容不是 Excel 格式）：请在 Excel/WPS "
            "中打开后“另存为” .xlsx 格式再试</li>") in page
    jia = html.unescape((out / "findings" / "甲局" / "2024.yaml.html").read_text("utf-8"))
    # each cell a finding names: the file and line, relative to the batch folder
    assert ("<li>表三“二、上年结转政府信息公开申请数量”行“法人或其他组织 / 商业企业”列 = 0（甲局/2024.yaml"
            " 第72行 table3.carry_in.commercial）</li>") in jia
    assert ("<li>表三“四、结转下年度继续办理”行“法人或其他组织 / 商业企业”列 = 1（甲局/2023.yaml"
            " 第260行 table3.carry_out.commercial）</li>") in jia


def test_an_unreadable_row_shows_the_agency_and_year_its_place_names(batch: tuple[Path, Path]
                                                                    ) -> None:
    from openpyxl import load_workbook

    _, out = batch
    rows = summary_rows(out)
    named = {file: (row[1], row[2]) for file, row in rows.items()}
    assert named["某某局/2024.xlsx"] == ("某某局", "2024")
    assert named["丙局/2024.yaml"] == ("丙局", "2024")
    assert named[f"{LONG}/2023.xlsx"] == (LONG, "2023")
    assert named["2024/县直/乙局2024年报.xlsx"] == ("乙局", "2024")
    page = (out / "summary.html").read_text("utf-8")
    # marked as named by the place, not read from the file
    assert page.count('<td class="a path" title="文件无法读取，机关和年度按文件所在位置') == 4
    doc = json.loads((out / "summary.json").read_text("utf-8"))
    row = next(r for r in doc["reports"] if r["file"] == "某某局/2024.xlsx")
    assert (row["agency"], row["year"], row["state"]) == ("某某局", 2024, "unreadable")
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    cells = {r[0].value: (r[1].value, r[2].value) for r in ws.iter_rows(min_row=2)}
    assert cells["某某局/2024.xlsx"] == ("某某局", 2024)
    assert cells["2024/县直/乙局2024年报.xlsx"] == ("乙局", 2024)


def test_agency_column_keeps_a_name_whole(batch: tuple[Path, Path]) -> None:
    """The CSS, and what Chromium makes of it: at 1280 and 1000 px the 11-character name
    stands on one line (it stood two characters a line: 县人/力资/源和/…)."""
    from playwright.sync_api import sync_playwright

    _, out = batch
    page_html = (out / "summary.html").read_text("utf-8")
    assert ".a, .p { word-break: keep-all; overflow-wrap: break-word; }" in page_html
    assert "td.a span { display: inline-block; max-width: 12em; }" in page_html
    assert '<th class="a">机关</th>' in page_html
    assert f'<td class="a"><span>{LONG}</span></td>' in page_html
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for width in (1280, 1000):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto((out / "summary.html").as_uri())
            for name in (LONG, "某某局", "甲局"):
                span = page.locator(f"#reports td.a span:text-is('{name}')").first
                box = span.bounding_box()
                line = float(span.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"
                                           " || e.getClientRects()[0].height"))
                assert box is not None and box["height"] < 1.5 * line, (width, name, box)
            # the file column wraps after a “/”, not within a name
            cell = page.locator(f"#reports td.p:has-text('{LONG}/2024.xlsx')").first
            assert cell.inner_text().replace("\n", "") == f"{LONG}/2024.xlsx"
            page.close()
        browser.close()


def test_summary_xlsx_prints_landscape_on_the_page_width(batch: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from nianbao.batch.summary import text_width

    _, out = batch
    ws = load_workbook(out / "summary.xlsx")["汇总"]
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)   # A4
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
    widths = {ws.cell(1, c).value: ws.column_dimensions[ws.cell(1, c).column_letter].width
              for c in range(1, ws.max_column + 1)}
    # 机关 holds an 11-character name on a line; a longer path wraps, as 状态 and 说明 do
    assert widths["机关"] >= text_width(LONG) + 2 and widths["文件"] == 26
    # (最大变化, when a report was compared with last year's, may add its own width)
    assert widths["年度"] < 10 and sum(widths.values()) - widths.get("最大变化", 0) < 180
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "甲局/2024.yaml")
    assert all(row[c].alignment.wrap_text for c in (0, 1, 7, 8))
    assert ws.row_dimensions[row[0].row].height > 15   # tall enough for its 说明
    # printed through LibreOffice: one A4 landscape page holding every column
    pdf = soffice_convert(out / "summary.xlsx", tmp_path, "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "841.89 x 595.3" in info, info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    header = next(line for line in text.splitlines() if "文件" in line and "机关" in line)
    assert re.findall(r"\S+", header) == ["文件", "机关", "年度", "格式版本", "错误", "警告", "提示",
                                          "状态", "说明", "最大变化", "HTML", "问题清单"]
    assert "第 1 页，共 1 页" in text and "某某局/2024.xlsx" in text


def test_header_row_repeats_on_every_printed_page(tmp_path: Path) -> None:
    from nianbao.batch.summary import summary_xlsx

    row = {"file": "某某局/2024.xlsx", "agency": "某某局", "year": 2024, "edition": None,
           "errors": 1, "warnings": 0, "infos": 0, "status": "无法读取：某某局/2024.xlsx：不是有效的"
           " xlsx 工作簿", "state": "unreadable", "skipped": False, "note": "", "first_error": "",
           "first_warning": "", "outputs": {}, "findings": "findings/某某局/2024.xlsx.json",
           "findings_page": "findings/某某局/2024.xlsx.html"}
    doc = {"formats": [], "reports": [row] * 120}
    (tmp_path / "many.xlsx").write_bytes(summary_xlsx(doc))
    pdf = soffice_convert(tmp_path / "many.xlsx", tmp_path, "pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")[:-1]
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert re.search(r"文件\s+机关\s+年度", page) and f"第 {n} 页，共 {len(pages)} 页" in page


# ---- the parts: an agency from a path, a path out of a message ---------------------------
@pytest.mark.parametrize(("rel", "agency"), [
    ("某某局/2024.xlsx", "某某局"), ("县直/某某局/2024年.xlsx", "某某局"),
    ("2024/交通局.xlsx", "交通局"), ("2024/交通局2024年.xlsx", "交通局"),
    ("2024/县直/乙局2024年报.yaml", "乙局"), ("乙局/2024年度/乙局2024年度数据.yaml", "乙局"),
    ("2024/甲局/报表.xlsx", "甲局"), ("交通局/2024/报表.xlsx", "交通局"),
    ("2024.xlsx", None), ("甲局/报表.xlsx", None)])
def test_the_agency_a_path_names(rel: str, agency: str | None) -> None:
    assert path_agency(rel) == agency


def test_absolute_paths_are_taken_out_of_messages(tmp_path: Path) -> None:
    root = tmp_path / "报告"
    root.mkdir()
    assert relative_text(f"{root}/某局/2024.xlsx 第3行；{root} 中；{root}备份/x", (root,)) == \
        f"某局/2024.xlsx 第3行；. 中；{root}备份/x"
    link = tmp_path / "链接"
    link.symlink_to(root)
    assert relative_text(f"{root.resolve()}/某局/2024.xlsx", (link,)) == "某局/2024.xlsx"


def test_a_system_message_with_a_path_is_made_relative(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the system refuses to read, with a message that embeds its absolute path: the
    row says the agency and year of its place, and no page names the folder."""
    root = tmp_path / "报告"
    write_report(root / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    refused = root / "某某局" / "2024.xlsx"
    refused.parent.mkdir()
    refused.write_bytes(b"PK")
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path == refused:
            raise OSError(f"设备拒绝读取 {refused}")   # no errno: the text is said as it is
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    out = tmp_path / "发布"
    with ThreadPoolExecutor(1) as pool:
        result = run_batch(discover(root), pool, out, BatchOptions(formats=()))
    row = next(r for r in result.rows if r["file"] == "某某局/2024.xlsx")
    assert row["status"] == "无法读取：某某局/2024.xlsx：设备拒绝读取 某某局/2024.xlsx，请检查路径"
    assert (row["agency"], row["year"]) == ("某某局", 2024)
    for name, text in page_texts(out).items():
        assert str(tmp_path) not in text, name
