"""What a preview worker process does: check and render one report file, bytes in, values out.

The server never reads a report in its own process: a file may be slow or huge to check
(a number with a billion digits, a pathological workbook), and while the server's threads
did that work every page stalled.  A job carries the file's bytes (read once by the server,
so what is built is exactly what was hashed) and returns plain values; the pipeline's
objects stay in the worker (they are not picklable, and need not be).  A download job
carries the same bytes again and reads them anew: a few milliseconds beside a PDF.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError, Problem
from nianbao.pipeline import ReadOptions

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


@dataclass(frozen=True)
class Source:
    """A report file travelling to a worker: how pages name it, its extension, its bytes."""

    label: str
    suffix: str
    data: bytes


@dataclass(frozen=True)
class Built:
    """The preview of a report: its HTML and what the page and the index show of it."""

    html: bytes
    findings: list[dict[str, Any]]
    summary: dict[str, int]
    agency: str
    year: int
    edition: str
    title: str
    stem: str  # the downloads' file name, as `build` names its outputs


def cell_flags(findings: list[Any]) -> dict[str, str]:
    """{cell key: worst severity} for the preview's marks (error over warning over info)."""
    from nianbao.provenance import key_path

    flags: dict[str, str] = {}
    for f in findings:
        for c in f.cells:
            key = key_path(c.path)
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK.get(flags.get(key, ""), 0):
                flags[key] = f.severity
    return flags


def finding_view(f: Any, relabel: Any) -> dict[str, Any]:
    """One finding for the panel: the JSON of `check --format json` plus the cell keys."""
    from nianbao.checks.engine import SEVERITY_ZH
    from nianbao.provenance import key_path

    out = f.as_json()
    out["message"] = relabel(f.message)
    out["severity_zh"] = SEVERITY_ZH[f.severity]
    out["keys"] = [key_path(c.path) for c in f.cells]
    out["where"] = relabel(str(f.where)) if f.where is not None else None
    out.pop("source", None)  # `where` says it in words, without the server's paths
    out["cells"] = [{"key": key_path(c.path), "words": c.words(),
                     "value": out["cells"][i]["value"],
                     "source": relabel(str(c.source)) if c.source else None}
                    for i, c in enumerate(f.cells)]
    return out


def _relabel(problems: list[Problem], folder: str, label: str) -> list[Problem]:
    """Messages name the file as the page does, never the worker's temporary copy."""
    def fix(text: str) -> str:
        return text.replace(folder + "/input", label).replace(folder, label)
    return [Problem(fix(p.where), fix(p.message)) for p in problems]


def _read(source: Source, options: ReadOptions, run: Any) -> Any:
    """Read a shipped input through the pipeline (the readers want a file: a temporary
    copy with the same extension, named in every message by its label), then ``run`` on
    the validated report while the copy exists."""
    from nianbao import pipeline

    with tempfile.TemporaryDirectory(prefix="nianbao-serve-") as folder:
        path = Path(folder) / f"input{source.suffix}"
        path.write_bytes(source.data)
        try:
            return run(pipeline.read(path, options, name=source.label), folder)
        except NianbaoError as err:
            raise NianbaoError(_relabel(err.problems, folder, source.label)) from None


@dataclass(frozen=True)
class PreviewJob:
    """Check a report and render its preview HTML (the cells marked by their findings)."""

    source: Source
    read: ReadOptions
    template_dirs: tuple[Path, ...]

    def run(self) -> Built:
        return _read(self.source, self.read, self._build)

    def _build(self, validated: Any, folder: str) -> Built:
        from nianbao.checks import run_checks
        from nianbao.compose.report import compose
        from nianbao.pipeline import Checked, output_stem
        from nianbao.render import RenderOptions, render

        checked = Checked(validated, run_checks(validated))
        # a report with errors is previewed as the draft its downloads are (marked)
        options = RenderOptions(template_dirs=self.template_dirs, preview=True,
                                draft_errors=checked.summary["errors"],
                                extra={"cell_flags": cell_flags(checked.findings)})
        html = render(compose(validated), "html", options)
        label = self.source.label

        def relabel(text: str) -> str:
            return text.replace(folder + "/input", label).replace(folder, label)

        report = validated.report
        return Built(html, [finding_view(f, relabel) for f in checked.findings],
                     checked.summary, report.agency.name, report.year, validated.edition.id,
                     report.title, output_stem(validated))


@dataclass(frozen=True)
class DownloadJob:
    """Render the DOCX or PDF of a report: the bytes `nianbao build` writes (`--force` for a
    report with errors: ``draft_errors``, the error findings its preview counted, marks the
    draft on every page)."""

    source: Source
    read: ReadOptions
    template_dirs: tuple[Path, ...]
    fmt: str
    draft_errors: int = 0

    def run(self) -> bytes:
        return _read(self.source, self.read, self._render)

    def _render(self, validated: Any, folder: str) -> bytes:
        from nianbao.pipeline import render_all
        from nianbao.render import RenderOptions

        options = RenderOptions(template_dirs=self.template_dirs, draft_errors=self.draft_errors)
        return render_all(validated, [self.fmt], options)[self.fmt]


def warm() -> None:
    """Check and render a blank report once, so a worker's first preview is as fast as the
    next (imports, Jinja environments, validators and the renderer's caches filled: the
    first live reload after start took twice as long without it).  Warm-up only: whatever
    goes wrong here shows again, properly reported, in the first job that meets it."""
    from datetime import date

    from nianbao.write.yaml_template import yaml_template

    # the clock only picks the edition to warm; no output depends on it
    text = yaml_template(date.today().year - 1, "示例机关")
    job = PreviewJob(Source("warm.yaml", ".yaml", text.encode("utf-8")),
                     ReadOptions(blank_as_zero=True), ())
    try:
        job.run()
    except Exception:  # noqa: BLE001,S110
        pass
