"""Round trip as a property (issue 18): random reports of each edition (2021 and 2019) built
as HTML, PDF and DOCX and read back give the same tables, narrative and findings.

Table values come from test_properties' strategy for 2021 (consistent tables) and from random
counts over every slot of table 三 for 2019 (findings then include sum errors, which must be
found alike); the examples are few, since each builds a PDF.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nianbao import schemas
from nianbao.checks import run_checks
from nianbao.load import RawReport, load
from nianbao.pipeline import check_file, render_all
from nianbao.validate import validate
from test_properties import _put, consistent_tables

BASES = {"2021": load(ROOT / "examples" / "county-transport-2024.yaml"),
         "2019": load(ROOT / "examples" / "zhumadian-housing-2020.yaml")}
ROUND = settings(max_examples=2, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
TABLES = ("table2", "table3", "table4")


@st.composite
def counts_2019(draw: st.DrawFn) -> dict[tuple[str, ...], int]:
    """Random counts for every value cell of the 2019 table 三."""
    return {s.path: draw(st.integers(0, 60)) for s in schemas.EDITIONS["2019"].table("三").slots}


def _validated(edition: str, values: dict[tuple[str, ...], int]) -> Any:
    base = BASES[edition]
    data = copy.deepcopy(base.data)
    for path, v in values.items():
        _put(data, path, v)
    return validate(RawReport(data, base.sources, base.file))


def _same_when_read_back(validated: Any) -> None:
    expected = validated.report.model_dump(mode="json")
    wanted = sorted((f.rule, f.message) for f in run_checks(validated))
    with tempfile.TemporaryDirectory() as folder:
        for fmt, data in render_all(validated, ["html", "pdf", "docx"]).items():
            path = Path(folder) / f"report.{fmt}"
            path.write_bytes(data)
            checked = check_file(path)
            got = checked.validated.report.model_dump(mode="json")
            for key in TABLES:
                assert got[key] == expected[key], (fmt, key)
            overview = expected["narrative"]["overview"]
            assert {k: (v or "").strip() for k, v in overview.items()} == \
                {k: (v or "").strip() for k, v in got["narrative"]["overview"].items()}, fmt
            assert got["narrative"]["problems"] == expected["narrative"]["problems"].strip(), fmt
            assert sorted((f.rule, f.message) for f in checked.findings) == wanted, fmt


@ROUND
@given(consistent_tables())
def test_round_trip_2021(values: dict[tuple[str, ...], int]) -> None:
    _same_when_read_back(_validated("2021", values))


@ROUND
@given(counts_2019())
def test_round_trip_2019(values: dict[tuple[str, ...], int]) -> None:
    _same_when_read_back(_validated("2019", values))
