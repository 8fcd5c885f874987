"""`check --annotate`: a copy of the clerk's workbook with every finding on its cells.

Each cell involved in a finding gets a comment with the message(s) and a fill colour
(errors red, warnings yellow, infos blue), so the clerk fixes figures where they typed them.
The original workbook is never touched; the copy is written atomically.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from nianbao.checks import Finding
from nianbao.checks.engine import SEVERITIES, SEVERITY_ZH
from nianbao.provenance import Source
from nianbao.write.atomic import write_atomic

FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}  # Excel's own good/bad tints
ROOT_FILL = "FF7C80"  # darker red: the one typed figure behind several findings (roots.py)
AUTHOR = "nianbao"


def _cell_sources(finding: Finding) -> list[Source]:
    sources = [c.source for c in finding.cells if c.source is not None]
    if finding.where is not None:
        sources.append(finding.where)
    return [s for s in sources if s.sheet is not None and s.cell]


def marks(findings: list[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """Findings grouped by the (sheet, cell) they concern, most severe first."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        for src in dict.fromkeys(_cell_sources(f)):
            by_cell[(src.sheet or "", src.cell or "")].append(f)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return {k: sorted(v, key=lambda f: order[f.severity]) for k, v in by_cell.items()}


def _anchor(ws, address: str):
    """The writable cell at an address: the top-left cell when it lies in a merged range."""
    for rng in ws.merged_cells.ranges:
        if address in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return ws[address]


def annotated_bytes(src: Path, findings: list[Finding]) -> tuple[bytes, int]:
    """The annotated copy of the workbook at `src` as bytes (the same workbook and findings
    always give the same bytes: no clock in them), and the number of cells marked."""
    from nianbao.write.workbook import stable_bytes
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb = load_workbook(src)
    grouped = marks(findings)
    for (sheet, address), found in grouped.items():
        if sheet not in wb.sheetnames:
            continue
        cell = _anchor(wb[sheet], address)
        text = "\n".join(f"{SEVERITY_ZH[f.severity]} {f.rule}：{f.cell_message or f.message}"
                         for f in found)
        rooted = [f for f in found if f.root is not None and f.root.source is not None
                  and (f.root.source.sheet, f.root.source.cell) == (sheet, address)]
        if rooted:
            text = (f"很可能是这一格填错了：下面{len(rooted)}项检查都因它不通过，"
                    f"改正这一格即可\n{text}")
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(found), 400)
        cell.comment = comment
        colour = ROOT_FILL if rooted else FILLS[found[0].severity]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
    return stable_bytes(wb), len(grouped)


def annotate(src: Path, dest: Path, findings: list[Finding]) -> int:
    """Write the annotated copy of `src` to `dest`; returns the number of cells marked."""
    data, marked = annotated_bytes(src, findings)
    write_atomic(dest, data)
    return marked
