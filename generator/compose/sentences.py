"""Standard sentences stated from the figures where the agency wrote no text.

Row names come from the edition's labels in schemas/, so a sentence never spells a
statutory label differently from the table beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from nianbao.checks.textscan import column_word
from nianbao.compose.document import Para
from nianbao.fmt import format_value
from nianbao.schemas import Edition
from nianbao.schemas.features import TABLE2_ITEMS, TABLE2_STOCK
from nianbao.validate import Validated

NOTHING_ELSE = "本年度无其他需要报告的事项。"
# "（本年度）无/没有其他需要报告的事项" as agencies write it in 六
_NOTHING_ELSE = re.compile(r"(?:本年度?|今年|全年)?(?:本机关)?(?:无|没有|暂无)其他(?:需要|需|应当|应)?报告的?事项")
_ONLY_NOTHING_ELSE = re.compile(rf"^(?:{_NOTHING_ELSE.pattern})[。.]?$")


# 全区/全市…: the level of the 本级人民政府 whose office writes the summed report, from its
# name ("某某市某某区人民政府办公室" → 全区); longest names first so 自治县 is not read as 县
_LEVEL = re.compile(r"(自治区|自治州|自治县|自治旗|省|市|州|盟|县|区|旗)人民政府")
_WHOLE = {"自治区": "区", "自治州": "州", "自治县": "县", "自治旗": "旗"}


def _who(report: Any, clause: str) -> str:
    """Who the sentence speaks of, before its clause: "本机关…" in an agency's own report; in
    a summed report (Agency.covers, written by `nianbao aggregate`) the agencies summed:
    "全区纳入汇总的12个机关共新收…" / "…均未收到…" (issue 20: the figures are the district's,
    not one agency's)."""
    covered = report.agency.covered()
    if not covered:
        return "本机关" + clause
    return f"{_summed(report)}{'均' if clause.startswith(('没有', '未')) else '共'}{clause}"


def _summed(report: Any) -> str:
    """"全区纳入汇总的12个机关" (or "纳入汇总的12个机关" where the name tells no level)."""
    level = _LEVEL.search(report.agency.name)
    whole = f"全{_WHOLE.get(level[1], level[1])}" if level else ""
    return f"{whole}纳入汇总的{len(report.agency.covered())}个机关"


def _v(report: Any, *path: str) -> Any:
    for key in path:
        report = getattr(report, key, None)
    return report


def _n(v: Any) -> str:
    return format_value(v) if v is not None else "（未填）"


def _q(v: Any, unit: str) -> str:
    """A figure with its unit ("3件"); a blank as "（未填）", not "（未填）件"."""
    return f"{format_value(v)}{unit}" if v is not None else "（未填）"


def preamble(checked: Validated) -> list[Para]:
    """The preamble of practice: basis, the six parts, statistical period, where to find it."""
    report, edition = checked.report, checked.edition
    parts = "、".join(h.split("、", 1)[1] for _, h in edition.sections)
    year = report.year
    text = [
        (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{edition.name}要求，"
         f"由{report.agency.name}编制。"),
        (f"本报告内容包括：{parts}。"
         f"本报告中所列数据统计期限为{year}年1月1日至12月31日。"),
    ]
    if report.agency.covered():
        text.append(f"本报告所列数据由{_summed(report)}的年度报告数据汇总而成。")
    if report.agency.website:
        text.append(f"本报告电子版可在{report.agency.website}下载。")
    if report.agency.contact:
        text.append(f"如对本报告有疑问，请与{report.agency.name}联系（{report.agency.contact}）。")
    return [Para(t, generated=True) for t in text]


def default_part(key: str, checked: Validated) -> list[Para]:
    """Sentences for a part of 一、总体情况 left empty (only parts with figures get any)."""
    makers = {"proactive": proactive_maker(checked.edition), "on_request": _on_request}
    maker = makers.get(key)
    return [Para(maker(checked), generated=True)] if maker else []


def _some(v: Any) -> bool:
    """A figure to state (a blank is stated too, as "（未填）", so it is never hidden)."""
    return v is None or v != 0


def _acts(name: str, pairs: list[tuple[str, Any]]) -> str:
    """"制发行政规范性文件3件、废止1件": the figures with something to say, the name once."""
    shown = [(verb, v) for verb, v in pairs if _some(v)]
    return "、".join(f"{verb}{name if i == 0 else ''}{_q(v, '件')}"
                    for i, (verb, v) in enumerate(shown))


def _documents(name: str, acts: list[tuple[str, Any]], stock: tuple[str, Any]) -> str:
    """第二十条第（一）项 for one kind: the year's acts, then what is in force (or 对外公开).

    Zero acts are not listed one by one (issue 19 §2): "未制发、废止规章，现行有效规章2件";
    a kind with nothing at all is said once: "没有制发、废止或现行有效的规章"."""
    said = _acts(name, acts)
    verbs = "、".join(verb for verb, _ in acts)
    word, held = stock
    if said:
        return said + (f"，{word}{_q(held, '件')}" if _some(held) else "")
    if _some(held):
        return f"未{verbs}{name}，{word}{name}{_q(held, '件')}"
    return f"没有{verbs}或{word.removesuffix('总数')}的{name}"


def _document_clause(names: list[str], rows: list[Any], cols: tuple[tuple[str, str], ...]) -> str:
    """Both kinds of 第二十条第（一）项; two kinds with nothing at all are said once."""
    words = [column_word(text) for _, text in cols]
    if all(not _some(getattr(row, c)) for row in rows for c, _ in cols):
        stock = words[-1].removesuffix("总数")
        return f"没有{'、'.join(words[:-1])}或{stock}的{'和'.join(names)}"
    return "；".join(
        _documents(name, [(w, getattr(row, c)) for w, (c, _) in zip(words[:-1], cols[:-1],
                                                                        strict=True)],
                   (words[-1], getattr(row, cols[-1][0])))
        for name, row in zip(names, rows, strict=True))


def _decision_clause(named: list[tuple[str, Any]], word: str) -> str:
    """第二十条第（五）（六）项: "作出行政处罚决定3件，未作出行政许可、行政强制决定"."""
    some = [f"{name}{word}{_q(v, '件')}" for name, v in named if _some(v)]
    none = [name for name, v in named if not _some(v)]
    parts = (["作出" + "、".join(some)] if some else []) + \
        ([f"未作出{'、'.join(none)}{word}"] if none else [])
    return "，".join(parts)


def _fee_clause(name: str, amount: Any, unit: str) -> str:
    """第二十条第（八）项 (万元): "收取行政事业性收费12.5万元" / "未收取行政事业性收费"."""
    return f"收取{name}{_q(amount, unit)}" if _some(amount) else f"未收取{name}"


def _table2_documents(checked: Validated) -> tuple[Any, Any, dict[str, str], Any, str]:
    """(report, edition module, 表二's row names, 表二, its documents clause): what both
    editions' （一）主动公开 sentence starts from."""
    r, mod = checked.report, checked.edition.module
    rows, t2 = mod.T2_ROWS, r.table2
    kinds = ("regulations", "normative_documents")
    docs = _document_clause([rows[k] for k in kinds], [getattr(t2, k) for k in kinds],
                            mod.T2_DOC_COLS)
    return r, mod, rows, t2, docs


def _proactive_stock(checked: Validated) -> str:
    """（一）主动公开 from 表二 of TABLE2_STOCK (2021), clause by clause in the table's order."""
    r, mod, rows, t2, docs = _table2_documents(checked)
    decided = [(rows[k], getattr(t2, k).decisions) for k in ("licensing", "penalty", "coercion")]
    word = column_word(mod.T2_DECISIONS).removeprefix("处理")  # 决定
    fees = _fee_clause(rows["administrative_fees"], t2.administrative_fees.amount, "万元")
    if not any(_some(v) for _, v in decided) and not _some(t2.administrative_fees.amount) \
            and docs.startswith("没有"):  # nothing at all: one short sentence
        return f"{r.year}年，{_who(r, docs)}，{_decision_clause(decided, word)}，也{fees}。"
    return f"{r.year}年，{_who(r, docs)}；{_decision_clause(decided, word)}；{fees}。"


def _change(v: Any) -> str:
    """本年增/减 in words: 本年增加4项 / 本年减少8项 / 本年无增减."""
    if v is None:
        return "本年增减（未填）"
    return "本年无增减" if v == 0 else f"本年{'增加' if v > 0 else '减少'}{abs(v)}项"


def _items(name: str, row: Any) -> str:
    """第二十条第（五）（六）（八）项 (2019) for a row with figures: items, change, decisions."""
    text = (f"{name.removesuffix('事项')}事项上年{_q(row.previous_items, '项')}，"
            f"{_change(row.change)}")
    if hasattr(row, "decisions"):
        text += (f"，作出处理决定{_q(row.decisions, '件')}" if _some(row.decisions)
                 else "，未作出处理决定")
    return text


def _items_clause(rows: dict[str, str], t2: Any, keys: tuple[str, ...]) -> str:
    """Rows with figures stated; rows with nothing at all said once: "没有行政处罚、行政强制事项"."""
    def empty(row: Any) -> bool:
        return not any(_some(getattr(row, c)) for c in type(row).model_fields)
    said = [_items(rows[k], getattr(t2, k)) for k in keys if not empty(getattr(t2, k))]
    none = [rows[k] for k in keys if empty(getattr(t2, k))]
    return "；".join(said + ([f"没有{'、'.join(none)}事项"] if none else []))


def _proactive_items(checked: Validated) -> str:
    """（一）主动公开 from 表二 of TABLE2_ITEMS (2019): documents, items and decisions, fees,
    procurement."""
    r, mod, rows, t2, docs = _table2_documents(checked)
    items = _items_clause(rows, t2, ("licensing", "other_services", "penalty", "coercion",
                                          "administrative_fees"))
    buy = t2.procurement
    buy_cols = dict(mod.T2_PROCUREMENT_COLS)
    procurement = (f"{rows['procurement']}项目{_n(buy.projects)}项，"
                   f"{buy_cols['amount']}{_n(buy.amount)}"
                   if _some(buy.projects) or _some(buy.amount) else f"没有{rows['procurement']}项目")
    return f"{r.year}年，{_who(r, docs)}。{items}。{procurement}。"


# （一）主动公开 stated from 表二, by the table's shape (schemas/features.py): the table
# differs between the editions, and an edition declares which it has
PROACTIVE: dict[str, Callable[[Validated], str]] = {TABLE2_STOCK: _proactive_stock,
                                                    TABLE2_ITEMS: _proactive_items}


def proactive_maker(edition: Edition) -> Callable[[Validated], str] | None:
    """The sentence maker of （一）主动公开 for an edition's 表二 (None: it has no 表二 to
    state, and the part keeps only the agency's text)."""
    return next((make for need, make in PROACTIVE.items() if edition.has(need)), None)


def _outcome_groups(checked: Validated) -> dict[str, list[tuple[str, ...]]]:
    """Outcome rows of 表三 grouped as printed: （一）予以公开 … （六）其他处理, by label."""
    rows = list(dict.fromkeys(s.path[:-1] for s in checked.edition.table("三").slots))[2:-2]
    groups: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        label = checked.edition.slot(row + ("total",)).row_label.split(" / ")[1]
        groups.setdefault(label.split("）", 1)[1].split("（", 1)[0], []).append(row)
    return groups


def _sum_totals(checked: Validated, rows: list[tuple[str, ...]]) -> int | None:
    vals = [_v(checked.report, *row, "total") for row in rows]
    return None if any(v is None for v in vals) else sum(vals)


def _on_request(checked: Validated) -> str:
    """（二）依申请公开 from 表三: received, carried over, handled, and the outcomes that
    occurred (zero rows are not listed one by one, issue 19 §2)."""
    r = checked.report
    t3 = r.table3
    new, carry_in = t3.new.total, t3.carry_in.total
    if new == 0 and carry_in == 0:
        return f"{r.year}年，{_who(r, '未收到政府信息公开申请')}，也没有上年结转的申请。"
    head = [f"新收政府信息公开申请{_q(new, '件')}" if _some(new)
            else "未收到新的政府信息公开申请"]
    if _some(carry_in):
        head.append(f"上年结转{_q(carry_in, '件')}")
    done, carry_out = t3.total.total, t3.carry_out.total
    head.append(f"本年度办理完毕{_q(done, '件')}" if _some(done) else "本年度尚无办理完毕的申请")
    if _some(carry_out):
        head.append(f"结转下年度继续办理{_q(carry_out, '件')}")
    outcomes = [f"{name}{_q(total, '件')}" for name, rows in _outcome_groups(checked).items()
                if _some(total := _sum_totals(checked, rows))]
    tail = ("办理结果中，" + "，".join(outcomes) + "。") if outcomes and _some(done) else ""
    return f"{r.year}年，{_who(r, '，'.join(head))}。{tail}"


def fee_sentence(checked: Validated) -> list[Para]:
    """The 信息处理费 statement of section 六, from the fee figures when given."""
    fees = checked.report.fees
    if fees is None or fees.notices is None:
        return []
    if not fees.notices and not fees.amount_collected:
        return [Para("本年度未收取信息处理费。", generated=True)]
    return [Para(f"本年度共发出信息处理费收费通知{_n(fees.notices)}件，通知金额合计"
                 f"{_n(fees.amount_billed)}元，实际收取信息处理费{_n(fees.amount_collected)}元。",
                 generated=True)]


def says_nothing_else(text: str) -> bool:
    """True when a paragraph of 六 states that there is nothing else to report."""
    return _NOTHING_ELSE.search(text) is not None


def only_nothing_else(text: str) -> bool:
    """True when a paragraph of 六 is only "无其他需要报告的事项。"."""
    return _ONLY_NOTHING_ELSE.match(text.strip()) is not None


def fee_and_nothing_else(fee: Para) -> Para:
    """The fee statement and "nothing else" as one sentence, as a clerk writes it:
    "本年度未收取信息处理费，无其他需要报告的事项。" (issue 19 §3)."""
    return Para(fee.text.removesuffix("。") + "，无其他需要报告的事项。", generated=True)
