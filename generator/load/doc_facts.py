"""Facts a published report states in prose, read into the fields the schema has for them
(schemas/common.py): the 信息处理费 figures of 六 (InfoFees, 国办函〔2020〕109号) and the
agency's website and contact details of the preamble (Agency.website, Agency.contact).

A 六 paragraph that is nothing but the fee statement ("本年度未收取信息处理费。", "本年度共发出
信息处理费收费通知2件，通知金额合计300元，实际收取信息处理费200元。") becomes the figures and
leaves the text (nianbao prints the figures back as that sentence); followed by
"，无其他需要报告的事项" it leaves that as the text; a statement inside
longer text gives the figures and stays in the text.  Every value names its paragraph.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from nianbao.load.xlsx_labels import normalise

Found = dict[tuple[str, ...], tuple[Any, int]]  # model path → (value, paragraph number)

_NONE = re.compile(r"(未|没有|无|不)(收取|发生|产生|发出)(任何|过)?(政府信息公开)?(信息处理费|收费通知)")
_NOTICES = re.compile(r"发出(信息处理费)?收费通知(书)?(共计?)?(?P<v>\d+)件")
_BILLED = re.compile(r"(通知|收费通知)?金额(合计|共计|总计)?为?(?P<v>[\d,]+(\.\d+)?)元")
_COLLECTED = re.compile(r"实际收取(信息处理费)?(金额)?(合计|共计)?为?(?P<v>[\d,]+(\.\d+)?)元")
# a paragraph that is the fee statement and nothing else (on normalised text: "，" is ",")
_ONLY = re.compile(r"^(本年度?|全年|\d{4}年度?)?,?(本机关|本[局委办厅]|我[局委办厅])?(共)?"
                   r"(((未|没有)(收取|发生)(任何)?信息处理费)|(发出信息处理费收费通知\d+件,"
                   r"通知金额合计[\d,.]+元,实际收取信息处理费[\d,.]+元))"
                   r"(?P<tail>,无其他需要报告的事项)?。?$")
# nianbao writes the statement and "nothing else" as one sentence (compose._other): the
# figures are read, the "nothing else" stays as the text of 六
NOTHING_ELSE = "无其他需要报告的事项。"
_SITE = re.compile(r"(?:可在|可从|可登录|可访问|请登录|请访问)(?P<v>[^。，,]{2,80}?)(?:下载|查阅|查看|获取)")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9./\-_%?=&#]+")
_CONTACT = re.compile(r"联系[（(](?P<v>[^（）()]{4,160})[）)]")
_LABELS = re.compile(r"(联系地址|通讯地址|地址|联系电话|电话|邮政编码|邮编)[:：]")


def _number(text: str) -> Any:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() and "." not in text else value


def fee_facts(paras: list[tuple[int, str]]) -> tuple[Found, set[int]]:
    """(the fee figures stated, the paragraphs that are nothing but the statement)."""
    found: Found = {}
    only: set[int] = set()
    for number, text in paras:
        if "信息处理费" not in text and "收费通知" not in text:
            continue
        compact = normalise(text)
        figures = {key: m["v"] for key, rx in (("notices", _NOTICES), ("amount_billed", _BILLED),
                                                ("amount_collected", _COLLECTED))
                   if (m := rx.search(compact)) is not None}
        if not figures and _NONE.search(compact):
            figures = dict.fromkeys(("notices", "amount_billed", "amount_collected"), "0")
        for key, value in figures.items():
            found.setdefault(("fees", key), (_number(value), number))
        if figures and _ONLY.match(compact):
            only.add(number)
    return found, only


def _fee_then_nothing_else(text: str) -> bool:
    """True for "本年度未收取信息处理费，无其他需要报告的事项。" (fee statement, then nothing else)."""
    m = _ONLY.match(normalise(text))
    return m is not None and m["tail"] is not None


def agency_facts(paras: list[tuple[int, str]]) -> Found:
    """The website and contact details stated before the first section (the preamble)."""
    found: Found = {}
    for number, text in paras:
        site = _SITE.search(text) or _URL.search(text)
        if site is not None and ("agency", "website") not in found:
            value = site["v"] if site.re is _SITE else site[0]
            found[("agency", "website")] = (value.strip(), number)
        contact = _CONTACT.search(text)
        if contact is None or not _LABELS.search(contact["v"]):
            contact = None
            for sentence in re.split(r"[。；;]", text):
                label = _LABELS.search(sentence)
                if label is not None:
                    found.setdefault(("agency", "contact"),
                                     (sentence[label.start():].strip(" ，,）)"), number))
                    break
        if contact is not None:
            found.setdefault(("agency", "contact"), (contact["v"].strip(), number))
    return found


def read_facts(data: dict[str, Any], sources: dict[tuple[str, ...], Any], name: str,
               paras: list[tuple[int, Any]], narrative: Any, first: int) -> None:
    """Fee figures from 六 and the agency's website and contact from the preamble (the
    paragraphs before ``first``), put into data with their paragraphs as sources."""
    from nianbao.load.doc_text import put
    from nianbao.provenance import Source

    other = ("narrative", "other")
    texts = narrative.texts.get(other, [])
    numbers = narrative.numbers.get(other, [])[:len(texts)]
    fees, only = fee_facts(list(zip(numbers, texts, strict=True)))
    if only:
        kept = [(n, t if n not in only else NOTHING_ELSE)
                for n, t in zip(numbers, texts, strict=True)
                if n not in only or _fee_then_nothing_else(t)]
        narrative.texts[other] = [t for _, t in kept]
        narrative.numbers[other] = [n for n, _ in kept]
    preamble = [(n, p.text.strip()) for n, p in paras if n < first]
    for path, (value, number) in (agency_facts(preamble) | fees).items():
        if value is not None:
            put(data, path, value)
            sources[path] = Source(name, paragraph=number)
