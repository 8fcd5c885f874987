"""Property tests (issue 8): consistent reports pass, any single change to a checked cell is
caught by the rule covering it, and random bytes never end in a traceback."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao import schemas
from conftest import COUNTY
from nianbao.checks import run_checks
from nianbao.errors import NianbaoError
from nianbao.load import RawReport, load
from nianbao.pipeline import check_file
from nianbao.validate import validate

EDITION = schemas.EDITIONS["2021"]
BASE = load(COUNTY)
T3_ROWS = list(dict.fromkeys(s.path[:-1] for s in EDITION.table("三").slots))
COLUMNS = list(dict.fromkeys(s.path[-1] for s in EDITION.table("三").slots))
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
count = st.integers(min_value=0, max_value=60)


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


@st.composite
def consistent_tables(draw: st.DrawFn) -> dict[tuple[str, ...], int]:
    """Random tables 三 and 四 that satisfy every sum rule."""
    values: dict[tuple[str, ...], int] = {}
    outcomes = T3_ROWS[2:-2]
    for col in COLUMNS[:-1]:
        for row in outcomes:
            values[row + (col,)] = draw(count)
        total = sum(values[row + (col,)] for row in outcomes)
        carry_out = draw(st.integers(0, 10))
        carry_in = draw(st.integers(0, total + carry_out))
        values[("table3", "total", col)] = total
        values[("table3", "carry_out", col)] = carry_out
        values[("table3", "carry_in", col)] = carry_in
        values[("table3", "new", col)] = total + carry_out - carry_in
    for row in T3_ROWS:
        values[row + ("total",)] = sum(values[row + (c,)] for c in COLUMNS[:-1])
    for group in ("review", "litigation_direct", "litigation_after_review"):
        leaves = [draw(st.integers(0, 5)) for _ in range(4)]
        for key, v in zip(("upheld", "corrected", "other", "pending"), leaves, strict=True):
            values[("table4", group, key)] = v
        values[("table4", group, "total")] = sum(leaves)
    return values


def _report(values: dict[tuple[str, ...], int]):
    data = copy.deepcopy(BASE.data)
    for path, v in values.items():
        _put(data, path, v)
    data["narrative"]["overview"]["on_request"] = "本年度依法办理政府信息公开申请。"
    return validate(RawReport(data, BASE.sources, BASE.file))


@SETTINGS
@given(consistent_tables())
def test_consistent_reports_have_no_errors(values) -> None:
    errors = [f for f in run_checks(_report(values)) if f.severity == "error"]
    assert errors == []


@SETTINGS
@given(consistent_tables(), st.data())
def test_any_single_change_is_caught_by_its_rule(values, data) -> None:
    path = data.draw(st.sampled_from(sorted(values)))
    delta = data.draw(st.sampled_from([-1, 1, 7]))
    changed = dict(values)
    changed[path] = values[path] + delta if values[path] + delta >= 0 else values[path] + 1
    found = run_checks(_report(changed))
    rules = {"table3": {"T3-BALANCE", "T3-ROWSUM", "T3-OUTCOMES"}, "table4": {"T4-SUM"}}
    naming = [f for f in found if f.severity == "error" and f.rule in rules[path[0]]
              and any(c.path == path for c in f.cells)]
    assert naming, f"changing {path} from {values[path]} to {changed[path]} was not caught"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from([".yaml", ".xlsx", ".yml"]))
def test_random_bytes_end_in_a_message(blob: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"random{suffix}"
        path.write_bytes(blob)
        try:
            check_file(path)
        except NianbaoError as err:
            assert err.problems and all(p.message for p in err.problems)


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=400))
def test_random_text_as_yaml_ends_in_a_message_or_a_report(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            check_file(path)
        except NianbaoError as err:
            assert err.problems and all(p.message for p in err.problems)
