"""Command line: parses options, calls the pipeline, prints findings, sets the exit code.

Exit codes: 0 no errors (warnings allowed), 1 the report has errors, 2 the input cannot be
read or does not match the schema (or the command was used wrongly).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.errors import NianbaoError

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nianbao", description="政府信息公开工作年度报告：校验与生成")
    p.add_argument("--version", action="version", version=f"nianbao {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")

    init = sub.add_parser("init", help="生成待填写的数据文件（YAML）")
    init.add_argument("--year", type=int, required=True, help="报告年度，如 2024")
    init.add_argument("--agency", required=True, help="机关名称")
    init.add_argument("--edition", help="格式版本（默认按年度）")
    init.add_argument("-o", "--output", required=True, type=Path, help="输出文件，如 report.yaml")
    init.add_argument("--force", action="store_true", help="覆盖已存在的文件")

    check = sub.add_parser("check", help="校验数据文件，列出全部问题")
    check.add_argument("file", type=Path)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--edition", help="指定格式版本（默认按年度）")

    build = sub.add_parser("build", help="生成 HTML、PDF、DOCX 报告")
    build.add_argument("file", type=Path)
    build.add_argument("-o", "--output", type=Path, default=Path("out"), help="输出目录")
    build.add_argument("--format", default="html,pdf,docx", help="逗号分隔：html,pdf,docx")
    build.add_argument("--force", action="store_true", help="有错误也生成")
    build.add_argument("--edition", help="指定格式版本（默认按年度）")
    build.add_argument("--templates", type=Path, help="本机关模板目录（优先于内置模板）")

    rules = sub.add_parser("rules", help="列出全部校验规则")
    rules.add_argument("--edition", help="只列出适用于该格式版本的规则")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    schema = sub.add_parser("schema", help="输出数据文件的 JSON Schema")
    schema.add_argument("--edition", default="2021")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `nianbao` console script and `python -m generator`."""
    args = _parser().parse_args(argv)
    handler = {"init": cmd_init, "check": cmd_check, "build": cmd_build,
               "rules": cmd_rules, "schema": cmd_schema}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        from generator import console
        console.warn("已中断：未写出任何不完整的文件")
        return 130


def cmd_init(args: argparse.Namespace) -> int:
    """Write a fill-in input file for one agency and year."""
    from generator import console
    from generator.init_yaml import yaml_template
    from generator.write import write_atomic
    import schemas

    if args.output.exists() and not args.force:
        console.warn(f"{args.output} 已存在：为免覆盖已填写的数据，未写入（确需覆盖请加 --force）")
        return EXIT_UNREADABLE
    if args.edition and args.edition not in schemas.EDITIONS:
        console.warn(f"不支持的格式版本“{args.edition}”")
        return EXIT_UNREADABLE
    if args.output.suffix.lower() not in (".yaml", ".yml"):
        console.warn(f"{args.output}：请使用 .yaml 扩展名")
        return EXIT_UNREADABLE
    text = yaml_template(args.year, args.agency, args.edition, target=args.output)
    write_atomic(args.output, text.encode("utf-8"))
    console.say(f"已生成 {args.output}：填写数字和正文后运行 nianbao check {args.output}")
    return EXIT_OK


def _checked(file: Path, edition: str | None, as_json: bool = False):
    from generator import console
    from generator.pipeline import check_file

    try:
        return check_file(file, edition)
    except NianbaoError as err:
        if as_json:
            sys.stdout.write(console.problems_json(str(file), err) + "\n")
        else:
            console.print_problems(err)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    """Check one file; print findings; exit 0/1/2."""
    from generator import console

    checked = _checked(args.file, args.edition, args.format == "json")
    if checked is None:
        return EXIT_UNREADABLE
    if args.format == "json":
        sys.stdout.write(console.findings_json(checked) + "\n")
    else:
        console.print_findings(checked)
    return EXIT_ERRORS if checked.has_errors else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    """Check, then render and write the asked formats (refuses on errors unless --force)."""
    from generator import console
    from generator.pipeline import build
    from generator.render import FORMATS, RenderOptions

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        console.warn(f"不支持的输出格式：{'、'.join(bad) or '（空）'}；可选 html、pdf、docx")
        return EXIT_UNREADABLE
    checked = _checked(args.file, args.edition)
    if checked is None:
        return EXIT_UNREADABLE
    if checked.findings:
        console.print_findings(checked)
    if checked.has_errors and not args.force:
        console.warn(f"报告有 {checked.summary['errors']} 个错误，未生成任何文件。"
                     "请按上面的提示修正数据；确需生成草稿请加 --force")
        return EXIT_ERRORS
    options = RenderOptions(template_dirs=(args.templates,) if args.templates else ())
    try:
        written = build(checked.validated, formats, args.output, options)
    except NianbaoError as err:
        console.print_problems(err, "无法生成")
        return EXIT_UNREADABLE
    for path in written:
        console.say(f"已生成 {path}")
    return EXIT_ERRORS if checked.has_errors else EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    """List the rules (all, or those of one edition)."""
    from generator import console
    from generator.checks import rules_for

    console.print_rules(rules_for(args.edition), args.format == "json")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of an edition's input file."""
    import schemas

    sys.stdout.write(schemas.json_schema(schemas.EDITIONS[args.edition]))
    return EXIT_OK
