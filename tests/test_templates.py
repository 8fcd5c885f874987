"""Agency templates (issue 5): export, overrides in all three formats, the statutory parts
protected, errors located."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import COUNTY, EXAMPLES, run_cli
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.batch import findings_page
from nianbao.batch import summary as summary_page
from nianbao.batch.findings_page import FINDINGS_VARIABLES
from nianbao.batch.summary import SUMMARY_VARIABLES
from nianbao.cli.template_export import BLOCKS, FILES, base_blocks, readme_text, template_files
from nianbao.render import TEMPLATES_DIR
from nianbao.validate import validate
from test_formats_agree import assert_in_order, docx_text, expected_items, html_text, pdf_text

LETTERHEAD = EXAMPLES / "letterhead"
OVERRIDE_TEXT = ["某某县水利局政务公开专栏", "联系电话：0000-7788990", "地址：某某县人民路99号"]


def test_export_copies_every_template_with_a_readme(tmp_path: Path) -> None:
    result = run_cli("templates", "export", tmp_path / "t")
    assert result.returncode == 0, result.stderr
    got = sorted(str(p.relative_to(tmp_path / "t")) for p in (tmp_path / "t").rglob("*")
                 if p.is_file())
    assert got == sorted(template_files() + ["README.md"])
    again = run_cli("templates", "export", tmp_path / "t")
    assert again.returncode == 2 and "已存在" in again.stderr


def test_readme_covers_every_file_and_block() -> None:
    assert sorted(FILES) == template_files()
    assert base_blocks() == list(BLOCKS)
    text = readme_text()
    assert all(f"`{b}`" in text for b in base_blocks())
    assert "`render_table(table)`" in text and "`doc`" in text
    for variables in (SUMMARY_VARIABLES, FINDINGS_VARIABLES):
        assert all(f"- `doc.{name}`：{variables[name]}" in text for name in variables)


PAGE_SAMPLES = {   # the least data each batch page is made of: what page_context gives
    "batch_summary.html": lambda: summary_page.page_context(
        {"formats": [], "interrupted": False, "not_run": 0, "vanished": [],
         "totals": {}, "reports": []}),
    "batch_findings.html": lambda: findings_page.page_context(
        {"edition": "2021", "summary": {"errors": 0, "warnings": 0, "infos": 0},
         "findings": []},
        {"file": "a.yaml", "agency": None, "year": None, "status": "已校验", "outputs": {},
         "findings": "findings/a.yaml.json", "state": "built"}, "findings/a.yaml.html"),
}


@pytest.mark.parametrize(("name", "documented"), [
    ("batch_summary.html", SUMMARY_VARIABLES), ("batch_findings.html", FINDINGS_VARIABLES)])
def test_batch_page_templates_read_only_their_documented_fields(name: str,
                                                                documented: dict) -> None:
    """The batch's pages are not report templates (test_render_html checks those): their
    one variable is `doc`, and the fields the built-in template reads are exactly those its
    module documents (the README's list) and gives."""
    import jinja2.meta
    from jinja2 import Environment, nodes

    ast = Environment().parse((TEMPLATES_DIR / name).read_text(encoding="utf-8"))
    assert jinja2.meta.find_undeclared_variables(ast) == {"doc"}
    read = {n.attr for n in ast.find_all(nodes.Getattr)
            if isinstance(n.node, nodes.Name) and n.node.name == "doc"}
    assert read == set(documented) == set(PAGE_SAMPLES[name]())


@pytest.fixture(scope="module")
def override_builds(tmp_path_factory) -> dict[str, dict[str, str]]:
    """The letterhead example built with and without its templates."""
    out = {}
    source = LETTERHEAD / "water-2024.yaml"
    for name, extra in (("plain", []), ("override", ["--templates", LETTERHEAD / "templates"])):
        folder = tmp_path_factory.mktemp(name)
        result = run_cli("build", source, "-o", folder, *extra)
        assert result.returncode == 0, result.stderr
        files = {p.suffix[1:]: p for p in folder.iterdir()}
        out[name] = {"html": html_text(files["html"]), "docx": docx_text(files["docx"]),
                     "pdf": pdf_text(files["pdf"]), "raw_html": files["html"].read_text("utf-8")}
    return out


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_override_text_appears_in_every_format(override_builds, fmt: str) -> None:
    for text in OVERRIDE_TEXT:
        assert text in override_builds["override"][fmt], (fmt, text)
        assert text not in override_builds["plain"][fmt]


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_statutory_tables_unchanged_by_the_override(override_builds, fmt: str) -> None:
    doc = compose(validate(load(LETTERHEAD / "water-2024.yaml")))
    assert_in_order(expected_items(doc), override_builds["override"][fmt], fmt)


def test_override_html_tables_identical(override_builds) -> None:
    def tables(page: str) -> list[bytes]:
        return [lxml_html.tostring(t) for t in lxml_html.fromstring(page).iter("table")]
    assert tables(override_builds["override"]["raw_html"]) == \
        tables(override_builds["plain"]["raw_html"])


def _template(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "report.html").write_text('{% extends "_base.html" %}\n' + body, encoding="utf-8")
    return folder


def test_dropping_a_section_is_a_sections_error(tmp_path: Path) -> None:
    folder = _template(tmp_path, "{% block section_table3 %}{% endblock %}")
    out = tmp_path / "out"
    result = run_cli("build", COUNTY, "-o", out, "--templates", folder)
    assert result.returncode == 1
    assert (f"错误 {folder / 'report.html'}：SECTIONS：模板删去或改动了“三、收到和处理政府信息公开申请情况”"
            "这一部分") in result.stderr.replace("\n", "")
    assert not out.exists()


def test_a_hand_made_table_is_refused(tmp_path: Path) -> None:
    body = ('{% block section_table4 %}<section id="table4"><h2>{{ section.heading }}</h2>'
            "<table><tr><td>0</td></tr></table></section>{% endblock %}")
    result = run_cli("build", COUNTY, "-o", tmp_path / "out", "--templates",
                     _template(tmp_path, body), "--format", "html")
    assert result.returncode == 1
    assert "SECTIONS：模板没有输出表四：法定表格必须用 render_table 宏输出" in result.stderr


def test_template_error_names_file_and_line(tmp_path: Path) -> None:
    folder = _template(tmp_path, "{% block title %}\n{{ doc.title }\n{% endblock %}")
    result = run_cli("build", COUNTY, "-o", tmp_path / "out", "--templates", folder,
                     "--format", "docx")
    assert result.returncode == 2
    assert f"无法生成 {folder / 'report.html'} 第3行：模板错误：" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    body = "{% block title %}{{ doc.__class__.__init__.__globals__ }}{% endblock %}"
    result = run_cli("build", COUNTY, "-o", tmp_path / "out", "--templates",
                     _template(tmp_path, body), "--format", "html")
    assert result.returncode == 2 and "模板错误" in result.stderr
    assert not (tmp_path / "out").exists()


def test_reference_docx_from_the_command_line(tmp_path: Path) -> None:
    import zipfile

    import docx

    reference = tmp_path / "我局样式.docx"
    word = docx.Document()
    word.sections[0].header.paragraphs[0].text = "某某县交通运输局（红头）"
    word.save(reference)
    out = tmp_path / "out"
    result = run_cli("build", COUNTY, "-o", out, "--format", "docx", "--reference-docx", reference)
    assert result.returncode == 0, result.stderr
    (built,) = out.iterdir()
    with zipfile.ZipFile(built) as z:
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
    assert any("某某县交通运输局（红头）" in h for h in headers)
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a docx")
    failed = run_cli("build", COUNTY, "-o", tmp_path / "o2", "--format", "docx",
                     "--reference-docx", bad)
    assert failed.returncode == 2 and "参考文档不是有效的 .docx 文件" in failed.stderr


BAD_TEMPLATE_DIRS = {
    "missing": (lambda d: d / "没有这个目录",
                "模板目录 {t} 不存在：请检查路径；要从内置模板开始修改，可先用 nianbao templates export {t} 导出"),
    "file": (lambda d: _touch(d / "模板.html"),
             "{t} 是文件，不是目录：模板目录应为存放 report.html 等模板文件的文件夹"),
    "empty": (lambda d: _folder_with(d / "空目录", "说明.txt"),
              "模板目录 {t} 中没有模板文件（.html、.css 或 reference.docx），"
              "按此生成将看不到本机关的模板：请检查是否选错了目录"),
}


def _touch(path: Path) -> Path:
    path.write_text("x", encoding="utf-8")
    return path


def _folder_with(folder: Path, name: str) -> Path:
    folder.mkdir()
    _touch(folder / name)
    return folder


@pytest.mark.parametrize("case", sorted(BAD_TEMPLATE_DIRS))
def test_build_refuses_a_templates_folder_that_cannot_serve(tmp_path: Path, case: str) -> None:
    """Issue 17 §4: the letterhead must not vanish without a word."""
    make, message = BAD_TEMPLATE_DIRS[case]
    folder = make(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", COUNTY, "-o", out, "--templates", folder, "--format", "html")
    assert result.returncode == 2
    assert result.stderr.strip() == message.format(t=folder)
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(BAD_TEMPLATE_DIRS))
def test_serve_refuses_a_templates_folder_that_cannot_serve(tmp_path: Path, case: str) -> None:
    make, message = BAD_TEMPLATE_DIRS[case]
    folder = make(tmp_path)
    result = run_cli("serve", COUNTY, "--port", "0", "--templates", folder)
    assert result.returncode == 2
    assert result.stderr.strip() == message.format(t=folder)


@pytest.mark.parametrize("case", sorted(BAD_TEMPLATE_DIRS))
def test_batch_refuses_a_templates_folder_that_cannot_serve(tmp_path: Path, case: str) -> None:
    make, message = BAD_TEMPLATE_DIRS[case]
    folder = make(tmp_path)
    (tmp_path / "DIR" / "甲局").mkdir(parents=True)
    (tmp_path / "DIR" / "甲局" / "2024.yaml").write_bytes(COUNTY.read_bytes())
    out = tmp_path / "OUT"
    result = run_cli("batch", tmp_path / "DIR", "-o", out, "--templates", folder)
    assert result.returncode == 2
    assert result.stderr.strip() == message.format(t=folder)
    assert not out.exists()


def test_batch_common_templates_come_after_the_agencies_own(tmp_path: Path) -> None:
    """`batch --templates` applies to every report, after the tree's own templates/ folders;
    a templates/ folder of the tree that holds nothing is said, not silently passed over."""
    from test_batch import _template, write_report

    root = tmp_path / "DIR"
    write_report(root / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(root / "乙局" / "2024.yaml", COUNTY, "乙局", 2024)
    (root / "甲局" / "templates").mkdir()
    (root / "甲局" / "templates" / "report.html").write_text(_template("甲局抬头"), "utf-8")
    (root / "乙局" / "templates").mkdir()
    (root / "乙局" / "templates" / "备注.txt").write_text("x", "utf-8")
    common = tmp_path / "共用模板"
    common.mkdir()
    (common / "report.html").write_text(_template("全市统一页眉"), "utf-8")
    out = tmp_path / "OUT"
    result = run_cli("batch", root, "-o", out, "--format", "html", "--templates", common)
    assert result.returncode == 0, result.stderr
    jia = next((out / "甲局").glob("*.html")).read_text(encoding="utf-8")
    yi = next((out / "乙局").glob("*.html")).read_text(encoding="utf-8")
    assert "甲局抬头" in jia and "全市统一页眉" not in jia
    assert "全市统一页眉" in yi
    assert (f"{root / '乙局' / 'templates'} 中没有模板文件（.html、.css 或 reference.docx），"
            "其下的报告按上一级或内置模板生成") in result.stderr
