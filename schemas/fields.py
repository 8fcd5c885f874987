"""The non-table fields of a report as flat lists: what the workbook sheets 基本信息 and 正文
hold, in order, with their official titles (taken from the models, written nowhere else)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from nianbao.schemas.common import OMIT_EMPTY, AgencyKind
from pydantic import BaseModel
from pydantic.fields import FieldInfo

SHEET_INFO = "基本信息"
SHEET_TEXT = "正文"
TABLE_SHEET_PREFIX = "表"  # sheets 表二, 表三, 表四 in the workbook nianbao writes
INFO_HEAD = ("项目", "内容")
TEXT_HEAD = ("部分", "内容")
# 2008 edition (条例第三十二条): 正文 lists the sections row by row, 关键数据 the key figures
# (written and read by generator/write/workbook_items.py and generator/load/xlsx_items.py)
SECTIONS_HEAD = ("标题", "对应条例事项", "内容")
SHEET_FIGURES = "关键数据"
FIGURES_HEAD = ("项目", "数值")
YES, NO = "是", "否"

FieldKind = Literal["text", "int", "date", "bool", "amount", "count", "kind", "edition"]


@dataclass(frozen=True)
class FieldSpec:
    """One scalar field: model path, official title, and the kind of value it holds."""

    path: tuple[str, ...]
    title: str
    kind: FieldKind
    omit_empty: bool = False   # written only when it holds a value (common.OMIT_EMPTY)


def _kind(path: tuple[str, ...], annotation: Any) -> FieldKind:
    text = str(annotation)
    if path == ("agency", "kind"):
        return "kind"
    if path == ("edition",):
        return "edition"
    for typ, kind in ((bool, "bool"), (dt.date, "date"), (Decimal, "amount"), (int, "count")):
        if annotation is typ or typ.__name__ in text:
            return kind  # type: ignore[return-value]
    return "text"


def _walk(model: type[BaseModel], prefix: tuple[str, ...]) -> list[FieldSpec]:
    out: list[FieldSpec] = []
    for key, info in model.model_fields.items():
        path = prefix + (key,)
        if _is_list(info.annotation):
            continue  # a list of parts (the 2008 sections) is no single field
        sub = next((a for a in (info.annotation, *getattr(info.annotation, "__args__", ()))
                    if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if sub is not None:
            out += _walk(sub, path)
        else:
            out.append(FieldSpec(path, info.title or key, _kind(path, info.annotation),
                                 omit_empty(info)))
    return out


def omit_empty(info: FieldInfo) -> bool:
    """Whether a field is left out of the files nianbao writes while it is empty."""
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(OMIT_EMPTY))


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple)


def info_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """Fields of the 基本信息 sheet: everything but the narrative, the tables and the key
    figures (2008 edition: sheet 关键数据)."""
    return [f for f in _walk(model, ()) if f.path[0] not in ("narrative", "figures")
            and not f.path[0].startswith("table")]


def narrative_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """Fields of the 正文 sheet: the narrative parts, one cell each.

    None for a narrative that is a list of sections (2008 edition): its 正文 sheet holds
    one row per section, read and written by the xlsx_items modules.
    """
    narrative = model.model_fields.get("narrative")
    sub = narrative.annotation if narrative else None
    if isinstance(sub, type) and issubclass(sub, BaseModel) and any(
            _is_list(f.annotation) for f in sub.model_fields.values()):
        return []
    return [f for f in _walk(model, ()) if f.path[0] == "narrative"]


def figure_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """Rows of the 关键数据 sheet (2008 edition): every key figure, in model order."""
    return [f for f in _walk(model, ()) if f.path[0] == "figures"]


def agency_kinds() -> list[str]:
    """The allowed 机关类型 values (a list validation in the workbook)."""
    return [k.value for k in AgencyKind]
