"""`nianbao compare` (issue 20, year against year): two years of one agency side by side —
rows mapped across the 2019 and 2021 editions, the XYEAR findings, copied text marked,
identical years flagged, the workbook for clerks, a published input, the page in Chromium."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lxml_html

from conftest import COUNTY, EXAMPLES, run_cli
from nianbao.compare.diff import MISSING, change, key, split
from nianbao.compare.model import compare
from nianbao.pipeline import ReadOptions

ZHUMADIAN = EXAMPLES / "zhumadian-housing-2020.yaml"     # 2020, 2019 edition
ZMD_AGENCY = "驻马店市住房和城乡建设局"
COUNTY_AGENCY = "某某县交通运输局"


def _variant(tmp: Path, name: str, year: int, agency: str | None = None,
             replace: dict[str, str] | None = None) -> Path:
    """The county example (2021 edition) as another year, agency or figures."""
    text = COUNTY.read_text(encoding="utf-8").replace("year: 2024", f"year: {year}", 1)
    if agency:
        text = text.replace(f"name: {COUNTY_AGENCY}", f"name: {agency}", 1)
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def _page(path: Path):
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def _cell(page, cell_id: str) -> tuple[str, str, str]:
    """(上年, 本年, 增减 text) of a figure's cell on the page."""
    (td,) = page.xpath(f'//td[@id="{cell_id}"]')
    last = td.xpath('.//span[@class="last"]')[0].text_content()
    this = td.xpath('.//span[@class="this"]')[0].text_content()
    delta = td.xpath('.//span[@class="delta"]')[0].text_content()
    return last, this, delta


# ---- 2020 (2019 edition) against 2021 (2021 edition) --------------------------------------
@pytest.fixture(scope="module")
def zmd_2021(tmp_path_factory) -> Path:
    return _variant(tmp_path_factory.mktemp("zmd"), "zmd-2021.yaml", 2021, ZMD_AGENCY)


@pytest.fixture(scope="module")
def edition_page(zmd_2021: Path) -> tuple[Path, object]:
    out = zmd_2021.parent / "比对.html"
    # the later year first: the order of the files does not matter
    result = run_cli("compare", zmd_2021, ZHUMADIAN, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "已生成" in result.stdout and result.stderr == ""
    return out, _page(out)


def test_2019_rows_mapped_onto_2021(edition_page) -> None:
    _, page = edition_page
    assert page.xpath("//h1")[0].text_content().startswith(ZMD_AGENCY)
    # 表三 rows the editions share: 一、本年新收 · 总计 14 → 38, +24 (+171.4%)
    assert _cell(page, "f-table3-new-total") == ("14", "38", "+24 · +171.4%")
    assert _cell(page, "f-table3-unable-not_held-natural") == ("7", "6", "-1 · -14.3%")
    # 2019's single （六）其他处理 row against the sum of 2021's three sub-rows (1 + 0 + 1)
    assert _cell(page, "f-table3-other-total") == ("0", "2", "+2")
    # … whose sub-rows have no 2019 counterpart
    assert _cell(page, "f-table3-other-no_correction-total") == ("—", "1", "—")
    assert _cell(page, "f-table4-review-upheld") == ("0", "1", "+1")
    text = page.text_content()
    assert "“（六）其他处理”2020年只有一行，2021年分为3个子行" in text
    # 表二 differs wholly: each year's on its own, no figure compared
    assert not page.xpath('//td[starts-with(@id, "f-table2-")]')
    years = {t.get("data-year") for t in page.xpath('//table[@data-table="二"]')}
    assert years == {"2020", "2021"}
    assert "8687.376万元" in text and "1286" in text


def test_xyear_findings_and_largest_changes(edition_page) -> None:
    _, page = edition_page
    findings = page.xpath('//section[@id="findings"]//li')
    assert {li.xpath('.//span[@class="rule"]')[0].text_content() for li in findings} == {
        "警告 XYEAR-CARRY"}
    assert "2020年表三“四、结转下年度继续办理”行“自然人”列为0" in findings[0].text_content()
    top = page.xpath('//ol[@class="top"]/li')
    assert len(top) == 10
    assert top[0].text_content() == "表三“一、本年新收政府信息公开申请数量”“总计”：14 → 38（+24，+171.4%）"
    (first,) = page.xpath('//td[@id="f-table3-new-total"]')
    assert "top" in first.get("class") and first.xpath('.//span[@class="rank"]')[0].text == "1"
    assert not page.xpath('//div[@id="identical"]') and not page.xpath('//div[@id="agency"]')


def test_narrative_side_by_side_nothing_copied(edition_page) -> None:
    _, page = edition_page
    headings = [h.text_content() for h in page.xpath('//section[@class="text"]/h3')]
    assert headings == ["一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert not page.xpath('//section[@class="text"]//mark')
    assert "本年正文20句，其中0句与上年逐字相同（0%）" in page.text_content()
    # the parts of 一 pair by their headings
    parts = page.xpath('//section[@class="text"][1]/h5')
    assert [p.text_content() for p in parts][:2] == ["（一）主动公开", "（二）依申请公开"]


def test_the_model_maps_without_the_page(zmd_2021: Path) -> None:
    c = compare((ZHUMADIAN, zmd_2021), ReadOptions())
    assert (c.last.year, c.this.year, c.last.edition, c.this.edition) == (2020, 2021, "2019", "2021")
    assert [g.table_id for g in c.tables] == ["二", "三", "四"]
    assert [v.year for v in c.tables[0].views] == [2020, 2021]
    figures = {f.path: f for v in c.tables[1].views for f in v.figures}
    assert figures[("table3", "other", "total")].last == 0
    assert figures[("table3", "other", "other", "total")].last is MISSING
    assert c.compared == 23 * 7 + 15 and c.changed == 41   # 表三 rows of both, all of 表四


# ---- a report copied from last year -------------------------------------------------------
def test_identical_years_are_flagged(tmp_path: Path) -> None:
    last = _variant(tmp_path, "2023.yaml", 2023)
    out = tmp_path / "比对.html"
    result = run_cli("compare", COUNTY, last, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "表格数字与2023年完全相同" in result.stderr
    page = _page(out)
    (banner,) = page.xpath('//div[@id="identical"]')
    assert banner.xpath("strong")[0].text == "两年的表格数字完全相同"
    assert "正文20句也全部与上年逐字相同" in banner.text_content()
    rules = [s.text_content() for s in page.xpath('//section[@id="findings"]//span[@class="rule"]')]
    assert "警告 XYEAR-SAME" in rules
    # every sentence of this year's text marked as copied, every one of last year's as returning
    copied = page.xpath('//div[@class="this"]//mark[@class="copied"]')
    assert len(copied) == 20
    assert len(page.xpath('//div[@class="last"]//mark[@class="reused"]')) == 20
    assert not [p for p in page.xpath('//div[@class="this"]/p[not(@class)]')
                if p.xpath("text()[normalize-space()]")]
    assert page.xpath('//td[contains(@class, "fig")][contains(@class, "up") or '
                      'contains(@class, "down")]') == []
    assert "全部照抄" in page.text_content()
    again = tmp_path / "again.html"   # the files in the other order: the same bytes
    assert run_cli("compare", last, COUNTY, "-o", again).returncode == 0
    assert again.read_bytes() == out.read_bytes()


# ---- the workbook -------------------------------------------------------------------------
def test_xlsx_values(tmp_path: Path, zmd_2021: Path) -> None:
    out = tmp_path / "比对.xlsx"
    result = run_cli("compare", ZHUMADIAN, zmd_2021, "-o", out)
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["概况", "表二（2020年）", "表二（2021年）", "表三", "表四", "跨年度问题"]
    ws = wb["表三"]
    assert [c.value for c in ws[1]] == ["行", "列", "上年（2020年）", "本年（2021年）", "增减",
                                        "增减%", "名次"]
    rows = {(r[0], r[1]): r[2:] for r in ws.iter_rows(min_row=2, values_only=True) if r[1]}
    new_total = rows[("一、本年新收政府信息公开申请数量", "总计")]
    assert new_total[:3] == (14, 38, 24) and new_total[4] == 1
    assert abs(new_total[3] - 24 / 14) < 1e-9
    assert ws.cell(2, 6).number_format == "0.0%"
    assert rows[("三、本年度办理结果 / （六）其他处理", "总计")][:4] == (0, 2, 2, "—")
    sub = rows[("三、本年度办理结果 / （六）其他处理 / 3.其他", "法人或其他组织 / 其他")]
    assert sub[:4] == ("—", 1, "—", "—")
    t2 = {(r[0], r[1]): r[2] for r in wb["表二（2020年）"].iter_rows(min_row=2, values_only=True)
          if r[1]}
    assert t2[("政府集中采购", "采购总金额")] == "8687.376万元"
    assert t2[("行政许可", "处理决定数量")] == 2887
    assert [r[0] for r in wb["跨年度问题"].iter_rows(min_row=2, values_only=True)] == [
        "XYEAR-CARRY", "XYEAR-CARRY"]
    # the same inputs, in the other order: the same bytes
    again = tmp_path / "again.xlsx"
    assert run_cli("compare", zmd_2021, ZHUMADIAN, "-o", again).returncode == 0
    assert again.read_bytes() == out.read_bytes()


# ---- misuse and unreadable inputs ---------------------------------------------------------
def test_same_year_twice_exits_2(tmp_path: Path) -> None:
    other = _variant(tmp_path, "copy.yaml", 2024)
    out = tmp_path / "比对.html"
    result = run_cli("compare", COUNTY, other, "-o", out)
    assert result.returncode == 2
    assert "两份报告都是2024年度的" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("problem", ["unreadable", "suffix", "input"])
def test_unusable_input_or_output_exits_2(tmp_path: Path, problem: str) -> None:
    last = _variant(tmp_path, "2023.yaml", 2023)
    out = {"suffix": tmp_path / "比对.pdf", "input": last}.get(problem, tmp_path / "比对.html")
    missing = tmp_path / "没有.yaml"
    result = run_cli("compare", missing if problem == "unreadable" else COUNTY, last, "-o", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    expected = {"unreadable": "没有.yaml：文件不存在", "suffix": "请存为 .html（网页）或 .xlsx",
                "input": "是要比对的报告之一"}[problem]
    assert expected in result.stderr
    assert last.read_text(encoding="utf-8").startswith("# yaml-language-server")


def test_different_agencies_warned_and_still_compared(tmp_path: Path) -> None:
    last = _variant(tmp_path, "2023.yaml", 2023, "某某县交通局")
    out = tmp_path / "比对.html"
    result = run_cli("compare", last, COUNTY, "-o", out)
    assert result.returncode == 0
    assert "两份报告的机关名称不同" in result.stderr
    (banner,) = _page(out).xpath('//div[@id="agency"]')
    assert "上年为“某某县交通局”，本年为“某某县交通运输局”" in banner.text_content()


# ---- a published report against last year's YAML -----------------------------------------
def test_published_docx_against_last_years_yaml(tmp_path: Path) -> None:
    built = run_cli("build", COUNTY, "-o", tmp_path / "out", "--format", "docx")
    assert built.returncode == 0, built.stderr
    (docx,) = (tmp_path / "out").glob("*.docx")
    last = _variant(tmp_path, "2023.yaml", 2023, replace={"penalty: {decisions: 342}":
                                                          "penalty: {decisions: 300}"})
    out = tmp_path / "比对.html"
    result = run_cli("compare", docx, last, "-o", out)
    assert result.returncode == 0, result.stderr
    page = _page(out)
    assert _cell(page, "f-table2-penalty-decisions") == ("300", "342", "+42 · +14.0%")
    assert "2024年度 · 某某县交通运输局2024年政府信息公开工作年度报告.docx" in page.text_content()
    rules = {s.text_content() for s in page.xpath('//section[@id="findings"]//span[@class="rule"]')}
    assert rules == {"警告 XYEAR-CARRY", "警告 XYEAR-STOCK"}   # not XYEAR-SAME: one figure differs
    # the text printed in the Word file is last year's text, sentence for sentence
    assert "本年正文20句，其中20句与上年逐字相同（100%）" in page.text_content()
    # the finding names the cell of the Word file
    assert "某某县交通运输局2024年政府信息公开工作年度报告.docx 第2个表格" in page.text_content()


# ---- the arithmetic -----------------------------------------------------------------------
def test_change_and_sentences() -> None:
    assert (change(14, 38).delta, change(14, 38).pct) == ("+24", "+171.4%")
    assert (change(0, 5).delta, change(0, 5).pct) == ("+5", "—")     # no division by zero
    assert (change(None, 5).delta, change(5, None).pct) == ("—", "—")
    assert (change(3, 3).delta, change(3, 3).pct, change(3, 3).trend) == ("0", "0.0%", "same")
    assert change(MISSING, 1).last == "" and change(MISSING, 1).delta == "—"
    assert split("一是甲。二是乙；三是丙！\n四是丁") == ["一是甲。", "二是乙；", "三是丙！", "四是丁"]
    assert key("共 １４ 件。") == key("共14件；") == "共14件"


# ---- in a browser -------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")


def test_page_in_chromium(edition_page, tmp_path: Path) -> None:
    """At 1280 px: no console error, the tables side by side visible, table 三 within the
    page width; printed: A4 landscape pages."""
    import playwright.sync_api as playwright_api

    out, _ = edition_page
    profile = tempfile.mkdtemp(prefix="nianbao-chromium-")
    try:
        with playwright_api.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
                viewport={"width": 1280, "height": 860})
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(out.as_uri())
            table3 = page.locator('table[data-table="三"]')
            playwright_api.expect(table3).to_be_visible()
            playwright_api.expect(page.locator("#f-table3-new-total")).to_contain_text("14→38")
            for year in ("2020", "2021"):
                playwright_api.expect(page.locator(
                    f'table[data-table="二"][data-year="{year}"]').first).to_be_visible()
            # the two years' 表二 stand side by side, the wide 表三 fits without scrolling
            boxes = [page.locator(f'table[data-table="二"][data-year="{y}"]').first.bounding_box()
                     for y in ("2020", "2021")]
            assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]
            assert page.evaluate("""() => { const w = document.querySelector(
                'table[data-table="三"]').parentElement; return w.scrollWidth <= w.clientWidth; }""")
            pdf = tmp_path / "printed.pdf"
            page.emulate_media(media="print")
            page.pdf(path=str(pdf), prefer_css_page_size=True)
            context.close()
        assert errors == []
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    sizes = {tuple(round(x) for x in doc[i].get_size()) for i in range(len(doc))}
    assert sizes == {(842, 595)}   # A4 landscape, in points


def test_two_reports_without_tables_say_which_format() -> None:
    """2008-edition reports have no statutory tables: the page says so, naming the format
    from schemas/ (no edition written into the template)."""
    from nianbao.compare.page import html_bytes

    page = html_bytes(compare((EXAMPLES / "city-construction-2011.yaml",
                               EXAMPLES / "suifenhe-2012.yaml"), ReadOptions()))
    assert "两份报告都没有统一表格（2008年格式）。" in page.decode("utf-8")
