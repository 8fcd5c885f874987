"""Hostile and careless input, round two (issue 16 §1–§5): small files that once exhausted the
machine or ended in a traceback.  Each case runs `nianbao check` as a user would and asserts
the exact Chinese message and exit code; the bombs also run under a hard memory limit, so an
expansion shows as a failure here instead of as a slow test."""

from __future__ import annotations

import os
import re
import resource
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from conftest import ROOT, run_cli
from test_bad_input import _county_xlsx, _township

MEMORY_LIMIT = 1536 * 1024 * 1024   # address space: the merge bomb asked for 9.6 GB
PENALTY = "{f} 第33行 table2.penalty.decisions：表二“行政处罚”行“本年处理决定数量”列："
FEE = "{f} 第35行 table2.administrative_fees.amount：表二“行政事业性收费”行“本年收费金额（单位：万元）”列："
PUBLISHED = "{f} 第10行 published：“发布日期”："


def _part(part: str, edit: Callable[[bytes], bytes]) -> Callable[[Path], bytes]:
    """The county workbook with one part of its package rewritten."""
    def build(folder: Path) -> bytes:
        out = folder / "edited.xlsx"
        with zipfile.ZipFile(_county_xlsx(folder)) as src, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                dst.writestr(info, edit(data) if info.filename == part else data)
        return out.read_bytes()
    return build


def _merge_bomb(data: bytes) -> bytes:
    """One merged range over 17 billion cells (a 15 KB file; openpyxl makes each an object)."""
    return re.sub(rb'<mergeCells count="\d+">',
                  b'<mergeCells count="99"><mergeCell ref="A100:XFD1048576"/>', data, count=1)


def _hyperlink_bomb(data: bytes) -> bytes:
    return data.replace(b"</worksheet>", b'<hyperlinks><hyperlink ref="A100:XFD1048576" '
                                         b'display="x"/></hyperlinks></worksheet>')


def _cell(folder: Path, sheet: str, find: Callable[[object], bool], value: object) -> bytes:
    """The county workbook with the first cell of a sheet matching `find` set to value."""
    from openpyxl import load_workbook

    wb = load_workbook(_county_xlsx(folder))
    cell = next(c for row in wb[sheet].iter_rows() for c in row if find(c.value))
    cell.value = value
    path = folder / "cell.xlsx"
    wb.save(path)
    return path.read_bytes()


def _t3_cell(value: object) -> Callable[[Path], bytes]:
    return lambda folder: _cell(folder, "表三", lambda v: v == 31, value)


def _fee_cell(value: object) -> Callable[[Path], bytes]:
    """The county workbook with 实际收取金额 (基本信息, the cell right of its title) set."""
    def build(folder: Path) -> bytes:
        from openpyxl import load_workbook

        wb = load_workbook(_county_xlsx(folder))
        row = next(r for r in wb["基本信息"].iter_rows() if r[0].value == "实际收取金额（元）")
        row[1].value = value
        wb.save(folder / "fee.xlsx")
        return (folder / "fee.xlsx").read_bytes()
    return build


def _lying_directory(folder: Path) -> bytes:
    """A package whose central directory says a sheet is 100 bytes long (it is not)."""
    data = bytearray(_county_xlsx(folder).read_bytes())
    name, at = b"xl/worksheets/sheet3.xml", data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, 100)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


T3 = "{f} 工作表“表三” D6：表三“一、本年新收政府信息公开申请数量”行“自然人”列："
FEE_CELL = "{f} 工作表“基本信息” B14：“实际收取金额（元）”："
HUGE = "9" * 5000
CASES = [
    # §1 and §3: refused before openpyxl expands anything
    ("merge-bomb", "r.xlsx", _part("xl/worksheets/sheet3.xml", _merge_bomb), 2,
     "{f}：工作表“表二”的合并单元格范围过大（A100:XFD1048576），超过 200000 个单元格的上限，"
     "不像是年报数据，已拒绝读取"),
    ("hyperlink-bomb", "r.xlsx", _part("xl/worksheets/sheet5.xml", _hyperlink_bomb), 2,
     "{f}：工作表“表四”的超链接范围过大（A100:XFD1048576），超过 200000 个单元格的上限，"
     "不像是年报数据，已拒绝读取"),
    # §2: exponents and runaway digits, in counts and amounts, YAML and workbook; in a table
    # cell they are that cell's error (VAL-NUMBER, exit 1: issue 19 §8), still said exactly
    ("exponent-count-yaml", "r.yaml",
     _township("penalty: {decisions: 3}", "penalty: {decisions: 1.0e+999999999}"), 1,
     PENALTY + "数字过大：件数最多12位，请核对"),
    ("exponent-text-count-yaml", "r.yaml",
     _township("penalty: {decisions: 3}", "penalty: {decisions: 1e999999999}"), 1,
     PENALTY + "件数请直接写整数，不要用科学计数法（“1e999999999”）"),
    ("exponent-amount-yaml", "r.yaml",
     _township("administrative_fees: {amount: 0}", "administrative_fees: {amount: 1e999999999}"),
     1, FEE + "金额请直接写数字，不要用科学计数法（“1e999999999”）"),
    ("exponent-amount-yaml-2", "r.yaml",
     _township("administrative_fees: {amount: 0}",
               "administrative_fees: {amount: 1e999999999999}"),
     1, FEE + "金额请直接写数字，不要用科学计数法（“1e999999999999”）"),
    ("tiny-amount-yaml", "r.yaml",
     _township("administrative_fees: {amount: 0}", "administrative_fees: {amount: 0.1e-99999}"),
     1, FEE + "金额的小数位过多：最多10位小数"),
    ("huge-integer-yaml", "r.yaml",
     _township("penalty: {decisions: 3}", f"penalty: {{decisions: {HUGE}}}"), 1,
     PENALTY + "数字过大：件数最多12位，请核对"),
    ("exponent-text-cell", "r.xlsx", _t3_cell("1e999999999"), 1,
     T3 + "件数请直接写整数，不要用科学计数法（“1e999999999”）"),
    ("huge-integer-cell", "r.xlsx", _t3_cell(HUGE), 1, T3 + "数字过大：件数最多12位，请核对"),
    ("nan-cell", "r.xlsx", _t3_cell("NaN"), 1, T3 + "应为整数件数，“NaN”不是数字"),
    ("fee-1e308-cell", "r.xlsx", _fee_cell(1e308), 2,
     FEE_CELL + "金额过大：整数部分最多15位，请核对"),
    # §4: impossible dates and a damaged package
    ("date-feb-30", "r.yaml", _township("published: 2025-01-24", "published: 2025-02-30"), 2,
     PUBLISHED + "“2025-02-30”不是有效的日期，写法如 2025-01-20"),
    ("date-month-13", "r.yaml", _township("published: 2025-01-24", "published: 2025-13-01"), 2,
     PUBLISHED + "“2025-13-01”不是有效的日期，写法如 2025-01-20"),
    ("date-zero", "r.yaml", _township("published: 2025-01-24", "published: 0000-00-00"), 2,
     PUBLISHED + "“0000-00-00”不是有效的日期，写法如 2025-01-20"),
    ("time-25-61", "r.yaml",
     _township("published: 2025-01-24", "published: 2025-01-24 25:61:61"), 2,
     PUBLISHED + "“2025-01-24 25:61:61”不是有效的日期，写法如 2025-01-20"),
    ("zip-directory-lies", "r.xlsx", _lying_directory, 2,
     "{f}：工作簿已损坏（压缩包中的“xl/worksheets/sheet3.xml”无法完整读出），"
     "请在 Excel/WPS 中打开后“另存为” .xlsx 格式再试"),
]


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("name,filename,build,code,message", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(tmp_path: Path, name: str, filename: str, build, code: int,
                       message: str) -> None:
    path = tmp_path / filename
    path.write_bytes(build(tmp_path))
    result = subprocess.run([sys.executable, "-m", "nianbao", "check", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "COLUMNS": "200"}, preexec_fn=_limited)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == code, result.stderr
    if code == 1:   # "{f} 第33行 key：表二…列：text" → the finding's message, then its cell
        where, _, text = message.format(f=path).partition("：")
        assert f"错误 VAL-NUMBER {text}" in result.stdout
        assert f"（{where}）" in result.stdout
    else:
        assert result.stderr.strip().replace("\n", "") == "无法读取 " + message.format(f=path)


def test_the_package_guard_is_quick_on_a_merge_bomb(tmp_path: Path) -> None:
    """The guard itself, in process: the bomb is refused after one streamed pass."""
    from nianbao.errors import LoadError
    from nianbao.load.xlsx_book import check_container

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_part("xl/worksheets/sheet3.xml", _merge_bomb)(tmp_path))
    started = time.process_time()
    with pytest.raises(LoadError, match="合并单元格范围过大"):
        check_container(path, "bomb.xlsx")
    assert time.process_time() - started < 1.0


def test_an_amount_in_bounds_still_builds(tmp_path: Path) -> None:
    """The bounds leave real figures alone: 15 digits and 4 decimals are printed as typed."""
    path = tmp_path / "ok.yaml"
    path.write_bytes(_township("administrative_fees: {amount: 0}",
                               "administrative_fees: {amount: 123456789012345.1234}")(tmp_path))
    result = run_cli("build", path, "-o", tmp_path / "out", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "123456789012345.1234" in next((tmp_path / "out").glob("*.html")).read_text("utf-8")


CRASH = ("import sys, nianbao.cli.commands as c\n"
         "def boom(args): raise ZeroDivisionError('boom')\n"
         "c.cmd_check = boom\n"
         "from nianbao.cli.main import main\n"
         "raise SystemExit(main(sys.argv[1:]))\n")


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_of_our_own_is_exit_3_with_a_chinese_message(tmp_path: Path, debug: bool) -> None:
    """§5: an exception nobody foresaw is an internal error — never 1 or 2, which scripts read
    as verdicts on the input; the traceback only with NIANBAO_DEBUG=1."""
    env = {**os.environ, "NIANBAO_DEBUG": "1" if debug else "0"}
    result = subprocess.run([sys.executable, "-c", CRASH, "check", "年报.yaml"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("内部错误：nianbao 0.1.0 执行“check”处理 年报.yaml 时出错"
                            "（ZeroDivisionError: boom）。这是 nianbao 自身的问题")
    assert ("Traceback" in result.stderr) is debug
