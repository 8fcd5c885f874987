"""The bad-input corpus (issue 8): every case with the exact Chinese message and exit code.

Each case writes one file into a temporary folder and runs `nianbao check` on it as a user
would.  Nothing may end in a traceback; unreadable files exit 2, reports with errors exit 1.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from conftest import COUNTY, EXAMPLES, run_cli

SAVE_AS = "请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试"
TOWNSHIP_TEXT = (EXAMPLES / "township-zero-requests-2024.yaml").read_text(encoding="utf-8")


def _county_xlsx(folder: Path) -> Path:
    path = folder / "county.xlsx"
    if not path.exists():
        assert run_cli("convert", COUNTY, path).returncode == 0
    return path


def _yaml(text: str) -> Callable[[Path], bytes]:
    return lambda folder: text.encode("utf-8")


def _township(old: str, new: str) -> Callable[[Path], bytes]:
    def build(folder: Path) -> bytes:
        assert old in TOWNSHIP_TEXT
        return TOWNSHIP_TEXT.replace(old, new, 1).encode("utf-8")
    return build


def _zip_bomb(folder: Path) -> bytes:
    path = folder / "bomb-build.xlsx"
    shutil.copy(_county_xlsx(folder), path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.bin", b"\0" * (40 * 1024 * 1024))
    return path.read_bytes()


def _many_rows(folder: Path) -> bytes:
    """25,000 real rows under a <dimension> that claims ten (issue 16 §3: the limit was read
    from the dimension, so a false one let 600,000 rows through)."""
    out = folder / "rows-build.xlsx"
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i)
                    for i in range(100, 25_100))
    with zipfile.ZipFile(_county_xlsx(folder)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet4.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:J10"', data)
                data = data.replace(b"</sheetData>", rows + b"</sheetData>")
            dst.writestr(info, data)
    return out.read_bytes()


def _alias_bomb(folder: Path) -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def _table_twice(folder: Path) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(_county_xlsx(folder))
    src, copy = wb["表三"], wb.create_sheet("表三（修改前）")
    for row in src.iter_rows():
        for cell in row:
            if cell.value is not None:
                copy.cell(cell.row, cell.column, cell.value)
    path = folder / "twice-build.xlsx"
    wb.save(path)
    return path.read_bytes()


def _without_sheet(title: str) -> Callable[[Path], bytes]:
    def build(folder: Path) -> bytes:
        from openpyxl import load_workbook

        wb = load_workbook(_county_xlsx(folder))
        del wb[title]
        path = folder / "missing-build.xlsx"
        wb.save(path)
        return path.read_bytes()
    return build


LONG = "很" * 100_000
# name, file name, content builder, exit code, the exact message ({f} = the file's path)
CORPUS = [
    ("empty", "empty.yaml", _yaml(""), 2, "无法读取 {f}：文件是空的：请用 nianbao init 生成模板后填写"),
    ("pdf-named-xlsx", "report.xlsx", lambda f: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", 2,
     f"无法读取 {{f}}：不是有效的 xlsx 工作簿（文件内容是 PDF 文档）：{SAVE_AS}"),
    ("old-xls", "report.xls", lambda f: bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504, 2,
     "无法读取 {f}：这是旧版 Excel（.xls）或 WPS 表格格式：请在 Excel/WPS 中“另存为” .xlsx 格式后再试"),
    ("xls-named-xlsx", "report.xlsx", lambda f: bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504,
     2, f"无法读取 {{f}}：这是旧版 Excel（.xls）文件，只是扩展名为 .xlsx：{SAVE_AS}"),
    ("password", "report.xlsx",
     lambda f: bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptedPackage".encode("utf-16-le"), 2,
     "无法读取 {f}：工作簿设置了打开密码：请在 Excel/WPS 中取消密码后另存再试"),
    ("csv", "report.csv", lambda f: "机关,年度\n某局,2024\n".encode(), 2,
     "无法读取 {f}：不支持的文件类型“.csv”：请提供 .xlsx 工作簿、.yaml 数据文件，或已发布年报的 "
     ".docx 文档、.html 网页、.pdf 文件"),
    ("yaml-syntax", "report.yaml", _yaml("agency:\n  name: 某局\nyear: [2024\n"), 2,
     "无法读取 {f} 第4行第1列：YAML 语法错误（缩进或标点不符合 YAML 格式），请检查缩进、冒号后的空格和引号是否成对"),
    ("not-utf8", "report.yaml", lambda f: "year: 2024\nagency: {name: 某局}\n".encode("gbk"), 2,
     "无法读取 {f}：文件不是 UTF-8 编码（第2行起），请在编辑器中另存为 UTF-8"),
    ("unknown-key", "report.yaml", _township("table4:", "table_4:"), 2,
     "无法读取 {f} 第67行 table_4：未知的键“table_4”，您是否想写“table4”？此处可用的键："
     "edition、agency、year、published、signature、narrative、fees、table2、table3、table4"),
    ("decimal-count", "report.yaml", _township("penalty: {decisions: 3}",
                                               "penalty: {decisions: 3.5}"), 1,
     "错误 VAL-NUMBER 表二“行政处罚”行“本年处理决定数量”列：件数必须是整数，不能有小数（3.5），请改正\n"
     "    · 表二“行政处罚”行“本年处理决定数量”列 = 3.5（{f} 第33行 table2.penalty.decisions）"),
    ("text-count", "report.yaml", _township("penalty: {decisions: 3}",
                                            "penalty: {decisions: 三件}"), 1,
     "错误 VAL-NUMBER 表二“行政处罚”行“本年处理决定数量”列：应为整数件数，“三件”不是数字，请只填阿拉伯数字（如 356）\n"
     "    · 表二“行政处罚”行“本年处理决定数量”列 = 三件（{f} 第33行 table2.penalty.decisions）"),
    ("wrong-type", "report.yaml", _township("year: 2024", "year: 二〇二四"), 2,
     "无法读取 {f} 第9行 year：“报告年度”：应为整数"),
    ("unsupported-edition", "report.yaml", _township('edition: "2021"', 'edition: "2030"'), 2,
     "无法读取 {f} edition：不支持的格式版本“2030”：本版本支持 2008、2019、2021 年格式"),
    ("long-narrative", "report.yaml", _township("  problems: |", f"  problems: {LONG}\n  x: |"),
     2, None),
    ("alias-bomb", "report.yaml", _alias_bomb, 2,
     "无法读取 {f}：YAML 内容过多（超过 100000 个节点，可能是别名炸弹），已拒绝读取"),
    ("zip-bomb", "report.xlsx", _zip_bomb, 2,
     "无法读取 {f}：工作簿解压后达 40 MB，超过 32 MB 的上限，不像是年报数据（可能是“压缩炸弹”），已拒绝读取"),
    ("many-rows", "report.xlsx", _many_rows, 2,
     "无法读取 {f}：工作表“表三”超过 20000 行的上限：年报数据只需几十行，请删去多余的行后另存再试"),
    ("table-twice", "report.xlsx", _table_twice, 2,
     "无法读取 {f}：表三在工作簿中出现了2次（工作表“表三” A6；工作表“表三（修改前）” A6）：请删去多余的，只保留要报送的一份"),
    ("missing-table", "report.xlsx", _without_sheet("表三"), 2, None),
]


@pytest.mark.parametrize("name,filename,build,code,message", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_input(tmp_path: Path, name: str, filename: str, build, code: int,
                   message: str | None) -> None:
    path = tmp_path / filename
    path.write_bytes(build(tmp_path))
    started = time.monotonic()
    result = run_cli("check", path)
    assert time.monotonic() - started < 60  # refused quickly, not after inflating a bomb
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if code == 1:  # one cell's problem: a finding, the rest of the report still checked
        assert message.format(f=path) in result.stdout
    elif message is not None:
        assert result.stderr.strip().replace("\n", "") == message.format(f=path)
    else:
        assert result.stderr.startswith(f"无法读取 {path}")


def test_long_narrative_message(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(TOWNSHIP_TEXT.replace("无其他需要报告的事项。", LONG), encoding="utf-8")
    result = run_cli("check", path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"无法读取 {path} 第23行 narrative.other：“六、其他需要报告的事项”："
                                     "文字过长（100000字）：每一部分不超过20000字，请精简")


def test_missing_table_names_the_labels_looked_for(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(_without_sheet("表三")(tmp_path))
    result = run_cli("check", path)
    assert result.returncode == 2
    assert "找不到表三" in result.stderr and "“一、本年新收政府信息公开申请数量”" in result.stderr


def test_negative_count_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "neg.yaml"
    path.write_bytes(_township("penalty: {decisions: 3}", "penalty: {decisions: -3}")(tmp_path))
    result = run_cli("check", path)
    assert result.returncode == 1
    assert "错误 VAL-NONNEG 表二“行政处罚”行“本年处理决定数量”列为-3，件数和金额不能为负数" in result.stdout


def test_wrong_year_for_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "2020.yaml"
    path.write_text(TOWNSHIP_TEXT.replace("year: 2024", "year: 2020").replace(
        "published: 2025-01-24", "published: 2021-01-24"), encoding="utf-8")
    result = run_cli("check", path)
    assert result.returncode == 1
    assert "错误 EDITION-YEAR 2020年度的报告应使用2019年格式，但本报告使用的是2021年格式的表格" \
        in result.stdout


def test_control_characters_are_removed_and_the_report_builds(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.yaml"
    path.write_text(TOWNSHIP_TEXT.replace("无其他需要报告的事项。", "无其他\x07需要报告的\x1b事项。"),
                    encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", path, "-o", out, "--format", "html,docx")
    assert result.returncode == 0, result.stderr
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "无其他需要报告的事项。" in html and "\x07" not in html


def test_characters_outside_gb2312_render_and_emoji_fail_by_name(tmp_path: Path) -> None:
    rare = TOWNSHIP_TEXT.replace("无其他需要报告的事项。", "镕堃喆昇珺犇淼䶮事项。")
    path = tmp_path / "rare.yaml"
    path.write_text(rare, encoding="utf-8")
    ok = run_cli("build", path, "-o", tmp_path / "ok", "--format", "pdf")
    assert ok.returncode == 0, ok.stderr
    from test_formats_agree import pdf_text
    assert "镕堃喆昇珺犇淼䶮事项。" in pdf_text(next((tmp_path / "ok").glob("*.pdf")))
    # CJK Extension B: no installed face draws U+20000, so the build names it
    path.write_text(TOWNSHIP_TEXT.replace("无其他需要报告的事项。", "𠀀事项。"), encoding="utf-8")
    ext_b = run_cli("build", path, "-o", tmp_path / "b", "--format", "pdf")
    assert ext_b.returncode == 2
    assert ext_b.stderr.strip() == ("无法生成 字符“𠀀”（U+20000）没有可用字体能够显示，出现在："
                                    "六、其他需要报告的事项：“𠀀事项。”。请删除该字符或改用常用汉字、标点")
    emoji = tmp_path / "emoji.yaml"
    emoji.write_text(TOWNSHIP_TEXT.replace("无其他需要报告的事项。", "无其他事项😀。"),
                     encoding="utf-8")
    failed = run_cli("build", emoji, "-o", tmp_path / "e", "--format", "html,pdf")
    assert failed.returncode == 2
    assert "字符“😀”（U+1F600）没有可用字体能够显示" in failed.stderr
    assert not (tmp_path / "e").exists()  # not even the HTML: nothing partial


def test_injection_comes_out_literally_in_every_format(tmp_path: Path) -> None:
    from test_formats_agree import docx_text, pdf_text

    attack = '<script>alert(1)</script>{{ 7*7 }}<img src="file:///etc/passwd">'
    path = tmp_path / "inject.yaml"
    path.write_text(TOWNSHIP_TEXT.replace("无其他需要报告的事项。", attack), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", path, "-o", out)
    assert result.returncode == 0, result.stderr
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}&lt;img src=" in page
    assert "<script>" not in page and "<img" not in page
    literal = "".join(attack.split())
    assert literal in docx_text(next(out.glob("*.docx")))
    assert literal in pdf_text(next(out.glob("*.pdf")))
