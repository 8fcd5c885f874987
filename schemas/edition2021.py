"""Edition 2021 (国办公开办函〔2021〕30号): models and table layouts.

Every label below is copied character for character from schemas/statute/formats.md §2
(a copy of shared/spec/formats.md).  Renderers, readers, writers and messages take labels from here and nowhere else.
"""

from __future__ import annotations

from typing import Literal

from nianbao.schemas.common import ReportBase, section_headings
from nianbao.schemas.features import (
    FEE_STATEMENT,
    STATUTORY_TABLES,
    TABLE2,
    TABLE2_STOCK,
    TABLE3_OUTCOMES,
    TABLE3_UNPAID_FEE,
    TABLE4,
)
from nianbao.schemas.layout import banner, build_table, head, label, value
from nianbao.schemas.types import Amount, Count, Strict
from pydantic import Field, create_model

EDITION_ID = "2021"
EDITION_NAME = "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）"
# Reports of 2021 on (schemas/statute/formats.md §1); the last year is set when a newer
# format is issued.
YEARS = (2021, None)
FEATURES = frozenset({STATUTORY_TABLES, TABLE2, TABLE2_STOCK, TABLE3_OUTCOMES, TABLE3_UNPAID_FEE,
                      TABLE4, FEE_STATEMENT})

# ---- 表二 主动公开政府信息情况 (formats.md §2.2) --------------------------------------
T2_HEADING = "二、主动公开政府信息情况"
T2_CONTENT = "信息内容"
T2_ITEM_1 = "第二十条第（一）项"
T2_ITEM_5 = "第二十条第（五）项"
T2_ITEM_6 = "第二十条第（六）项"
T2_ITEM_8 = "第二十条第（八）项"
T2_DOC_COLS = (("issued", "本年制发件数"), ("repealed", "本年废止件数"),
               ("in_force", "现行有效件数"))
T2_DECISIONS = "本年处理决定数量"
T2_FEE_AMOUNT = "本年收费金额（单位：万元）"
T2_ROWS = {
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "administrative_fees": "行政事业性收费",
}

# ---- 表三 收到和处理政府信息公开申请情况 (formats.md §2.3) ------------------------------
T3_HEADING = "三、收到和处理政府信息公开申请情况"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANTS = "申请人情况"
T3_LEGAL_PERSONS = "法人或其他组织"
T3_COLUMNS = (("natural", "自然人"), ("commercial", "商业企业"), ("research", "科研机构"),
              ("nonprofit", "社会公益组织"), ("legal", "法律服务机构"), ("other", "其他"),
              ("total", "总计"))
T3_NEW = "一、本年新收政府信息公开申请数量"
T3_CARRY_IN = "二、上年结转政府信息公开申请数量"
T3_RESULTS = "三、本年度办理结果"
T3_GRANTED = "（一）予以公开"
T3_PARTIAL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
T3_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("denied", "（三）不予公开", (
        ("state_secret", "1.属于国家秘密"),
        ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
        ("three_safeties", "3.危及“三安全一稳定”"),
        ("third_party", "4.保护第三方合法权益"),
        ("internal_affairs", "5.属于三类内部事务信息"),
        ("process_info", "6.属于四类过程性信息"),
        ("enforcement_files", "7.属于行政执法案卷"),
        ("inquiry_matters", "8.属于行政查询事项"),
    )),
    ("unable", "（四）无法提供", (
        ("not_held", "1.本机关不掌握相关政府信息"),
        ("needs_creation", "2.没有现成信息需要另行制作"),
        ("still_unclear", "3.补正后申请内容仍不明确"),
    )),
    ("not_processed", "（五）不予处理", (
        ("petition", "1.信访举报投诉类申请"),
        ("repeated", "2.重复申请"),
        ("publications", "3.要求提供公开出版物"),
        ("mass_repeated", "4.无正当理由大量反复申请"),
        ("confirm_existing", "5.要求行政机关确认或重新出具已获取信息"),
    )),
    # The three sub-rows of （六） agree across independent transcriptions but were not
    # read on a primary page (formats.md §2.3, unconfirmed): we print them as transcribed.
    ("other", "（六）其他处理", (
        ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("other", "3.其他"),
    )),
)
T3_TOTAL = "（七）总计"
T3_CARRY_OUT = "四、结转下年度继续办理"

# ---- 表四 政府信息公开行政复议、行政诉讼情况 (formats.md §2.4) ---------------------------
T4_HEADING = "四、政府信息公开行政复议、行政诉讼情况"
T4_REVIEW = "行政复议"
T4_LITIGATION = "行政诉讼"
T4_GROUPS = (("review", T4_REVIEW), ("litigation_direct", "未经复议直接起诉"),
             ("litigation_after_review", "复议后起诉"))
T4_COLUMNS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
              ("pending", "尚未审结"), ("total", "总计"))


# ---- models -------------------------------------------------------------------------------
def _row_model(name: str, columns: tuple[tuple[str, str], ...], kind=Count) -> type[Strict]:
    """A model with one field per column, described by the official column label."""
    fields = {key: (kind, Field(default=None, title=text)) for key, text in columns}
    return create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload]


def _group_model(name: str, rows: tuple[tuple[str, str], ...], row_model: type) -> type[Strict]:
    fields = {key: (row_model, Field(default_factory=row_model, title=text))
              for key, text in rows}
    return create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload]


DocumentCounts = _row_model("DocumentCounts", T2_DOC_COLS)
Decisions = _row_model("Decisions", (("decisions", T2_DECISIONS),))
FeeAmount = _row_model("FeeAmount", (("amount", T2_FEE_AMOUNT),), kind=Amount)


_T2_MODELS = {"regulations": DocumentCounts, "normative_documents": DocumentCounts,
              "licensing": Decisions, "penalty": Decisions, "coercion": Decisions,
              "administrative_fees": FeeAmount}
Table2 = create_model(  # type: ignore[call-overload]
    "Table2", __base__=Strict, __doc__="表二 主动公开政府信息情况.",
    **{key: (m, Field(default_factory=m, title=T2_ROWS[key])) for key, m in _T2_MODELS.items()},
)

ApplicantCounts = _row_model("ApplicantCounts", T3_COLUMNS)
T3_GROUP_MODELS = {key: _group_model(key.title().replace("_", ""), rows, ApplicantCounts)
                    for key, _, rows in T3_GROUPS}

Table3 = create_model(  # type: ignore[call-overload]
    "Table3", __base__=Strict, __doc__="表三 收到和处理政府信息公开申请情况.",
    new=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_NEW)),
    carry_in=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_CARRY_IN)),
    granted=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_GRANTED)),
    partial=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_PARTIAL)),
    **{key: (T3_GROUP_MODELS[key], Field(default_factory=T3_GROUP_MODELS[key], title=text))
       for key, text, _ in T3_GROUPS},
    total=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_TOTAL)),
    carry_out=(ApplicantCounts, Field(default_factory=ApplicantCounts, title=T3_CARRY_OUT)),
)

CaseOutcomes = _row_model("CaseOutcomes", T4_COLUMNS)
Table4 = _group_model("Table4", T4_GROUPS, CaseOutcomes)
Table4.__doc__ = "表四 政府信息公开行政复议、行政诉讼情况."


class Report2021(ReportBase):
    """A report in the 2021 edition: common parts plus tables 二, 三 and 四."""

    edition: Literal["2021"] = Field(default="2021", title="格式版本")
    table2: Table2 = Field(default_factory=Table2, title=T2_HEADING)  # type: ignore[valid-type]
    table3: Table3 = Field(default_factory=Table3, title=T3_HEADING)  # type: ignore[valid-type]
    table4: Table4 = Field(default_factory=Table4, title=T4_HEADING)  # type: ignore[valid-type]


# ---- layouts ------------------------------------------------------------------------------
def _table2():
    def docs(key: str) -> list:
        return [label(T2_ROWS[key])] + [value(("table2", key, c)) for c, _ in T2_DOC_COLS]

    def one(key: str, field: str = "decisions", kind="count") -> list:
        return [label(T2_ROWS[key]), value(("table2", key, field), kind, colspan=3)]

    body = [
        [banner(T2_ITEM_1, 4)], [head(T2_CONTENT)] + [head(t) for _, t in T2_DOC_COLS],
        docs("regulations"), docs("normative_documents"),
        [banner(T2_ITEM_5, 4)], [head(T2_CONTENT), head(T2_DECISIONS, colspan=3)],
        one("licensing"),
        [banner(T2_ITEM_6, 4)], [head(T2_CONTENT), head(T2_DECISIONS, colspan=3)],
        one("penalty"), one("coercion"),
        [banner(T2_ITEM_8, 4)], [head(T2_CONTENT), head(T2_FEE_AMOUNT, colspan=3)],
        one("administrative_fees", "amount", "amount"),
    ]
    return build_table("二", T2_HEADING, 4, [], body, col_weights=(1.6, 1, 1, 1))


def _t3_values(row: tuple[str, ...]) -> list:
    return [value(("table3",) + row + (c,)) for c, _ in T3_COLUMNS]


def _table3():
    header = [
        [head(T3_NOTE, rowspan=3, colspan=3), head(T3_APPLICANTS, colspan=7)],
        [head(T3_COLUMNS[0][1], rowspan=2), head(T3_LEGAL_PERSONS, colspan=5),
         head(T3_COLUMNS[6][1], rowspan=2)],
        [head(t) for _, t in T3_COLUMNS[1:6]],
    ]
    n_results = 2 + sum(len(rows) for _, _, rows in T3_GROUPS) + 1
    body = [
        [label(T3_NEW, colspan=3)] + _t3_values(("new",)),
        [label(T3_CARRY_IN, colspan=3)] + _t3_values(("carry_in",)),
        [label(T3_RESULTS, rowspan=n_results), label(T3_GRANTED, colspan=2)]
        + _t3_values(("granted",)),
        [label(T3_PARTIAL, colspan=2)] + _t3_values(("partial",)),
    ]
    for key, text, rows in T3_GROUPS:
        for i, (row_key, row_text) in enumerate(rows):
            lead = [label(text, rowspan=len(rows))] if i == 0 else []
            body.append(lead + [label(row_text)] + _t3_values((key, row_key)))
    body.append([label(T3_TOTAL, colspan=2)] + _t3_values(("total",)))
    body.append([label(T3_CARRY_OUT, colspan=3)] + _t3_values(("carry_out",)))
    return build_table("三", T3_HEADING, 10, header, body, label_cols=3,
                       col_weights=(0.5, 1.1, 2.6) + (0.7,) * 7)


def _table4():
    leaves = [head(t) for _, t in T4_COLUMNS]
    header = [
        [head(T4_REVIEW, colspan=5), head(T4_LITIGATION, colspan=10)],
        [head(t, rowspan=2) for _, t in T4_COLUMNS]
        + [head(T4_GROUPS[1][1], colspan=5), head(T4_GROUPS[2][1], colspan=5)],
        leaves + leaves,
    ]
    body = [[value(("table4", g, c)) for g, _ in T4_GROUPS for c, _ in T4_COLUMNS]]
    return build_table("四", T4_HEADING, 15, header, body, label_cols=0)


TABLES = (_table2(), _table3(), _table4())
SECTIONS = section_headings(T2_HEADING, T3_HEADING, T4_HEADING)
MODEL = Report2021
