"""Command line: parses options and hands them to `generator.commands`.

Exit codes: 0 no errors (warnings allowed), 1 the report has errors, 2 the input cannot be
read or does not match the schema (or an output cannot be produced, or the command was
used wrongly).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from generator import __version__


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--edition", help="指定格式版本（默认按报告年度）")
    p.add_argument("--blank-as-zero", action="store_true",
                   help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    p.add_argument("--agency", help="机关名称（优先于文件中的）")
    p.add_argument("--year", type=int, help="报告年度（优先于文件中的）")


def _previous(p: argparse.ArgumentParser) -> None:
    p.add_argument("--previous", type=Path, metavar="上年报告",
                   help="上一年度的报告（.xlsx 或 .yaml），用于跨年度校验")


def parser() -> argparse.ArgumentParser:
    """The argument parser of `nianbao` (all help in Chinese)."""
    p = argparse.ArgumentParser(prog="nianbao", description="政府信息公开工作年度报告：校验与生成")
    p.add_argument("--version", action="version", version=f"nianbao {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")

    init = sub.add_parser("init", help="生成待填写的数据文件（.xlsx 工作簿或 .yaml）")
    init.add_argument("--year", type=int, required=True, help="报告年度，如 2024")
    init.add_argument("--agency", required=True, help="机关名称")
    init.add_argument("--edition", help="格式版本（默认按年度）")
    init.add_argument("-o", "--output", required=True, type=Path,
                      help="输出文件：年报数据.xlsx 或 report.yaml")
    init.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    check = sub.add_parser("check", help="校验数据文件，列出全部问题")
    check.add_argument("file", type=Path)
    check.add_argument("--format", choices=("text", "json"), default="text")
    _previous(check)
    check.add_argument("--annotate", type=Path, metavar="标注.xlsx",
                       help="另存一份工作簿，在有问题的单元格上加批注和底色")
    _read_options(check)

    build = sub.add_parser("build", help="生成 HTML、PDF、DOCX 报告")
    build.add_argument("file", type=Path)
    build.add_argument("-o", "--output", type=Path, default=Path("out"), help="输出目录")
    build.add_argument("--format", default="html,pdf,docx", help="逗号分隔：html,pdf,docx")
    build.add_argument("--force", action="store_true", help="有错误也生成")
    build.add_argument("--templates", type=Path, help="本机关模板目录（优先于内置模板）")
    build.add_argument("--reference-docx", type=Path, metavar="样式.docx",
                       help="从本机关的 Word 文档取样式、页面和页眉页脚（红头）")
    _previous(build)
    _read_options(build)

    convert = sub.add_parser("convert", help="在 .xlsx 与 .yaml 之间转换数据文件")
    convert.add_argument("source", type=Path)
    convert.add_argument("target", type=Path)
    convert.add_argument("--force", action="store_true", help="覆盖已存在的目标文件")
    _read_options(convert)

    templates = sub.add_parser("templates", help="本机关模板：导出内置模板以便修改")
    tsub = templates.add_subparsers(dest="templates_command", required=True, metavar="子命令")
    export = tsub.add_parser("export", help="把内置模板复制到目录中，并附中文说明")
    export.add_argument("dir", type=Path)
    export.add_argument("--force", action="store_true", help="覆盖目录中已有的同名文件")

    rules = sub.add_parser("rules", help="列出全部校验规则")
    rules.add_argument("--edition", help="只列出适用于该格式版本的规则")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    schema = sub.add_parser("schema", help="输出数据文件的 JSON Schema")
    schema.add_argument("--edition", default="2021")

    serve = sub.add_parser("serve", help="在浏览器中预览报告：随文件保存自动更新，标出有问题的单元格")
    serve.add_argument("path", nargs="?", type=Path, default=Path("."),
                       help="年报文件或文件夹（默认当前文件夹）")
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument("--host", help="监听地址（默认 127.0.0.1，只允许本机访问）")
    serve.add_argument("--open", action="store_true", help="启动后打开浏览器")
    serve.add_argument("--templates", type=Path, help="本机关模板目录（优先于内置模板）")
    serve.add_argument("--blank-as-zero", action="store_true",
                       help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    _batch_parsers(sub)
    return p


def _batch_parsers(sub: argparse._SubParsersAction) -> None:
    """`batch` and `aggregate` (generator.batch)."""
    batch = sub.add_parser("batch", help="批量校验和生成：一个目录（或清单）中众多机关、多个年度的报告")
    batch.add_argument("dir", nargs="?", type=Path, help="输入目录：目录/机关/年度.xlsx|yaml，任意层级")
    batch.add_argument("--manifest", type=Path, metavar="清单",
                       help="代替目录：CSV 或 YAML 清单（file, agency, year）")
    batch.add_argument("-o", "--output", type=Path, required=True, help="输出目录")
    batch.add_argument("--jobs", type=int, help="并行进程数（默认为 CPU 核数）")
    batch.add_argument("--format", default="html,pdf,docx", help="逗号分隔：html,pdf,docx")
    batch.add_argument("--force", action="store_true", help="全部重新生成；有错误的报告也生成")
    batch.add_argument("--blank-as-zero", action="store_true",
                       help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")
    batch.add_argument("--scheduler", metavar="tcp://主机:8786",
                       help="在 Dask 集群上运行（需安装 nianbao[dask]）")

    agg = sub.add_parser("aggregate", help="汇总同一年度各机关的表二、表三、表四，并校验汇总表")
    agg.add_argument("dir", nargs="?", type=Path, help="输入目录（同 batch）")
    agg.add_argument("--manifest", type=Path, metavar="清单", help="代替目录：CSV 或 YAML 清单")
    agg.add_argument("--year", type=int, required=True, help="汇总的报告年度")
    agg.add_argument("-o", "--output", type=Path, required=True, help="输出工作簿，如 汇总.xlsx")
    agg.add_argument("--blank-as-zero", action="store_true",
                     help="把空白单元格和“—”“-”“/”“无”按0计（会列出这些单元格）")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `nianbao` console script and `python -m generator`."""
    from generator import commands

    args = parser().parse_args(argv)
    from generator import console
    from generator.errors import NianbaoError

    try:
        return getattr(commands, f"cmd_{args.command}")(args)
    except KeyboardInterrupt:
        console.warn("已中断：未写出任何不完整的文件")
        return 130
    except NianbaoError as err:   # an output that cannot be written (WriteError), …
        console.print_problems(err, "无法完成")
        return 2
    except OSError as exc:   # a last resort: a file system refusal nobody foresaw
        where = f" {exc.filename}" if exc.filename else ""
        console.warn(f"无法读写{where}：{exc.strerror or exc}。请检查路径、权限和磁盘空间")
        return 2
