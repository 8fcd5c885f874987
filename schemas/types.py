"""Value types shared by every edition: counts, amounts, the strict base model."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError


class Strict(BaseModel):
    """Base of every input model: unknown keys are errors (a typo must not vanish)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def normalise_number_text(text: str) -> str:
    """'２,８８７ ' → '2887': full-width digits, thousands separators and spaces removed.

    Real spreadsheets and pasted text carry all of these (formats.md §6).
    """
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "").replace(" ", "")


def to_count(v: Any) -> Any:
    """Accept integers (and integer-valued text); reject bools, fractions and words."""
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, bool):
        raise PydanticCustomError("nianbao_count", "应为整数件数，而不是“是/否”")
    if isinstance(v, str):
        text = normalise_number_text(v)
        if text == "":
            return None
        if text.lstrip("-").isdigit():
            return int(text)
        raise PydanticCustomError("nianbao_count", "应为整数件数，“{text}”不是数字",
                                  {"text": v})
    if isinstance(v, (float, Decimal)):
        if v == int(v):
            raise PydanticCustomError("nianbao_count", "件数应写成整数（{v} 请写作 {i}）",
                                      {"v": str(v), "i": int(v)})
        raise PydanticCustomError("nianbao_count", "件数必须是整数，不能有小数（{v}）",
                                  {"v": str(v)})
    raise PydanticCustomError("nianbao_count", "应为整数件数")


def _to_amount(v: Any) -> Any:
    """Amounts keep the digits given: Decimal from text, never through float."""
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, bool):
        raise PydanticCustomError("nianbao_amount", "应为金额数字，而不是“是/否”")
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        text = normalise_number_text(v)
        if text == "":
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise PydanticCustomError("nianbao_amount", "应为金额数字，“{text}”不是数字",
                                      {"text": v}) from None
    raise PydanticCustomError("nianbao_amount", "应为金额数字")


# The sign of counts is checked by the VAL-NONNEG rule (rules.md), not here, so a negative
# count becomes a located error finding (exit 1) rather than an unreadable file (exit 2);
# the JSON Schema still carries minimum 0 so editors flag it while typing.
Count = Annotated[
    int | None,
    BeforeValidator(to_count),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}),
    Field(default=None),
]
Amount = Annotated[
    Decimal | None,
    BeforeValidator(_to_amount),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string",
                    "pattern": r"^\d+(\.\d+)?$"}, {"type": "null"}]}),
    Field(default=None),
]
def _to_text(v: Any) -> Any:
    """Narrative text without the trailing newline YAML blocks and spreadsheets add.

    Stripping makes a YAML → xlsx → YAML round trip exact; an all-blank text is no text.
    """
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


Text = Annotated[str | None, BeforeValidator(_to_text), Field(default=None)]
