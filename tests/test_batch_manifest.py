"""Inputs as supervising offices keep them: folders by year or by agency, manifests from
Excel (CSV in GBK, Windows paths); what `nianbao batch` says when DIR is not a folder, and
system refusals said in Chinese."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from conftest import COUNTY, run_cli
from test_batch import write_report

from nianbao.batch.discover import discover, read_manifest
from nianbao.errors import LoadError, os_reason

HEADER = "文件,机关,年度\r\n"   # Excel ends CSV lines with CRLF


def _layout(tmp_path: Path) -> Path:
    """tmp/某局/2024.yaml and tmp/某局/2023.yaml (copies of the county example)."""
    folder = tmp_path / "某局"
    folder.mkdir()
    for year in (2023, 2024):
        (folder / f"{year}.yaml").write_bytes(COUNTY.read_bytes())
    return tmp_path


def test_excel_csv_in_gbk_with_windows_paths(tmp_path: Path) -> None:
    root = _layout(tmp_path)
    manifest = root / "清单.csv"
    manifest.write_bytes((HEADER + "某局\\2023.yaml,某局,2023年\r\n某局\\2024.yaml,某局,2024\r\n")
                         .encode("gbk"))
    entries = read_manifest(manifest)
    assert [(e.path, e.agency, e.year) for e in entries] == [
        (root / "某局" / "2023.yaml", "某局", 2023), (root / "某局" / "2024.yaml", "某局", 2024)]
    assert [e.rel for e in entries] == ["某局/2023.yaml", "某局/2024.yaml"]
    assert entries[1].previous == root / "某局" / "2023.yaml"


def test_utf8_csv_with_bom_is_read_as_utf8(tmp_path: Path) -> None:
    root = _layout(tmp_path)
    manifest = root / "清单.csv"
    manifest.write_text(HEADER + "某局/2024.yaml,某局,2024\r\n", encoding="utf-8-sig")
    assert [e.agency for e in read_manifest(manifest)] == ["某局"]


def test_csv_problems_name_the_line_as_excel_numbers_it(tmp_path: Path) -> None:
    manifest = tmp_path / "清单.csv"
    manifest.write_text(HEADER + "a.yaml,甲局,2024\r\n,乙局,2024\r\nc.yaml,丙局,明年\r\n",
                        encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        read_manifest(manifest)
    assert [str(p) for p in caught.value.problems] == [
        f"{manifest} 第3行：缺少文件路径（file 或 文件）",
        f"{manifest} 第4行：年度“明年”不是数字"]


def test_yaml_problems_name_the_item(tmp_path: Path) -> None:
    manifest = tmp_path / "清单.yaml"
    manifest.write_text("- a.yaml\n- {agency: 乙局}\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        read_manifest(manifest)
    assert [str(p) for p in caught.value.problems] == [f"{manifest} 第2项：缺少文件路径（file 或 文件）"]


def test_missing_file_of_a_manifest_is_said_in_chinese(tmp_path: Path) -> None:
    manifest = tmp_path / "清单.csv"
    manifest.write_text(HEADER + "缺失.yaml,,\r\n", encoding="utf-8")
    result = run_cli("batch", "--manifest", manifest, "-o", tmp_path / "OUT", "--format", "html")
    assert result.returncode == 2
    # named as in the summary: relative to the manifest's folder
    assert "缺失.yaml：无法读取：缺失.yaml：文件或目录不存在，请检查路径" in result.stderr
    assert str(tmp_path) not in result.stderr.replace(str(tmp_path / "OUT"), "")
    assert "No such file" not in result.stderr


@pytest.mark.parametrize(("name", "said"), [
    ("清单.csv", "{p} 是文件，不是目录：清单请这样给出：nianbao batch --manifest {p} -o 输出目录"),
    ("2024.yaml", ("{p} 是文件，不是目录：请给出存放数据文件的目录；若它是清单，请用 --manifest {p}；"
                   "一份报告请用 nianbao build {p}")),
    ("没有这个目录", "{p} 不存在：请给出存放各单位数据文件的目录"),
])
def test_batch_of_something_that_is_not_a_folder(tmp_path: Path, name: str, said: str) -> None:
    path = tmp_path / name
    if "." in name:
        path.write_text("文件\r\n", encoding="utf-8")
    result = run_cli("batch", path, "-o", tmp_path / "OUT")
    assert result.returncode == 2
    assert said.format(p=path) in result.stderr
    assert not (tmp_path / "OUT").exists()


def test_os_reasons() -> None:
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "没有权限"
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "磁盘空间已满"
    assert os_reason(OSError(errno.EADDRINUSE, "Address already in use")) == "端口已被占用"
    # an unforeseen one keeps the system's own text rather than saying nothing
    assert os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == \
        "Too many levels of symbolic links"


# ---- folders by year: DIR/<年>/<机关>.xlsx ---------------------------------------------------
def test_folders_by_year_find_last_year(tmp_path: Path) -> None:
    root = tmp_path / "DIR"
    write_report(root / "2023年" / "甲局.yaml", COUNTY, "甲局", 2023)
    write_report(root / "2024年" / "甲局.yaml", COUNTY, "甲局", 2024)
    write_report(root / "2023" / "县直" / "乙局2023年报.yaml", COUNTY, "乙局", 2023)
    write_report(root / "2024" / "县直" / "乙局2024年报.yaml", COUNTY, "乙局", 2024)
    found = {e.rel: (e.agency, e.year, e.previous) for e in discover(root)}
    assert found["2024年/甲局.yaml"] == ("甲局", 2024, root / "2023年" / "甲局.yaml")
    # a group folder inside the year: the same path under last year's folder
    assert found["2024/县直/乙局2024年报.yaml"] == (
        "县直/乙局年报", 2024, root / "2023" / "县直" / "乙局2023年报.yaml")
    # a year in the file name is left out of the agency
    write_report(root / "2023" / "丙局2023年报.yaml", COUNTY, "丙局", 2023)
    write_report(root / "2024" / "丙局2024年报.yaml", COUNTY, "丙局", 2024)
    found = {e.rel: (e.agency, e.year, e.previous) for e in discover(root)}
    assert found["2024/丙局2024年报.yaml"] == ("丙局年报", 2024, root / "2023" / "丙局2023年报.yaml")


def test_a_folder_per_agency_inside_or_above_the_year(tmp_path: Path) -> None:
    root = tmp_path / "DIR"
    write_report(root / "2023" / "甲局" / "报表.yaml", COUNTY, "甲局", 2023)
    write_report(root / "2024" / "甲局" / "报表.yaml", COUNTY, "甲局", 2024)
    write_report(root / "乙局" / "2023年度" / "乙局2023年度数据.yaml", COUNTY, "乙局", 2023)
    write_report(root / "乙局" / "2024年度" / "乙局2024年度数据.yaml", COUNTY, "乙局", 2024)
    write_report(root / "2024" / "丙局" / "报表.yaml", COUNTY, "丙局", 2024)
    found = {e.rel: (e.agency, e.year, e.previous) for e in discover(root)}
    assert found["2024/甲局/报表.yaml"] == ("甲局/报表", 2024, root / "2023" / "甲局" / "报表.yaml")
    assert found["乙局/2024年度/乙局2024年度数据.yaml"] == (
        "乙局/乙局数据", 2024, root / "乙局" / "2023年度" / "乙局2023年度数据.yaml")
    assert found["2024/丙局/报表.yaml"] == ("丙局/报表", 2024, None)   # no 2023 of 丙局
    assert found["2023/甲局/报表.yaml"][2] is None


def test_a_batch_by_year_runs_the_cross_year_rules(tmp_path: Path) -> None:
    import json

    root = tmp_path / "DIR"
    write_report(root / "2023" / "甲局.yaml", COUNTY, "甲局", 2023)
    write_report(root / "2024" / "甲局.yaml", COUNTY, "甲局", 2024)
    out = tmp_path / "OUT"
    run_cli("batch", root, "-o", out, "--check-only")
    found = json.loads((out / "findings" / "2024" / "甲局.yaml.json").read_text("utf-8"))
    assert "XYEAR-CARRY" in [f["rule"] for f in found["findings"]]


def test_a_linked_folder_leading_back_is_walked_once(tmp_path: Path) -> None:
    # (two separate trees: a loop and an alias together would, unmended, branch at every
    # level — this way an unmended walk fails at once instead of hanging)
    loop = tmp_path / "loop"
    write_report(loop / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    (loop / "甲局" / "上级").symlink_to("..")          # 甲局/上级 -> loop
    assert [e.rel for e in discover(loop)] == ["甲局/2024.yaml"]
    alias = tmp_path / "alias"
    write_report(alias / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    (alias / "共享").symlink_to(alias / "甲局")          # another name for 甲局
    assert [e.rel for e in discover(alias)] == ["甲局/2024.yaml"]


def test_summary_workbooks_saved_among_the_reports_are_not_inputs(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "DIR"
    write_report(root / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    write_report(root / "乙局" / "2024.yaml", COUNTY, "乙局", 2024)
    # an aggregate saved into DIR: its sheets have the report layout, but it is not a report
    result = run_cli("aggregate", root, "--year", "2024", "-o", root / "汇总.xlsx")
    assert result.returncode == 0, result.stderr
    run_cli("batch", root, "-o", tmp_path / "OUT", "--check-only")
    shutil.copy(tmp_path / "OUT" / "summary.xlsx", root / "summary.xlsx")
    assert [e.rel for e in discover(root)] == ["乙局/2024.yaml", "甲局/2024.yaml"]
    again = run_cli("aggregate", root, "--year", "2024", "-o", tmp_path / "汇总2.xlsx")
    assert again.returncode == 0 and "汇总了 2 个机关" in again.stdout, again.stdout
    # a workbook nianbao wrote for clerks to fill in is an input
    (root / "丙局").mkdir()
    made = run_cli("init", "--year", "2024", "--agency", "丙局", "-o", root / "丙局" / "2024.xlsx")
    assert made.returncode == 0, made.stderr
    assert "丙局/2024.xlsx" in [e.rel for e in discover(root)]
