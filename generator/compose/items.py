"""Compose the 2008 edition (2007 条例第三十二条): the agency's sections, or the six items.

- Preamble: the agency's `narrative.intro` when given; otherwise a generated one citing the
  条例 and 第三十二条, listing the parts and the statistical period (1月1日至12月31日).
- Sections given: each is printed in the report's order under its own heading (a section
  without a heading gets its item's default heading, numbered by its position: "三、政府信息
  公开的收费及减免情况").  A section whose text is empty states the figures of its item in
  standard sentences (none for 概述 and （五）; "本年度无其他需要报告的事项。" for （六）).
- No sections: the six items under their default headings (`schemas.edition2008.SECTIONS`),
  each stated from the key figures.
- Sub-headings in the agency's text: a line opening with （一）/(一) … that is short
  (≤ SUBHEAD_MAX characters) and has no closing sentence punctuation is printed as a level-2
  heading (楷体); anything longer, or ending in 。；：, stays a paragraph.

Section ids are "s1" … "sN" in printed order (unique; the headings are the agency's own).
"""

from __future__ import annotations

import re
from typing import Any

from nianbao.compose.document import Block, Heading, Para, Section
from nianbao.compose.sentences import NOTHING_ELSE
from nianbao.fmt import format_value
from nianbao.schemas import edition2008 as e08
from nianbao.validate import Validated

SUBHEAD = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")
SUBHEAD_MAX = 30
_CLOSING = ("。", "；", "：", ";", ":", "！", "？")


def text_blocks(text: str | None) -> list[Block]:
    """The agency's text: one paragraph per line, short （一） lines as level-2 headings."""
    blocks: list[Block] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if SUBHEAD.match(line) and len(line) <= SUBHEAD_MAX and not line.endswith(_CLOSING):
            blocks.append(Heading(line, 2))
        else:
            blocks.append(Para(line))
    return blocks


def _n(v: Any) -> str:
    return format_value(v)


def _listed(pairs: list[tuple[str, Any]], unit: str) -> str:
    """"同意公开3件、不予公开0件" for the figures given."""
    return "、".join(f"{name}{_n(v)}{unit}" for name, v in pairs if v is not None)


def _proactive(f: Any, year: int) -> list[str]:
    if f.proactive_items == 0:  # not "主动公开政府信息0条" (issue 19 §2)
        return [f"{year}年，本机关未主动公开政府信息。"]
    return [f"{year}年，本机关主动公开政府信息{_n(f.proactive_items)}条。"]


def _of_which(total: Any, pairs: list[tuple[str, Any]], alone: str) -> str:
    """"，其中当面5件、网上7件"; one kind making the whole total: alone ("，均为网上申请")."""
    shown = [(name, v) for name, v in pairs if v]
    if len(shown) == 1 and shown[0][1] == total:
        return "，" + alone.format(shown[0][0])
    listed = _listed(shown, "件")
    return f"，其中{listed}" if listed else ""


_CHANNELS = (("in_person", "当面"), ("fax", "传真"), ("email", "电子邮件"), ("online", "网上"),
             ("letter", "信函"), ("other", "其他方式"))
_REPLIES = (("granted", "同意公开"), ("partial", "同意部分公开"), ("denied", "不予公开"))
_REPLY_KEYS = ("total",) + tuple(k for k, _ in _REPLIES)


def _on_request(f: Any, year: int) -> list[str]:
    req, rep = f.requests, f.replies
    out = []
    if req.total == 0 and not rep.total:
        out.append(f"{year}年，本机关未收到政府信息公开申请。")
        if not any(getattr(rep, k) for k in _REPLY_KEYS):
            return out  # "已答复0件" would say nothing more
    elif req.total is not None:
        channels = _of_which(req.total, [(name, getattr(req, k)) for k, name in _CHANNELS],
                             "均为{}申请")
        out.append(f"{year}年，本机关共收到政府信息公开申请{_n(req.total)}件{channels}。")
    elif any(getattr(req, k) is not None for k, _ in _CHANNELS):
        out.append(f"{year}年，本机关收到政府信息公开申请："
                   + _listed([(name, getattr(req, k)) for k, name in _CHANNELS], "件") + "。")
    # outcomes that occurred: "不予公开0件" is not listed (issue 19 §2)
    outcomes = _listed([(name, getattr(rep, k)) for k, name in _REPLIES
                        if getattr(rep, k) != 0], "件")
    if rep.total is not None:
        replies = _of_which(rep.total, [(name, getattr(rep, k)) for k, name in _REPLIES], "均{}")
        out.append(f"已答复{_n(rep.total)}件{replies}。")
    elif outcomes:
        out.append(f"答复情况：{outcomes}。")
    return out


def _phrase(v: Any, none: str, some: str) -> str:
    """The phrase for one figure: `none` when 0, `some` with the figure otherwise."""
    return none if v == 0 else some.format(_n(v))


def _charges(f: Any, year: int) -> list[str]:
    c = f.charges
    if c.collected == 0 and c.waived == 0:
        return [f"{year}年，本机关政府信息公开工作未收取费用，也没有减免费用。"]
    parts = [_phrase(c.collected, "未收取政府信息公开费用", "收取政府信息公开检索、复制、邮寄等费用{}元")
             if c.collected is not None else "",
             _phrase(c.waived, "没有减免费用", "减免费用{}元") if c.waived is not None else ""]
    return [f"{year}年，本机关" + "，".join(p for p in parts if p) + "。"]


def _review(f: Any, year: int) -> list[str]:
    out = []
    if f.reviews == 0 and f.lawsuits == 0:
        out.append(f"{year}年，本机关未发生因政府信息公开申请行政复议、提起行政诉讼的情况。")
    elif f.reviews is not None or f.lawsuits is not None:
        parts = [_phrase(f.reviews, "没有因政府信息公开被申请行政复议",
                         "因政府信息公开被申请行政复议{}件") if f.reviews is not None else "",
                 _phrase(f.lawsuits, "没有因政府信息公开被提起行政诉讼",
                         "因政府信息公开被提起行政诉讼{}件") if f.lawsuits is not None else ""]
        out.append(f"{year}年，本机关" + "，".join(p for p in parts if p) + "。")
    if f.complaints is not None:
        out.append(_phrase(f.complaints, "没有因政府信息公开提出的申诉。",
                           "收到因政府信息公开提出的申诉{}件。"))
    return out


_SENTENCES = {"proactive": _proactive, "on_request": _on_request, "charges": _charges,
              "review": _review}


def default_blocks(item: str | None, checked: Validated) -> list[Block]:
    """Standard sentences for an item without text: its figures, or nothing to report."""
    report = checked.report
    if item == "other":
        return [Para(NOTHING_ELSE, generated=True)]
    maker = _SENTENCES.get(item or "")
    if maker is None or not e08.item_has_figures(report.figures, item):
        return []
    return [Para(text, generated=True) for text in maker(report.figures, report.year)]


def items_sections(checked: Validated) -> tuple[Section, ...]:
    """The sections as the agency gave them, or the six statutory items."""
    given = checked.report.narrative.sections
    if not given:
        return tuple(Section(f"s{n}", heading, tuple(default_blocks(item, checked)))
                     for n, (item, heading) in enumerate(e08.SECTIONS, start=1))
    sections = []
    for n, sec in enumerate(given, start=1):
        heading = sec.heading or (e08.default_heading(n, sec.item) if sec.item
                                  else f"{e08.cn_numeral(n)}、")
        blocks = text_blocks(sec.text) or default_blocks(sec.item, checked)
        sections.append(Section(f"s{n}", heading, tuple(blocks)))
    return tuple(sections)


def _part_name(heading: str) -> str:
    """"三、收费情况" → "收费情况" (the heading without its number)."""
    return re.sub(r"^[一二三四五六七八九十]+[、，,.．]\s*", "", heading)


def items_preamble(checked: Validated) -> tuple[Para, ...]:
    """The agency's intro, or the preamble of practice for a report under 第三十二条."""
    report = checked.report
    if report.narrative.intro:
        return tuple(Para(line.strip()) for line in report.narrative.intro.splitlines()
                     if line.strip())
    year = report.year
    parts = "、".join(_part_name(s.heading) for s in items_sections(checked) if s.heading)
    text = [
        (f"本报告根据{e08.STATUTE}（以下简称《条例》）{e08.ARTICLE}的规定，由{report.agency.name}"
        "编制。"),
        (f"本报告内容包括：{parts}。" if parts else "")
        + f"本报告中所列数据统计期限为{year}年1月1日至12月31日。",
    ]
    if report.agency.website:
        text.append(f"本报告电子版可在{report.agency.website}下载。")
    if report.agency.contact:
        text.append(f"如对本报告有疑问，请与{report.agency.name}联系（{report.agency.contact}）。")
    return tuple(Para(t, generated=True) for t in text)
