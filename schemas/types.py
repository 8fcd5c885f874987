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
MAX_TEXT = 20_000  # characters per narrative part (a 总体情况 is advised to stay under 1,000)
# C0/C1 control characters other than tab and line breaks: invisible, and not allowed in the
# XML of a DOCX; they come from copy and paste, never on purpose, so they are removed.
CONTROL_CHARS = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
CONTROL_CHARS.update(dict.fromkeys(range(0x7F, 0xA0)))


def clean_text(v: Any) -> Any:
    """Text without control characters and without surrounding white space."""
    if isinstance(v, str):
        return v.translate(CONTROL_CHARS).replace("\r\n", "\n").replace("\r", "\n").strip()
    return v


def _to_text(v: Any) -> Any:
    """Narrative text without the trailing newline YAML blocks and spreadsheets add.

    Stripping makes a YAML → xlsx → YAML round trip exact; an all-blank text is no text.
    """
    v = clean_text(v)
    if isinstance(v, str) and len(v) > MAX_TEXT:
        raise PydanticCustomError("nianbao_text", "文字过长（{n}字）：每一部分不超过{limit}字，"
                                  "请精简", {"n": len(v), "limit": MAX_TEXT})
    return v or None


Text = Annotated[str | None, BeforeValidator(_to_text), Field(default=None)]
Name = Annotated[str, BeforeValidator(clean_text)]
