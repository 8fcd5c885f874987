"""Edition 2019 (国办公开办函〔2019〕60号, 试行): models and table layouts, for reports of 2019–2020.

Only what differs from 2021 is written here (schemas/statute/formats.md §3): table 二 with five
blocks, and table 三 whose （六）其他处理 is a single row.  Every label the two editions share
(headings, table 三 except the shape of （六）, table 四, the note, the column labels) is
imported from `schemas.edition2021`, so it is written once.

Table 二 is 5 columns wide: the label column and four value columns of weights 1 · ½ · ½ · 1.
That is the union of the official blocks' cell edges: a block of three value columns divides
the width in thirds (its middle cell spans the two half columns), a block of two in halves
(each cell spans two columns), so every block's cells are even, as printed::

    | 信息内容 | 本年新制作数量 | 本年新公开数量 (span 2) | 对外公开总数量 |    （一）
    | 信息内容 | 上一年项目数量 | 本年增/减 (span 2)      | 处理决定数量   |    （五）（六）
    | 信息内容 | 上一年项目数量 (span 2) | 本年增/减 (span 2)              |    （八）
    | 信息内容 | 采购项目数量 (span 2)   | 采购总金额 (span 2)             |    （九）

本年增/减 may be negative ("减用负值表示，如-8"): its cells are value kind "delta", which the
VAL-NONNEG rule skips.  采购总金额 has no unit in the national table and real reports write it
in the cell (万元 or 元): the value keeps the unit as written (`UnitAmount`, value kind
"amount_unit", a text cell in the workbook).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from nianbao.schemas import edition2021 as e21
from nianbao.schemas.common import ReportBase, section_headings
from nianbao.schemas.features import STATUTORY_TABLES, TABLE2, TABLE2_ITEMS, TABLE3_OUTCOMES, TABLE4
from nianbao.schemas.layout import TableLayout, ValueKind, banner, build_table, head, label, value
from nianbao.schemas.numbers import decimal_from_number, decimal_from_text, number_text
from nianbao.schemas.types import Count, Strict, to_count
from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError, core_schema

EDITION_ID = "2019"
EDITION_NAME = "《中华人民共和国政府信息公开工作年度报告格式（试行）》（国办公开办函〔2019〕60号）"
YEARS = (2019, 2020)   # schemas/statute/formats.md §1
# 表三 （六）其他处理 is one row here: no TABLE3_UNPAID_FEE; 信息处理费 came in 2021
FEATURES = frozenset({STATUTORY_TABLES, TABLE2, TABLE2_ITEMS, TABLE3_OUTCOMES, TABLE4})

# ---- 表二 主动公开政府信息情况 (formats.md §3: the 2019 differences only) -------------------
T2_ITEM_9 = "第二十条第（九）项"
T2_DOC_COLS = (("new_made", "本年新制作数量"), ("new_public", "本年新公开数量"),
               ("total_public", "对外公开总数量"))
T2_ITEM_COLS = (("previous_items", "上一年项目数量"), ("change", "本年增/减"),
                ("decisions", "处理决定数量"))
T2_FEE_COLS = T2_ITEM_COLS[:2]  # （八）行政事业性收费: 上一年项目数量 · 本年增/减 (counts of items)
T2_PROCUREMENT_COLS = (("projects", "采购项目数量"), ("amount", "采购总金额"))
T2_ROWS = {
    "regulations": e21.T2_ROWS["regulations"],
    "normative_documents": "规范性文件",
    "licensing": e21.T2_ROWS["licensing"],
    "other_services": "其他对外管理服务事项",
    "penalty": e21.T2_ROWS["penalty"],
    "coercion": e21.T2_ROWS["coercion"],
    "administrative_fees": e21.T2_ROWS["administrative_fees"],
    "procurement": "政府集中采购",
}
UNITS = ("万元", "元")  # units agencies write with 采购总金额

# ---- 表三: the 2021 rows, but （六）其他处理 is one row (group 三 spans 20 rows) ---------------
T3_OTHER_KEY, T3_OTHER, _ = e21.T3_GROUPS[3]  # ("other", "（六）其他处理")
T3_GROUPS = e21.T3_GROUPS[:3]  # （三）不予公开 · （四）无法提供 · （五）不予处理, as in 2021


# ---- values ---------------------------------------------------------------------------------
class UnitAmount(str):
    """采购总金额 as the agency wrote it: the digits and the unit, e.g. "8687.376万元".

    The value is its printed text (canonical: no thousands separators, no spaces), so every
    consumer that prints a figure — the tables, finding messages, JSON, workbook cells, the
    YAML writer — shows amount and unit together.  `.amount` (Decimal, digits kept) and
    `.unit` ("万元", "元", or "" for a bare 0) hold the parts.  Compared with a number it
    compares its amount, so the VAL-NONNEG sign check applies; it is false when zero.
    """

    amount: Decimal
    unit: str

    def __new__(cls, amount: Decimal, unit: str) -> Self:
        self = super().__new__(cls, format(amount, "f") + unit)
        self.amount, self.unit = amount, unit
        return self

    def __getnewargs__(self) -> tuple[Decimal, str]:  # type: ignore[override]
        return self.amount, self.unit

    def _other(self, other: Any) -> Any:
        numeric = isinstance(other, (int, float, Decimal)) and not isinstance(other, bool)
        return other.amount if isinstance(other, UnitAmount) and other.unit == self.unit \
            else other if numeric else None

    def __lt__(self, other: Any) -> bool:
        o = self._other(other)
        return self.amount < o if o is not None else str.__lt__(self, other)

    def __le__(self, other: Any) -> bool:
        o = self._other(other)
        return self.amount <= o if o is not None else str.__le__(self, other)

    def __gt__(self, other: Any) -> bool:
        o = self._other(other)
        return self.amount > o if o is not None else str.__gt__(self, other)

    def __ge__(self, other: Any) -> bool:
        o = self._other(other)
        return self.amount >= o if o is not None else str.__ge__(self, other)

    def __bool__(self) -> bool:
        return self.amount != 0

    __hash__ = str.__hash__

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        # validated by _to_unit_amount (BeforeValidator below); dumped as its plain text
        return core_schema.is_instance_schema(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(str))


_UNIT_TEXT = re.compile(r"(-?(?:\d+(?:\.\d*)?|\.\d+))(万元|元)?")
_UNIT_HINT = "请连同单位填写，如“8687.376万元”或“8687.376元”"


def _unit_amount(number: Any, unit: str | None) -> UnitAmount:
    # bounded like every amount (schemas.numbers): no exponent, no runaway digits
    if isinstance(number, (int, float, Decimal)) and not isinstance(number, bool):
        amount = decimal_from_number(number, "nianbao_amount_unit")
    else:
        text = number_text(str(number))
        if not text:
            raise PydanticCustomError("nianbao_amount_unit", "“{text}”不是金额数字",
                                      {"text": str(number)[:30]})
        amount = decimal_from_text(text, "nianbao_amount_unit")
    if not unit:
        if amount != 0:  # a bare 0 needs no unit; any other figure does
            raise PydanticCustomError("nianbao_amount_unit", "金额{v}没有写单位：" + _UNIT_HINT,
                                      {"v": format(amount, "f")})
        unit = ""
    return UnitAmount(amount, unit)


def _to_unit_amount(v: Any) -> Any:
    """"8,687.376万元", "8687.376 万元", {value: 8687.376, unit: 万元}, or 0 → UnitAmount."""
    if v is None or isinstance(v, UnitAmount):
        return v
    if isinstance(v, bool):
        raise PydanticCustomError("nianbao_amount_unit", "应为金额，而不是“是/否”")
    if isinstance(v, dict):
        if set(v) != {"value", "unit"} or v["unit"] not in UNITS:
            raise PydanticCustomError(
                "nianbao_amount_unit", "应写成“8687.376万元”，或 {form}（unit 为 万元 或 元）",
                {"form": "{value: 8687.376, unit: 万元}"})
        return _unit_amount(v["value"], v["unit"]) if v["value"] is not None else None
    if isinstance(v, (int, float, Decimal)):
        return _unit_amount(v, None)
    if isinstance(v, str):
        text = number_text(v)
        if text == "":
            return None
        match = _UNIT_TEXT.fullmatch(text) if text is not None else None
        if match is None:
            raise PydanticCustomError("nianbao_amount_unit", "“{text}”不是金额：" + _UNIT_HINT,
                                      {"text": v[:30]})
        return _unit_amount(match[1], match[2])
    raise PydanticCustomError("nianbao_amount_unit", "应为金额：" + _UNIT_HINT)


Delta = Annotated[  # 本年增/减: any sign ("减用负值表示，如-8")
    int | None,
    BeforeValidator(to_count),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    Field(default=None),
]
AmountWithUnit = Annotated[
    UnitAmount | None,
    BeforeValidator(_to_unit_amount),
    WithJsonSchema({
        "description": "金额连同单位，如 8687.376万元；也可写 {value: 8687.376, unit: 万元}；无则填 0",
        "anyOf": [
            {"type": "string", "pattern": r"^[0-9][0-9,]*(\.[0-9]+)?(万元|元)$"},
            {"type": "object", "additionalProperties": False, "required": ["value", "unit"],
             "properties": {"value": {"anyOf": [{"type": "number", "minimum": 0},
                                                {"type": "string"}]},
                            "unit": {"enum": list(UNITS)}}},
            {"const": 0},
            {"type": "null"},
        ]}),
    Field(default=None),
]


# ---- models -----------------------------------------------------------------------------------
def _row_model(name: str, columns: tuple[tuple[str, str], ...], kinds: dict[str, Any]
               ) -> type[Strict]:
    """A model with one field per column (Count unless `kinds` says otherwise)."""
    fields = {key: (kinds.get(key, Count), Field(default=None, title=text))
              for key, text in columns}
    return create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload]


DocumentCounts = _row_model("DocumentCounts2019", T2_DOC_COLS, {})
ItemCounts = _row_model("ItemCounts", T2_ITEM_COLS, {"change": Delta})
FeeItems = _row_model("FeeItems", T2_FEE_COLS, {"change": Delta})
Procurement = _row_model("Procurement", T2_PROCUREMENT_COLS, {"amount": AmountWithUnit})

_T2_MODELS = {"regulations": DocumentCounts, "normative_documents": DocumentCounts,
              "licensing": ItemCounts, "other_services": ItemCounts, "penalty": ItemCounts,
              "coercion": ItemCounts, "administrative_fees": FeeItems, "procurement": Procurement}
Table2 = create_model(  # type: ignore[call-overload]
    "Table2_2019", __base__=Strict, __doc__="表二 主动公开政府信息情况（2019年格式）.",
    **{key: (m, Field(default_factory=m, title=T2_ROWS[key])) for key, m in _T2_MODELS.items()},
)

_Counts = e21.ApplicantCounts
Table3 = create_model(  # type: ignore[call-overload]
    "Table3_2019", __base__=Strict, __doc__="表三 收到和处理政府信息公开申请情况（2019年格式）.",
    new=(_Counts, Field(default_factory=_Counts, title=e21.T3_NEW)),
    carry_in=(_Counts, Field(default_factory=_Counts, title=e21.T3_CARRY_IN)),
    granted=(_Counts, Field(default_factory=_Counts, title=e21.T3_GRANTED)),
    partial=(_Counts, Field(default_factory=_Counts, title=e21.T3_PARTIAL)),
    **{key: (e21.T3_GROUP_MODELS[key], Field(default_factory=e21.T3_GROUP_MODELS[key],
                                              title=text))
       for key, text, _ in T3_GROUPS},
    **{T3_OTHER_KEY: (_Counts, Field(default_factory=_Counts, title=T3_OTHER))},
    total=(_Counts, Field(default_factory=_Counts, title=e21.T3_TOTAL)),
    carry_out=(_Counts, Field(default_factory=_Counts, title=e21.T3_CARRY_OUT)),
)


class Report2019(ReportBase):
    """A report in the 2019 edition: common parts plus tables 二, 三 and 四."""

    edition: Literal["2019"] = Field(default="2019", title="格式版本")
    table2: Table2 = Field(default_factory=Table2, title=e21.T2_HEADING)  # type: ignore[valid-type]
    table3: Table3 = Field(default_factory=Table3, title=e21.T3_HEADING)  # type: ignore[valid-type]
    table4: e21.Table4 = Field(default_factory=e21.Table4,  # type: ignore[valid-type]
                               title=e21.T4_HEADING)


# ---- layouts ------------------------------------------------------------------------------------
WIDTH = 5
THREE = (1, 2, 1)  # colspans of a block with three value columns (thirds of the width)
TWO = (2, 2)  # colspans of a block with two (halves)


def _block(item: str, columns: tuple[tuple[str, str], ...], rows: tuple[str, ...],
           kinds: Mapping[str, ValueKind] | None = None) -> list[list]:
    """A banner, the header row 信息内容 · columns, and one row per model row key."""
    spans = THREE if len(columns) == 3 else TWO
    kinds = kinds or {}
    out = [[banner(item, WIDTH)],
           [head(e21.T2_CONTENT)] + [head(t, colspan=s) for (_, t), s in zip(columns, spans)]]
    for row in rows:
        out.append([label(T2_ROWS[row])] + [
            value(("table2", row, c), kinds.get(c, "count"), colspan=s)
            for (c, _), s in zip(columns, spans)])
    return out


def _table2() -> TableLayout:
    delta: dict[str, ValueKind] = {"change": "delta"}
    body = (_block(e21.T2_ITEM_1, T2_DOC_COLS, ("regulations", "normative_documents"))
            + _block(e21.T2_ITEM_5, T2_ITEM_COLS, ("licensing", "other_services"), delta)
            + _block(e21.T2_ITEM_6, T2_ITEM_COLS, ("penalty", "coercion"), delta)
            + _block(e21.T2_ITEM_8, T2_FEE_COLS, ("administrative_fees",), delta)
            + _block(T2_ITEM_9, T2_PROCUREMENT_COLS, ("procurement",),
                     {"amount": "amount_unit"}))
    return build_table("二", e21.T2_HEADING, WIDTH, [], body, col_weights=(2.0, 1, 0.5, 0.5, 1))


def _t3_values(row: tuple[str, ...]) -> list:
    return [value(("table3",) + row + (c,)) for c, _ in e21.T3_COLUMNS]


def _table3():
    n_results = 2 + sum(len(rows) for _, _, rows in T3_GROUPS) + 1 + 1  # 20
    body = [
        [label(e21.T3_NEW, colspan=3)] + _t3_values(("new",)),
        [label(e21.T3_CARRY_IN, colspan=3)] + _t3_values(("carry_in",)),
        [label(e21.T3_RESULTS, rowspan=n_results), label(e21.T3_GRANTED, colspan=2)]
        + _t3_values(("granted",)),
        [label(e21.T3_PARTIAL, colspan=2)] + _t3_values(("partial",)),
    ]
    for key, text, rows in T3_GROUPS:
        for i, (row_key, row_text) in enumerate(rows):
            lead = [label(text, rowspan=len(rows))] if i == 0 else []
            body.append(lead + [label(row_text)] + _t3_values((key, row_key)))
    body.append([label(T3_OTHER, colspan=2)] + _t3_values((T3_OTHER_KEY,)))
    body.append([label(e21.T3_TOTAL, colspan=2)] + _t3_values(("total",)))
    body.append([label(e21.T3_CARRY_OUT, colspan=3)] + _t3_values(("carry_out",)))
    t21 = e21.TABLES[1]  # the header (note, 申请人情况, the seven columns) is the 2021 one
    return build_table("三", e21.T3_HEADING, t21.ncols, [list(r) for r in t21.header], body,
                       label_cols=t21.label_cols, col_weights=t21.col_weights)


TABLES = (_table2(), _table3(), e21.TABLES[2])  # 表四 is identical in 2019 and 2021
SECTIONS = section_headings(e21.T2_HEADING, e21.T3_HEADING, e21.T4_HEADING)
MODEL = Report2019
