"""Published reports read back (issue 18, first part): .docx and .html/.htm, 2019 and 2021.

Round trip: nianbao's own HTML and DOCX of two examples read back give the input's tables,
narrative and findings.  Foreign documents: a DOCX made with python-docx in the official
layout with Word's quirks, and a Word-export-style GBK web page, built from the layouts of
schemas/ (labels are never retyped here), read figure by figure with exact findings and
locations.  Garbage renamed to .docx/.html: exit 2 with a Chinese message.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, run_cli
from docx.oxml.ns import qn
from nianbao import schemas
from nianbao.pipeline import ReadOptions, read
from nianbao.schemas.common import OVERVIEW_PARTS, SECTION_1, SECTION_5, SECTION_6
from nianbao.schemas.layout import place

EXAMPLES = {"2021": ROOT / "examples" / "county-transport-2024.yaml",
            "2019": ROOT / "examples" / "zhumadian-housing-2020.yaml"}
TABLES = ("table2", "table3", "table4")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """nianbao's own HTML and DOCX of each example: edition → format → path."""
    return build_examples(tmp_path_factory, EXAMPLES)


def build_examples(factory: pytest.TempPathFactory,
                   examples: dict[str, Path]) -> dict[str, dict[str, Path]]:
    """Each example built as HTML and DOCX by nianbao: key → suffix → path."""
    out: dict[str, dict[str, Path]] = {}
    for key, src in examples.items():
        folder = factory.mktemp(f"built{key}")
        result = run_cli("build", src, "--format", "html,docx", "-o", folder)
        assert result.returncode == 0, result.stderr
        out[key] = {p.suffix: p for p in folder.iterdir()}
    return out


def _findings(path: Path) -> list[tuple[str, str, str]]:
    doc = json.loads(run_cli("check", "--format", "json", path).stdout)
    return sorted((f["rule"], f["severity"], f["message"]) for f in doc["findings"])


def read_back(path: Path, example: Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """nianbao's own rendering of an example read back: (what was read, its model as JSON,
    the example's), the tables, edition, year, date, agency and the parts of 一 and 五
    asserted to be the example's."""
    source = read(example, ReadOptions()).report.model_dump(mode="json")
    back = read(path, ReadOptions())
    got = back.report.model_dump(mode="json")
    for key in TABLES + ("edition", "year", "published"):
        assert got[key] == source[key], key
    assert got["agency"]["name"] == source["agency"]["name"]
    narrative, expected = got["narrative"], source["narrative"]
    for part, _ in OVERVIEW_PARTS:
        assert narrative["overview"][part] == (expected["overview"][part] or "").strip(), part
    assert narrative["problems"] == expected["problems"].strip()
    return back, got, source


@pytest.mark.parametrize("edition", sorted(EXAMPLES))
@pytest.mark.parametrize("suffix", [".html", ".docx"])
def test_round_trip(built: dict[str, dict[str, Path]], edition: str, suffix: str) -> None:
    path = built[edition][suffix]
    back, got, source = read_back(path, EXAMPLES[edition])
    narrative, expected = got["narrative"], source["narrative"]
    # 六's fee sentence, composed from the fee figures, is read back as those figures; the
    # preamble's website and contact as the agency's
    assert narrative["other"] == expected["other"].strip()
    assert got["fees"] == source["fees"]
    for key in ("website", "contact"):
        assert got["agency"][key] == source["agency"][key]
    assert _findings(path) == _findings(EXAMPLES[edition])
    # every figure says where it was printed
    where = str(back.sources.find(("table3", "new", "total")))
    assert where == f"{path} 第2个表格 第4行第10列"


# ---- a foreign DOCX: python-docx in the official layout, with Word's quirks ---------------
def _values(edition: str) -> dict[str, Any]:
    return yaml.safe_load(EXAMPLES[edition].read_text(encoding="utf-8"))


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _layout_cells(layout: Any, data: dict[str, Any]) -> list[tuple[int, int, int, int, str]]:
    """(row, col, rowspan, colspan, text) of every cell of a layout filled with data."""
    values = {(s.grid_row, s.grid_col): s.path for s in layout.slots}
    out = []
    for r, row in enumerate(place(layout.rows, layout.ncols)):
        for c, (cell, ar, ac) in enumerate(row):
            if (ar, ac) != (r, c):
                continue
            text = cell.text if cell.kind != "value" else str(_get(data, values[(r, c)]))
            out.append((r, c, cell.rowspan, cell.colspan, text))
    return out


TYPO = ("（一）予以公开", "（一）予已公开")  # a typo in a label, as clerks make them
NARRATIVE = [  # (bold lead, rest): section headings in bold, parts of 一 as run-in leads
    (SECTION_1, ""), ("", "2024年，本局认真贯彻落实《条例》。"),
    ("（一）主动公开情况。", "全年主动公开政府信息1,426条。"),
    ("（二）依申请公开情况。", "全年新收政府信息公开申请38件，上年结转2件。"),
    ("（三）政府信息管理情况", "。完善信息发布审核制度。"),  # the full stop not in bold
    ("（四）政府信息公开平台建设情况。", "优化门户网站专栏。"),
    ("（五）监督保障情况。", "纳入年度绩效考核。"),
]
CLOSING = [(SECTION_5, ""), ("", "存在的主要问题：解读形式单一。改进情况：丰富解读形式。"),
           (SECTION_6, ""), ("", "本年度未收取信息处理费。")]


def _foreign_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    fill_foreign(doc)
    doc.save(str(path))


def fill_foreign(doc: Any, label: Any = lambda text: text, after_table: Any = None) -> None:
    """The 2021 example in the official layout, as a clerk's Word file holds it: the title
    split over two paragraphs, bold lead-ins, merged label cells, runs split mid-label, a
    typo (TYPO), one empty printed cell, the 落款.  ``label``: how any other cell text is
    printed; ``after_table(table, layout)``: run on each table once it is filled."""
    edition = schemas.EDITIONS["2021"]
    data = _values("2021")
    doc.add_paragraph("某某县交通运输局")  # the title split over two paragraphs
    doc.add_paragraph("2024年度政府信息公开工作年度报告")
    for lead, rest in NARRATIVE:
        _para(doc, lead, rest)
    for layout in edition.tables:
        _para(doc, layout.heading, "")
        cells = _layout_cells(layout, data)
        table = doc.add_table(rows=max(r + rs for r, _, rs, _, _ in cells),
                              cols=layout.ncols)
        for r, c, rs, cs, text in cells:
            cell = table.cell(r, c)
            if rs > 1 or cs > 1:  # Word's merges: gridSpan across, vMerge down
                cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
            text = TYPO[1] if text == TYPO[0] else label(text)
            if text == "12":  # an empty printed cell (table 二 现行有效件数 of 行政规范性文件)
                text = ""
            paragraph = cell.paragraphs[0]
            for piece in (text[:2], text[2:5], text[5:]):  # runs split mid-label
                if piece:
                    paragraph.add_run(piece)
        if after_table is not None:
            after_table(table, layout)
    for lead, rest in CLOSING:
        _para(doc, lead, rest)
    doc.add_paragraph("某某县交通运输局")
    doc.add_paragraph("2025年1月20日")


def _para(doc: Any, lead: str, rest: str) -> None:
    paragraph = doc.add_paragraph()
    if lead:
        paragraph.add_run(lead).bold = True
    if rest:
        paragraph.add_run(rest)


def assert_foreign_findings(path: Path, page: int | None = None) -> None:
    """A foreign copy of the county report (its blank cell, its typo) checked: exit 1 and
    exactly those two findings, located (``page``: printed on page 1 of a PDF)."""
    result = run_cli("check", "--format", "json", path)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["agency"], doc["year"], doc["edition"]) == ("某某县交通运输局", 2024, "2021")
    got = [(f["rule"], f["severity"], f["message"], f.get("source"),
            [c["source"] for c in f["cells"]]) for f in doc["findings"]]
    at = {"file": str(path)} | ({"page": page} if page is not None else {})
    assert got == [
        ("BLANK", "error", "表二“行政规范性文件”行“现行有效件数”列没有填写：请填入数字（没有发生的填0）", None, [at | {"table": 1, "row": 4, "col": 4}]),
        ("LABELS", "warning", ("标签“（一）予已公开”与正式名称“（一）予以公开”不一致，已按“（一）予以公开”"
         "读取，请改正"), at | {"table": 2, "row": 6, "col": 2}, []),
    ]


def read_foreign_tables(path: Path) -> tuple[Any, dict[str, Any]]:
    """A foreign copy read back with --blank-as-zero: (what was read, its model as JSON),
    every table asserted to be the county example's (its blank cell as 0)."""
    back = read(path, ReadOptions(blank_as_zero=True))
    dumped = back.report.model_dump(mode="json")
    source = read(EXAMPLES["2021"], ReadOptions()).report.model_dump(mode="json")
    source["table2"]["normative_documents"]["in_force"] = 0  # the blank cell, --blank-as-zero
    for key in TABLES:
        assert dumped[key] == source[key], key
    return back, dumped


def test_foreign_docx(tmp_path: Path) -> None:
    path = tmp_path / "某局年报.docx"
    _foreign_docx(path)
    assert_foreign_findings(path)
    text = run_cli("check", path).stdout
    assert f"（{path} 第1个表格 第4行第4列）" in text
    assert f"位置：{path} 第2个表格 第6行第2列" in text
    back, dumped = read_foreign_tables(path)
    narrative = dumped["narrative"]
    assert narrative["overview"]["intro"] == "2024年，本局认真贯彻落实《条例》。"
    assert narrative["overview"]["on_request"] == "全年新收政府信息公开申请38件，上年结转2件。"
    assert narrative["overview"]["oversight"] == "纳入年度绩效考核。"
    assert narrative["overview"]["management"] == "完善信息发布审核制度。"
    # 六 held only the fee statement: read as the figures (the 落款 is not text of 六)
    assert narrative["other"] is None
    assert dumped["fees"] == {"notices": 0, "amount_billed": "0", "amount_collected": "0"}
    assert str(back.sources.find(("fees", "notices"))) == f"{path} 第16段"
    assert dumped["published"] == "2025-01-20"
    assert str(back.sources.find(("narrative", "overview", "platform"))) == f"{path} 第8段"


# ---- a Word-export web page in GBK ------------------------------------------------------
def _foreign_html(path: Path) -> None:
    edition = schemas.EDITIONS["2019"]
    data = _values("2019")
    parts = ["<html xmlns:o='urn:schemas-microsoft-com:office:office'><head>",
             "<meta http-equiv=Content-Type content='text/html; charset=gb2312'>",
             "<script>var menu = '一、总体情况';</script><style>p{}</style></head><body>",
             "<div class=nav><a href='/'>首页</a> | <a>政务公开</a></div>",
             ("<p class=MsoTitle align=center><span style='font-size:22pt'>驻马店市住房和城乡"
             "<span>建设局</span>2020年政府信息<o:p></o:p></span></p>"
             "<p class=MsoTitle><span>公开工作年度报告</span></p>")]
    for heading, text in [(SECTION_1, "")] + [(h, f"{h[3:]}工作情况。") for _, h in
                                              OVERVIEW_PARTS]:
        parts.append(f"<p class=MsoNormal><b><span lang=EN-US>{heading[:2]}</span>"
                     f"<span>{heading[2:]}</span></b><span>{text}<o:p></o:p></span></p>")
    for layout in edition.tables:
        parts.append(f"<p><strong>{layout.heading}</strong></p>")
        parts.append("<table class=MsoNormalTable border=1>")
        cells = _layout_cells(layout, data)
        for r in range(max(c[0] + c[2] for c in cells)):
            parts.append("<tr>")
            for _, _, rs, cs, text in (c for c in cells if c[0] == r):
                inner = "".join(f"<span style='font-family:宋体'><font>{text[i:i + 3]}</font>"
                                "</span>\n" for i in range(0, len(text), 3)) or "&nbsp;"
                parts.append(f"<td rowspan={rs} colspan={cs} valign=top><p class=MsoNormal "
                             f"align=center>{inner}<o:p></o:p></p></td>")
            parts.append("</tr>")
        parts.append("</table><p>&nbsp;</p>")
    for heading, text in ((SECTION_5, "问题与改进。"), (SECTION_6, "本年度未收取信息处理费。")):
        parts.append(f"<p><b>{heading}</b></p><p>{text}</p>")
    parts.append("<p align=right>2021年1月15日</p><div class=footer>版权所有</div>"
                 "</body></html>")
    path.write_bytes("\n".join(parts).encode("gbk"))


def test_foreign_html_gbk(tmp_path: Path) -> None:
    path = tmp_path / "某局年报.htm"
    _foreign_html(path)
    back = read(path, ReadOptions())
    dumped = back.report.model_dump(mode="json")
    source = read(EXAMPLES["2019"], ReadOptions()).report.model_dump(mode="json")
    for key in TABLES:
        assert dumped[key] == source[key], key
    assert (dumped["agency"]["name"], dumped["year"]) == ("驻马店市住房和城乡建设局", 2020)
    assert dumped["narrative"]["overview"]["management"] == "政府信息管理工作情况。"
    assert dumped["published"] == "2021-01-15"
    cell = back.sources.find(("table4", "review", "total"))
    assert (cell.table, cell.row, cell.col) == (3, 4, 5)
    result = run_cli("check", "--format", "json", path)
    doc = json.loads(result.stdout)
    assert [(f["rule"], f["source"]) for f in doc["findings"]] == []
    assert result.returncode == 0


# ---- garbage -------------------------------------------------------------------------------
GARBAGE = {
    "文本.docx": (b"hello", ("不是有效的 Word 文档（.docx）（文件内容是纯文本）：请在 Word/WPS 中"
                            "打开后“另存为” .docx 格式再试")),
    "表格.docx": (None, ("不是有效的 Word 文档（.docx）（这是 Excel 工作簿）：请在 Word/WPS 中"
                        "打开后“另存为” .docx 格式再试")),
    "空.html": (b"", ("不是可读取的网页（.html/.htm）（文件是空的）：请在浏览器中打开报告页面后"
                     "“另存为”网页（.html）再试，或提供 Word 文档")),
    "乱码.htm": (bytes(range(256)) * 4, ("不是可读取的网页（.html/.htm）（文件内容是二进制数据，"
                                      "不是网页文本）：请在浏览器中打开报告页面后“另存为”网页"
                                      "（.html）再试，或提供 Word 文档")),
    "无表.html": ("<p>你好</p>".encode(), ("文档中没有表格：找不到年报的统计表（表二、表三、表四），"
                                       "请提供含表格的 Word 文档或网页")),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_exits_2(tmp_path: Path, name: str) -> None:
    data, message = GARBAGE[name]
    path = tmp_path / name
    if data is None:  # a workbook renamed to .docx
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(data)
    result = run_cli("check", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"无法读取 {path}：{message}"


def test_convert_docx_to_yaml(built: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    target = tmp_path / "2024.yaml"
    result = run_cli("convert", built["2021"][".docx"], target)
    assert result.returncode == 0, result.stderr
    again = read(target, ReadOptions()).report.model_dump(mode="json")
    source = read(EXAMPLES["2021"], ReadOptions()).report.model_dump(mode="json")
    assert all(again[k] == source[k] for k in TABLES)


def test_convert_docx_to_xlsx_and_overrides(built: dict[str, dict[str, Path]],
                                            tmp_path: Path) -> None:
    target = tmp_path / "2020.xlsx"
    result = run_cli("convert", built["2019"][".html"], target, "--agency", "某某局")
    assert result.returncode == 0, result.stderr
    again = read(target, ReadOptions()).report.model_dump(mode="json")
    source = read(EXAMPLES["2019"], ReadOptions()).report.model_dump(mode="json")
    assert all(again[k] == source[k] for k in TABLES)
    assert again["agency"]["name"] == "某某局"  # --agency wins over the title line
    back = read(built["2021"][".docx"], ReadOptions(year=2023))
    assert back.report.year == 2023


def test_portal_page_layout_table(tmp_path: Path) -> None:
    """A portal page: menus, the report inside a layout table's cell, a footer."""
    page = tmp_path / "page.html"
    _foreign_html(page)
    inner = page.read_bytes().decode("gbk")
    body = inner[inner.index("<body>") + 6:inner.index("</body>")]
    wrapped = ("<html><head><meta charset='gbk'></head><body><div>首页 &gt; 政务公开 &gt; "
               "驻马店市住房和城乡建设局2020年政府信息公开工作年度报告</div>"
               "<table><tr><td>菜单</td>"
               f"<td>{body}</td></tr></table><p>网站地图</p></body></html>")
    page.write_bytes(wrapped.encode("gbk"))
    back = read(page, ReadOptions())
    source = read(EXAMPLES["2019"], ReadOptions()).report.model_dump(mode="json")
    dumped = back.report.model_dump(mode="json")
    assert all(dumped[k] == source[k] for k in TABLES)
    assert dumped["narrative"]["other"] is None  # only the fee statement: read as figures
    assert dumped["fees"]["notices"] == 0
    assert dumped["published"] == "2021-01-15"
    assert (dumped["agency"]["name"], dumped["year"]) == ("驻马店市住房和城乡建设局", 2020)


def test_batch_check_only_takes_published_reports(built: dict[str, dict[str, Path]],
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(built["2021"][".docx"], folder / "甲局.docx")
    shutil.copy(built["2019"][".html"], folder / "乙局.htm")
    result = run_cli("batch", folder, "--check-only", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "共 2 份：无错误 2 份" in result.stdout + result.stderr
    # an earlier run's output kept inside the folder: its pages are not taken for reports
    result = run_cli("batch", folder, "--check-only", "-o", folder / "上次结果")
    again = run_cli("batch", folder, "--check-only", "-o", tmp_path / "out2")
    assert "共 2 份：无错误 2 份" in again.stdout + again.stderr, again.stdout + again.stderr


def test_missing_part_is_located_at_its_section(tmp_path: Path) -> None:
    import docx

    doc = docx.Document(str(_built_foreign(tmp_path)))
    for paragraph in doc.paragraphs:  # drop （四） and its text
        if paragraph.text.startswith(OVERVIEW_PARTS[3][1]):
            paragraph._element.getparent().remove(paragraph._element)
    path = tmp_path / "缺（四）.docx"
    doc.save(str(path))
    found = json.loads(run_cli("check", "--format", "json", path).stdout)["findings"]
    sections = [f for f in found if f["rule"] == "SECTIONS"]
    assert [(f["message"], f["source"]) for f in sections] == [
        (f"“{SECTION_1}”缺少“{OVERVIEW_PARTS[3][1]}”部分的内容，请补写",
         {"file": str(path), "key": "narrative.overview.platform", "paragraph": 3})]
    assert f"{path} 第3段" in run_cli("check", path).stdout


def _built_foreign(tmp_path: Path) -> Path:
    path = tmp_path / "foreign.docx"
    _foreign_docx(path)
    return path


def test_agency_kind_from_the_name() -> None:
    from nianbao.load.doc_text import agency_kind
    from nianbao.schemas.common import AgencyKind

    assert agency_kind("某某县人民政府") == AgencyKind.government
    assert agency_kind("某某县某某镇人民政府") == AgencyKind.township
    assert agency_kind("某某区某某街道办事处") == AgencyKind.township
    assert agency_kind("某某县人民政府办公室") is None
    assert agency_kind("某某县交通运输局") is None


def test_page_declaring_latin1_is_read_as_gbk(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    _foreign_html(page)
    page.write_bytes(page.read_bytes().replace(b"charset=gb2312", b"charset=iso-8859-1"))
    back = read(page, ReadOptions())
    assert back.report.agency.name == "驻马店市住房和城乡建设局"


def test_table_printed_in_two_parts(tmp_path: Path) -> None:
    """Table 三 cut into two Word tables (a "续表" between, the header not repeated): read
    whole, each figure located in the part that printed it."""
    import copy

    import docx

    doc = docx.Document(str(_built_foreign(tmp_path)))
    table = doc.tables[1]
    rows = table._tbl.findall(qn("w:tr"))
    cut = 5  # after 一、本年新收 and 二、上年结转: no merged cell crosses this row
    second = copy.deepcopy(table._tbl)
    for tr in rows[cut:]:
        table._tbl.remove(tr)
    for tr in second.findall(qn("w:tr"))[:cut]:
        second.remove(tr)
    caption = copy.deepcopy(doc.paragraphs[0]._element)
    table._tbl.addnext(caption)
    caption.addnext(second)
    path = tmp_path / "续表.docx"
    doc.save(str(path))
    back = read(path, ReadOptions(blank_as_zero=True))
    source = read(EXAMPLES["2021"], ReadOptions()).report.model_dump(mode="json")
    assert back.report.model_dump(mode="json")["table3"] == source["table3"]
    granted = back.sources.find(("table3", "granted", "total"))
    assert (granted.table, granted.row, granted.col) == (3, 1, 10)
    new = back.sources.find(("table3", "new", "total"))
    assert (new.table, new.row, new.col) == (2, 4, 10)
    table4 = back.sources.find(("table4", "review", "total"))
    assert table4.table == 4
