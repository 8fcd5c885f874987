"""The non-table fields of a report as flat lists: what the workbook sheets 基本信息 and 正文
hold, in order, with their official titles (taken from the models, written nowhere else)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from schemas.common import AgencyKind

SHEET_INFO = "基本信息"
SHEET_TEXT = "正文"
TABLE_SHEET_PREFIX = "表"  # sheets 表二, 表三, 表四 in the workbook nianbao writes
INFO_HEAD = ("项目", "内容")
TEXT_HEAD = ("部分", "内容")
YES, NO = "是", "否"

FieldKind = Literal["text", "int", "date", "bool", "amount", "count", "kind", "edition"]


@dataclass(frozen=True)
class FieldSpec:
    """One scalar field: model path, official title, and the kind of value it holds."""

    path: tuple[str, ...]
    title: str
    kind: FieldKind


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
        sub = next((a for a in (info.annotation, *getattr(info.annotation, "__args__", ()))
                    if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if sub is not None:
            out += _walk(sub, path)
        else:
            out.append(FieldSpec(path, info.title or key, _kind(path, info.annotation)))
    return out


def info_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """Fields of the 基本信息 sheet: everything but the narrative and the tables."""
    return [f for f in _walk(model, ()) if f.path[0] not in ("narrative",)
            and not f.path[0].startswith("table")]


def narrative_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """Fields of the 正文 sheet: the narrative parts, one cell each."""
    return [f for f in _walk(model, ()) if f.path[0] == "narrative"]


def agency_kinds() -> list[str]:
    """The allowed 机关类型 values (a list validation in the workbook)."""
    return [k.value for k in AgencyKind]
