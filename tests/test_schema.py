"""The statute as data stays honest: layouts, models, labels and the committed JSON Schema."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from nianbao import schemas
from nianbao.schemas import edition2021 as e21
from nianbao.schemas.layout import place

ROOT = Path(__file__).resolve().parents[1]
# a verbatim copy of shared/spec/formats.md, so CI on a bare clone can compare labels
SPEC = ROOT / "tests" / "data" / "spec-formats.md"


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for key, info in model.model_fields.items():
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            out |= _leaves(sub, prefix + (key,))
        else:
            out.add(prefix + (key,))
    return out


def test_committed_json_schema_matches_models() -> None:
    for edition in schemas.EDITIONS.values():
        assert edition.schema_file.read_text(encoding="utf-8") == schemas.json_schema(edition), \
            "schemas/*.schema.json drifted from the models: run `make schemas`"


def test_every_table_value_has_exactly_one_cell() -> None:
    edition = schemas.EDITIONS["2021"]
    paths = [s.path for s in edition.slots]
    assert len(paths) == len(set(paths))
    model_paths = {p for p in _leaves(edition.model) if p[0].startswith("table")}
    assert set(paths) == model_paths
    assert len(paths) == 2 * 3 + 4 + 25 * 7 + 15


def test_table_spans_tile_the_grid() -> None:
    for table in schemas.EDITIONS["2021"].tables:
        grid = place(table.rows, table.ncols)
        assert len(grid) == len(table.rows)


def test_table3_header_spans_are_official() -> None:
    t3 = schemas.EDITIONS["2021"].table("三")
    note, applicants = t3.header[0]
    assert (note.text, note.rowspan, note.colspan) == (e21.T3_NOTE, 3, 3)
    assert (applicants.text, applicants.colspan) == ("申请人情况", 7)
    assert [(c.text, c.rowspan, c.colspan) for c in t3.header[1]] == [
        ("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)]
    results = t3.body[2][0]
    assert (results.text, results.rowspan) == ("三、本年度办理结果", 22)


def test_table4_header_spans_are_official() -> None:
    t4 = schemas.EDITIONS["2021"].table("四")
    assert [(c.text, c.colspan) for c in t4.header[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [c.text for c in t4.header[2]] == ["结果维持", "结果纠正", "其他结果", "尚未审结",
                                             "总计"] * 2


def test_labels_are_copied_from_the_spec() -> None:
    """Every 2021 label appears character for character in shared/spec/formats.md."""
    spec = SPEC.read_text(encoding="utf-8")
    labels = {c.text for t in schemas.EDITIONS["2021"].tables for row in t.rows for c in row
              if c.text}
    missing = sorted(lab for lab in labels if lab not in spec)
    assert missing == []


def test_example_yaml_files_reference_the_schema() -> None:
    """Each example points at the committed schema of the edition it is written in."""
    from nianbao.load import load
    from nianbao.validate import choose_edition

    for path in sorted((ROOT / "examples").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        ref = re.match(r"# yaml-language-server: \$schema=(.+)$", first)
        assert ref, path
        edition = choose_edition(load(path).data, None, str(path))
        assert (path.parent / ref.group(1)).resolve() == edition.schema_file.resolve(), path


def test_readme_documents_every_rule() -> None:
    from nianbao.checks import RULES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [r for r in RULES if f"| {r} |" not in readme] == []
