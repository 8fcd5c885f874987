"""Issue 21 §1: an edition is data, added in one place.

- No edition id is written as a literal in generator/ (only schemas/ knows them).
- The rules that apply to each real edition are exactly those that applied when rules
  still listed editions by name.
- A fake edition — one table, two rules that need a feature only it has — registered at
  run time through the path the real editions use, is checked, rendered and read back
  without any other module knowing of it; it is unregistered afterwards.
- Every statute citation in the code names a file and section present in schemas/statute/.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Literal

import pytest
from nianbao import schemas
from nianbao.checks import engine, rules_for
from nianbao.checks.engine import Context, Finding, rule
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.pipeline import check_file
from nianbao.render import render
from nianbao.schemas import features
from nianbao.schemas.common import SECTION_1, SECTION_5, SECTION_6, ReportBase
from nianbao.schemas.features import STATUTORY_TABLES
from nianbao.schemas.layout import build_table, head, label, value
from nianbao.schemas.types import Count, Strict
from nianbao.validate import validate
from pydantic import Field

ROOT = Path(__file__).resolve().parents[1]
STATUTE = ROOT / "schemas" / "statute"


# ---- no edition literal outside schemas/ -------------------------------------------------
def edition_literals(path: Path, ids: set[str]) -> Iterator[int]:
    """Lines of a Python file holding an edition id as a literal: a string token whose
    value is exactly the id ("2021", f-strings aside) or an integer token equal to it
    (a year cut-off such as `year >= 2021`).  Comments are not tokens of this kind, and a
    string that merely contains the digits (国办公开办函〔2021〕30号, "2019年格式…") cites a
    document in words: neither is an edition chosen by name, and neither is flagged."""
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline):
        if tok.type == tokenize.NUMBER and tok.string in ids:
            yield tok.start[0]
        elif tok.type == tokenize.STRING and not tok.string.lstrip("rbRB").startswith(
                ("f", "F")):
            text = ast.literal_eval(tok.string)
            if isinstance(text, str) and text in ids:
                yield tok.start[0]


def test_no_edition_literal_in_generator() -> None:
    ids = set(schemas.EDITIONS)
    found = [f"{p.relative_to(ROOT)}:{line}"
             for p in sorted((ROOT / "generator").rglob("*.py"))
             for line in edition_literals(p, ids)]
    assert found == [], "edition ids written outside schemas/ (use features or schemas.*): " \
        + ", ".join(found)


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent('''\
        """国办公开办函〔2021〕30号 is a citation."""
        # "2021" in a comment
        A = "2021"
        B = year >= 2019
        C = "2019年格式"
        D = f"{x}2021"
    '''), "utf-8")
    assert list(edition_literals(sample, {"2019", "2021"})) == [3, 4]


# ---- the rules of each edition, as before the rules declared needs -----------------------
# rules_for(edition) at 5199da3, when every rule still listed its editions by name — but for
# VAL-NONNEG, since taken off 2008, where it could never fire (see rules_tables.py)
RULES_BEFORE = {
    "2008": ["SECTIONS", "TEXT-YEAR", "DEADLINE", "AGENCY-KIND", "EDITION-YEAR",
             "TEXT-CONTROL"],
    "2019": ["T2-2019", "T3-BALANCE", "T3-ROWSUM", "T3-OUTCOMES", "T4-SUM", "VAL-NONNEG",
             "VAL-NUMBER", "VAL-UNIT", "BLANK", "LABELS", "SECTIONS", "TEXT-NUMBERS",
             "TEXT-YEAR", "DEADLINE", "AGENCY-KIND", "EDITION-YEAR", "TEXT-CONTROL",
             "XYEAR-CARRY", "XYEAR-SAME", "XYEAR-JUMP"],
    "2021": ["T3-BALANCE", "T3-ROWSUM", "T3-OUTCOMES", "T4-SUM", "VAL-NONNEG", "VAL-NUMBER",
             "VAL-UNIT", "BLANK", "LABELS", "T2-STOCK", "SECTIONS", "FEE-STATEMENT",
             "FEE-OT2", "TEXT-NUMBERS", "TEXT-YEAR", "DEADLINE", "AGENCY-KIND",
             "EDITION-YEAR", "TEXT-CONTROL", "XYEAR-CARRY", "XYEAR-STOCK", "XYEAR-SAME",
             "XYEAR-JUMP"],
}


@pytest.mark.parametrize("edition", sorted(RULES_BEFORE))
def test_rules_per_edition_unchanged(edition: str) -> None:
    assert [r.id for r in rules_for(edition)] == RULES_BEFORE[edition]
    assert all(edition in r.editions for r in rules_for(edition))


def test_editions_derive_from_the_modules() -> None:
    assert list(schemas.EDITIONS) == ["2021", "2019", "2008"]
    assert schemas.latest().id == "2021"
    assert schemas.first_year() == 2008
    assert [schemas.edition_for_year(y) for y in (2000, 2008, 2018, 2019, 2020, 2021, 2099)] \
        == ["2008", "2008", "2008", "2019", "2019", "2021", "2021"]
    assert rules_for("1999") == []


def test_years_must_follow_on() -> None:
    clash = _fake_module(years=(2020, None))   # 2019 says it ends in 2020
    with pytest.raises(ValueError, match="edition 2090 begins in 2020"):
        schemas.register(clash)
    assert "2090" not in schemas.EDITIONS and list(schemas.EDITIONS) == ["2021", "2019", "2008"]


def test_features_are_defined_once_and_checked() -> None:
    with pytest.raises(ValueError, match="feature TABLE4 defined twice"):
        features.feature("TABLE4", "…")
    with pytest.raises(ValueError, match=r"rule X-TEST needs unknown features \['TABLE5'\]"):
        rule("X-TEST", "info", "", "", needs=("TABLE5",))(lambda ctx: iter(()))
    with pytest.raises(ValueError, match=r"edition 2090: unknown features \['TABLE5'\]"):
        schemas.register(_fake_module(features_=frozenset({"TABLE5"})))
    assert "X-TEST" not in engine.RULES and "2090" not in schemas.EDITIONS


# ---- a fake edition, added in one place --------------------------------------------------
FAKE = "2090"
T9_HEADING = "二、政府信息公开咨询情况"
T9_ONLINE, T9_PHONE, T9_TOTAL = "网上咨询", "电话咨询", "总计"
T9_ROW = "本年受理咨询数量"


class Consultations(Strict):
    """表九's one row."""

    online: Count = Field(default=None, title=T9_ONLINE)
    phone: Count = Field(default=None, title=T9_PHONE)
    total: Count = Field(default=None, title=T9_TOTAL)


class Table9(Strict):
    """表九 政府信息公开咨询情况."""

    received: Consultations = Field(default_factory=Consultations, title=T9_ROW)


class ReportFake(ReportBase):
    """A report in the fake edition: the common parts and table 九."""

    edition: Literal["2090"] = Field(default="2090", title="格式版本")
    table9: Table9 = Field(default_factory=Table9, title=T9_HEADING)


def _fake_module(years: tuple[int, int | None] = (2090, None),
                 features_: frozenset[str] | None = None) -> ModuleType:
    """An edition module as schemas/editionNNNN.py would be, built at run time."""
    cols = (("online", T9_ONLINE), ("phone", T9_PHONE), ("total", T9_TOTAL))
    table = build_table("九", T9_HEADING, 4, [[head("咨询方式")] + [head(t) for _, t in cols]],
                        [[label(T9_ROW)] + [value(("table9", "received", c)) for c, _ in cols]])
    module = ModuleType("edition2090")
    module.EDITION_ID = FAKE
    module.EDITION_NAME = "《政府信息公开工作年度报告格式（测试用）》"
    module.YEARS = years
    module.FEATURES = features_ if features_ is not None else frozenset({STATUTORY_TABLES})
    module.MODEL = ReportFake
    module.TABLES = (table,)
    module.SECTIONS = (("overview", SECTION_1), ("table9", T9_HEADING),
                       ("problems", SECTION_5), ("other", SECTION_6))
    return module


@pytest.fixture
def fake_edition() -> Iterator[schemas.Edition]:
    """The fake edition, its feature and its two rules, registered the way the real ones
    are; all removed afterwards so other tests never see them."""
    before = (list(schemas.EDITIONS), list(features.FEATURES), list(engine.RULES))
    table9 = features.feature("TABLE9_CONSULTATIONS", "表九 咨询情况 (a test's fake edition)")
    try:
        edition = schemas.register(
            _fake_module(features_=frozenset({STATUTORY_TABLES, table9})))

        @rule("FAKE-SUM", "error", "表头含义", "表九：总计＝网上咨询＋电话咨询", needs=(table9,))
        def fake_sum(ctx: Context) -> Iterator[Finding]:
            paths = [("table9", "received", c) for c in ("online", "phone", "total")]
            online, phone, total = (ctx.value(p) for p in paths)
            if None not in (online, phone, total) and online + phone != total:
                yield Finding("FAKE-SUM", "error",
                              f"表九：网上咨询{online}加电话咨询{phone}不等于总计{total}",
                              [ctx.cell(p) for p in paths], expected=online + phone,
                              actual=total)

        @rule("FAKE-NONE", "info", "经验", "表九：本年没有受理咨询时提示核实", needs=(table9,))
        def fake_none(ctx: Context) -> Iterator[Finding]:
            if ctx.value(("table9", "received", "total")) == 0:
                yield Finding("FAKE-NONE", "info", "本年没有受理咨询，请核实")

        yield edition
    finally:
        for rule_id in ("FAKE-SUM", "FAKE-NONE"):
            engine.unregister(rule_id)
        schemas.unregister(FAKE)
        features.forget(table9)
    # gone without a trace: the tests after this one see the registries as they were
    assert (list(schemas.EDITIONS), list(features.FEATURES), list(engine.RULES)) == before


FAKE_YAML = """\
edition: "2090"
year: 2090
published: 2091-01-20
agency:
  name: 某某县测试局
  kind: 县级以上人民政府部门
narrative:
  overview:
    proactive: 本年主动公开政府信息。
    on_request: 本年依申请公开政府信息。
    management: 本年加强政府信息管理。
    platform: 本年完善公开平台。
    oversight: 本年加强监督保障。
  problems: 公开工作仍有不足，将加以改进。
  other: 本年度无其他需要报告的事项。
table9:
  received: {online: 3, phone: 4, total: 8}
"""


def test_a_fake_edition_is_checked_rendered_and_read_back(
        fake_edition: schemas.Edition, tmp_path: Path) -> None:
    assert schemas.edition_for_year(2090) == FAKE and schemas.latest() is fake_edition
    assert [r.id for r in rules_for(FAKE)] == [
        "VAL-NONNEG", "VAL-NUMBER", "VAL-UNIT", "BLANK", "LABELS", "SECTIONS", "TEXT-YEAR",
        "DEADLINE", "AGENCY-KIND", "EDITION-YEAR", "TEXT-CONTROL", "XYEAR-SAME",
        "XYEAR-JUMP", "FAKE-SUM", "FAKE-NONE"]
    assert FAKE not in {e for r in rules_for("2021") for e in r.editions} - {FAKE} and \
        "FAKE-SUM" not in {r.id for r in rules_for("2021")}

    source = tmp_path / "测试局.yaml"
    source.write_text(FAKE_YAML, "utf-8")
    checked = check_file(source)
    assert [(f.rule, f.severity, f.message) for f in checked.findings] == [
        ("FAKE-SUM", "error", "表九：网上咨询3加电话咨询4不等于总计8")]
    assert [(c.table, c.row, c.column, c.value) for c in checked.findings[0].cells] == [
        ("九", T9_ROW, T9_ONLINE, 3), ("九", T9_ROW, T9_PHONE, 4), ("九", T9_ROW, T9_TOTAL, 8)]
    assert checked.findings[0].cells[2].source.line == 17

    zero = tmp_path / "零.yaml"
    zero.write_text(FAKE_YAML.replace("{online: 3, phone: 4, total: 8}",
                                      "{online: 0, phone: 0, total: 0}"), "utf-8")
    assert [(f.rule, f.message) for f in check_file(zero).findings] == [
        ("FAKE-NONE", "本年没有受理咨询，请核实")]

    doc = compose(checked.validated)
    assert [(s.id, s.heading) for s in doc.sections] == list(fake_edition.sections)
    page = tmp_path / "测试局.html"
    page.write_bytes(render(doc, "html"))
    html = page.read_text("utf-8")
    assert T9_HEADING in html and T9_ROW in html and "本年加强监督保障。" in html

    back = validate(load(page))
    assert back.edition is fake_edition
    assert back.report.table9.received.model_dump() == {"online": 3, "phone": 4, "total": 8}
    assert back.report.narrative.overview.oversight == "本年加强监督保障。"
    assert back.report.agency.name == "某某县测试局" and back.report.year == 2090


def test_the_fake_edition_in_a_workbook(fake_edition: schemas.Edition, tmp_path: Path) -> None:
    from nianbao.write.workbook import write_workbook

    source = tmp_path / "测试局.yaml"
    source.write_text(FAKE_YAML, "utf-8")
    report = check_file(source).validated.report
    book = tmp_path / "测试局.xlsx"
    write_workbook(book, fake_edition, report.model_dump(mode="python"))
    back = check_file(book)
    assert back.validated.edition is fake_edition
    assert back.validated.report.table9 == report.table9
    assert [(f.rule, f.cells[2].source.sheet, f.cells[2].source.cell)
            for f in back.findings] == [("FAKE-SUM", "表九", "D4")]   # 总计, the row under the header


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_fake_edition_in_docx_and_pdf(fake_edition: schemas.Edition, tmp_path: Path,
                                          fmt: str) -> None:
    source = tmp_path / "测试局.yaml"
    source.write_text(FAKE_YAML, "utf-8")
    out = tmp_path / f"测试局.{fmt}"
    out.write_bytes(render(compose(check_file(source).validated), fmt))
    back = validate(load(out))
    assert back.edition is fake_edition
    assert back.report.table9.received.model_dump() == {"online": 3, "phone": 4, "total": 8}
    assert back.report.narrative.problems == "公开工作仍有不足，将加以改进。"


# ---- the statute the code cites is in the repository -------------------------------------
CITATION = re.compile(r"(formats|rules|layout)\.md((?:,? ?§ ?[0-9.]+(?:–[0-9.]+)?)*)")


def _sections(md: Path) -> set[str]:
    """Section numbers of a statute file: "## 2. …" → 2, "### 2.3 …" → 2.3."""
    return {m[1].rstrip(".") for m in re.finditer(r"^#+ ([0-9][0-9.]*)", md.read_text("utf-8"),
                                                  re.MULTILINE)}


def test_every_statute_citation_resolves() -> None:
    files = [p for d in ("generator", "schemas", "templates") for p in (ROOT / d).rglob("*")
             if p.suffix in (".py", ".j2", ".html", ".css", ".md") and STATUTE not in p.parents]
    bad, cited = [], set()
    for path in files:
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for m in CITATION.finditer(line):
                target = STATUTE / f"{m[1]}.md"
                cited.add(m[1])
                numbers = [part for s in re.findall(r"§ ?([0-9.]+(?:–[0-9.]+)?)", m[2])
                           for part in s.split("–")]
                missing = [s for s in numbers if s.rstrip(".") not in _sections(target)]
                if not target.exists() or missing:
                    bad.append(f"{path.relative_to(ROOT)}:{n} {m[0]}")
    assert cited == {"formats", "rules", "layout"} and bad == []
    for name in ("formats", "rules", "layout"):
        first = (STATUTE / f"{name}.md").read_text("utf-8").splitlines()[0]
        assert f"shared/spec/{name}.md" in first
