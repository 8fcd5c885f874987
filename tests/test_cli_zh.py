"""The command line's own texts in Chinese: usage, help and every misuse message."""

from __future__ import annotations

import argparse
import gettext
import unicodedata
from pathlib import Path

import pytest

from conftest import COUNTY, run_cli
from nianbao.cli.main import main


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_missing_file_is_said_in_chinese() -> None:
    result = run_cli("build")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-2:] == [
        "nianbao build：缺少必需的参数：数据文件", "（用“nianbao build -h”查看用法）"]
    assert result.stderr.startswith("用法：nianbao build [-h] [-o 输出目录]")


def test_unknown_command_lists_the_commands() -> None:
    result = run_cli("buld", "a.yaml")
    assert result.returncode == 2
    assert ("nianbao：参数 命令：“buld”不是可选的值（可选：'init', 'check', 'build', "
            "'convert', 'templates', 'rules', 'schema', 'serve', 'batch', 'aggregate', "
            "'compare'）"
            ) in result.stderr.splitlines()


@pytest.mark.parametrize("args, line", [
    (("init", "--year", "二〇二四", "--agency", "某局", "-o", "a.yaml"),
     "nianbao init：参数 --year：“二〇二四”不是有效的年份"),
    (("batch", "报告", "-o", "发布", "--jobs", "0"),
     "nianbao batch：参数 --jobs：“0”不是有效的正整数"),
    (("serve", "--port", "70000"), "nianbao serve：参数 --port：“70000”不是有效的端口号"),
    (("check", "a.yaml", "--format", "xml"),
     "nianbao check：参数 --format：“xml”不是可选的值（可选：'text', 'json'）"),
    (("rules", "--bogus"), "nianbao rules：无法识别的参数：--bogus"),
    (("build", "a.yaml", "-o"), "nianbao build：参数 -o/--output：需要一个值"),
])
def test_misuse_names_the_argument(args: tuple[str, ...], line: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert line in result.stderr.splitlines()


def test_several_files_point_to_batch(tmp_path: Path) -> None:
    result = run_cli("build", COUNTY, COUNTY, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert (f"nianbao build：一次只处理一份数据文件，多给了：{COUNTY}。"
            "多份报告请用“nianbao batch 目录 -o 输出目录”批量校验和生成") in result.stderr
    assert not (tmp_path / "out").exists()


def test_help_is_chinese_and_aligned_by_columns() -> None:
    result = run_cli("build", "-h")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("用法：nianbao build")
    assert "位置参数：" in lines and "选项：" in lines   # a full-width colon after Chinese
    assert "  -h, --help            显示本帮助并退出" in lines
    # options with their help on the same line: the help starts at one terminal column,
    # whether the option's placeholder is Chinese (两列宽) or not
    starts = set()
    for line in lines:
        if line.startswith("  -") and "  " in line.strip():
            option, _, help_text = line.strip().partition("  ")
            starts.add(_columns(line[:line.index(help_text.strip())]))
    assert len(starts) == 1, starts
    assert any("--templates 模板目录" in line for line in lines)


def test_version_help_is_chinese() -> None:
    assert "--version   显示版本号并退出" in run_cli("--help").stdout


def test_argparse_is_left_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    """Chinese only while nianbao parses: the rest of the process (pytest, a host program)
    keeps argparse's own texts."""
    with pytest.raises(SystemExit):
        main(["check"])
    assert "缺少必需的参数：数据文件" in capsys.readouterr().err
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext
    with pytest.raises(SystemExit):
        argparse.ArgumentParser(prog="other").parse_args(["x"])
    assert "error: unrecognized arguments: x" in capsys.readouterr().err
