"""`init --previous` and `check --previous` from last year's report in any format, published
ones included (issue 18); `batch` naming the suffixes it takes when a folder holds none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_cli
from nianbao.load import DOCUMENT_SUFFIXES

LAST = ROOT / "examples" / "county-transport-2024.yaml"  # last year's report: 2024


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Last year's report as published: suffix → file (and the YAML itself)."""
    folder = tmp_path_factory.mktemp("last")
    result = run_cli("build", LAST, "--format", "html,docx", "-o", folder)
    assert result.returncode == 0, result.stderr
    return {p.suffix: p for p in folder.iterdir()} | {".yaml": LAST}


def _last() -> dict:
    return yaml.safe_load(LAST.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", [".docx", ".html", ".yaml"])
@pytest.mark.parametrize("target", ["2025.yaml", "2025.xlsx"])
def test_init_from_previous(published: dict[str, Path], tmp_path: Path, source: str,
                            target: str) -> None:
    out = tmp_path / target
    result = run_cli("init", "--year", "2025", "--previous", published[source], "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"已从 {published[source]} 复制：机关名称、机关类型等机关信息；落款；表三“二、上年结转政府信息"
        "公开申请数量”（取自上年“四、结转下年度继续办理”）\n")
    data = _raw(out)
    last = _last()
    assert data["agency"]["name"] == last["agency"]["name"]
    assert data["agency"]["kind"] == last["agency"].get("kind", "县级以上人民政府部门")
    assert data["year"] == 2025
    assert data["table3"]["carry_in"] == last["table3"]["carry_out"]  # every column
    assert data["table2"]["normative_documents"].get("in_force") is None  # left for the clerk
    said = "上年（2024年）现行有效件数为12；本年现行有效件数请按年底实际有效的文件数填写"
    if target.endswith(".yaml"):
        assert f"    in_force:  # 现行有效件数；{said}\n" in out.read_text(encoding="utf-8")
    else:
        assert said in _comments(out)


def _raw(path: Path) -> dict:
    """The values written, as the reader sees them (blank cells stay None)."""
    from nianbao.load import load
    return load(path).data


def _comments(path: Path) -> list[str]:
    from openpyxl import load_workbook
    book = load_workbook(path)
    return [c.comment.text for ws in book for row in ws.iter_rows() for c in row if c.comment]


def test_init_previous_of_another_year(published: dict[str, Path], tmp_path: Path) -> None:
    result = run_cli("init", "--year", "2026", "--previous", published[".docx"], "-o",
                     tmp_path / "x.yaml")
    assert result.returncode == 2
    assert "上年报告应为2025年度的报告，但这份是2024年度的：请选择2025年度的年报" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_init_needs_an_agency(tmp_path: Path) -> None:
    result = run_cli("init", "--year", "2025", "-o", tmp_path / "x.yaml")
    assert result.returncode == 2
    assert "缺少必需的参数：--agency（机关名称）" in result.stderr


def test_check_previous_published(published: dict[str, Path], tmp_path: Path) -> None:
    """A cross-year finding names the cell of last year's published document."""
    this = _last()
    this["year"], this["published"] = 2025, "2026-01-20"
    this["table3"]["carry_in"] = dict(this["table3"]["carry_out"], research=1)
    path = tmp_path / "2025.yaml"
    path.write_text(yaml.safe_dump(this, allow_unicode=True), encoding="utf-8")
    last = published[".docx"]
    result = run_cli("check", "--format", "json", path, "--previous", last)
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "XYEAR-CARRY"]
    assert len(found) == 1, result.stdout + result.stderr
    cells = found[0]["cells"]
    assert cells[1]["source"] == {"file": str(last), "table": 2, "row": 28, "col": 6}
    assert (cells[1]["row"], cells[1]["column"], cells[1]["value"]) == (
        "四、结转下年度继续办理", "法人或其他组织 / 科研机构", 0)
    assert f"{last} 第2个表格 第28行第6列" in run_cli("check", path, "--previous", last).stdout


@pytest.mark.parametrize("check_only", [True, False])
def test_batch_names_the_suffixes_it_takes(tmp_path: Path, check_only: bool) -> None:
    folder = tmp_path / "空"
    folder.mkdir()
    (folder / "说明.txt").write_text("无", encoding="utf-8")
    result = run_cli("batch", folder, "-o", tmp_path / "out", *(["--check-only"] * check_only))
    assert result.returncode == 2
    accepted = (".xlsx", ".xlsm", ".yaml", ".yml") + (DOCUMENT_SUFFIXES if check_only else ())
    assert result.stderr.strip() == f"{folder} 中没有找到可处理的文件（扩展名为 {'、'.join(accepted)}）"
