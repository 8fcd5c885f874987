"""Rules over the 表二 of 国办公开办函〔2019〕60号 (feature TABLE2_ITEMS): its own columns
(schemas/statute/rules.md T2-2019)."""

from __future__ import annotations

from collections.abc import Iterator

from nianbao.checks.engine import Context, Finding, rule
from nianbao.schemas.features import TABLE2_ITEMS

DOC_ROWS = ("regulations", "normative_documents")  # 规章, 规范性文件


@rule("T2-2019", "warning", "栏目含义：本年新公开的来自本年新制作的；对外公开总数量包含本年新公开的",
      "表二第二十条第（一）项：本年新公开数量≤本年新制作数量；对外公开总数量≥本年新公开数量", needs=(TABLE2_ITEMS,))
def t2_2019(ctx: Context) -> Iterator[Finding]:
    for row in DOC_ROWS:
        made, public, total = (("table2", row, c)
                               for c in ("new_made", "new_public", "total_public"))
        v_made, v_public, v_total = (ctx.value(p) for p in (made, public, total))
        if v_public is None:
            continue  # blanks are the BLANK rule's business
        if v_made is not None and v_public > v_made:
            cells = [ctx.cell(made), ctx.cell(public)]
            yield Finding("T2-2019", "warning",
                          f"表二“{cells[0].row}”：本年新公开数量{v_public}多于本年新制作数量"
                          f"{v_made}，请核实（本年新公开的应是本年新制作的一部分）",
                          cells, expected=f"≤ {v_made}", actual=v_public)
        if v_total is not None and v_total < v_public:
            cells = [ctx.cell(public), ctx.cell(total)]
            yield Finding("T2-2019", "warning",
                          f"表二“{cells[0].row}”：对外公开总数量{v_total}少于本年新公开数量"
                          f"{v_public}，请核实（对外公开总数量应包含本年新公开的）",
                          cells, expected=f"≥ {v_public}", actual=v_total)
