"""Cross-year rules: this year's report against last year's (rules.md XYEAR-*).

Both reports may be in different editions (2020 → 2021 across the edition change): the rules
compare the cells the two layouts share by model path, which is why table 三 and 四 keep the
same keys in every edition.
"""

from __future__ import annotations

from collections.abc import Iterator

from nianbao.checks.engine import CellRef, Context, Finding, Path, rule, value_at
from nianbao.schemas.features import STATUTORY_TABLES, TABLE2_STOCK, TABLE3_OUTCOMES
from nianbao.validate import Validated

JUMP_FACTOR = 5      # rules.md: more than ×5 or below ×0.2 …
JUMP_FLOOR = 10      # … when both years are at least 10


def _paths(ctx: Context, table_id: str) -> set[Path]:
    """Value paths of a table in both years' editions (empty when either lacks it)."""
    prev = ctx.previous
    if prev is None:
        return set()
    have = [{s.path for s in e.slots if s.table == table_id}
            for e in (ctx.checked.edition, prev.edition)]
    return have[0] & have[1]


def _last(ctx: Context) -> Validated:
    """Last year's report: every rule here is registered with needs_previous=True, which the
    engine (run_checks) runs only when last year's report is given."""
    assert ctx.previous is not None, "needs_previous rules run only with last year's report"
    return ctx.previous


def _prev(ctx: Context, path: Path) -> CellRef:
    return ctx.cell(path, of=ctx.previous)


def _two(ctx: Context, this: CellRef, last: CellRef) -> str:
    year = ctx.report.year
    return (f"{year}年{this.words()}为{this.value}（{this.source}），"
            f"{_last(ctx).report.year}年{last.words()}为{last.value}（{last.source}）")


@rule("XYEAR-CARRY", "warning", "“上年结转”的含义；机构改革、合并等情况可有例外",
      "表三每一列：本年“二、上年结转”＝上一年“四、结转下年度继续办理”", needs=(TABLE3_OUTCOMES,),
      needs_previous=True)
def xyear_carry(ctx: Context) -> Iterator[Finding]:
    shared = _paths(ctx, "三")
    for path in sorted(p for p in shared if p[1] == "carry_in"):
        last_path = ("table3", "carry_out", path[2])
        if last_path not in shared:
            continue
        this, last = ctx.cell(path), _prev(ctx, last_path)
        if this.value is None or last.value is None or this.value == last.value:
            continue
        yield Finding("XYEAR-CARRY", "warning",
                      f"上年结转与上一年度的结转下年度不一致：{_two(ctx, this, last)}。"
                      "如因机构改革、合并等原因确有差异，请在正文中说明",
                      [this, last], expected=last.value, actual=this.value)


@rule("XYEAR-STOCK", "warning", "经验规则：现行有效件数＝上年现行有效＋本年制发－本年废止（制发可能含修订）",
      "表二：本年现行有效件数＝上一年现行有效件数＋本年制发件数－本年废止件数",
      needs=(TABLE2_STOCK,), needs_previous=True)
def xyear_stock(ctx: Context) -> Iterator[Finding]:
    shared = _paths(ctx, "二")
    for row in ("regulations", "normative_documents"):
        paths = [("table2", row, c) for c in ("in_force", "issued", "repealed")]
        if paths[0] not in shared:
            continue
        now, issued, repealed = (ctx.value(p) for p in paths)
        before = value_at(_last(ctx).report, paths[0])
        if None in (now, issued, repealed, before) or now == before + issued - repealed:
            continue
        cells = [ctx.cell(p) for p in paths] + [_prev(ctx, paths[0])]
        expected = before + issued - repealed
        yield Finding("XYEAR-STOCK", "warning",
                      f"表二“{cells[0].row}”现行有效件数为{now}，但上一年{before}件加本年制发"
                      f"{issued}件减本年废止{repealed}件应为{expected}件，请核实",
                      cells, expected=expected, actual=now)


@rule("XYEAR-SAME", "warning", "已通报的案例：某局连续三年使用同一套数据",
      "各表数字与上一年度完全相同（可能照抄了上年报告）", needs=(STATUTORY_TABLES,),
      needs_previous=True)
def xyear_same(ctx: Context) -> Iterator[Finding]:
    shared = sorted(set().union(*(_paths(ctx, t) for t in ("二", "三", "四"))))
    this = {p: ctx.value(p) for p in shared}
    last = {p: value_at(_last(ctx).report, p) for p in shared}
    nonzero = [p for p in shared if this[p] or last[p]]
    if nonzero and all(this[p] == last[p] for p in nonzero):
        yield Finding("XYEAR-SAME", "warning",
                      f"表格中{len(nonzero)}个非零数字与{_last(ctx).report.year}年度报告"
                      f"（{_last(ctx).file}）完全相同：请核实是否照抄了上年数据",
                      [ctx.cell(p) for p in nonzero[:10]])


def _jump_paths(shared: set[Path]) -> list[Path]:
    """The totals worth comparing: requests received and handled, decisions of 表二."""
    wanted = [("table3", "new", "total"), ("table3", "total", "total"),
              ("table2", "licensing", "decisions"), ("table2", "penalty", "decisions")]
    return [p for p in wanted if p in shared]


@rule("XYEAR-JUMP", "info", "评估实践：同比变化超过5倍或不足五分之一（两年均不少于10）",
      "合计数同比变化超过5倍或降到五分之一以下，请核实", needs=(STATUTORY_TABLES,),
      needs_previous=True)
def xyear_jump(ctx: Context) -> Iterator[Finding]:
    shared = _paths(ctx, "二") | _paths(ctx, "三")
    for path in _jump_paths(shared):
        this, last = ctx.cell(path), _prev(ctx, path)
        a, b = this.value, last.value
        if a is None or b is None or a < JUMP_FLOOR or b < JUMP_FLOOR:
            continue
        if a > b * JUMP_FACTOR or a * JUMP_FACTOR < b:
            yield Finding("XYEAR-JUMP", "info",
                          f"同比变化很大：{_two(ctx, this, last)}，请核实数字是否有误",
                          [this, last], expected=b, actual=a)
