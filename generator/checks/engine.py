"""Rule registry, finding structures and the evaluation engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nianbao import schemas
from nianbao.provenance import Source
from nianbao.schemas.features import FEATURES
from nianbao.validate import Validated

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
Path = tuple[str, ...]


@dataclass(frozen=True)
class CellRef:
    """A table cell named by a finding: official labels, value and where it was typed."""

    table: str
    path: Path
    row: str
    column: str
    value: Any
    source: Source | None

    def as_json(self) -> dict[str, Any]:
        """The JSON form scripts depend on (keys fixed by the issue)."""
        return {"table": self.table, "row": self.row, "column": self.column,
                "value": _jsonable(self.value),
                "source": self.source.as_json() if self.source else None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CellRef:
        """The cell back from its `as_json` form (the batch's findings pages read it)."""
        source = Source(**d["source"]) if d.get("source") else None
        path = tuple(source.key.split(".")) if source and source.key else ()
        return cls(d["table"], path, d["row"], d["column"], d["value"], source)

    def words(self) -> str:
        """表三“一、本年新收…”行“自然人”列."""
        row = f"“{self.row}”行" if self.row else ""
        return f"表{self.table}{row}“{self.column}”列"

    def line(self) -> str:
        """表三“…”行“自然人”列 = 41（年报.yaml 第76行 table3.granted.natural）."""
        value = "空白" if self.value is None else self.value
        where = f"（{self.source}）" if self.source else ""
        return f"{self.words()} = {value}{where}"


@dataclass
class Finding:
    """One rule outcome worth telling the user about."""

    rule: str
    severity: str
    message: str
    cells: list[CellRef] = field(default_factory=list)
    expected: Any = None
    actual: Any = None
    where: Source | None = None  # for findings about text rather than cells
    # what each cell says in the annotated copy when the message speaks of many cells
    # ("表三有175个单元格没有填写…" → "此格没有填写…"); the message otherwise
    cell_message: str | None = None
    # a sum rule's equation, path → coefficient (Σ coefficient × value = 0 when it holds),
    # from which roots.py finds the one typed figure that breaks several rules
    terms: dict[Path, int] = field(default_factory=dict, repr=False, compare=False)
    # that figure's cell, when this finding is one of the rules it breaks (issue 19 §7)
    root: CellRef | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON form scripts depend on (keys fixed by the issue)."""
        out = {"rule": self.rule, "severity": self.severity, "message": self.message,
               "cells": [c.as_json() for c in self.cells],
               "expected": _jsonable(self.expected), "actual": _jsonable(self.actual)}
        if self.where is not None:
            out["source"] = self.where.as_json()
        if self.root is not None:
            out["root"] = self.root.as_json()
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Finding:
        """The finding back from its `as_json` form."""
        where = Source(**d["source"]) if d.get("source") else None
        root = CellRef.from_json(d["root"]) if d.get("root") else None
        return cls(d["rule"], d["severity"], d["message"],
                   [CellRef.from_json(c) for c in d.get("cells") or []],
                   d.get("expected"), d.get("actual"), where, root=root)


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and "." not in str(v) else str(v)
    return v


@dataclass
class Context:
    """What a rule sees: the validated report, its edition, and last year's if given."""

    checked: Validated
    previous: Validated | None = None

    @property
    def zeroed(self) -> tuple[Path, ...]:
        """Blank cells read as 0 because the user asked for it (--blank-as-zero)."""
        return self.checked.zeroed

    @property
    def report(self) -> Any:
        return self.checked.report

    @property
    def group_rows(self) -> dict[Path, Any]:
        """Figures of a group printed as one row (表三 （六）其他处理 without its sub-rows, a
        provincial variant read from a published report): group path + column → value."""
        raw = self.checked.raw
        return raw.group_rows if raw is not None else {}

    def value(self, path: Path) -> Any:
        """The model value at a path (None when blank); a group row's printed figure."""
        if path in self.group_rows:
            return self.group_rows[path]
        return value_at(self.report, path)

    def cell(self, path: Path, of: Validated | None = None) -> CellRef:
        """A CellRef for a table path with its official labels and source."""
        v = of or self.checked
        if of is None and path in self.group_rows:  # labels of the group, its printed cell
            slot = next(s for s in v.edition.slots if s.path[:-2] == path[:-1]
                        and s.path[-1] == path[-1])
            return CellRef(slot.table, path, slot.row_label.rsplit(" / ", 1)[0],
                           slot.column_label, self.group_rows[path], v.sources.find(path))
        slot = v.edition.slot(path)
        return CellRef(slot.table, path, slot.row_label, slot.column_label,
                       value_at(v.report, path), v.sources.find(path))


def value_at(obj: Any, path: Path) -> Any:
    """Follow a model path; a missing step gives None."""
    for key in path:
        obj = getattr(obj, key, None)
        if obj is None:
            return None
    return obj


RuleFunc = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A consistency rule: stable id, severity, basis, Chinese title, needs, formula.

    needs: the features (schemas/features.py) an edition must have for the rule to apply;
    a rule that needs nothing applies to every edition.
    """

    id: str
    severity: str
    basis: str
    title: str
    needs: frozenset[str]
    func: RuleFunc
    needs_previous: bool = False

    def applies_to(self, edition: schemas.Edition) -> bool:
        """True when the edition has every feature the rule needs."""
        return edition.has(*self.needs)

    @property
    def editions(self) -> frozenset[str]:
        """Ids of the registered editions the rule applies to (`nianbao rules` lists them)."""
        return frozenset(e.id for e in schemas.EDITIONS.values() if self.applies_to(e))


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, basis: str, title: str, needs: Iterable[str] = (),
         needs_previous: bool = False) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under its id (ids are stable; see README); it runs on every
    edition whose FEATURES include all of `needs`."""
    def register(func: RuleFunc) -> RuleFunc:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        unknown = sorted(set(needs) - set(FEATURES))
        if unknown:
            raise ValueError(f"rule {id} needs unknown features {unknown}")
        RULES[id] = Rule(id, severity, basis, title, frozenset(needs), func, needs_previous)
        return func
    return register


def unregister(id: str) -> None:
    """Remove a rule (a test's fake edition cleaning up after itself)."""
    RULES.pop(id, None)


def rules_for(edition: str | None = None) -> list[Rule]:
    """Rules that apply to an edition id (all rules when None; none for an unknown id), in
    registry order."""
    if edition is None:
        return list(RULES.values())
    known = schemas.EDITIONS.get(edition)
    return [r for r in RULES.values() if known is not None and r.applies_to(known)]


def run_checks(checked: Validated, previous: Validated | None = None) -> list[Finding]:
    """Evaluate every applicable rule; findings come sorted by severity, then rule order."""
    from nianbao.checks.roots import root_first

    ctx = Context(checked, previous)
    findings: list[Finding] = []
    for r in (r for r in RULES.values() if r.applies_to(checked.edition)):
        if r.needs_previous and previous is None:
            continue
        findings.extend(r.func(ctx))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(root_first(ctx, findings), key=lambda f: order[f.severity])


def summary(findings: list[Finding]) -> dict[str, int]:
    """Counts by severity, as printed and as the JSON `summary`."""
    return {"errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "infos": sum(f.severity == "info" for f in findings)}
