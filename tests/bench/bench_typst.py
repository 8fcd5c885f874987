"""`make bench`: Typst's time for a comparable report, the floor for nianbao's PDF time.

Typst (the ``typst`` package, which bundles the compiler; test extra) lays out each report's
document model — the same title, paragraphs, headings, three statutory tables with their
spans and signature nianbao renders — with ``tests/bench/report.typ``, a template
modelled on ``templates/css/print.css``.  One `typst.Compiler` is reused (its fonts loaded
once, as a warmed nianbao worker has its own), the model goes in as JSON in
``sys.inputs``.  The template lives under tests/: the bench reads examples/ from the
checkout anyway, and Typst is a test-only dependency, so the wheel needs neither.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bench.bench_pdf import EngineTimes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).resolve().parent / "report.typ"


def _cell(c) -> dict:
    return {"text": c.text, "kind": c.kind, "rs": c.rowspan, "cs": c.colspan}


def document_json(doc) -> str:
    """The document model as the Typst template reads it."""
    from nianbao.compose.document import Heading, Para

    def block(b) -> dict:
        if isinstance(b, Heading):
            return {"t": "h", "text": b.text, "level": b.level}
        if isinstance(b, Para):
            return {"t": "p", "text": b.text}
        return {"t": "table", "fr": list(b.col_fractions), "small": b.small_type,
                "header": [[_cell(c) for c in row] for row in b.header],
                "body": [[_cell(c) for c in row] for row in b.body]}

    sig = doc.signature
    return json.dumps({
        "title": doc.title, "preamble": [p.text for p in doc.preamble],
        "sections": [{"heading": s.heading, "blocks": [block(b) for b in s.blocks]}
                     for s in doc.sections],
        "signature": {"name": sig.name, "date": sig.date} if sig else None,
    }, ensure_ascii=False)


def typst_pdf(inputs: list[Path], warmup: int = 2) -> EngineTimes | str:
    """Typst compiling the reports (model → JSON → PDF), one compiler reused; a Chinese
    reason when it cannot run.  Wall and CPU time (Typst lays out on several threads)."""
    try:
        import typst
    except ImportError:
        return "未安装 typst（pip install typst）"
    if not TEMPLATE.is_file():
        return f"{TEMPLATE} 不存在"
    from nianbao.compose.report import compose
    from nianbao.pipeline import read

    data = [document_json(compose(read(path))) for path in inputs]
    compiler = typst.Compiler(str(TEMPLATE), root=str(ROOT))
    for d in data[:warmup]:
        compiler.compile(format="pdf", sys_inputs={"data": d})
    times, cpu = [], 0.0
    for d in data:
        start, start_cpu = time.perf_counter(), time.process_time()
        compiler.compile(format="pdf", sys_inputs={"data": d})
        cpu += time.process_time() - start_cpu
        times.append((time.perf_counter() - start) * 1000)
    return EngineTimes(statistics.median(times), cpu * 1000 / len(data), len(data))


def write_sample(source: Path, target: Path) -> Path:
    """One report through Typst into a file (to look at the comparable layout)."""
    import typst
    from nianbao.compose.report import compose
    from nianbao.pipeline import read

    target.write_bytes(typst.compile(str(TEMPLATE), root=str(ROOT), sys_inputs={
        "data": document_json(compose(read(source)))}))
    return target
