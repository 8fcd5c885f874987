"""The verbs of the command line: each takes parsed options, runs the pipeline and returns
the exit code.  Nothing here parses arguments; heavy modules load only when needed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nianbao.cli import console
from nianbao.errors import NianbaoError
from nianbao.pipeline import Checked, ReadOptions

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx",)


def read_options(args: argparse.Namespace) -> ReadOptions:
    """--edition, --blank-as-zero, --agency, --year as pipeline options."""
    return ReadOptions(args.edition, args.blank_as_zero, args.agency, args.year)


def _refuse_overwrite(path: Path, force: bool) -> bool:
    if path.is_dir():
        console.warn(f"{path} 是一个目录：请写出文件名，例如 {path / '年报数据.xlsx'}")
        return True
    if path.exists() and not force:
        console.warn(f"{path} 已存在：为免覆盖已填写的数据，未写入（确需覆盖请加 --force）")
        return True
    return False


def _data_suffix(path: Path, published: bool = False) -> str | None:
    """The extension of a data file nianbao writes (or, published=True, of a source it
    reads: a published report too, DOCUMENT_SUFFIXES); None, said, for any other."""
    from nianbao.load import DOCUMENT_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES + XLSX_SUFFIXES or (published and suffix in DOCUMENT_SUFFIXES):
        return suffix
    also = f"，或已发布年报的 {'/'.join(DOCUMENT_SUFFIXES)} 文件" if published else ""
    console.warn(f"{path}：请使用 .xlsx 或 .yaml 扩展名{also}")
    return None


def write_data_file(path: Path, edition, values: dict,
                    notes: dict[tuple[str, ...], str] | None = None) -> None:
    """Write report values as a workbook or a YAML file, chosen by the extension; notes: a
    comment on value cells by model path (xlsx cell comment, YAML comment)."""
    from nianbao.write.atomic import write_atomic

    if path.suffix.lower() in XLSX_SUFFIXES:
        from nianbao.write.workbook import workbook_bytes
        write_atomic(path, workbook_bytes(edition, values, notes))
    else:
        from nianbao.write.yaml_file import yaml_document
        write_atomic(path, yaml_document(edition, values, target=path, notes=notes).encode("utf-8"))


def cmd_init(args: argparse.Namespace) -> int:
    """Write a fill-in input file (workbook or YAML) for one agency and year."""
    from nianbao import schemas
    from nianbao.schemas.common import AgencyKind

    if args.agency is None and args.previous is None:
        console.warn("缺少必需的参数：--agency（机关名称）")
        return EXIT_UNREADABLE
    if _refuse_overwrite(args.output, args.force) or _data_suffix(args.output) is None:
        return EXIT_UNREADABLE
    edition_id = args.edition or schemas.edition_for_year(args.year)
    if edition_id not in schemas.EDITIONS:
        console.warn(f"不支持的格式版本“{edition_id}”：本版本支持 {'、'.join(sorted(schemas.EDITIONS))}")
        return EXIT_UNREADABLE
    edition = schemas.EDITIONS[edition_id]
    values = {"edition": edition_id, "year": args.year, "signature": {"show": True},
              "agency": {"name": args.agency, "kind": AgencyKind.department.value}}
    notes: dict[tuple[str, ...], str] | None = None
    copied: list[str] = []
    if args.previous is not None:
        from nianbao.write.next_year import previous_values
        try:
            values, notes, copied = previous_values(args.previous, args.year, edition,
                                                    args.agency)
        except NianbaoError as err:
            console.print_problems(err)
            return EXIT_UNREADABLE
    write_data_file(args.output, edition, values, notes)
    if copied:
        console.say(f"已从 {args.previous} 复制：{'；'.join(copied)}")
    console.say(f"已生成 {args.output}：填写数字和正文后运行 nianbao check {args.output}")
    return EXIT_OK


def _checked(file: Path, options: ReadOptions, as_json: bool = False,
             previous: Path | None = None) -> Checked | None:
    from nianbao.pipeline import check_file

    try:
        return check_file(file, options, previous)
    except NianbaoError as err:
        if as_json:
            sys.stdout.write(console.problems_json(str(file), err) + "\n")
        else:
            console.print_problems(err)
        return None


def annotated_path(source: Path, asked: str) -> Path:
    """Where the annotated copy goes: the name given, or — `--annotate` without one (the
    parser's const "") — ``原名_标注.xlsx`` beside the input (issue 19 §12)."""
    if asked == "":
        return source.with_name(f"{source.stem}_标注{source.suffix}")
    return Path(asked)


def cmd_check(args: argparse.Namespace) -> int:
    """Check one file; print findings; optionally annotate the workbook; exit 0/1/2."""
    if args.annotate is not None and args.file.suffix.lower() not in XLSX_SUFFIXES:
        console.warn("--annotate 只适用于 .xlsx 工作簿")
        return EXIT_UNREADABLE
    checked = _checked(args.file, read_options(args), args.format == "json", args.previous)
    if checked is None:
        return EXIT_UNREADABLE
    if args.format == "json":
        sys.stdout.write(console.findings_json(checked) + "\n")
    else:
        console.print_findings(checked)
    if args.annotate is not None:
        from nianbao.write.annotate import annotate
        target = annotated_path(args.file, args.annotate)
        marked = annotate(args.file, target, checked.findings)
        (console.warn if args.format == "json" else console.say)(
            f"已生成 {target}：{marked} 个单元格加了批注")
    return EXIT_ERRORS if checked.has_errors else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    """Check, then render and write the asked formats (refuses on errors unless --force)."""
    from nianbao.pipeline import build
    from nianbao.render import FORMATS, RenderOptions, template_dir_problem
    from nianbao.render.contract import TemplateContractError
    from nianbao.render.draft import mark_text as draft_text

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        console.warn(f"不支持的输出格式：{'、'.join(bad) or '（空）'}；可选 html、pdf、docx")
        return EXIT_UNREADABLE
    if args.templates is not None and (problem := template_dir_problem(args.templates)):
        console.warn(problem)
        return EXIT_UNREADABLE
    checked = _checked(args.file, read_options(args), previous=args.previous)
    if checked is None:
        return EXIT_UNREADABLE
    if checked.findings:
        console.print_findings(checked)
    if checked.has_errors and not args.force:
        console.warn(f"报告有 {checked.summary['errors']} 个错误，未生成任何文件。"
                     "请按上面的提示修正数据；确需生成草稿请加 --force")
        return EXIT_ERRORS
    # a report built with errors (--force) is a draft: marked as one on every page
    options = RenderOptions(template_dirs=(args.templates,) if args.templates else (),
                            reference_docx=args.reference_docx,
                            draft_errors=checked.summary["errors"])
    try:
        written = build(checked.validated, formats, args.output, options)
    except TemplateContractError as err:  # a template dropped a statutory part
        console.print_problems(err, "错误")
        return EXIT_ERRORS
    except NianbaoError as err:
        console.print_problems(err, "无法生成")
        return EXIT_UNREADABLE
    for path in written:
        console.say(f"已生成 {path}")
    if checked.has_errors:
        console.warn(f"以上文件是草稿：每页标有“{draft_text(checked.summary['errors'])}”，"
                     "修正错误后重新生成才能发布")
    return EXIT_ERRORS if checked.has_errors else EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert between .xlsx and .yaml without losing anything the schema holds."""
    from nianbao.pipeline import read

    if _data_suffix(args.source, published=True) is None or _data_suffix(args.target) is None:
        return EXIT_UNREADABLE
    if args.source.resolve() == args.target.resolve():
        console.warn("源文件和目标文件相同：请另给一个目标文件名")
        return EXIT_UNREADABLE
    if _refuse_overwrite(args.target, args.force):
        return EXIT_UNREADABLE
    try:
        validated = read(args.source, read_options(args))
    except NianbaoError as err:
        console.print_problems(err)
        return EXIT_UNREADABLE
    write_data_file(args.target, validated.edition, validated.report.model_dump(mode="python"))
    console.say(f"已生成 {args.target}")
    return EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    """`templates export DIR`: copy the built-in templates with a Chinese README."""
    from nianbao.cli.template_export import export

    if args.dir.exists() and not args.dir.is_dir():
        console.warn(f"{args.dir} 是一个文件，不是目录：请给出要导出到的目录名")
        return EXIT_UNREADABLE
    try:
        written = export(args.dir, args.force)
    except FileExistsError as exc:
        console.warn(f"{exc} 已存在：为免覆盖本机关改过的模板，未导出（确需覆盖请加 --force）")
        return EXIT_UNREADABLE
    console.say(f"已导出 {len(written)} 个文件到 {args.dir}：说明见 {args.dir / 'README.md'}；"
                f"生成时加 --templates {args.dir}")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    """List the rules (all, or those of one edition)."""
    from nianbao.checks import rules_for

    console.print_rules(rules_for(args.edition), args.format == "json")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview reports in a browser, live; runs until Ctrl-C (generator.serve)."""
    from nianbao.render import template_dir_problem
    from nianbao.serve import ServeOptions, serve

    if args.templates is not None and (problem := template_dir_problem(args.templates)):
        console.warn(problem)
        return EXIT_UNREADABLE
    options = ServeOptions(ReadOptions(blank_as_zero=args.blank_as_zero),
                           (args.templates,) if args.templates else ())
    return serve(args.path, args.host, args.port, args.open, options, args.token)


def cmd_batch(args: argparse.Namespace) -> int:
    """Check and render a folder (or manifest) of many agencies' reports (generator.batch)."""
    from nianbao.batch.batch_command import batch_command

    return batch_command(args)


def cmd_aggregate(args: argparse.Namespace) -> int:
    """Sum tables 二/三/四 over a year's agencies and check the sum (generator.batch)."""
    from nianbao.batch.batch_command import aggregate_command

    return aggregate_command(args)


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of an edition's input file."""
    from nianbao import schemas

    sys.stdout.write(schemas.json_schema(schemas.EDITIONS[args.edition]))
    return EXIT_OK
