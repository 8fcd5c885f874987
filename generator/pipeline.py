"""The pipeline as a library: load → validate → check → compose → render → write.

The CLI, batch and serve are drivers of these functions, not second implementations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nianbao.checks import Finding, run_checks
from nianbao.checks.engine import summary
from nianbao.errors import LoadError, Problem
from nianbao.load import load
from nianbao.validate import Validated, validate
from nianbao.write.atomic import safe_name, write_atomic


@dataclass
class Checked:
    """A validated report and its findings."""

    validated: Validated
    findings: list[Finding] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        """Counts of errors, warnings and infos."""
        return summary(self.findings)

    @property
    def has_errors(self) -> bool:
        """True when any finding is an error."""
        return self.summary["errors"] > 0


@dataclass(frozen=True)
class ReadOptions:
    """How to read an input: --edition, --blank-as-zero, --agency, --year."""

    edition: str | None = None
    blank_as_zero: bool = False
    agency: str | None = None
    year: int | None = None


def read(path: str | Path, options: ReadOptions = ReadOptions(),
         name: str | None = None) -> Validated:
    """Load and validate one input file (raises NianbaoError when unreadable).

    name: how messages name the file, when not by its path (see generator.load.load)."""
    raw = load(path, options.agency, options.year, name)
    return validate(raw, options.edition, options.blank_as_zero)


def check_file(path: str | Path, options: ReadOptions = ReadOptions(),
               previous: str | Path | None = None) -> Checked:
    """Load, validate and check one input file (raises NianbaoError when unreadable).

    previous: last year's report (any format or edition) for the XYEAR rules; it is read
    with the same options but its own agency and year.
    """
    validated = read(path, options)
    last = None
    if previous is not None:
        last = read(previous, ReadOptions(blank_as_zero=options.blank_as_zero))
        _check_previous_year(validated, last)
    return Checked(validated, run_checks(validated, last))


def _check_previous_year(this: Validated, last: Validated) -> None:
    """--previous must be the year before: comparing other years would mislead."""
    if last.report.year != this.report.year - 1:
        raise LoadError([Problem(last.file, f"--previous 应为{this.report.year - 1}年度的报告，"
                                            f"但该文件是{last.report.year}年度的")])


def output_stem(validated: Validated) -> str:
    """（机关名称）YYYY年政府信息公开工作年度报告, made safe as a file name."""
    return safe_name(validated.report.title)


def render_all(validated: Validated, formats: list[str], options=None) -> dict[str, bytes]:
    """Render every asked format in memory (nothing is written if one fails)."""
    from nianbao.compose.report import compose
    from nianbao.render import html_render, render

    doc = compose(validated)
    with html_render.same_page():
        return {fmt: render(doc, fmt, options) for fmt in formats}


def build(validated: Validated, formats: list[str], outdir: Path, options=None) -> list[Path]:
    """Render and write the outputs atomically; returns the written paths."""
    rendered = render_all(validated, formats, options)
    stem = output_stem(validated)
    written = []
    for fmt, data in rendered.items():
        path = outdir / f"{stem}.{fmt}"
        write_atomic(path, data)
        written.append(path)
    return written
