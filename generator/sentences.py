"""Standard sentences stated from the figures where the agency wrote no text.

Row names come from the edition's labels in schemas/, so a sentence never spells a
statutory label differently from the table beside it.
"""

from __future__ import annotations

from typing import Any

from nianbao.document import Para
from nianbao.fmt import format_value
from nianbao.validate import Validated

NOTHING_ELSE = "本年度无其他需要报告的事项。"


def _v(report: Any, *path: str) -> Any:
    for key in path:
        report = getattr(report, key, None)
    return report


def _n(v: Any) -> str:
    return format_value(v) if v is not None else "（未填）"


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
    if report.agency.website:
        text.append(f"本报告电子版可在{report.agency.website}下载。")
    if report.agency.contact:
        text.append(f"如对本报告有疑问，请与{report.agency.name}联系（{report.agency.contact}）。")
    return [Para(t, generated=True) for t in text]


def default_part(key: str, checked: Validated) -> list[Para]:
    """Sentences for a part of 一、总体情况 left empty (only parts with figures get any)."""
    makers = {"proactive": PROACTIVE.get(checked.edition.id), "on_request": _on_request}
    maker = makers.get(key)
    return [Para(maker(checked), generated=True)] if maker else []


def _proactive_2021(checked: Validated) -> str:
    r, mod = checked.report, checked.edition.module
    rows = mod.T2_ROWS
    t2 = r.table2
    return (f"{r.year}年，本机关制发{rows['regulations']}{_n(t2.regulations.issued)}件、"
            f"{rows['normative_documents']}{_n(t2.normative_documents.issued)}件，废止"
            f"{rows['regulations']}{_n(t2.regulations.repealed)}件、{rows['normative_documents']}"
            f"{_n(t2.normative_documents.repealed)}件，现行有效{rows['regulations']}"
            f"{_n(t2.regulations.in_force)}件、{rows['normative_documents']}"
            f"{_n(t2.normative_documents.in_force)}件；作出{rows['licensing']}决定"
            f"{_n(t2.licensing.decisions)}件、{rows['penalty']}决定{_n(t2.penalty.decisions)}件、"
            f"{rows['coercion']}决定{_n(t2.coercion.decisions)}件；{rows['administrative_fees']}"
            f"收费金额{_n(t2.administrative_fees.amount)}万元。")


def _change(label: str, v: Any) -> str:
    """本年增/减 in words: 本年增加4项 / 本年减少8项 / 本年无增减."""
    if v is None:
        return f"{label}（未填）"
    return "本年无增减" if v == 0 else f"本年{'增加' if v > 0 else '减少'}{abs(v)}项"


def _proactive_2019(checked: Validated) -> str:
    r, mod = checked.report, checked.edition.module
    rows, t2 = mod.T2_ROWS, r.table2
    doc_cols, item_cols = dict(mod.T2_DOC_COLS), dict(mod.T2_ITEM_COLS)
    buy_cols = dict(mod.T2_PROCUREMENT_COLS)

    def docs(key: str) -> str:
        row = getattr(t2, key)
        return rows[key] + "：" + "，".join(f"{text}{_n(getattr(row, col))}件"
                                          for col, text in doc_cols.items())

    def items(key: str) -> str:
        row = getattr(t2, key)
        parts = [f"{item_cols['previous_items']}{_n(row.previous_items)}项",
                 _change(item_cols["change"], row.change)]
        if hasattr(row, "decisions"):
            parts.append(f"{item_cols['decisions']}{_n(row.decisions)}件")
        return rows[key] + "：" + "，".join(parts)

    buy = t2.procurement
    return (f"{r.year}年，{docs('regulations')}；{docs('normative_documents')}。"
            + "；".join(items(k) for k in ("licensing", "other_services", "penalty", "coercion"))
            + f"。{items('administrative_fees')}。{rows['procurement']}：{buy_cols['projects']}"
            f"{_n(buy.projects)}项，{buy_cols['amount']}{_n(buy.amount)}。")


# （一）主动公开 stated from 表二, per edition (the table differs between 2019 and 2021)
PROACTIVE = {"2021": _proactive_2021, "2019": _proactive_2019}


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
    r = checked.report
    t3 = r.table3
    new, carry_in = t3.new.total, t3.carry_in.total
    if new == 0 and carry_in == 0:
        return f"{r.year}年，本机关未收到政府信息公开申请，也没有上年结转的申请。"
    head = (f"{r.year}年，本机关新收政府信息公开申请{_n(new)}件，上年结转{_n(carry_in)}件，"
            f"本年度办理完毕{_n(t3.total.total)}件，结转下年度继续办理{_n(t3.carry_out.total)}件。")
    outcomes = [f"{name}{_n(_sum_totals(checked, rows))}件"
                for name, rows in _outcome_groups(checked).items()]
    return head + "办理结果中，" + "，".join(outcomes) + "。"


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
