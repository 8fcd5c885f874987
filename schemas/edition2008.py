"""Edition 2008 (2007 条例 第三十二条): reports for 2008–2018 — six narrative items, no table.

The 2007 条例 (国务院令第492号) 第三十二条 lists what a report "应当包括" (formats.md §4):
six items, in prose, with no national table.  Real reports of the era use their OWN
headings (一、概述 / 二、主动公开政府信息情况 / …, or headings about the agency's work that
follow none of the items), so the input is a list of sections, each with the agency's
heading, its text, and optionally the statutory item it reports::

    narrative:
      intro: 第一个标题之前的文字（导语，可空）
      sections:
        - heading: 一、概述
          item: summary          # summary（概述）, or one of the six items below
          text: |
            ……
    figures:                     # 关键数据（均可空）: stated in default sentences where a
      proactive_items: 600       # section tied to an item has no text
      requests: {total: 41, in_person: …, fax: …, email: …, online: …, letter: …, other: …}
      replies: {total: …, granted: …, partial: …, denied: …}
      charges: {collected: 0, waived: 0}
      reviews: 0
      lawsuits: 0
      complaints: 0

Without sections, the report is the six items under default headings (`SECTIONS`, derived
from the item labels: "一、主动公开政府信息的情况" …), the figures stated in sentences.

The item labels below are the official wording, written here once; messages, headings and
the workbook take them from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from nianbao.schemas.common import ReportBase
from nianbao.schemas.features import NARRATIVE_ITEMS
from nianbao.schemas.types import Amount, Count, Strict, Text
from pydantic import AfterValidator, Field, create_model
from pydantic_core import PydanticCustomError

EDITION_ID = "2008"
YEARS = (2008, 2018)   # schemas/statute/formats.md §1 (reports before 2008 are read as 2008)
FEATURES = frozenset({NARRATIVE_ITEMS})
STATUTE = "《中华人民共和国政府信息公开条例》"
ORDER_NO = "（国务院令第492号）"
ARTICLE = "第三十二条"
EDITION_NAME = f"{STATUTE}{ORDER_NO}{ARTICLE}"
TABLES = ()

# ---- the six items of 2007 条例第三十二条 (official, formats.md §4) ------------------------
ITEMS: tuple[tuple[str, str, str], ...] = (  # (id, number, official wording)
    ("proactive", "（一）", "行政机关主动公开政府信息的情况"),
    ("on_request", "（二）", "行政机关依申请公开政府信息和不予公开政府信息的情况"),
    ("charges", "（三）", "政府信息公开的收费及减免情况"),
    ("review", "（四）", "因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("problems", "（五）", "政府信息公开工作存在的主要问题及改进情况"),
    ("other", "（六）", "其他需要报告的事项"),
)
# 概述: not a statutory item, but most reports open with it (formats.md §4: "概述 first
# where given"); a section may be tagged with it so the order can be checked.
SUMMARY = ("summary", "概述")
ITEM_IDS = (SUMMARY[0],) + tuple(i for i, _, _ in ITEMS)
ITEM_LABEL = {i: f"{n}{text}" for i, n, text in ITEMS} | {SUMMARY[0]: SUMMARY[1]}
ITEM_NUMBER = {i: n for i, n, _ in ITEMS}
ITEM_WORDING = {i: text for i, _, text in ITEMS}
# Default headings: the item wording without the subject "行政机关" (the report is the
# agency's own), numbered 一、二、… by position.
ITEM_HEADING = {i: text.removeprefix("行政机关") for i, _, text in ITEMS} | {
    SUMMARY[0]: SUMMARY[1]}
NUMERALS = "一二三四五六七八九十"
ItemId = Literal["summary", "proactive", "on_request", "charges", "review", "problems", "other"]
ITEM_HELP = "、".join(f"{i} {ITEM_NUMBER.get(i, ITEM_LABEL[i])}" for i in ITEM_IDS)


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (section numbers; 1 ≤ n ≤ 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def default_heading(position: int, item: str) -> str:
    """"三、政府信息公开的收费及减免情况": the item's heading numbered by its position."""
    return f"{cn_numeral(position)}、{ITEM_HEADING[item]}"


# ---- key figures ---------------------------------------------------------------------------
def _not_negative(v: Any) -> Any:
    # No table slots in this edition, so VAL-NONNEG (which walks table cells) does not see
    # these: the sign is checked here, and the message names the figure by its title.
    if v is not None and v < 0:
        raise PydanticCustomError("nianbao_negative", "不能为负数（填的是{v}）", {"v": str(v)})
    return v


NonNegCount = Annotated[Count, AfterValidator(_not_negative)]
NonNegAmount = Annotated[Amount, AfterValidator(_not_negative)]


class Requests(Strict):
    """依申请公开: requests received, in total and by channel (as 莆田 2009 counted them)."""

    total: NonNegCount = Field(default=None, title="收到政府信息公开申请总数（件）")
    in_person: NonNegCount = Field(default=None, title="当面申请数（件）")
    fax: NonNegCount = Field(default=None, title="传真申请数（件）")
    email: NonNegCount = Field(default=None, title="电子邮件申请数（件）")
    online: NonNegCount = Field(default=None, title="网上申请数（件）")
    letter: NonNegCount = Field(default=None, title="信函申请数（件）")
    other: NonNegCount = Field(default=None, title="其他方式申请数（件）")


class Replies(Strict):
    """依申请公开: requests answered, by outcome."""

    total: NonNegCount = Field(default=None, title="答复申请总数（件）")
    granted: NonNegCount = Field(default=None, title="同意公开（件）")
    partial: NonNegCount = Field(default=None, title="同意部分公开（件）")
    denied: NonNegCount = Field(default=None, title="不予公开（件）")


class Charges(Strict):
    """收费及减免 (2007 条例第二十七条: 检索、复制、邮寄等成本费用), in 元."""

    collected: NonNegAmount = Field(default=None, title="收取费用金额（元）")
    waived: NonNegAmount = Field(default=None, title="减免费用金额（元）")


class KeyFigures(Strict):
    """关键数据: the figures reports of the era state in prose; all optional."""

    proactive_items: NonNegCount = Field(default=None, title="主动公开政府信息数（条）")
    requests: Requests = Field(default_factory=Requests, title="依申请公开：收到申请")
    replies: Replies = Field(default_factory=Replies, title="依申请公开：答复")
    charges: Charges = Field(default_factory=Charges, title="收费及减免")
    reviews: NonNegCount = Field(default=None, title="因政府信息公开申请行政复议数（件）")
    lawsuits: NonNegCount = Field(default=None, title="因政府信息公开提起行政诉讼数（件）")
    complaints: NonNegCount = Field(default=None, title="因政府信息公开提出申诉数（件）")


# Which figures state which item (default sentences; SECTIONS counts an item with figures
# as reported).  Paths below `figures`.
ITEM_FIGURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "proactive": (("proactive_items",),),
    "on_request": tuple(("requests", k) for k in Requests.model_fields)
    + tuple(("replies", k) for k in Replies.model_fields),
    "charges": tuple(("charges", k) for k in Charges.model_fields),
    "review": (("reviews",), ("lawsuits",), ("complaints",)),
}


def figure(figures: Any, path: tuple[str, ...]) -> Any:
    """A figure by its path below `figures` (None when not given)."""
    for key in path:
        figures = getattr(figures, key, None)
    return figures


def item_has_figures(figures: Any, item: str | None) -> bool:
    """Whether any figure of the item is given (so sentences can state it)."""
    return any(figure(figures, p) is not None for p in ITEM_FIGURES.get(item or "", ()))


# ---- narrative -----------------------------------------------------------------------------
class Section2008(Strict):
    """One part of the report as the agency headed it."""

    heading: Text = Field(default=None, title="标题（空着则按条例事项生成）")
    item: ItemId | None = Field(default=None, title="对应条例第三十二条事项",
                                description=ITEM_HELP)
    text: Text = Field(default=None, title="内容（空着则按关键数据写出标准语句）")


class Narrative2008(Strict):
    """正文: text before the first heading, then the sections in the report's order."""

    intro: Text = Field(default=None, title="导语（第一个标题之前的文字，可空）")
    sections: tuple[Section2008, ...] = Field(default=(), title="各部分（按报告中的顺序）")


def template_narrative() -> dict[str, Any]:
    """The sections a new input file offers: the six items under their default headings."""
    return {"intro": None, "sections": [{"heading": h, "item": i, "text": None}
                                        for i, h in SECTIONS]}


# ---- the report ----------------------------------------------------------------------------
class _Base2008(Strict):
    """What ReportBase offers besides its fields: the title line; no 信息处理费 (2021 on)."""

    @property
    def title(self) -> str:
        """（机关名称）YYYY年政府信息公开工作年度报告."""
        return ReportBase.title.fget(self)  # type: ignore[attr-defined]

    @property
    def fees(self) -> None:
        """信息处理费 (国办函〔2020〕109号) did not exist: always None."""
        return None


# agency, year, published and signature exactly as every edition has them (schemas.common);
# not `fees` (信息处理费 began in 2021: the 2007 条例's charges are `figures.charges`)
_COMMON = {k: (f.annotation, f) for k, f in ReportBase.model_fields.items()
           if k in ("agency", "year", "published", "signature")}
Report2008 = create_model(  # type: ignore[call-overload]
    "Report2008", __base__=_Base2008,
    __doc__="A report in the 2008 edition: the sections of 条例第三十二条 and key figures.",
    edition=(Literal["2008"], Field(default="2008", title="格式版本")),
    **_COMMON,
    narrative=(Narrative2008, Field(default_factory=Narrative2008, title="正文")),
    figures=(KeyFigures, Field(default_factory=KeyFigures, title="关键数据")),
)

SECTIONS = tuple((i, default_heading(n, i)) for n, (i, _, _) in enumerate(ITEMS, start=1))
MODEL = Report2008
