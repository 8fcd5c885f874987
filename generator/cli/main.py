"""Command line: parses options and hands them to `generator.cli.commands`.

Exit codes: 0 no errors (warnings allowed), 1 the report has errors, 2 the input cannot be
read or does not match the schema (or an output cannot be produced, or the command was
used wrongly), 3 an internal error of nianbao's own (never 1 or 2: scripts read those as
verdicts on the input), 130 interrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nianbao import __version__
from nianbao.cli.argparse_zh import TEXTS, ArgumentParser, chinese, number

YEAR = number("年份")
SINGLE_FILE = ("check", "build")   # commands taking one data file


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--edition", metavar="版本", help="指定格式版本（默认按报告年度）")
    p.add_argument("--blank-as-zero", action="store_true",
                   help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    p.add_argument("--agency", metavar="机关名称", help="机关名称（优先于文件中的）")
    p.add_argument("--year", type=YEAR, metavar="年度", help="报告年度（优先于文件中的）")


def _previous(p: argparse.ArgumentParser) -> None:
    p.add_argument("--previous", type=Path, metavar="上年报告",
                   help="上一年度的报告（.xlsx 或 .yaml），用于跨年度校验")


def parser() -> ArgumentParser:
    """The argument parser of `nianbao` (help, usage and errors in Chinese)."""
    with chinese():
        return _parser()


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="nianbao", description="政府信息公开工作年度报告：校验与生成")
    p.add_argument("--version", action="version", version=f"nianbao {__version__}",
                   help="显示版本号并退出")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")

    init = sub.add_parser("init", help="生成待填写的数据文件（.xlsx 工作簿或 .yaml）")
    init.add_argument("--year", type=YEAR, metavar="年度", required=True, help="报告年度，如 2024")
    init.add_argument("--agency", metavar="机关名称",
                      help="机关名称（给出 --previous 时默认取上年报告中的）")
    init.add_argument("--previous", type=Path, metavar="上年报告",
                      help="上年的年报（.xlsx、.yaml，或已发布的 .docx、.html、.pdf）：复制机关信息、"
                           "落款和表三上年结转")
    init.add_argument("--edition", metavar="版本", help="格式版本（默认按年度）")
    init.add_argument("-o", "--output", required=True, type=Path, metavar="输出文件",
                      help="输出文件：年报数据.xlsx 或 report.yaml")
    init.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    check = sub.add_parser("check", help="校验数据文件，列出全部问题")
    check.add_argument("file", type=Path, metavar="数据文件", help="年报数据（.xlsx 或 .yaml）")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text：中文列表（默认）；json：供脚本读取")
    _previous(check)
    check.add_argument("--annotate", nargs="?", const="",
                       metavar="标注.xlsx",
                       help="另存一份工作簿，在有问题的单元格上加批注和底色"
                            "（不写文件名时存为输入旁的“原名_标注.xlsx”）")
    _read_options(check)

    build = sub.add_parser("build", help="生成 HTML、PDF、DOCX 报告")
    build.add_argument("file", type=Path, metavar="数据文件", help="年报数据（.xlsx 或 .yaml）")
    build.add_argument("-o", "--output", type=Path, default=Path("out"), metavar="输出目录",
                       help="输出目录（默认 out）")
    build.add_argument("--format", default="html,pdf,docx", metavar="格式", help="逗号分隔：html,pdf,docx")
    build.add_argument("--force", action="store_true",
                       help="有错误也生成草稿（每页标有“草稿：本报告存在 N 个错误，不得发布”）")
    build.add_argument("--templates", type=Path, metavar="模板目录", help="本机关模板目录（优先于内置模板）")
    build.add_argument("--reference-docx", type=Path, metavar="样式.docx",
                       help="从本机关的 Word 文档取样式、页面和页眉页脚（红头）")
    _previous(build)
    _read_options(build)

    convert = sub.add_parser("convert", help="在 .xlsx 与 .yaml 之间转换数据文件")
    convert.add_argument("source", type=Path, metavar="源文件", help=".xlsx 或 .yaml")
    convert.add_argument("target", type=Path, metavar="目标文件", help=".yaml 或 .xlsx")
    convert.add_argument("--force", action="store_true", help="覆盖已存在的目标文件")
    _read_options(convert)

    templates = sub.add_parser("templates", help="本机关模板：导出内置模板以便修改")
    tsub = templates.add_subparsers(dest="templates_command", required=True, metavar="子命令")
    export = tsub.add_parser("export", help="把内置模板复制到目录中，并附中文说明")
    export.add_argument("dir", type=Path, metavar="目录", help="导出到的目录")
    export.add_argument("--force", action="store_true", help="覆盖目录中已有的同名文件")

    rules = sub.add_parser("rules", help="列出全部校验规则")
    rules.add_argument("--edition", metavar="版本", help="只列出适用于该格式版本的规则")
    rules.add_argument("--format", choices=("text", "json"), default="text",
                       help="text：中文列表（默认）；json：供脚本读取")

    schema = sub.add_parser("schema", help="输出数据文件的 JSON Schema")
    schema.add_argument("--edition", metavar="版本", help="格式版本（默认为现行格式）")

    serve = sub.add_parser("serve", help="在浏览器中预览报告：随文件保存自动更新，标出有问题的单元格")
    serve.add_argument("path", nargs="?", type=Path, default=Path("."), metavar="路径",
                       help="年报文件或文件夹（默认当前文件夹）")
    serve.add_argument("--port", type=number("端口号", 0, 65535), default=8000, metavar="端口",
                       help="端口（默认 8000）")
    serve.add_argument("--host", metavar="地址",
                       help="监听地址（默认 127.0.0.1，只允许本机访问；其他地址需凭令牌访问）")
    serve.add_argument("--token", metavar="令牌",
                       help="访问令牌（开放到网络时默认随机生成并显示在链接中；本机访问默认不需要）")
    serve.add_argument("--open", action="store_true", help="启动后打开浏览器")
    serve.add_argument("--templates", type=Path, metavar="模板目录", help="本机关模板目录（优先于内置模板）")
    serve.add_argument("--blank-as-zero", action="store_true",
                       help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    _batch_parsers(sub)
    _compare_parser(sub)
    p.commands = sub.choices
    return p


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parsed arguments; exits 2 with a Chinese message on misuse.  Several data files given
    to `check` or `build` (a shell glob) get a pointer to `batch`, which is made for that."""
    with chinese():
        p = parser()
        args, extra = p.parse_known_args(argv)
        if not extra:
            return args
        command = p.commands[args.command]
        if args.command in SINGLE_FILE and not any(e.startswith("-") for e in extra):
            command.error(f"一次只处理一份数据文件，多给了：{' '.join(extra)}。"
                          "多份报告请用“nianbao batch 目录 -o 输出目录”批量校验和生成")
        command.error(TEXTS["unrecognized arguments: %s"] % " ".join(extra))


def _batch_parsers(sub: argparse._SubParsersAction) -> None:
    """`batch` and `aggregate` (generator.batch)."""
    import datetime as dt
    import re

    def _date(text: str) -> dt.date:
        """2025-02-05, 2025/2/5 or 2025年2月5日 (ValueError → “…不是有效的日期”)."""
        m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", text)
        if m is None:
            raise ValueError(text)
        return dt.date(int(m[1]), int(m[2]), int(m[3]))

    _date.__name__ = "日期"
    batch = sub.add_parser("batch", help="批量校验和生成：一个目录（或清单）中众多机关、多个年度的报告")
    batch.add_argument("dir", nargs="?", type=Path, metavar="目录",
                       help="输入目录，任意层级；按 目录/机关/年度.xlsx 或 目录/年度/机关.xlsx "
                            "存放时自动与上年报告比对")
    batch.add_argument("--manifest", type=Path, metavar="清单",
                       help="代替目录：CSV 或 YAML 清单（file, agency, year）")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="输出目录",
                       help="输出目录")
    batch.add_argument("--jobs", type=number("正整数", 1), metavar="进程数",
                       help="并行进程数（默认为可用的 CPU 核数，含容器的 CPU 限额）")
    batch.add_argument("--format", default="html,pdf,docx", metavar="格式", help="逗号分隔：html,pdf,docx")
    batch.add_argument("--check-only", action="store_true",
                       help="只校验：写出问题清单和汇总，不生成报告文件")
    batch.add_argument("--force", action="store_true",
                       help="有错误的报告也生成草稿（每页标明错误个数、不得发布）；未变化的报告仍跳过")
    batch.add_argument("--annotate", action="store_true",
                       help="为有问题的 .xlsx 工作簿写出标注副本（输出目录/机关/机关年度标注.xlsx，"
                            "问题标在所在单元格上，可发回机关修改）")
    batch.add_argument("--rebuild", action="store_true",
                       help="全部重新生成，不跳过上次已生成且未变化的报告（有错误的报告仍不生成，除非加 --force）")
    batch.add_argument("--blank-as-zero", action="store_true",
                       help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    batch.add_argument("--templates", type=Path, metavar="模板目录",
                       help="所有报告共用的模板目录（在各机关目录下的 templates 之后、内置模板之前）")
    batch.add_argument("--scheduler", metavar="tcp://主机:8786",
                       help="在 Dask 集群上运行（需安装 nianbao[dask]）")
    roster_help = ("应提交年报的机关名单（.xlsx 或 .csv，列：机关名称、机关类型、可选分组）："
                   "汇总中列出已提交/未提交、按期/逾期和名单外的报告")
    batch.add_argument("--roster", type=Path, metavar="名单", help=roster_help)
    batch.add_argument("--as-of", type=_date, metavar="日期",
                       help="核对日期，如 2025-02-05：没有写发布日期的报告按此日期判断按期或逾期")

    agg = sub.add_parser("aggregate", help="汇总同一年度各机关的表二、表三、表四，并校验汇总表")
    agg.add_argument("dir", nargs="?", type=Path, metavar="目录", help="输入目录（同 batch）")
    agg.add_argument("--manifest", type=Path, metavar="清单", help="代替目录：CSV 或 YAML 清单")
    agg.add_argument("--year", type=YEAR, metavar="年度", required=True, help="汇总的报告年度")
    agg.add_argument("-o", "--output", type=Path, required=True, metavar="输出文件",
                     help="汇总.xlsx（汇总表、各机关明细）或 汇总.yaml（汇总报告的数据文件，"
                          "正文由政务公开办撰写后用 nianbao build 生成）")
    agg.add_argument("--roster", type=Path, metavar="名单",
                     help="机关名单（.xlsx 或 .csv）：各机关明细按名单分组合计，并列出未提交的机关")
    agg.add_argument("--agency", metavar="机关名称",
                     help="汇总报告的机关名称（写 .yaml 时必填），如 某某区人民政府办公室")
    agg.add_argument("--blank-as-zero", action="store_true",
                     help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")


def _compare_parser(sub: argparse._SubParsersAction) -> None:
    """`compare` (generator.compare): two years of one agency side by side."""
    cmp = sub.add_parser("compare", help="同一机关两个年度的报告对比：数字增减、跨年度检查、正文照抄")
    cmp.add_argument("files", nargs=2, type=Path, metavar="报告",
                     help="两份报告（.xlsx、.yaml，或已发布的 .docx、.html、.pdf），顺序不限，"
                          "年度早的为上年")
    cmp.add_argument("-o", "--output", type=Path, required=True, metavar="输出文件",
                     help="比对.html（网页）或 比对.xlsx（工作簿）")
    cmp.add_argument("--blank-as-zero", action="store_true",
                     help="把空白单元格和“—”“-”“/”“无”按0计")


def _latest_edition() -> str:
    """The default of `schema --edition`: the edition in force (schemas.latest), looked up
    only when needed (importing the models takes a third of a second)."""
    from nianbao import schemas
    return schemas.latest().id


def _verb(command: str):
    """The function of a command: generator.cli.commands, or its own package's (compare)."""
    if command == "compare":
        from nianbao.compare.compare_command import cmd_compare
        return cmd_compare
    from nianbao.cli import commands
    return getattr(commands, f"cmd_{command}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `nianbao` console script and `python -m generator`."""
    args = _parse(argv)
    if args.command == "schema" and args.edition is None:
        args.edition = _latest_edition()
    from nianbao.cli import console
    from nianbao.errors import NianbaoError, os_reason

    try:
        return _verb(args.command)(args)
    except KeyboardInterrupt:
        console.warn("已中断：未写出任何不完整的文件")
        return 130
    except NianbaoError as err:   # an output that cannot be written (WriteError), …
        console.print_problems(err, "无法完成")
        return 2
    except OSError as exc:   # a last resort: a file system refusal nobody foresaw
        where = f" {exc.filename}" if exc.filename else ""
        console.warn(f"无法读写{where}：{os_reason(exc)}。请检查路径、权限和磁盘空间")
        return 2
    except Exception as exc:  # noqa: BLE001 — a crash of our own is never 1 or 2 (issue 16 §5)
        return internal_error(args, exc)


EXIT_INTERNAL = 3   # README "Exit codes": a crash of nianbao's own, not a verdict on the input
_INPUT_ARGS = ("file", "source", "dir", "manifest", "path")


def internal_error(args: argparse.Namespace, exc: BaseException) -> int:
    """Say briefly what failed, on which input, in which version and where to report it;
    the traceback only with NIANBAO_DEBUG=1 (a clerk cannot act on one)."""
    import os
    import traceback

    from nianbao.cli import console

    given = next((getattr(args, a) for a in _INPUT_ARGS if getattr(args, a, None)), None)
    what = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
    console.warn(f"内部错误：nianbao {__version__} 执行“{args.command}”"
                 f"{f'处理 {given} ' if given else ''}时出错（{what}）。这是 nianbao 自身的问题，"
                 "不是数据文件的错误。请把这段信息和所用文件发给本地区政务公开办或 nianbao 的维护者；"
                 "设置环境变量 NIANBAO_DEBUG=1 后再运行一次可看到详细的出错位置")
    if os.environ.get("NIANBAO_DEBUG") == "1":
        traceback.print_exc()
    return EXIT_INTERNAL
