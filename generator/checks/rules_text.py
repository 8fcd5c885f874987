"""Rules over sections, narrative, dates and the edition (rules.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from nianbao import schemas
from nianbao.checks.engine import Context, Finding, rule
from nianbao.checks.textscan import (
    StatedCell,
    stated_cells,
    stated_figures,
    table2_words,
    wrong_years,
)
from nianbao.fmt import cn_date
from nianbao.provenance import Source
from nianbao.schemas.common import (
    FIGURE_PARTS,
    INFO_FEE,
    OVERVIEW_PARTS,
    SECTION_1,
    SECTION_5,
    Agency,
    AgencyKind,
    InfoFees,
)
from nianbao.schemas.deadlines import deadline_for  # one implementation (the batch roster too)
from nianbao.schemas.features import (
    FEE_STATEMENT,
    TABLE2,
    TABLE3_OUTCOMES,
    TABLE3_UNPAID_FEE,
    TABLE4,
)
from nianbao.schemas.types import BIDI_CHARS, CONTROL_CHARS

Y = "年"


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def narrative_texts(ctx: Context) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(model path, section title, text) of every narrative part the agency wrote."""
    if ctx.checked.edition.family == "items":  # 2008: the intro and the sections' texts
        from nianbao.checks.rules_items import items_texts
        yield from items_texts(ctx)
        return
    narrative = ctx.report.narrative
    for key in ("intro",) + tuple(k for k, _ in OVERVIEW_PARTS):
        text = getattr(narrative.overview, key)
        if not _blank(text):
            yield ("narrative", "overview", key), SECTION_1, text
    for key in ("problems", "other"):
        text = getattr(narrative, key)
        if not _blank(text):
            yield ("narrative", key), type(narrative).model_fields[key].title or key, text


@rule("SECTIONS", "error", "条例第五十条；年报格式：“不能遗漏，也不宜泛化”",
      "六个部分齐全、顺序正确、没有空白部分；表二、表三、表四齐全（2008年格式：条例第三十二条六项）")
def sections(ctx: Context) -> Iterator[Finding]:
    if ctx.checked.edition.family == "items":  # 2008: the six items of 2007 条例第三十二条
        from nianbao.checks.rules_items import items_sections
        yield from items_sections(ctx)
        return
    overview = ctx.report.narrative.overview
    src = ctx.checked.sources
    for key, title in OVERVIEW_PARTS:
        # 主动公开 and 依申请公开 are stated from the tables when no text is given
        if key not in FIGURE_PARTS and _blank(getattr(overview, key)):
            yield Finding("SECTIONS", "error",
                          f"“{SECTION_1}”缺少“{title}”部分的内容，请补写", where=src.find(("narrative", "overview", key)))
    if _blank(ctx.report.narrative.problems):
        yield Finding("SECTIONS", "error",
                      f"“{SECTION_5}”没有内容：请填写存在的主要问题、改进情况和上年度问题"
                      "整改情况", where=src.find(("narrative", "problems")))


def _mentions_fee(ctx: Context) -> bool:
    return any(INFO_FEE in text for _, _, text in narrative_texts(ctx))


@rule("FEE-STATEMENT", "warning", "2021年格式实践：第六部分说明信息处理费收取情况（国办函〔2020〕109号）",
      "第六部分应说明信息处理费的收取情况（收取了多少，或没有收取）",
      needs=(FEE_STATEMENT,))
def fee_statement(ctx: Context) -> Iterator[Finding]:
    fees = ctx.report.fees
    stated = fees is not None and fees.notices is not None
    if not stated and not _mentions_fee(ctx):
        yield Finding("FEE-STATEMENT", "warning",
                      f"未说明信息处理费收取情况：请填写{_fee_titles()}（没有收取请都填0），"
                      "或在“六、其他需要报告的事项”中写明",
                      where=ctx.checked.sources.find(("fees", "notices")))


def _fee_titles() -> str:
    return "".join(f"“{f.title}”" for f in InfoFees.model_fields.values())


@rule("FEE-OT2", "warning", "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）",
      "表三“逾期未按收费通知要求缴纳费用”有件数时，本年应发出过收费通知",
      needs=(TABLE3_UNPAID_FEE,))
def fee_ot2(ctx: Context) -> Iterator[Finding]:
    path = ("table3", "other", "unpaid_fee", "total")
    count = ctx.value(path)
    fees = ctx.report.fees
    notices = fees.notices if fees is not None else None
    if count and not notices:
        yield Finding("FEE-OT2", "warning",
                      f"表三有{count}件申请因逾期未缴纳信息处理费而不再处理，但本年没有填写"
                      f"发出的收费通知：请核实并填写“{InfoFees.model_fields['notices'].title}”",
                      [ctx.cell(path)], expected="收费通知件数 > 0", actual=notices,
                      where=ctx.checked.sources.find(("fees", "notices")))


_TOPICS = {
    "new": ("新收政府信息公开申请", (("table3", "new", "total"),)),
    "carry_in": ("上年结转申请", (("table3", "carry_in", "total"),)),
    "carry_out": ("结转下年度继续办理", (("table3", "carry_out", "total"),)),
    "review": ("行政复议", (("table4", "review", "total"),)),
    "litigation": ("行政诉讼", (("table4", "litigation_direct", "total"),
                            ("table4", "litigation_after_review", "total"))),
}


@rule("TEXT-NUMBERS", "warning", "真实年报常见正文与表格自相矛盾",
      "正文中写到的申请数、结转数、行政复议数、行政诉讼数与表格一致；“（一）主动公开”中写到的"
      "制发、废止、现行有效文件数，行政许可、行政处罚、行政强制决定数和行政事业性收费金额与表二一致",
      needs=(TABLE2, TABLE3_OUTCOMES, TABLE4))
def text_numbers(ctx: Context) -> Iterator[Finding]:
    yield from _table2_numbers(ctx)
    for path, _, text in narrative_texts(ctx):
        for stated in stated_figures(text):
            what, cells = _TOPICS[stated.topic]
            vals = [ctx.value(p) for p in cells]
            if any(v is None for v in vals) or sum(vals) == stated.number:
                continue
            refs = [ctx.cell(p) for p in cells]
            where = ctx.checked.sources.find(path)
            yield Finding("TEXT-NUMBERS", "warning",
                          f"正文“{stated.clause}”写{what}{stated.number}件，但"
                          f"{'与'.join(r.words() for r in refs)}为{sum(vals)}",
                          refs, expected=sum(vals), actual=stated.number, where=where)


# the part of 一、总体情况 whose figures are those of 表二 (issue 19 §5)
_PROACTIVE = ("narrative", "overview", "proactive")


def _table2_numbers(ctx: Context) -> Iterator[Finding]:
    """（一）主动公开's figures against 表二: "作出行政许可决定300件" while the table says 356."""
    words = table2_words(ctx.checked.edition, tuple(schemas.EDITIONS.values()))
    for path, _, text in narrative_texts(ctx):
        if path != _PROACTIVE:
            continue
        for stated in stated_cells(text, words):
            finding = _table2_mismatch(ctx, stated)
            if finding is not None:
                yield finding


def _table2_mismatch(ctx: Context, stated: StatedCell) -> Finding | None:
    """A warning when a figure stated for a cell of 表二 is not the cell's (blank: no finding)."""
    value = ctx.value(stated.path)
    if value is None or Decimal(str(value)) == Decimal(str(stated.number)):
        return None
    ref = ctx.cell(stated.path)
    return Finding("TEXT-NUMBERS", "warning",
                   f"正文“{stated.clause}”写的是{stated.number}{stated.unit}，但{ref.words()}"
                   f"为{value}", [ref], expected=value, actual=stated.number,
                   where=ctx.checked.sources.find(_PROACTIVE))


@rule("TEXT-YEAR", "warning", "照抄上年报告（“内容雷同”可被追责）",
      "正文中的年份、统计期限与报告年度一致，不把上一年称作“本年”；发布日期不早于统计期结束")
def text_year(ctx: Context) -> Iterator[Finding]:
    year = ctx.report.year
    for path, _, text in narrative_texts(ctx):
        for sentence, reason in wrong_years(text, year):
            yield Finding("TEXT-YEAR", "warning", f"正文“{sentence}”{reason}，请核实是否沿用了"
                          "往年报告的文字", expected=year, where=ctx.checked.sources.find(path))
    published = ctx.report.published
    if published is not None and published <= dt.date(year, 12, 31):
        yield Finding("TEXT-YEAR", "warning",
                      f"发布日期{cn_date(published)}早于{year}年统计期结束（{year}年12月31日），"
                      "请核实报告年度或发布日期", expected=f"晚于{year}-12-31",
                      actual=published.isoformat(), where=ctx.checked.sources.find(("published",)))


@rule("DEADLINE", "warning", "条例第四十九条（县级以上人民政府部门1月31日前，本级人民政府3月31日前）；"
      "2007年条例第三十一条（3月31日前）", "发布日期不晚于法定期限")
def deadline(ctx: Context) -> Iterator[Finding]:
    published = ctx.report.published
    limit = deadline_for(ctx.report.year, ctx.report.agency.kind)
    if published is None or limit is None or published <= limit:
        return
    yield Finding("DEADLINE", "warning",
                  f"发布日期{cn_date(published)}晚于法定期限{cn_date(limit)}"
                  f"（{ctx.report.agency.kind.value}）", expected=f"不晚于{limit.isoformat()}",
                  actual=published.isoformat(), where=ctx.checked.sources.find(("published",)))


@rule("AGENCY-KIND", "info", "条例第四十九条：机关类型决定发布期限（部门1月31日前，本级人民政府3月31日前）",
      "没有写明机关类型时，说明按哪一类检查发布期限")
def agency_kind(ctx: Context) -> Iterator[Finding]:
    """Issue 19 §10: a blank 机关类型 becomes 县级以上人民政府部门 (the model's default), and
    that choice moves the deadline two months; say so where the kind would be written.
    Silent when the kind was given, when the year's deadline is the same for every kind
    (reports before 2019: 3月31日), and for a published report (which never prints its
    kind) unless its date is past the assumed deadline (then the DEADLINE warning rests on
    the assumption)."""
    raw = ctx.checked.raw
    agency = raw.data.get("agency") if raw is not None else None
    given = agency.get("kind") if isinstance(agency, dict) else None
    if given is not None and str(given).strip():
        return
    assumed, year = ctx.report.agency.kind, ctx.report.year
    limit = deadline_for(year, assumed)
    if limit is None or len({deadline_for(year, k) for k in AgencyKind}) == 1:
        return
    published = ctx.report.published
    if raw is not None and raw.printed and (published is None or published <= limit):
        return   # a published report prints no kind; the assumption decided nothing here
    title = Agency.model_fields["kind"].title   # 机关类型
    yield Finding("AGENCY-KIND", "info",
                  f"没有写明{title}，已按“{assumed.value}”检查（法定发布期限为{cn_date(limit)}）；"
                  f"如为{AgencyKind.government.value}或{AgencyKind.township.value}，请写明{title}",
                  actual=assumed.value, where=ctx.checked.sources.find(("agency", "kind")))


def _years_in_words() -> str:
    """"2021年起用2021年格式，2019–2020年用2019年格式，此前为2008年格式", from the editions'
    YEARS (schemas/statute/formats.md §1), newest first."""
    editions = list(schemas.EDITIONS.values())
    words = []
    for newer, e in zip([None, *editions], editions, strict=False):
        if e is editions[-1] and newer is not None:
            words.append(f"此前为{e.id}年格式")
        elif newer is None:
            words.append(f"{e.years[0]}年起用{e.id}年格式")
        else:
            words.append(f"{e.years[0]}–{newer.years[0] - 1}年用{e.id}年格式")
    return "，".join(words)


@rule("EDITION-YEAR", "error", "国办公开办函〔2019〕60号、〔2021〕30号：年报格式按报告年度适用",
      f"表格格式与报告年度相符（{_years_in_words()}）")
def edition_year(ctx: Context) -> Iterator[Finding]:
    year = ctx.report.year
    expected = schemas.edition_for_year(year)
    used = ctx.checked.edition.id
    if used != expected:
        yield Finding("EDITION-YEAR", "error",
                      f"{year}年度的报告应使用{expected}年格式，但本报告使用的是{used}年格式的表格",
                      expected=expected, actual=used, where=_edition_source(ctx))


def _edition_source(ctx: Context) -> Source:
    """Where the edition was said: the `edition:` key, else the first table (its keys or
    labels are what chose the edition)."""
    sources = ctx.checked.sources
    if ("edition",) in sources.by_path:
        return sources.by_path[("edition",)]
    tables = sorted(p for p in sources.by_path if len(p) == 1 and p[0].startswith("table"))
    return sources.by_path[tables[0]] if tables else sources.find(("edition",))


# Bidirectional controls by name: they reorder what a reader sees (schemas.types.BIDI_CHARS)
_BIDI_ZH = "双向文字控制符，会改变文字的显示顺序"


@rule("TEXT-CONTROL", "info", "复制粘贴带入的不可见字符；双向文字控制符（U+202E 等）会颠倒显示顺序，"
      "使名称、数字看起来与实际不同", "文字中的不可见控制字符（含双向文字控制符）已删除")
def text_control(ctx: Context) -> Iterator[Finding]:
    raw = ctx.checked.raw
    if raw is None:
        return
    found = list(raw.controls)
    for path, text in _strings(raw.data, ()):
        chars = "".join(c for c in text if ord(c) in CONTROL_CHARS)
        if chars:
            found.append((raw.sources.find(path), chars))
    for where, chars in found[:50]:
        kinds = "、".join(f"U+{ord(c):04X}" + (f"（{_BIDI_ZH}）" if ord(c) in BIDI_CHARS else "")
                         for c in dict.fromkeys(chars))
        yield Finding("TEXT-CONTROL", "info",
                      f"已删除{len(chars)}个不可见的控制字符：{kinds}", where=where)


def _strings(node: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, text) of every string value of plain data."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, path + (str(i),))
