"""A published 2008-edition report (2007 条例第三十二条, reports for 2008–2018) read as its
narrative items: no statutory table, the agency's own sections (formats.md §4).

Real reports of the era (seeds 000, 001, 002) print a title, a preamble, then sections
numbered 一、二、三… in their own words ("一、概述", "四、行政复议和诉讼情况", "六、下一步工作
重点"), sub-headings （一）… and "一是…" inside them, and a 落款.  The reader keeps:

- narrative.intro: the paragraphs between the title and the first section (a portal's
  "发布时间：2013-03-22 作者：…" lines are not text; their date is the publication date when
  no 落款 date is printed);
- narrative.sections: one per top-level heading, numbered in sequence (一、 then 二、 …; an
  "二是" or a "（二）" inside a section is text), each with its heading as printed, its text
  (paragraphs joined by line breaks) and the item of 第三十二条 it reports when its heading
  names one (`item_for`); the 落款 is not text of the last section.

Which item a heading reports is read from words of the item's official wording in
schemas/edition2008.py (a heading that names none stays untagged: SECTIONS then says which
item is missing), and, for a report whose headings follow the six items, from its place.
"""

from __future__ import annotations

import re
from typing import Any

from nianbao.load.doc_grid import Paragraph
from nianbao.load.doc_text import HEADING_MAX, any_date, signature_date
from nianbao.load.xlsx_labels import normalise
from nianbao.schemas import edition2008 as e08

# Words by which a heading names an item: pieces of the item's official wording
# (checked below), plus the practice words "概况" and "下一步" (seed 000: "六、下一步工作重点"
# reports （五）'s 改进情况).
ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "summary": ("概述",),
    "proactive": ("主动公开",),
    "on_request": ("依申请", "不予公开"),
    "charges": ("收费", "减免"),
    "review": ("复议", "诉讼"),
    "problems": ("问题", "改进"),
    "other": ("其他",),
}
PRACTICE_WORDS = {"summary": ("概况",), "problems": ("下一步",)}
for _item, _words in ITEM_WORDS.items():  # the words are the statute's, not retyped
    assert all(w in e08.ITEM_LABEL[_item] for w in _words), _item
FOLLOWS_ITEMS = 4  # sections named by their words for the report to follow the six items
_SECTION = re.compile(r"^(?P<num>[一二三四五六七八九十]+)[、.,，．]")
_META = re.compile(r"^(发布时间|发布日期|时间|来源|作者|信息来源|浏览次数|点击数|【字体|字体[:：])")


def item_for(heading: str) -> str | None:
    """The item of 第三十二条 a heading names by its words (the first item named wins)."""
    words = normalise(heading)
    for item, official in ITEM_WORDS.items():
        if any(w in words for w in official + PRACTICE_WORDS.get(item, ())):
            return item
    return None


def _heading(para: Paragraph, expected: str) -> tuple[str, str] | None:
    """(heading, text after it) when a paragraph starts section ``expected`` (一, 二…): a
    short paragraph, or a bold lead ending the heading ("一、概述。2011年…")."""
    text = para.text.strip()
    match = _SECTION.match(normalise(text))
    if match is None or match["num"] != expected:
        return None
    lead = para.lead.strip()
    if lead and text.startswith(lead) and len(normalise(lead)) <= HEADING_MAX:
        return lead.rstrip("。：: "), text[len(lead):].lstrip("。：: \u3000").strip()
    if len(normalise(text)) <= HEADING_MAX and not text.endswith("。"):
        return text, ""
    return None


def _split(paras: list[tuple[int, Paragraph]], start: int
           ) -> tuple[list[tuple[int, str]], list[dict[str, Any]]]:
    """Intro paragraphs and sections (heading, its paragraph, [(paragraph, text)])."""
    intro: list[tuple[int, str]] = []
    sections: list[dict[str, Any]] = []
    for number, para in paras:
        if number < start:
            continue
        found = _heading(para, e08.cn_numeral(len(sections) + 1))
        if found is not None:
            sections.append({"heading": found[0], "at": number, "texts": []})
            body = found[1]
        else:
            body = para.text.strip()
        if body:
            (sections[-1]["texts"] if sections else intro).append((number, body))
    return intro, sections


def _tag(sections: list[dict[str, Any]]) -> None:
    """Each section's item: by its heading's words; an untagged section of a report whose
    headings follow the six items takes the item of its place when no other reports it."""
    for sec in sections:
        sec["item"] = item_for(sec["heading"])
    tagged = {s["item"] for s in sections if s["item"] is not None}
    if len(tagged) < FOLLOWS_ITEMS:
        return
    offset = 1 if sections and sections[0]["item"] == "summary" else 0
    for i, sec in enumerate(sections):
        place = i - offset
        if sec["item"] is None and 0 <= place < len(e08.ITEMS):
            item = e08.ITEMS[place][0]
            if item not in tagged:
                sec["item"] = item
                tagged.add(item)


def read_items(paras: list[tuple[int, Paragraph]], start: int, agency: str | None,
               ) -> tuple[dict[str, Any], dict[tuple[str, ...], int], Any]:
    """(narrative, paragraph of each path read, publication date or None) of a 2008
    report whose text begins at paragraph ``start`` (after its title)."""
    intro, sections = _split(paras, start)
    _tag(sections)
    meta = [(n, t) for n, t in intro if _META.match(normalise(t))]
    intro = [(n, t) for n, t in intro if not _META.match(normalise(t))]
    where: dict[tuple[str, ...], int] = {}
    date = None
    if sections:
        texts = sections[-1]["texts"]
        date, drop = signature_date([t for _, t in texts], agency)
        if drop:
            where[("published",)] = texts[-drop:][-1][0] if date is None else next(
                n for n, t in texts[-drop:] if any_date(t) == date)
            del texts[-drop:]
    if date is None:  # 发布时间 of the portal's page
        dated = [(n, d) for n, d in ((n, any_date(t)) for n, t in meta) if d is not None]
        if dated:
            where[("published",)], date = dated[0]
    narrative: dict[str, Any] = {"sections": []}
    if intro:
        narrative["intro"] = "\n".join(t for _, t in intro)
        where[("narrative", "intro")] = intro[0][0]
    if sections:
        where[("narrative", "sections")] = sections[0]["at"]
    for i, sec in enumerate(sections):
        path = ("narrative", "sections", str(i))
        out = {"heading": sec["heading"], "item": sec["item"]}
        if sec["texts"]:
            out["text"] = "\n".join(t for _, t in sec["texts"])
        narrative["sections"].append(out)
        for key in ((), ("heading",), ("item",)):
            where[path + key] = sec["at"]
        where[path + ("text",)] = sec["texts"][0][0] if sec["texts"] else sec["at"]
    return narrative, where, date
