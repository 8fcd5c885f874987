"""The statute as data: editions, their models and table layouts, and the year registry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from nianbao.schemas import edition2008, edition2019, edition2021
from nianbao.schemas.layout import TableLayout, ValueSlot
from pydantic import BaseModel

SCHEMA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Edition:
    """One statutory format: id, name, pydantic model, table layouts and section list.

    family: "tables" for the formats with statutory tables (2019, 2021); "items" for the
    2007 条例's six narrative items (2008), whose sections come from the report itself.
    """

    id: str
    name: str
    model: type[BaseModel]
    tables: tuple[TableLayout, ...]
    sections: tuple[tuple[str, str], ...]
    module: ModuleType
    family: str = "tables"

    @property
    def slots(self) -> tuple[ValueSlot, ...]:
        """Every value cell of every table, in reading order."""
        return tuple(s for t in self.tables for s in t.slots)

    def slot(self, path: tuple[str, ...]) -> ValueSlot:
        """The value cell bound to a model path."""
        return _slot_index(self.id)[path]

    def table(self, table_id: str) -> TableLayout:
        """Layout of table 二/三/四."""
        return next(t for t in self.tables if t.table_id == table_id)

    def table_for_section(self, section_id: str) -> TableLayout | None:
        """The table a section consists of (section "table3" → 表三), if any."""
        return next((t for t in self.tables if t.slots and t.slots[0].path[0] == section_id),
                    None)

    @property
    def schema_file(self) -> Path:
        """The committed JSON Schema of this edition's input file."""
        return SCHEMA_DIR / f"report-{self.id}.schema.json"


def _edition(module: ModuleType) -> Edition:
    return Edition(module.EDITION_ID, module.EDITION_NAME, module.MODEL, module.TABLES,
                   module.SECTIONS, module, getattr(module, "FAMILY", "tables"))


EDITIONS: dict[str, Edition] = {e.id: e for e in (_edition(edition2021), _edition(edition2019),
                                                  _edition(edition2008))}
_SLOTS: dict[str, dict[tuple[str, ...], ValueSlot]] = {}


def _slot_index(edition_id: str) -> dict[tuple[str, ...], ValueSlot]:
    if edition_id not in _SLOTS:
        _SLOTS[edition_id] = {s.path: s for s in EDITIONS[edition_id].slots}
    return _SLOTS[edition_id]


def edition_for_year(year: int) -> str:
    """The edition a report year must use (formats.md §1)."""
    if year >= 2021:
        return "2021"
    if year >= 2019:
        return "2019"
    return "2008"


def json_schema(edition: Edition) -> str:
    """The JSON Schema of an edition's input file, as committed in schemas/."""
    schema = edition.model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"政府信息公开工作年度报告（{edition.id}年格式）"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
