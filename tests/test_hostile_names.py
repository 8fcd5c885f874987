"""Names that cannot collide, text that cannot deceive (issue 16 §7, §8).

Long agency names were cut at the end to fit a file name, so agencies differing only at the
end became “duplicates” in a batch and overwrote each other in `build`; bidirectional
controls (U+202E) stayed in text and in file names."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES, run_cli
from nianbao.write.atomic import MAX_NAME_BYTES, safe_name

TOWNSHIP = (EXAMPLES / "township-zero-requests-2024.yaml").read_text(encoding="utf-8")
LONG = "某" * 95   # + 3 characters = 98, under the 100-character limit of 机关名称


def _report(path: Path, agency: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TOWNSHIP.replace("name: 某某县某某镇人民政府", f"name: {agency}"),
                    encoding="utf-8")
    return path


def test_long_names_stay_distinct_and_keep_their_ends() -> None:
    titles = [f"{LONG}{end}2024年政府信息公开工作年度报告" for end in ("甲局长", "乙局长", "丙局长")]
    names = [safe_name(t) for t in titles]
    assert len(set(names)) == 3
    for name in names:
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
        assert name.startswith("某某某") and "局长2024年政府信息公开工作年度报告_" in name
    assert safe_name("某局2024年政府信息公开工作年度报告") == "某局2024年政府信息公开工作年度报告"
    # replaced characters cannot make two names one either
    assert safe_name("某局/甲") != safe_name("某局:甲")


def test_batch_never_calls_distinct_long_agencies_duplicates(tmp_path: Path) -> None:
    agencies = [f"{LONG}{chr(0x7532 + i)}局长" for i in range(4)]   # 甲乙丙丁 ... at the end
    for i, agency in enumerate(agencies):
        _report(tmp_path / "DIR" / f"机关{i}" / "2024.yaml", agency)
    out = tmp_path / "OUT"
    result = run_cli("batch", tmp_path / "DIR", "-o", out, "--format", "html", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["reports"]
    assert [r["status"] for r in rows] == ["已生成"] * 4
    outputs = {r["outputs"]["html"] for r in rows}
    assert len(outputs) == 4 and all((out / p).is_file() for p in outputs)


def test_build_does_not_overwrite_another_agency(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for i, end in enumerate(("甲局长", "乙局长")):
        path = _report(tmp_path / f"{i}.yaml", f"{LONG}{end}")
        assert run_cli("build", path, "-o", out, "--format", "html").returncode == 0
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 2
    texts = [p.read_text(encoding="utf-8") for p in pages]
    assert sum(f"{LONG}甲局长" in t for t in texts) == 1
    assert sum(f"{LONG}乙局长" in t for t in texts) == 1


def test_bidi_controls_removed_from_text_and_file_names_and_said(tmp_path: Path) -> None:
    path = _report(tmp_path / "bidi.yaml", "某\u202e局txt.exe")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "无其他需要报告的事项。", "无其他\u2066需要\u2069报告的事项。"), encoding="utf-8")
    checked = run_cli("check", path, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    infos = [f for f in json.loads(checked.stdout)["findings"] if f["rule"] == "TEXT-CONTROL"]
    assert [(f["severity"], f["message"], f["source"]["line"]) for f in infos] == [
        ("info", "已删除1个不可见的控制字符：U+202E（双向文字控制符，会改变文字的显示顺序）", 6),
        ("info", "已删除2个不可见的控制字符：U+2066（双向文字控制符，会改变文字的显示顺序）、"
                 "U+2069（双向文字控制符，会改变文字的显示顺序）", 24)]
    out = tmp_path / "out"
    assert run_cli("build", path, "-o", out, "--format", "html,docx").returncode == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["某局txt.exe2024年政府信息公开工作年度报告.docx",
                     "某局txt.exe2024年政府信息公开工作年度报告.html"]
    html = (out / files[1]).read_text(encoding="utf-8")
    assert "无其他需要报告的事项。" in html
    assert not any(c in html for c in "\u202e\u2066\u2069")


def test_bidi_in_a_workbook_cell_is_said_by_sheet_and_cell(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "r.xlsx"
    assert run_cli("convert", _report(tmp_path / "r.yaml", "某镇"), book).returncode == 0
    wb = load_workbook(book)
    row = next(r for r in wb["基本信息"].iter_rows() if r[0].value == "机关名称")
    row[1].value = "某\u202e镇"
    wb.save(book)
    result = run_cli("check", book, "--format", "json")
    infos = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "TEXT-CONTROL"]
    assert [(f["source"]["sheet"], f["source"]["cell"]) for f in infos] == [
        ("基本信息", row[1].coordinate)]
