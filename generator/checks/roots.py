"""The one typed figure behind several broken sums (issue 19 §7).

A clerk who mistypes one figure breaks every sum it stands in: a wrong 总计 of a row breaks
that row (T3-ROWSUM), the column of 总计 (T3-OUTCOMES) and the column's balance
(T3-BALANCE).  Reading three findings, the clerk cannot tell which cell to fix.  Each sum
rule gives its equation (path → coefficient, Σ coefficient × value = 0 when it holds); a
cell is a *root* when it stands in two or more broken equations and one change of that
cell alone (the same amount for each) would mend them all.  Findings a root explains come
first, the row's own sum before the column relations it breaks in turn, and carry the
root's cell (JSON ``root``; the annotated copy marks it darker).

Only broken equations are known here (a rule yields nothing for a sum that holds), so a
root is a likely cause, never a certainty: the messages say “很可能”.
"""

from __future__ import annotations

from fractions import Fraction

from nianbao.checks.engine import Context, Finding, Path

# a root's findings, most specific first: its row's sum, then its column's, then balances
_SCOPE = {"T3-ROWSUM": 0, "T4-SUM": 0, "T3-OUTCOMES": 1, "T3-BALANCE": 2}


def root_first(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """The findings reordered: each root's findings (marked with it) first, then the rest
    in their rule order."""
    broken = [f for f in findings if f.terms and f.severity == "error"]
    residual = {id(f): _residual(ctx, f) for f in broken}
    explained: set[int] = set()
    groups: list[list[Finding]] = []
    for path, group in _candidates(broken, residual):
        group = [f for f in group if id(f) not in explained]
        if len(group) < 2:
            continue
        root = ctx.cell(path)
        for f in group:
            f.root = root
            explained.add(id(f))
        groups.append(sorted(group, key=lambda f: _SCOPE.get(f.rule, 3)))
    first = [f for group in groups for f in group]
    return first + [f for f in findings if id(f) not in explained]


def _residual(ctx: Context, f: Finding) -> Fraction:
    return sum((Fraction(c) * Fraction(ctx.value(p) or 0) for p, c in f.terms.items()),
               Fraction(0))


def _candidates(broken: list[Finding], residual: dict[int, Fraction]
                ) -> list[tuple[Path, list[Finding]]]:
    """Cells whose one change mends two or more broken equations, those explaining the most
    first (then in the order the cells were met)."""
    by_cell: dict[Path, list[Finding]] = {}
    for f in broken:
        for path in f.terms:
            by_cell.setdefault(path, []).append(f)
    found = []
    for path, group in by_cell.items():
        if len(group) < 2:
            continue
        changes = {-residual[id(f)] / f.terms[path] for f in group}
        if len(changes) == 1:
            found.append((path, group))
    return sorted(found, key=lambda item: -len(item[1]))
