"""`nianbao compare A B -o 比对.html|比对.xlsx`: two years of one agency side by side.

Exit codes: 0 the comparison was written — what it found (changes, copied text, XYEAR
findings, another agency's name) is its content, not a failure; 2 an input cannot be read,
both are of the same year, or the output cannot be written (or has an unknown extension).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.cli import console
from nianbao.errors import NianbaoError

if TYPE_CHECKING:
    from nianbao.compare.model import Comparison

EXIT_OK, EXIT_UNUSABLE = 0, 2
FORMATS = {".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def _output_problem(args: argparse.Namespace) -> str | None:
    out: Path = args.output
    if any(out.resolve() == f.resolve() for f in args.files):
        return f"{out} 是要比对的报告之一：请另给一个输出文件名，以免覆盖它"
    if out.suffix.lower() not in FORMATS:
        return f"{out}：比对结果请存为 .html（网页）或 .xlsx（工作簿），例如 比对.html"
    return None


def cmd_compare(args: argparse.Namespace) -> int:
    """Read both reports, compare them, write the page or the workbook."""
    from nianbao.compare.model import SameYear, compare
    from nianbao.pipeline import ReadOptions
    from nianbao.write.atomic import write_atomic

    if problem := _output_problem(args):
        console.warn(problem)
        return EXIT_UNUSABLE
    try:
        comparison = compare(tuple(args.files), ReadOptions(blank_as_zero=args.blank_as_zero))
    except NianbaoError as err:
        console.print_problems(err, "无法比对" if isinstance(err, SameYear) else "无法读取")
        return EXIT_UNUSABLE
    if FORMATS[args.output.suffix.lower()] == "html":
        from nianbao.compare.page import html_bytes
        data = html_bytes(comparison)
    else:
        from nianbao.compare.comparison_workbook import xlsx_bytes
        data = xlsx_bytes(comparison)
    write_atomic(args.output, data)   # WriteError: said by cli.main, exit 2
    _tell(comparison, args.output)
    return EXIT_OK


def _tell(c: Comparison, output: Path) -> None:
    """What the comparison found, in a few lines; warnings on stderr."""
    if not c.same_agency:
        console.warn(f"注意：两份报告的机关名称不同（{c.last.year}年“{c.last.agency}”，"
                     f"{c.this.year}年“{c.this.agency}”），仍作了比对")
    if c.identical:
        console.warn(f"注意：{c.this.year}年报告的表格数字与{c.last.year}年完全相同，"
                     "可能照抄了上年报告")
    n = c.narrative
    console.say(f"已生成 {output}：{c.last.year}年 → {c.this.year}年，{c.changed}个数字有变化；"
                f"正文{n.copied}/{n.sentences}句与上年逐字相同；跨年度问题{len(c.findings)}项")
