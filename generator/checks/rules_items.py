"""SECTIONS for the 2008 edition: the six items of 2007 条例第三十二条 (formats.md §4).

The 条例 says a report "应当包括" six items; real reports head their sections in their own
words, so a section reports an item when it is tagged with it (`item:`).  The rule says:

- error: a statutory item （一）–（五） that no section reports, named by its official
  wording ("缺少条例第三十二条第（三）项“政府信息公开的收费及减免情况”…").  Without
  sections, the items are composed from the key figures: an item whose figures are all
  blank, and （五） (which no figure can state), are missing.
- info: no section for （六）其他需要报告的事项 — taken as nothing else to report (the item
  is "other matters", and reports of the era leave it out when there are none).
- error: a section with neither heading nor item; a section with no text whose item has
  no figures to state (概述, （五）, or an item whose figures are blank).
- warning: sections tagged in an order other than the 条例's （一）…（六）, or a 概述 that is
  not the first section.  第三十二条 lists contents, not an order (unlike the 2021 format's
  "不能遗漏" six parts), and real reports differ: the 2011 市建委 report (seed 000) puts
  复议诉讼 before 收费.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nianbao.checks.engine import Context, Finding
from nianbao.schemas import edition2008 as e08

RULE = "SECTIONS"
_ART = f"条例{e08.ARTICLE}"


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _missing(item: str) -> str:
    return f"缺少{_ART}第{e08.ITEM_NUMBER[item]}项“{e08.ITEM_WORDING[item]}”"


def _figure_titles(item: str) -> str:
    """“主动公开政府信息数（条）”, or the group titles (“依申请公开：收到申请”…)."""
    fields = e08.KeyFigures.model_fields
    titles = dict.fromkeys(f"“{fields[path[0]].title}”" for path in e08.ITEM_FIGURES[item])
    return "".join(titles)


def _without_sections(ctx: Context) -> Iterator[Finding]:
    """No sections: the six items come from the key figures; say which cannot."""
    where = ctx.checked.sources.find(("narrative", "sections"))
    figures = ctx.report.figures
    for item, _, _ in e08.ITEMS:
        if item == "other" or e08.item_has_figures(figures, item):
            continue
        if item in e08.ITEM_FIGURES:
            why = (f"：没有填写正文各部分，也没有填写这一项的关键数据（{_figure_titles(item)}）。"
                   f"请填写关键数据，或在正文中加一部分写明（item: {item}）")
        else:
            why = (f"：没有填写正文各部分，这一项也无法由关键数据写出。请在正文中加一部分写明"
                   f"（item: {item}）")
        yield Finding(RULE, "error", _missing(item) + why, where=where)


def _section_name(n: int, heading: str | None) -> str:
    return f"第{n}部分“{heading}”" if heading else f"第{n}部分"


def _each_section(ctx: Context) -> Iterator[Finding]:
    """Every section has a heading or an item, and text or figures to state."""
    src = ctx.checked.sources
    for i, sec in enumerate(ctx.report.narrative.sections):
        n, path = i + 1, ("narrative", "sections", str(i))
        if _blank(sec.heading) and sec.item is None:
            yield Finding(RULE, "error", f"第{n}部分既没有标题，也没有注明对应条例事项：请补上标题",
                          where=src.find(path + ("heading",)))
        if not _blank(sec.text) or sec.item == "other" or \
                e08.item_has_figures(ctx.report.figures, sec.item):
            continue
        figures = _figure_titles(sec.item) if sec.item in e08.ITEM_FIGURES else ""
        also = f"，也没有填写这一项的关键数据（{figures}）" if figures else ""
        yield Finding(RULE, "error", f"{_section_name(n, sec.heading)}没有内容{also}：请补写",
                      where=src.find(path + ("text",)))


def _coverage(ctx: Context) -> Iterator[Finding]:
    """Every statutory item is reported by some section."""
    sections = ctx.report.narrative.sections
    where = ctx.checked.sources.find(("narrative", "sections"))
    tagged = {s.item for s in sections}
    for item, number, _ in e08.ITEMS:
        if item in tagged:
            continue
        if item == "other":
            yield Finding(RULE, "info", f"没有哪一部分对应{_ART}第{number}项“"
                          f"{e08.ITEM_WORDING[item]}”：视为本年度无其他需要报告的事项"
                          f"（如有，请加一部分并注明 item: {item}）", where=where)
            continue
        yield Finding(RULE, "error", f"{_missing(item)}：本报告的{len(sections)}个部分中没有哪一"
                      f"部分报告这一项（“对应条例事项”都不是{number}）。请补写这一部分，或在报告"
                      f"这一项的部分注明 item: {item}", where=where)


def _order(ctx: Context) -> Iterator[Finding]:
    """Tagged sections follow （一）…（六）; 概述 comes first."""
    src = ctx.checked.sources
    rank = {item: r for r, (item, _, _) in enumerate(e08.ITEMS)}
    sections = ctx.report.narrative.sections
    previous: tuple[int, Any] | None = None
    for i, sec in enumerate(sections):
        where = src.find(("narrative", "sections", str(i), "item"))
        if sec.item == e08.SUMMARY[0]:
            if any(s.item != e08.SUMMARY[0] for s in sections[:i]):
                yield Finding(RULE, "warning", f"{_section_name(i + 1, sec.heading)}是概述，"
                              "应放在最前面", where=where)
            continue
        if sec.item is None:
            continue
        if previous is not None and rank[sec.item] < rank[previous[1].item]:
            j, before = previous
            yield Finding(RULE, "warning",
                          f"各部分的顺序与{_ART}所列不一致：{_section_name(j + 1, before.heading)}"
                          f"（第{e08.ITEM_NUMBER[before.item]}项）排在"
                          f"{_section_name(i + 1, sec.heading)}（第{e08.ITEM_NUMBER[sec.item]}项）"
                          "之前", where=where)
        previous = (i, sec)


def items_sections(ctx: Context) -> Iterator[Finding]:
    """SECTIONS for the 2008 edition (see the module docstring)."""
    if not ctx.report.narrative.sections:
        yield from _without_sections(ctx)
        return
    yield from _each_section(ctx)
    yield from _coverage(ctx)
    yield from _order(ctx)


def items_texts(ctx: Context) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(model path, title, text) of the intro and every section the agency wrote (for the
    text rules, e.g. TEXT-YEAR)."""
    narrative = ctx.report.narrative
    if not _blank(narrative.intro):
        yield ("narrative", "intro"), "导语", narrative.intro
    for i, sec in enumerate(narrative.sections):
        if not _blank(sec.text):
            yield ("narrative", "sections", str(i), "text"), sec.heading or "", sec.text
