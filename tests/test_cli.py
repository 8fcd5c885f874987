"""The command line as a user meets it: init, check (text and JSON), build, rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import COUNTY, ROOT, run_cli
from nianbao.checks import rules_for

INVALID = ROOT / "examples" / "invalid"
# each invalid example → the findings it must produce: (rule, cell key paths), any order
EXPECTED = {
    "blank.yaml": [("BLANK", ["table2.penalty.decisions"])],
    "edition-year.yaml": [("EDITION-YEAR", [])],
    "sections.yaml": [("SECTIONS", [])],
    "t3-balance.yaml": [("T3-BALANCE", [f"table3.{r}.natural" for r in
                                        ("new", "carry_in", "total", "carry_out")]),
                        ("T3-BALANCE", [f"table3.{r}.total" for r in
                                        ("new", "carry_in", "total", "carry_out")])],
    "t3-outcomes.yaml": [("T3-OUTCOMES", ["table3.total.natural"]),
                         ("T3-OUTCOMES", ["table3.total.total"])],
    "t3-rowsum.yaml": [("T3-ROWSUM", [f"table3.{r}.{c}" for c in
                                      ("natural", "commercial", "research", "nonprofit",
                                       "legal", "other", "total")]) for r in
                       ("new", "granted", "total")],
    "t4-sum.yaml": [("T4-SUM", [f"table4.review.{c}" for c in
                                ("upheld", "corrected", "other", "pending", "total")])],
    "val-nonneg.yaml": [("VAL-NONNEG", ["table2.licensing.decisions"])],
    "val-number.yaml": [("VAL-NUMBER", ["table2.licensing.decisions"])],
}


def _key(cell: dict) -> str:
    return cell["source"]["key"]


def test_every_error_rule_has_an_invalid_example() -> None:
    error_rules = {r.id for r in rules_for("2021") if r.severity == "error"}
    assert {rule for found in EXPECTED.values() for rule, _ in found} == error_rules
    assert sorted(p.name for p in INVALID.glob("*.yaml")) == sorted(EXPECTED)


def test_invalid_examples_produce_exactly_their_findings() -> None:
    for name, expected in EXPECTED.items():
        result = run_cli("check", "--format", "json", INVALID / name)
        assert result.returncode == 1, name
        doc = json.loads(result.stdout)
        got = sorted((f["rule"], sorted(_key(c) for c in f["cells"])) for f in doc["findings"])
        assert got == sorted((r, sorted(c)) for r, c in expected), name


def test_json_output_shape() -> None:
    doc = json.loads(run_cli("check", "--format", "json", INVALID / "t4-sum.yaml").stdout)
    assert list(doc) == ["file", "agency", "year", "edition", "summary", "findings"]
    assert doc["summary"] == {"errors": 1, "warnings": 0, "infos": 0}
    assert (doc["agency"], doc["year"], doc["edition"]) == ("某某县某某镇人民政府", 2024, "2021")
    finding = doc["findings"][0]
    assert list(finding) == ["rule", "severity", "message", "cells", "expected", "actual"]
    assert finding["message"] == ("表四“行政复议”：结果维持、结果纠正、其他结果、尚未审结之和为1，"
                                  "但“总计”填的是0")
    assert (finding["expected"], finding["actual"]) == (1, 0)
    cell = finding["cells"][0]
    assert cell == {"table": "四", "row": "", "column": "行政复议 / 结果维持", "value": 1,
                    "source": {"file": str(INVALID / "t4-sum.yaml"), "line": 66, "column": 20,
                               "key": "table4.review.upheld"}}


def test_human_output_names_cells_and_sources() -> None:
    result = run_cli("check", "examples/invalid/t4-sum.yaml")
    assert result.returncode == 1
    assert "错误 T4-SUM 表四“行政复议”：结果维持、结果纠正、其他结果、尚未审结之和为1" in result.stdout
    assert ("· 表四“行政复议 / 结果维持”列 = 1（examples/invalid/t4-sum.yaml 第66行 "
            "table4.review.upheld）") in result.stdout
    assert "有错误，不能发布：1 个错误，0 个警告，0 个提示" in result.stdout


def test_init_writes_every_key_with_labels(tmp_path: Path) -> None:
    out = tmp_path / "report.yaml"
    result = run_cli("init", "--year", "2024", "--agency", "某某县交通运输局", "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "  new:  # 一、本年新收政府信息公开申请数量" in text
    assert "    natural:  # 自然人" in text
    assert '  name: "某某县交通运输局"  # 机关名称' in text
    data = yaml.safe_load(text)
    assert data["year"] == 2024 and data["table3"]["other"]["unpaid_fee"]["total"] is None
    # a fresh template is readable; its blank cells are errors the clerk must fill
    doc = json.loads(run_cli("check", "--format", "json", out).stdout)
    blanks = [f for f in doc["findings"] if f["rule"] == "BLANK"]
    # one BLANK per table (issue 19 §6), every cell listed; and four empty sections
    assert [len(f["cells"]) for f in blanks] == [10, 175, 15]
    assert doc["summary"]["errors"] == 3 + 4
    assert run_cli("init", "--year", "2024", "--agency", "x", "-o", out).returncode == 2


def test_build_refuses_errors_without_force(tmp_path: Path) -> None:
    result = run_cli("build", INVALID / "t4-sum.yaml", "-o", tmp_path, "--format", "html")
    assert result.returncode == 1
    assert "报告有 1 个错误，未生成任何文件" in result.stderr
    assert list(tmp_path.iterdir()) == []
    forced = run_cli("build", INVALID / "t4-sum.yaml", "-o", tmp_path, "--format", "html",
                     "--force")
    assert forced.returncode == 1
    assert [p.name for p in tmp_path.iterdir()] == ["某某县某某镇人民政府2024年政府信息公开工作年度报告.html"]


def test_build_rejects_unknown_format(tmp_path: Path) -> None:
    result = run_cli("build", COUNTY, "-o", tmp_path, "--format", "html,odt")
    assert result.returncode == 2 and "不支持的输出格式：odt" in result.stderr


def test_rules_lists_every_rule() -> None:
    result = run_cli("rules", "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [r.id for r in rules_for()]
    assert all(r["title"] and r["basis"] and r["severity"] in ("error", "warning", "info")
               for r in rows)
    text = run_cli("rules").stdout
    assert "T3-BALANCE  错误  适用格式：2019、2021" in text


def test_check_does_not_import_weasyprint() -> None:
    code = ("import sys; from generator.cli.main import main; rc = main(['check', %r]); "
            "print(rc, 'weasyprint' in sys.modules, 'docx' in sys.modules)" % str(COUNTY))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT).stdout.split("\n")[-2]
    assert out == "0 False False"


def test_module_and_console_script_agree() -> None:
    script = Path(sys.executable).parent / "nianbao"
    a = subprocess.run([script, "rules", "--format", "json"], capture_output=True, text=True)
    assert a.stdout == run_cli("rules", "--format", "json").stdout


def test_root_has_exactly_the_agreed_layout() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split("\0")
    top = {p.split("/")[0] for p in tracked if p}
    assert top <= {"pyproject.toml", "generator", "templates", "schemas", "examples", "tests",
                   "README.md", "Makefile", ".ci", "requirements.lock", ".gitignore"}


def test_no_two_modules_share_a_name() -> None:
    """The layout by stage (issue 21 §4): a module's name says what it does, once — two
    `jobs.py` or `workbook.py` in different folders read the same in a traceback."""
    names: dict[str, list[str]] = {}
    for path in [*(ROOT / "generator").rglob("*.py"), *(ROOT / "schemas").rglob("*.py"),
                 *(ROOT / "tests" / "bench").rglob("*.py")]:
        if path.name not in ("__init__.py", "__main__.py"):
            names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}


# ---- outputs that cannot be written: a message, exit code 2, never a traceback ----------
def _refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "out"
    taken.write_text("不是目录", encoding="utf-8")
    for args in (("build", COUNTY, "-o", taken, "--format", "html"),
                 ("batch", COUNTY.parent, "-o", taken, "--format", "html", "--jobs", "1")):
        _refused(run_cli(*args), f"{taken}：输出目录的位置已有一个同名文件：请换一个目录名")
    assert taken.read_text(encoding="utf-8") == "不是目录"


def test_output_file_that_is_a_folder(tmp_path: Path) -> None:
    _refused(run_cli("aggregate", COUNTY.parent, "--year", "2024", "-o", tmp_path),
             f"{tmp_path}：这是一个已有的目录，不能作为输出文件：请写出文件名，例如 目录/汇总.xlsx")
    _refused(run_cli("init", "--year", "2024", "--agency", "某局", "-o", tmp_path),
             f"{tmp_path} 是一个目录：请写出文件名，例如 {tmp_path / '年报数据.xlsx'}")
    assert list(tmp_path.iterdir()) == []   # nothing written, no temp file left


def test_one_output_that_is_a_folder_stops_the_build_cleanly(tmp_path: Path) -> None:
    stem = "某某县交通运输局2024年政府信息公开工作年度报告"
    (tmp_path / f"{stem}.html").mkdir()
    _refused(run_cli("build", COUNTY, "-o", tmp_path, "--format", "html"),
             f"{tmp_path / (stem + '.html')}：这是一个已有的目录，不能作为输出文件")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.html"]


def test_templates_export_into_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "模板"
    taken.write_text("x", encoding="utf-8")
    _refused(run_cli("templates", "export", taken), f"{taken} 是一个文件，不是目录：请给出要导出到的目录名")


def test_python_dash_m_generator_stays_an_alias_in_the_checkout() -> None:
    """Installed, the package is `nianbao`; in the checkout `python -m generator` still works."""
    out = subprocess.run([sys.executable, "-m", "generator", "--version"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout.strip()) == (0, "nianbao 0.1.0")
