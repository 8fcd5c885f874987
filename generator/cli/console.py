"""Printing findings, problems and rules for people (rich) and for scripts (JSON)."""

from __future__ import annotations

import json
import sys
from typing import Any

from nianbao.checks import Finding, Rule
from nianbao.checks.engine import SEVERITY_ZH
from nianbao.errors import NianbaoError
from nianbao.pipeline import Checked
from nianbao.provenance import span

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_findings(checked: Checked) -> None:
    """Human output of `nianbao check`: one block per finding, then the totals."""
    out = _console()
    v = checked.validated
    out.print(f"[bold]{_plain(v.file)}[/]  {_plain(v.report.title)}（{v.edition.id}年格式）")
    roots: dict[str, int] = {}
    for f in checked.findings:
        if f.root is not None:
            roots[f.root.words()] = roots.get(f.root.words(), 0) + 1
    for f in checked.findings:
        _print_finding(out, f)
        if f.root is not None and f.root.words() in roots:
            n = roots.pop(f.root.words())
            out.print(f"    [bold]▲ 很可能是这一格填错了：{_plain(f.root.line())}；"
                      f"改正它，这里和下面共{n}项检查都会通过[/]")
    if any(f.rule == "BLANK" and f.severity == "error" for f in checked.findings):
        # the option is for the command line only: the findings themselves (shown in the
        # annotated workbook and the preview) say what to do in the clerk's terms (§11)
        out.print("    （如果表格中的空白都表示0，可在命令后加 --blank-as-zero，把空白按0计）")
    s = checked.summary
    head, counts = verdict(s)
    out.print(f"[{'bold red' if s['errors'] else 'green'}]{head}[/]：{counts}")


def verdict(summary: dict[str, int]) -> tuple[str, str]:
    """(“有错误，不能发布” or “未发现错误”, “2 个错误，1 个警告，0 个提示”)."""
    head = "有错误，不能发布" if summary["errors"] else "未发现错误"
    return head, (f"{summary['errors']} 个错误，{summary['warnings']} 个警告，"
                  f"{summary['infos']} 个提示")


MANY_CELLS = 12  # more cells than a sum's terms: one line, the cells as one span


def _print_finding(out: Any, f: Finding) -> None:
    head = f"[{_STYLE[f.severity]}]{SEVERITY_ZH[f.severity]} {f.rule}[/] {_plain(f.message)}"
    located = [c.source for c in f.cells if c.source is not None]
    if (f.cell_message is not None or len(f.cells) > MANY_CELLS) and located:
        # issue 19 §6: 175 blank cells are one line here; each is listed in the JSON and
        # marked in the annotated copy
        out.print(f"{head}（{_plain(span(located))}，共{len(f.cells)}格）")
        return
    out.print(head)
    if f.where is not None:
        out.print(f"    位置：{_plain(str(f.where))}")
    for c in f.cells:
        out.print(f"    · {_plain(c.line())}")


def findings_json(checked: Checked) -> str:
    """The JSON object of `nianbao check --format json` (field names are a contract)."""
    v = checked.validated
    doc = {"file": v.file, "agency": v.report.agency.name, "year": v.report.year,
           "edition": v.edition.id, "summary": checked.summary,
           "findings": [f.as_json() for f in checked.findings]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def problems_json(file: str, err: NianbaoError) -> str:
    """JSON for a file that could not be read or validated (exit code 2)."""
    doc = {"file": file, "agency": None, "year": None, "edition": None,
           "summary": {"errors": len(err.problems), "warnings": 0, "infos": 0},
           "findings": [], "problems": [{"where": p.where, "message": p.message}
                                        for p in err.problems]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def print_problems(err: NianbaoError, title: str = "无法读取") -> None:
    """Every reason a file could not be read, one per line, on stderr."""
    out = _console(stderr=True)
    for p in err.problems:
        out.print(f"[bold red]{title}[/] {_plain(str(p))}")


def print_rules(rules: list[Rule], as_json: bool = False) -> None:
    """`nianbao rules`: id, severity, editions, basis and the one-line description."""
    if as_json:
        rows = [{"id": r.id, "severity": r.severity, "editions": sorted(r.editions),
                 "basis": r.basis, "title": r.title} for r in rules]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    out = _console()
    for r in rules:
        out.print(f"[bold]{r.id}[/]  [{_STYLE[r.severity]}]{SEVERITY_ZH[r.severity]}[/]  "
                  f"适用格式：{'、'.join(sorted(r.editions))}")
        out.print(f"    {_plain(r.title)}")
        out.print(f"    依据：{_plain(r.basis)}")


def say(text: str, style: str = "") -> None:
    """A one-line message for people."""
    _console().print(f"[{style}]{_plain(text)}[/]" if style else _plain(text))


def warn(text: str) -> None:
    """A one-line message on stderr."""
    _console(stderr=True).print(f"[bold red]{_plain(text)}[/]")
