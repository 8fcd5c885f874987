"""The conformance suite, as data (issue 21 §2): tests/conformance/<edition>/{valid,invalid}/.

Every case is an input file (YAML or workbook) with `<case>.expected.yaml` beside it:

    # what the case holds (for an invalid case: the one mistake and the rule it trips)
    target: T3-BALANCE                 # invalid cases: the rule the mistake is meant to trip
    previous: last-year-2023.yaml      # optional: last year's report (XYEAR rules), same folder
    options: {blank_as_zero: true}     # optional: pipeline.ReadOptions
    findings:                          # every finding, errors, warnings and infos alike
      - rule: T3-BALANCE
        severity: error
        cells:                         # official labels, as `nianbao check --format json`
          - {table: "三", row: "一、本年新收政府信息公开申请数量", column: "自然人"}
          - {table: "三", row: "…", column: "…", last: true}   # a cell of last year's report
        where: "narrative.problems"    # the finding's own source key, when it has one

A valid case lists no findings.  Findings are compared as multisets, order-independently.
NIANBAO_UPDATE_CONFORMANCE=1 rewrites the `findings:` of every expected file from current
behaviour (keeping its comments and other keys): read what it wrote before committing it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from nianbao import schemas
from nianbao.checks import rules_for
from nianbao.checks.engine import Finding
from nianbao.pipeline import ReadOptions, check_file

ROOT = Path(__file__).resolve().parent / "conformance"
EXPECTED = ".expected.yaml"
DATA_SUFFIXES = (".yaml", ".xlsx")
KINDS = ("valid", "invalid")
UPDATE = os.environ.get("NIANBAO_UPDATE_CONFORMANCE") == "1"

# Rules an edition lists that no input can trip (reported in issue 21 §2; do not add a pair
# here without saying why): (rule, edition) → why.
KNOWN_DEAD: dict[tuple[str, str], str] = {}

Cell = tuple[str, str, str, bool]
Key = tuple[str, str, frozenset[Cell], str | None]


@dataclass(frozen=True)
class Case:
    """One input file of the suite and its expected findings."""

    edition: str
    kind: str
    data: Path
    expected: Path

    @property
    def id(self) -> str:
        return f"{self.edition}/{self.kind}/{self.data.name}"

    def spec(self) -> dict[str, Any]:
        return yaml.safe_load(self.expected.read_text(encoding="utf-8")) or {}


def _data_of(expected: Path) -> Path:
    stem = expected.name.removesuffix(EXPECTED)
    found = [expected.with_name(stem + s) for s in DATA_SUFFIXES
             if expected.with_name(stem + s).exists()]
    assert len(found) == 1, f"{expected}: expected exactly one of {stem}.yaml / {stem}.xlsx"
    return found[0]


def all_cases() -> list[Case]:
    """Every case of every edition folder, in a fixed order."""
    return [Case(edition.name, kind, _data_of(exp), exp)
            for edition in sorted(p for p in ROOT.iterdir() if p.is_dir())
            for kind in KINDS
            for exp in sorted((edition / kind).glob("*" + EXPECTED))]


CASES = all_cases()


def previous_of(case: Case) -> Path | None:
    """Last year's report named by the case (`previous:`), in the case's folder."""
    name = case.spec().get("previous")
    return case.data.parent / name if name else None


def run(case: Case) -> list[dict[str, Any]]:
    """The case through the pipeline as `nianbao check [--previous …]` runs it; its findings
    as the expected files write them."""
    previous = previous_of(case)
    checked = check_file(case.data, ReadOptions(**case.spec().get("options", {})), previous)
    assert checked.validated.edition.id == case.edition, (
        f"{case.id} is read as the {checked.validated.edition.id} edition, not {case.edition}")
    return [as_data(f, previous) for f in checked.findings]


def as_data(finding: Finding, previous: Path | None = None) -> dict[str, Any]:
    """A finding as the expected files write it, from its JSON form (`check --format json`);
    a cell of last year's report (XYEAR rules name both years' cells) is marked `last: true`."""
    doc = finding.as_json()
    out: dict[str, Any] = {"rule": doc["rule"], "severity": doc["severity"], "cells": []}
    for c in doc["cells"]:
        cell = {k: c[k] for k in ("table", "row", "column")}
        if previous is not None and (c.get("source") or {}).get("file") == str(previous):
            cell["last"] = True
        out["cells"].append(cell)
    where = _where(doc.get("source"))
    if where is not None:
        out["where"] = where
    return out


def _where(source: dict[str, Any] | None) -> str | None:
    """The source's model key ("narrative.problems"), else its sheet and cell ("表三!A6")."""
    if not source:
        return None
    if source.get("key"):
        return str(source["key"])
    if source.get("sheet"):
        return f"{source['sheet']}!{source.get('cell')}"
    return None


def key(item: dict[str, Any]) -> Key:
    cells = frozenset((c["table"], c["row"], c["column"], bool(c.get("last")))
                      for c in item.get("cells") or [])
    return item["rule"], item["severity"], cells, item.get("where")


def _words(k: Key) -> str:
    cells = "; ".join("/".join(c[:3]) + (" (last year)" if c[3] else "") for c in sorted(k[2]))
    return f"{k[0]} {k[1]} cells=[{cells}]" + (f" where={k[3]}" if k[3] else "")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_gives_exactly_its_expected_findings(case: Case) -> None:
    got = run(case)
    if UPDATE:
        _rewrite(case.expected, got)
    want = case.spec().get("findings") or []
    missing = Counter(map(key, want)) - Counter(map(key, got))
    extra = Counter(map(key, got)) - Counter(map(key, want))
    assert not missing and not extra, (
        f"{case.id}:\n  expected but not found:\n    "
        + "\n    ".join(_words(k) for k in missing.elements())
        + "\n  found but not expected:\n    " + "\n    ".join(_words(k) for k in extra.elements()))


def test_every_rule_of_every_edition_has_an_invalid_case() -> None:
    targeted = {(c.spec().get("target"), c.edition) for c in CASES if c.kind == "invalid"}
    missing = [(r.id, ed) for ed in schemas.EDITIONS for r in rules_for(ed)
               if (r.id, ed) not in targeted and (r.id, ed) not in KNOWN_DEAD]
    assert not missing, "rules without an invalid conformance case (rule, edition): " + \
        ", ".join(f"({r}, {ed})" for r, ed in missing)
    stale = [pair for pair in KNOWN_DEAD if pair in targeted]
    assert not stale, f"KNOWN_DEAD pairs that now have a case (remove them): {stale}"


def test_every_edition_has_valid_cases_without_findings() -> None:
    for edition in schemas.EDITIONS:
        assert any(c.edition == edition and c.kind == "valid" for c in CASES), edition
    for case in (c for c in CASES if c.kind == "valid"):
        spec = case.spec()
        assert not spec.get("findings") and "target" not in spec, \
            f"{case.id}: a valid case expects no findings and targets no rule"


def test_every_invalid_case_finds_its_target_and_says_so() -> None:
    for case in (c for c in CASES if c.kind == "invalid"):
        spec = case.spec()
        target = spec.get("target")
        assert target in {r.id for r in rules_for(case.edition)}, \
            f"{case.id}: target {target!r} is no rule of the {case.edition} edition"
        assert target in {f["rule"] for f in spec.get("findings") or []}, \
            f"{case.id}: the expected findings do not include its target {target}"
        head = _head_comment(case.data if case.data.suffix == ".yaml" else case.expected)
        assert target in head, f"{case.id}: the comment at the top does not name {target}"


def test_every_data_file_is_a_case_or_a_previous_year() -> None:
    used = {c.data for c in CASES}
    used |= {c.data.parent / p for c in CASES if (p := c.spec().get("previous"))}
    files = {p for s in DATA_SUFFIXES for p in ROOT.glob(f"*/*/*{s}")
             if not p.name.endswith(EXPECTED)}
    assert files - used == set(), f"files that are neither a case nor a previous year: " \
        f"{sorted(str(p.relative_to(ROOT)) for p in files - used)}"
    assert all(p.exists() for p in used), sorted(str(p) for p in used if not p.exists())


def _head_comment(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    return "\n".join(head)


# ---- NIANBAO_UPDATE_CONFORMANCE=1 ----------------------------------------------------------

def _rewrite(path: Path, findings: list[dict[str, Any]]) -> None:
    """The expected file with `findings:` from current behaviour; its comment and other
    keys kept.  Scalars are written as JSON strings (valid YAML, and safe for labels)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines = [_head_comment(path)] if _head_comment(path) else []
    for name in ("target", "previous"):
        if spec.get(name):
            lines.append(f"{name}: {_q(spec[name])}")
    if spec.get("options"):
        lines.append("options: {" + ", ".join(f"{k}: {json.dumps(v)}"
                                              for k, v in spec["options"].items()) + "}")
    lines.append("findings:" + ("" if findings else " []"))
    for f in findings:
        lines += [f"  - rule: {f['rule']}", f"    severity: {f['severity']}"]
        lines.append("    cells:" + ("" if f["cells"] else " []"))
        lines += ["      - {" + ", ".join(f"{k}: {_q(v)}" for k, v in c.items()) + "}"
                  for c in f["cells"]]
        if "where" in f:
            lines.append(f"    where: {_q(f['where'])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
