"""A batch's workers lay out, at warm-up, the PDF table skeletons of every edition among
the batch's report years — so a worker's first 2019-edition report is as fast as the rest —
and of no other edition (a batch of one edition pays for that one only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from nianbao.batch import report_task
from nianbao.batch.discover import discover, report_years
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import RenderOptions, html_render, pdf_fonts
from nianbao.render.pdf_fast import table_skeleton
from nianbao.validate import validate
from test_table_stamp import render_sheets

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_one_year_per_edition_with_tables_newest_first():
    assert report_task.warm_years((2011, 2020, 2021, 2024)) == (2024, 2020)
    assert report_task.warm_years((2019,)) == (2019,)
    assert report_task.warm_years((2008, 2012)) == ()        # the six items: no tables
    assert len(report_task.warm_years(())) == 1              # none known: the current one


def test_the_batch_years_come_from_its_entries(tmp_path):
    for rel in ("甲局/2024.yaml", "乙局/2020.yaml", "乙局/2024.yaml"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("", encoding="utf-8")
    assert report_years(discover(tmp_path)) == (2020, 2024)


def page(name: str) -> str:
    doc = compose(validate(load(EXAMPLES / name)))
    return pdf_fonts.use_subsets(html_render.render_text(doc, RenderOptions()))


SHEETS = render_sheets(RenderOptions())   # the skeletons' keys as a render makes them


def refuse(text: str):
    raise LookupError("a skeleton laid out after the warm-up")


def test_warm_up_lays_out_each_edition_of_the_batch():
    table_skeleton.SKELETONS.clear()
    report_task.warm(("pdf",), (2020, 2024))
    assert all(table_skeleton.SKELETONS.values())
    for name in ("zhumadian-housing-2020.yaml", "county-transport-2024.yaml"):
        assert table_skeleton.prepare(page(name), refuse, sheets=SHEETS) is not None


def test_warm_up_of_one_edition_leaves_the_others():
    table_skeleton.SKELETONS.clear()
    report_task.warm(("pdf",), (2024,))
    assert table_skeleton.prepare(page("county-transport-2024.yaml"), refuse, sheets=SHEETS) is not None
    with pytest.raises(LookupError):
        table_skeleton.prepare(page("zhumadian-housing-2020.yaml"), refuse, sheets=SHEETS)
