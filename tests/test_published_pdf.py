"""Published PDF reports read back (issue 18): nianbao's own PDFs, foreign PDFs made by
LibreOffice from Word files with Word's quirks, scans and garbage.

The foreign Word files are built here from the layouts of schemas/ (labels never retyped) by
test_published's builders, with more quirks: labels spaced out (`总 计`), a running header and
a page-number footer on every page, table 三 cut by a page break with its header rows repeated
(one file) or not (the other).  One soffice call converts both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli
from nianbao.pipeline import ReadOptions, read
from test_published import (
    _findings,
    assert_foreign_findings,
    fill_foreign,
    read_back,
    read_foreign_tables,
)

EXAMPLES = {"2021": ROOT / "examples" / "county-transport-2024.yaml",
            "2019": ROOT / "examples" / "zhumadian-housing-2020.yaml"}
TABLES = ("table2", "table3", "table4")
SPACED = {"总计": "总 计", "复议后起诉": "复 议 后 起 诉"}  # as copied from a web page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """nianbao's own PDF of each example: edition → path."""
    out = {}
    for edition, src in EXAMPLES.items():
        folder = tmp_path_factory.mktemp(f"pdf{edition}")
        result = run_cli("build", src, "--format", "pdf", "-o", folder)
        assert result.returncode == 0, result.stderr
        out[edition] = next(folder.glob("*.pdf"))
    return out


@pytest.mark.parametrize("edition", sorted(EXAMPLES))
def test_own_pdf_round_trip(built: dict[str, Path], edition: str) -> None:
    back, got, source = read_back(built[edition], EXAMPLES[edition])
    narrative, expected = got["narrative"], source["narrative"]
    assert narrative["other"].startswith(expected["other"].strip())
    assert _findings(built[edition]) == _findings(EXAMPLES[edition])
    cell = back.sources.find(("table3", "new", "total"))
    assert (cell.table, cell.row, cell.col) == (2, 4, 10)
    page = {"2021": 4, "2019": 5}[edition]  # where nianbao's layout prints table 三
    assert str(cell) == f"{built[edition]} 第{page}页 第2个表格 第4行第10列"


# ---- foreign PDFs: Word files with quirks, converted by LibreOffice ---------------------------
def _spaced(text: str) -> str:
    return SPACED.get(text, text)


def _foreign_docx(path: Path, repeat_header: bool) -> None:
    """The 2021 example in the official layout as a clerk's Word file would hold it."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "某某县交通运输局政务公开"  # a running header
    footer = section.footer.paragraphs[0]
    footer.add_run("— ")
    _page_field(footer, OxmlElement, qn)
    footer.add_run(" —")

    def after_table(table: Any, layout: Any) -> None:
        table.style = "Table Grid"
        if repeat_header:
            for tr in table._tbl.findall(qn("w:tr"))[:len(layout.header)]:
                tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    fill_foreign(doc, _spaced, after_table)
    doc.save(str(path))


def _page_field(paragraph: Any, element: Any, qn: Any) -> None:
    """A PAGE field (the page number Word fills in)."""
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = element("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = element("w:instrText")
            instr.text = text
            run._r.append(instr)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two Word files converted to PDF by one soffice call (a private profile, so parallel
    workers do not collide): 'repeat' repeats table headers on every page, 'plain' not."""
    folder = tmp_path_factory.mktemp("foreign_pdf")
    sources = []
    for kind in ("repeat", "plain"):
        path = folder / f"{kind}.docx"
        _foreign_docx(path, kind == "repeat")
        sources.append(str(path))
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is required: make test installs it"
    profile = (folder / ".lo-profile").resolve().as_uri()
    done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(folder), *sources],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return {kind: folder / f"{kind}.pdf" for kind in ("repeat", "plain")}


@pytest.mark.parametrize("kind", ["repeat", "plain"])
def test_foreign_pdf(foreign: dict[str, Path], kind: str) -> None:
    """Every figure read, across page breaks (table 三 runs over four pages, rows cut by the
    breaks), and exactly the findings the Word file has, located by page, table, row, col."""
    path = foreign[kind]
    assert_foreign_findings(path, page=1)
    text = run_cli("check", path).stdout
    assert f"（{path} 第1页 第1个表格 第4行第4列）" in text
    back, dumped = read_foreign_tables(path)
    narrative = dumped["narrative"]
    assert narrative["overview"]["proactive"] == "全年主动公开政府信息1,426条。"
    assert narrative["overview"]["management"] == "完善信息发布审核制度。"
    # page numbers and 落款 are not text; the fee statement alone in 六 becomes the figures
    assert narrative["other"] is None
    assert dumped["fees"]["notices"] == 0
    assert dumped["published"] == "2025-01-20"
    # table 三's last rows are printed on page 4, its first rows on page 1 (one table)
    total = back.sources.find(("table3", "carry_out", "total"))
    assert (total.page, total.table) == (4, 2)
    assert back.sources.find(("table3", "new", "total")).page == 1
    table4 = back.sources.find(("table4", "review", "total"))
    page = {"repeat": 5, "plain": 4}[kind]  # table 三's repeated headers take room
    assert (table4.page, table4.table, table4.row, table4.col) == (page, 3, 4, 5)


def test_convert_and_batch_with_pdfs(built: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "2024.xlsx"
    result = run_cli("convert", built["2021"], target)
    assert result.returncode == 0, result.stderr
    again = read(target, ReadOptions()).report.model_dump(mode="json")
    source = read(EXAMPLES["2021"], ReadOptions()).report.model_dump(mode="json")
    assert all(again[k] == source[k] for k in TABLES)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(built["2021"], folder / "甲局.pdf")
    shutil.copy(built["2019"], folder / "乙局.pdf")
    shutil.copy(ROOT / "examples" / "township-zero-requests-2024.yaml", folder / "丙局.yaml")
    result = run_cli("batch", folder, "--check-only", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "共 3 份：无错误 3 份" in result.stdout + result.stderr


def test_previous_year_from_a_pdf(built: dict[str, Path]) -> None:
    """--previous takes last year's published PDF; it must be the year before."""
    result = run_cli("check", EXAMPLES["2021"], "--previous", built["2021"])
    assert result.returncode == 2
    assert f"无法读取 {built['2021']}：--previous 应为2023年度的报告" in result.stderr


# ---- scans and garbage ----------------------------------------------------------------------
SCAN_MESSAGE = ("这是扫描件（PDF 各页只有图像，没有文字层），无法读取其中的文字和数字：请提供该年报的"
                " Word 文档（.docx）或网页（.html），或机关填报用的工作簿（.xlsx）/ YAML 数据文件")
INSTEAD = ("请提供该年报的 Word 文档（.docx）或网页（.html），或机关填报用的工作簿（.xlsx）"
           "/ YAML 数据文件")


def _scan(path: Path) -> None:
    from PIL import Image, ImageDraw

    pages = []
    for n in range(2):
        image = Image.new("RGB", (600, 840), "white")
        ImageDraw.Draw(image).rectangle((60, 200, 540, 600), outline="black", width=3)
        ImageDraw.Draw(image).text((80, 100 + n), "scan", fill="black")
        pages.append(image)
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:])


def _many_pages(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(201):
        pdf.new_page(595, 842)
    pdf.save(str(path))


GARBAGE = {
    "扫描件.pdf": (_scan, SCAN_MESSAGE),
    "文本.pdf": (b"hello", f"不是可读取的 PDF 文档（文件内容是纯文本）：{INSTEAD}"),
    "空.pdf": (b"", f"不是可读取的 PDF 文档（文件是空的）：{INSTEAD}"),
    "压缩包.pdf": (b"PK\x03\x04" + bytes(60),
                 f"不是可读取的 PDF 文档（文件内容是压缩包（可能是 Word 文档或工作簿，请改用正确的扩展名））：{INSTEAD}"),
    "损坏.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 8,
               f"不是可读取的 PDF 文档（文件已损坏，无法打开）：{INSTEAD}"),
    "空白页.pdf": (lambda p: _blank(p), f"不是可读取的 PDF 文档（各页没有可读取的文字）：{INSTEAD}"),
    "页数过多.pdf": (_many_pages, "PDF 共 201 页，超过 200 页，不像是一份年报，已拒绝读取：请只提供年报本身"),
}


def _blank(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(path))


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_scans_and_garbage_exit_2(tmp_path: Path, name: str) -> None:
    make, message = GARBAGE[name]
    path = tmp_path / name
    if isinstance(make, bytes):
        path.write_bytes(make)
    else:
        make(path)
    result = run_cli("check", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"无法读取 {path}：{message}"


def test_truncated_pdf_never_a_traceback(built: dict[str, Path], tmp_path: Path) -> None:
    """A download cut short, or bytes flipped in the middle: exit 2 with a message."""
    data = built["2021"].read_bytes()
    for n, blob in enumerate((data[: len(data) // 2], data[:4000] + bytes(4000) + data[8000:])):
        path = tmp_path / f"坏{n}.pdf"
        path.write_bytes(blob)
        result = run_cli("check", path)
        assert result.returncode in (1, 2), result.stderr
        assert "Traceback" not in result.stderr


# ---- the ruling lines from PDFium against pdfplumber's (the fallback) ------------------------
def _dump(blocks: list[Any]) -> list[Any]:
    """Everything a block carries: a paragraph's fields, a grid's cells, merges and pages."""
    return [(type(b).__name__, vars(b)) for b in blocks]


def _read_blocks(path: Path) -> list[Any]:
    from nianbao.load.pdf_doc import read_pdf_blocks

    return _dump(read_pdf_blocks(path, path.name))


@pytest.mark.parametrize("which", ["2021", "2019", "repeat", "plain"])
def test_fast_lines_as_pdfplumbers(built: dict[str, Path], foreign: dict[str, Path], which: str,
                                   monkeypatch: pytest.MonkeyPatch,
                                   caplog: pytest.LogCaptureFixture) -> None:
    """Every table page of each test PDF read with PDFium's lines and, forced, with
    pdfplumber's: the same paragraphs and grids (cells, merges, pages).  The fast path says
    nothing; the fallback says once which pages it parsed and why."""
    from nianbao.load import pdf_doc

    path = {**built, **foreign}[which]
    with caplog.at_level("WARNING", logger="nianbao.load.pdf_tables"):
        fast = _read_blocks(path)
        assert not caplog.records
        monkeypatch.setattr(pdf_doc, "page_edges", lambda *_: None)
        slow = _read_blocks(path)
    assert fast == slow
    assert any(kind == "PdfGrid" for kind, _ in fast)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert message.startswith(f"{path.name}：第") and "已改用较慢的 pdfplumber" in message


def test_no_lines_found_falls_back(built: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                  caplog: pytest.LogCaptureFixture) -> None:
    """A page holding the tables' labels on which PDFium's paths give no table is parsed by
    pdfplumber (and said): the tables are read all the same."""
    from nianbao.load import pdf_doc

    path = built["2021"]
    expected = _read_blocks(path)
    monkeypatch.setattr(pdf_doc, "page_edges", lambda *_: [])
    with caplog.at_level("WARNING", logger="nianbao.load.pdf_tables"):
        assert _read_blocks(path) == expected
    assert [r.getMessage().split("（")[1] for r in caplog.records] == [
        "页面含统计表的标签却找不到表格线），已改用较慢的 pdfplumber 解析这些页"]


def test_fallback_said_on_the_command_line(built: dict[str, Path]) -> None:
    """`nianbao check` on a PDF whose table pages PDFium cannot give (forced here): the same
    findings, and one line on stderr saying the slower reader was used (not a traceback)."""
    import sys

    path = built["2021"]
    forced = ("import sys; from nianbao.load import pdf_doc; pdf_doc.page_edges = lambda *_: None;"
              "from nianbao.cli.main import main; sys.exit(main(sys.argv[1:]))")
    slow = subprocess.run([sys.executable, "-c", forced, "check", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    fast = run_cli("check", "--format", "json", path)
    assert (fast.returncode, slow.returncode) == (0, 0), slow.stderr
    assert slow.stdout == fast.stdout and fast.stderr == ""
    said = re.fullmatch(re.escape(str(path)) + r"：第([\d、]+)页的表格线无法从 PDFium 读出（页面旋转、"
                        r"坐标原点不在左下角或内容过于复杂），已改用较慢的 pdfplumber 解析这些页\n",
                        slow.stderr)
    assert said and "4" in said[1].split("、")  # table 三's page among them
