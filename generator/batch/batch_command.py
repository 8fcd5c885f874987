"""`nianbao batch` and `nianbao aggregate`: parsed options → the batch library → exit code."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from nianbao.batch.discover import Entry, accepted_suffixes, discover, read_manifest, report_years
from nianbao.cli import console
from nianbao.errors import NianbaoError

if TYPE_CHECKING:
    from nianbao.batch.roster import Roster

EXIT_UNREADABLE = 2
MAX_LISTED = 30  # problem rows printed at the end; the rest are in summary.html


def _entries(args: argparse.Namespace, exclude: tuple[Path, ...] = ()) -> list[Entry] | None:
    """The inputs named by DIR or --manifest (None, after saying why, when unusable)."""
    if (args.dir is None) == (args.manifest is None):
        console.warn("请给出输入目录，或用 --manifest 给出清单（二者选一）")
        return None
    try:
        if args.manifest is not None:
            return read_manifest(args.manifest)
        if not args.dir.is_dir():
            console.warn(_not_a_folder(args.dir))
            return None
        return discover(args.dir, exclude, published=bool(getattr(args, "check_only", False)))
    except NianbaoError as err:
        console.print_problems(err, "清单有误")
        return None


def _not_a_folder(path: Path) -> str:
    """What to do when DIR is not a folder: a manifest goes after --manifest, one report to
    ``nianbao build``."""
    if not path.exists():
        return f"{path} 不存在：请给出存放各单位数据文件的目录"
    if path.suffix.lower() == ".csv":
        return f"{path} 是文件，不是目录：清单请这样给出：nianbao batch --manifest {path} -o 输出目录"
    return (f"{path} 是文件，不是目录：请给出存放数据文件的目录；若它是清单，"
            f"请用 --manifest {path}；一份报告请用 nianbao build {path}")


def _with_templates(entries: list[Entry], common: Path | None) -> list[Entry]:
    """Add the common --templates folder after each report's own; say which ``templates/``
    folders of the tree hold no template (they would change nothing, silently)."""
    from dataclasses import replace

    from nianbao.render import REFERENCE_DOCX, template_dir_problem

    empty = sorted({str(d) for e in entries for d in e.templates if template_dir_problem(d)})
    for folder in empty:
        console.warn(f"{folder} 中没有模板文件（.html、.css 或 {REFERENCE_DOCX}），"
                     "其下的报告按上一级或内置模板生成")
    if common is None:
        return entries
    return [replace(e, templates=(*e.templates, common)) for e in entries]


def _formats(text: str) -> tuple[str, ...] | None:
    from nianbao.render import FORMATS

    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        console.warn(f"不支持的输出格式：{'、'.join(bad) or '（空）'}；可选 html、pdf、docx")
        return None
    return formats


def batch_command(args: argparse.Namespace) -> int:
    """Check and render every input of a folder or manifest into OUT, with a summary."""
    from nianbao.batch.driver import BatchOptions, page_template_problems, run_batch
    from nianbao.batch.executors import SchedulerError, default_jobs, executor_for
    from nianbao.render import template_dir_problem
    from nianbao.write.atomic import ensure_dir

    # --check-only: no renderer is loaded or run; findings and the summary only
    formats = () if args.check_only else _formats(args.format)
    problem = template_dir_problem(args.templates) if args.templates is not None else None
    if problem:
        console.warn(problem)
        return EXIT_UNREADABLE
    # the summary and 问题清单 pages' templates (the office's folder may restyle them, even
    # for --check-only): a broken one is said before any report runs
    if broken := page_template_problems(args.templates):
        console.print_problems(NianbaoError(broken), "无法生成")
        return EXIT_UNREADABLE
    roster = _roster(args)   # --roster: read first; a roster that cannot be read stops here
    if roster is False:
        return EXIT_UNREADABLE
    entries = _entries(args, (args.output,)) if formats is not None else None
    if entries:
        entries = _with_templates(entries, None if args.check_only else args.templates)
    if entries:
        ensure_dir(args.output)   # before any worker starts (WriteError: said by the CLI)
    if formats is None or entries is None:
        return EXIT_UNREADABLE
    if not entries:
        accepted = "、".join(accepted_suffixes(bool(args.check_only)))
        console.warn(f"{args.dir or args.manifest} 中没有找到可处理的文件（扩展名为 {accepted}）")
        return EXIT_UNREADABLE
    # --force renders the reports with errors (as drafts); --rebuild ignores the cache
    options = BatchOptions(formats, args.force, args.blank_as_zero,
                           rebuild=bool(getattr(args, "rebuild", False)),
                           annotate=bool(getattr(args, "annotate", False)),
                           roster=roster, as_of=getattr(args, "as_of", None),
                           templates=args.templates)
    try:
        years = report_years(entries)
        with executor_for(args.jobs or default_jobs(), args.scheduler, formats, years) as ex:
            result = run_batch(entries, ex, args.output, options, progress=True)
    except SchedulerError as exc:
        console.warn(str(exc))
        return EXIT_UNREADABLE
    _report(result, args.output, checking=options.check_only)
    if result.page_problems:   # the reports are written; a page of the batch is not
        console.print_problems(NianbaoError(result.page_problems), "无法生成")
        console.warn("汇总页或问题清单页未能按模板生成（summary.json、summary.xlsx 和各份报告已写出）；"
                     "改正模板后重新运行即可")
    if roster is not None:   # a missing agency is said, and leaves the exit code alone
        from nianbao.batch.roster import check_rows

        line = check_rows(roster, result.rows, options.as_of)
        (console.warn if line["missing"] else console.say)(line["headline"])
    return result.exit_code


def _roster(args: argparse.Namespace) -> Roster | None | Literal[False]:
    """The --roster (None without one); False after saying why it cannot be read."""
    from nianbao.batch.roster import read_roster

    if getattr(args, "roster", None) is None:
        if getattr(args, "as_of", None) is not None:
            console.warn("--as-of 只在给出 --roster（机关名单）时使用，本次忽略")
        return None
    try:
        roster = read_roster(args.roster)
    except NianbaoError as err:
        console.print_problems(err, "名单无法使用")
        return False
    for note in roster.notes:
        console.say(note)
    return roster


def _report(result, out: Path, checking: bool = False) -> None:
    from nianbao.batch.summary import totals

    bad = [r for r in result.rows if r["errors"] or r["state"] != "built"]
    for r in bad[:MAX_LISTED]:
        count = f"（错误 {r['errors']} 个）" if r["errors"] else ""
        first = f"：{r['first_error']}" if r.get("first_error") else ""
        console.warn(f"{r['file']}：{r['status']}{count}{first}")
    if len(bad) > MAX_LISTED:
        console.warn(f"……另有 {len(bad) - MAX_LISTED} 份有问题，见 {out / 'summary.html'}")
    t = totals(result.rows)
    done = (f"无错误 {t['reports'] - t['with_errors']} 份，有错误或无法读取 {t['with_errors']} 份"
            if checking else
            f"已生成 {t['built']} 份，有错误或未生成 {t['with_errors']} 份")
    console.say(f"共 {t['reports']} 份：{done}（其中无法读取 {t['unreadable']} 份），"
                f"未变化跳过 {t['skipped']} 份。汇总见 {out / 'summary.html'}")
    if result.vanished:
        files = sum(len(v["outputs"]) for v in result.vanished)
        console.warn(f"输出目录中有 {files} 个文件来自本次输入中已没有的 {len(result.vanished)} 份报告"
                     f"（如 {result.vanished[0]['file']}），未删除；不再需要请删除，清单见 "
                     f"{out / 'summary.html'}")
    if result.interrupted:
        console.warn(f"已中断：已完成的报告已写出，{result.not_run} 份未处理；"
                     "未写出任何不完整的文件。再次运行会从中断处继续")


def aggregate_command(args: argparse.Namespace) -> int:
    """Sum tables 二/三/四 over the year's reports; write 汇总.xlsx (or, ``-o 汇总.yaml``, the
    summed report's input file); list who is missing."""
    from nianbao.batch.aggregate import INCLUDED, aggregate, aggregate_xlsx
    from nianbao.pipeline import ReadOptions
    from nianbao.write.atomic import write_atomic

    as_yaml = args.output.suffix.lower() in (".yaml", ".yml")
    agency = (getattr(args, "agency", None) or "").strip()
    if as_yaml and not agency:
        console.warn("写汇总报告的数据文件（.yaml）时请用 --agency 给出机关名称，"
                     "如 --agency 某某区人民政府办公室")
        return EXIT_UNREADABLE
    roster = _roster(args)
    if roster is False:
        return EXIT_UNREADABLE
    entries = _entries(args)
    if entries is None:
        return EXIT_UNREADABLE
    agg = aggregate(entries, args.year, ReadOptions(blank_as_zero=args.blank_as_zero), roster)
    for m in agg.members:
        if m.state != INCLUDED:
            console.warn(f"{m.file}（{m.agency or '机关未知'}）：{m.state}"
                         + (f"：{m.message}" if m.message else ""))
    for folder in agg.missing:
        console.warn(f"{folder}：缺少{args.year}年度报告")
    for note in agg.notes:
        console.say(note)
    if agg.checked is None:
        console.warn(f"没有可汇总的{args.year}年度报告")
        return EXIT_UNREADABLE
    console.print_findings(agg.checked)
    if as_yaml:
        from nianbao.batch.aggregate_yaml import aggregate_yaml

        text = aggregate_yaml(agg, agency, args.output)
        write_atomic(args.output, text.encode("utf-8"))
        console.say(f"已生成 {args.output}：{agency}{args.year}年度汇总报告的数据文件"
                    f"（{len(agg.included)} 个机关相加）；正文请撰写后用 nianbao build 生成")
        return agg.exit_code
    write_atomic(args.output, aggregate_xlsx(agg))
    console.say(f"已生成 {args.output}：汇总了 {len(agg.included)} 个机关的{args.year}年度报告")
    return agg.exit_code
