"""`batch --annotate` (issue 20): every workbook input with findings gets its own workbook
back with each finding on its cells, at OUT/<机关>/<机关><年>标注.xlsx, linked from its
问题清单 page; the copy names nothing of the office's folders, and it goes when the
findings do."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from conftest import COUNTY, run_cli
from nianbao.write.annotate import ROOT_FILL


def _workbook(path: Path, agency: str, changes: dict[tuple[str, str], object]) -> Path:
    """The county example as an agency's workbook, renamed, with some cells retyped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    assert run_cli("convert", COUNTY, path).returncode == 0
    wb = load_workbook(path)
    name = next(c for row in wb["基本信息"].iter_rows() for c in row if c.value == "某某县交通运输局")
    name.value = agency
    for (sheet, address), value in changes.items():
        wb[sheet][address] = value
    wb.save(path)
    return path


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "报送"
    _workbook(root / "甲局" / "2024.xlsx", "某某县甲局", {("表三", "J29"): 48})
    _workbook(root / "乙局" / "2024.xlsx", "某某县乙局", {})
    (root / "丙局").mkdir()
    text = COUNTY.read_text(encoding="utf-8").replace("某某县交通运输局", "某某县丙局")
    (root / "丙局" / "2024.yaml").write_text(text.replace("total: 38", "total: 39", 1),
                                            encoding="utf-8")
    return root


def test_annotated_copies_go_back_to_the_agencies_with_findings(tmp_path: Path) -> None:
    root, out = _tree(tmp_path), tmp_path / "OUT"
    result = run_cli("batch", root, "-o", out, "--check-only", "--annotate")
    assert result.returncode == 1, result.stderr
    copy = out / "某某县甲局" / "某某县甲局2024标注.xlsx"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*标注.xlsx")) == [
        "某某县甲局/某某县甲局2024标注.xlsx"]   # not the clean workbook, not the YAML
    ws = load_workbook(copy)["表三"]
    assert ws["J29"].fill.start_color.rgb.endswith(ROOT_FILL)
    assert ws["J29"].comment.text.startswith("很可能是这一格填错了：下面3项检查都因它不通过")
    with zipfile.ZipFile(io.BytesIO(copy.read_bytes())) as z:
        inside = b"".join(z.read(n) for n in z.namelist())
    for folder in (str(tmp_path), str(root), str(out), "/tmp"):
        assert folder.encode() not in inside
    pages = {p.parent.name: p.read_text(encoding="utf-8") for p in (out / "findings").rglob("*.html")}
    assert 'href="../../%E6%9F%90%E6%9F%90%E5%8E%BF%E7%94%B2%E5%B1%80/' in pages["甲局"]
    assert "标注副本" in pages["甲局"] and "标注副本" not in pages["乙局"]
    # the same input gives the same bytes; an unchanged run keeps the copy and its link
    first = copy.read_bytes()
    assert run_cli("batch", root, "-o", out, "--check-only", "--annotate", "--rebuild"
                   ).returncode == 1
    assert copy.read_bytes() == first
    again = run_cli("batch", root, "-o", out, "--check-only", "--annotate")
    assert "未变化跳过 3 份" in again.stdout and copy.is_file()
    assert "标注副本" in (out / "findings" / "甲局" / "2024.xlsx.html").read_text(encoding="utf-8")


def test_the_copy_goes_when_the_findings_do(tmp_path: Path) -> None:
    root, out = _tree(tmp_path), tmp_path / "OUT"
    run_cli("batch", root, "-o", out, "--format", "html", "--annotate")
    copy = out / "某某县甲局" / "某某县甲局2024标注.xlsx"
    assert copy.is_file()
    _workbook(root / "甲局" / "2024.xlsx", "某某县甲局", {})   # the agency fixed it
    run_cli("batch", root, "-o", out, "--format", "html", "--annotate")
    assert not copy.exists()
    assert (out / "某某县甲局").is_dir()  # its report was built this time


def test_last_years_report_found_gives_a_comparison_page_and_the_largest_change(
        tmp_path: Path) -> None:
    """A batch where last year's report is found (issue 20): the 问题清单 page links the
    comparison `nianbao compare` writes, and the summary names the largest change."""
    import json

    root, out = tmp_path / "报送", tmp_path / "OUT"
    (root / "交通局").mkdir(parents=True)
    text = COUNTY.read_text(encoding="utf-8")
    last = (text.replace("year: 2024", "year: 2023").replace("published: 2025-01-20",
                                                              "published: 2024-01-20")
            .replace("2024年", "2023年"))
    (root / "交通局" / "2023.yaml").write_text(last, encoding="utf-8")
    (root / "交通局" / "2024.yaml").write_text(
        text.replace("licensing: {decisions: 1286}", "licensing: {decisions: 1300}"),
        encoding="utf-8")
    assert run_cli("batch", root, "-o", out, "--check-only").returncode in (0, 1)
    page = (out / "findings" / "交通局" / "2024.yaml.html").read_text(encoding="utf-8")
    assert 'href="2024.yaml.%E6%AF%94%E5%AF%B9.html"' in page
    comparison = (out / "findings" / "交通局" / "2024.yaml.比对.html").read_text(encoding="utf-8")
    assert "2023年与2024年" in comparison
    row = next(r for r in json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"]
               if r["year"] == 2024)
    assert row["largest_change"].startswith("表二“行政许可”“本年处理决定数量”：1286→1300（+14")
    assert row["largest_change"] in (out / "summary.html").read_text(encoding="utf-8")
    assert not (out / "findings" / "交通局" / "2023.yaml.比对.html").exists()  # no 2022
