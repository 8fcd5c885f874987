"""The text nianbao writes for every example, pinned (issue 19 §4): a change to any default
sentence shows here as a diff of reviewable Chinese text, and is accepted on purpose.

For each example under examples/, tests/data/generated/<example>.txt holds the generated
paragraphs (preamble, default sentences, 六's fee statement) twice: as the example is written,
and with the parts nianbao may fill left empty (（一）（二） and 六; for 2008 every section's
text), so that the default sentences of every example's figures are read.

After a deliberate change, rewrite the files with
    NIANBAO_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_generated_golden.py
and read the diff (git diff tests/data/generated) aloud before committing it.
"""

from __future__ import annotations

import copy
import difflib
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from nianbao.compose.report import compose
from nianbao.compose.document import Para
from nianbao.load import RawReport, load
from nianbao.validate import Validated, validate

EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))
GOLDEN = ROOT / "tests" / "data" / "generated"
UPDATE = os.environ.get("NIANBAO_UPDATE_GOLDEN") == "1"


def golden_path(example: Path) -> Path:
    """examples/invalid/blank.yaml → tests/data/generated/invalid__blank.txt."""
    rel = example.relative_to(ROOT / "examples").with_suffix("")
    return GOLDEN / ("__".join(rel.parts) + ".txt")


def generated_lines(checked: Validated) -> list[str]:
    """"[section heading] paragraph" for every paragraph nianbao wrote, in reading order."""
    doc = compose(checked)
    lines = [f"[前言] {p.text}" for p in doc.preamble if p.generated]
    for section in doc.sections:
        lines += [f"[{section.heading}] {b.text}" for b in section.blocks
                  if isinstance(b, Para) and b.generated]
    return lines


def without_text(raw: RawReport) -> Validated:
    """The example with every part nianbao may fill left empty."""
    data: dict[str, Any] = copy.deepcopy(raw.data)
    narrative = data.setdefault("narrative", {})
    if isinstance(narrative.get("sections"), list):  # 2008: the agency's sections
        for section in narrative["sections"]:
            section["text"] = None
    else:
        overview = narrative.setdefault("overview", {})
        overview["proactive"] = overview["on_request"] = None
        narrative["other"] = None
    return validate(RawReport(data, raw.sources, raw.file))


def golden_text(example: Path) -> str:
    raw = load(example)
    rel = example.relative_to(ROOT)
    parts = [f"# {rel}：按示例原文生成的文字", *generated_lines(validate(raw)), "",
             f"# {rel}：（一）（二）和六（2008年格式为各部分）不写正文时生成的文字",
             *generated_lines(without_text(raw))]
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: golden_path(p).stem)
def test_generated_text_is_the_reviewed_text(example: Path) -> None:
    path = golden_path(example)
    got = golden_text(example)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"{path} 不存在：用 NIANBAO_UPDATE_GOLDEN=1 生成后审读再提交"
    want = path.read_text(encoding="utf-8")
    diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), str(path),
                                          "now generated", lineterm=""))
    assert got == want, (
        f"The text nianbao generates for {example.name} changed (issue 19 §4). If the change "
        f"is intended, read it aloud, then rewrite the golden file with "
        f"NIANBAO_UPDATE_GOLDEN=1 and commit it:\n{diff}")


def test_every_golden_file_has_its_example() -> None:
    """No golden text is left behind by a renamed or removed example."""
    assert sorted(GOLDEN.glob("*.txt")) == sorted(golden_path(p) for p in EXAMPLES)
