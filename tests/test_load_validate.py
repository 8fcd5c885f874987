"""Reading YAML and validating it: located Chinese messages, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import COUNTY, run_cli
from nianbao.errors import LoadError, SchemaError
from nianbao.load import load
from nianbao.validate import validate


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((LoadError, SchemaError)) as exc:
        validate(load(path))
    return [str(p).replace(str(path), "r.yaml") for p in exc.value.problems]


def test_unknown_key_suggests_nearest(tmp_path: Path) -> None:
    text = "agency: {name: 某局}\nyear: 2024\ntable3:\n  new: {natrual: 1}\n"
    assert _problems(tmp_path, text) == [
        "r.yaml 第4行 table3.new.natrual：未知的键“natrual”，您是否想写“natural”？"
        "此处可用的键：natural、commercial、research、nonprofit、legal、other、total"]


def test_fraction_and_text_in_counts(tmp_path: Path) -> None:
    """A count that is no whole figure is that cell's problem (VAL-NUMBER), not the file's:
    the cell is read as blank and the rest of the report is still checked (issue 19 §8)."""
    text = ("agency: {name: 某局}\nyear: 2024\ntable2:\n  licensing: {decisions: 2.5}\n"
            "  penalty: {decisions: 很多}\n")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    checked = validate(load(path))
    assert checked.report.table2.licensing.decisions is None
    assert checked.unreadable == {
        ("table2", "licensing", "decisions"):
            "表二“行政许可”行“本年处理决定数量”列：件数必须是整数，不能有小数（2.5），请改正",
        ("table2", "penalty", "decisions"):
            "表二“行政处罚”行“本年处理决定数量”列：应为整数件数，“很多”不是数字，请只填阿拉伯数字（如 356）"}


def test_missing_agency(tmp_path: Path) -> None:
    assert _problems(tmp_path, "year: 2024\n") == [
        "r.yaml 第1行 agency：缺少必填项“agency”（机关），请补上"]


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    text = "agency:\n  name: 某局\n year: 2024\n"
    assert _problems(tmp_path, text) == [
        "r.yaml 第3行第2列：YAML 语法错误（缩进不一致，或上一行缺少冒号），"
        "请检查缩进、冒号后的空格和引号是否成对"]


def test_empty_file_and_duplicate_key(tmp_path: Path) -> None:
    assert _problems(tmp_path, "") == ["r.yaml：文件是空的：请用 nianbao init 生成模板后填写"]
    assert _problems(tmp_path, "year: 2024\nyear: 2025\n") == [
        "r.yaml 第2行 year：键“year”重复出现，请删除其中一个"]


def test_numbers_as_text_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text('agency: {name: 某局}\nyear: 2024\ntable2:\n  licensing: {decisions: "2,887"}\n'
                    '  penalty: {decisions: "１４"}\n', encoding="utf-8")
    report = validate(load(path)).report
    assert (report.table2.licensing.decisions, report.table2.penalty.decisions) == (2887, 14)


def test_check_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("agency: {name: 某局}\nyear: 2024\nfoo: 1\n", encoding="utf-8")
    assert run_cli("check", COUNTY).returncode == 0
    assert run_cli("check", "examples/invalid/t4-sum.yaml").returncode == 1
    result = run_cli("check", bad)
    assert result.returncode == 2
    assert "未知的键“foo”" in result.stderr and "Traceback" not in result.stderr
    assert run_cli("check", tmp_path / "none.yaml").returncode == 2
