"""Value types shared by every edition: counts, amounts, the strict base model."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from nianbao.schemas.numbers import normalise_number_text, to_amount, to_count
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = ["BIDI_CHARS", "CONTROL_CHARS", "MAX_TEXT", "Amount", "Count", "Name", "Strict", "Text",
           "clean_text", "normalise_number_text", "to_amount", "to_count"]


class Strict(BaseModel):
    """Base of every input model: unknown keys are errors (a typo must not vanish)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    BeforeValidator(to_amount),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string",
                    "pattern": r"^\d+(\.\d+)?$"}, {"type": "null"}]}),
    Field(default=None),
]
MAX_TEXT = 20_000  # characters per narrative part (a 总体情况 is advised to stay under 1,000)
# C0/C1 control characters other than tab and line breaks: invisible, and not allowed in the
# XML of a DOCX; they come from copy and paste, never on purpose, so they are removed.
CONTROL_CHARS = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
CONTROL_CHARS.update(dict.fromkeys(range(0x7F, 0xA0)))
# Bidirectional controls (embeddings, overrides, isolates, marks): invisible, and they reorder
# what a reader sees ("Trojan Source"): U+202E makes "某局txt.exe" print backwards, a name
# look like another agency's, a figure read differently from what it is (issue 16 §8).
BIDI_CHARS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
CONTROL_CHARS.update(dict.fromkeys(BIDI_CHARS))


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
