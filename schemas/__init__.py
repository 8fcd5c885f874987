"""The statute as data: editions, their models and table layouts, and the year registry.

An edition is a module `schemas/editionNNNN.py` that declares everything about itself
(schemas/README.md, "Adding an edition"): EDITION_ID, EDITION_NAME, YEARS, FEATURES,
MODEL, TABLES, SECTIONS.  `EDITION_MODULES` below is the one list of them; the registry,
`edition_for_year` and `latest` derive from what the modules declare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from types import ModuleType

from nianbao.schemas import edition2008, edition2019, edition2021
from nianbao.schemas.features import FEATURES, NARRATIVE_ITEMS
from nianbao.schemas.layout import TableLayout, ValueSlot
from pydantic import BaseModel

SCHEMA_DIR = Path(__file__).resolve().parent
# The editions, one module each (schemas/README.md, "Adding an edition": add yours here).
EDITION_MODULES: tuple[ModuleType, ...] = (edition2021, edition2019, edition2008)


@dataclass(frozen=True)
class Edition:
    """One statutory format: id, name, pydantic model, table layouts and section list.

    years: (first report year, last report year or None while it is in force).
    features: what the edition has (schemas/features.py); rules and default sentences
    apply by feature, never by edition id.
    """

    id: str
    name: str
    model: type[BaseModel]
    tables: tuple[TableLayout, ...]
    sections: tuple[tuple[str, str], ...]
    module: ModuleType
    years: tuple[int, int | None]
    features: frozenset[str]

    @property
    def family(self) -> str:
        """"items" for the 2007 条例's six narrative items (NARRATIVE_ITEMS), whose
        sections come from the report itself; "tables" for the formats with tables."""
        return "items" if NARRATIVE_ITEMS in self.features else "tables"

    def has(self, *needs: str) -> bool:
        """True when the edition has every feature named."""
        return set(needs) <= self.features

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


EDITIONS: dict[str, Edition] = {}   # by id, newest first (the order `nianbao` lists them in)
_SLOTS: dict[str, dict[tuple[str, ...], ValueSlot]] = {}


def _edition(module: ModuleType) -> Edition:
    features = frozenset(module.FEATURES)
    unknown = sorted(features - set(FEATURES))
    if unknown:
        raise ValueError(f"edition {module.EDITION_ID}: unknown features {unknown} "
                         "(define them in schemas/features.py)")
    first, last = module.YEARS
    return Edition(module.EDITION_ID, module.EDITION_NAME, module.MODEL, module.TABLES,
                   module.SECTIONS, module, (first, last), features)


def register(module: ModuleType) -> Edition:
    """Add an edition module to the registry (the real editions at import; a test's fake
    edition at run time).  Its years must follow on from the editions before it."""
    edition = _edition(module)
    if edition.id in EDITIONS:
        raise ValueError(f"edition {edition.id} registered twice")
    _store([*EDITIONS.values(), edition])
    return edition


def unregister(edition_id: str) -> None:
    """Remove an edition from the registry (a test's fake edition cleaning up)."""
    _store([e for e in EDITIONS.values() if e.id != edition_id])
    _SLOTS.pop(edition_id, None)


def _store(editions: list[Edition]) -> None:
    """Keep EDITIONS (the same dict: modules hold it) newest first; check the years chain:
    an edition that declares its last year ends the year before the next one begins."""
    ordered = sorted(editions, key=lambda e: e.years[0], reverse=True)
    for newer, older in pairwise(ordered):
        last = older.years[1]
        if older.years[0] == newer.years[0] or (last is not None and last + 1 != newer.years[0]):
            raise ValueError(f"edition {newer.id} begins in {newer.years[0]}, but edition "
                             f"{older.id} covers {older.years}")
    EDITIONS.clear()
    EDITIONS.update((e.id, e) for e in ordered)


for _module in EDITION_MODULES:
    register(_module)
del _module


def _slot_index(edition_id: str) -> dict[tuple[str, ...], ValueSlot]:
    if edition_id not in _SLOTS:
        _SLOTS[edition_id] = {s.path: s for s in EDITIONS[edition_id].slots}
    return _SLOTS[edition_id]


def edition_for_year(year: int) -> str:
    """The edition a report year must use (schemas/statute/formats.md §1): the newest whose
    first year is not after it; years before every edition get the earliest."""
    editions = list(EDITIONS.values())
    return next((e.id for e in editions if e.years[0] <= year), editions[-1].id)


def latest() -> Edition:
    """The edition in force now (the newest): the default where no year says otherwise."""
    return next(iter(EDITIONS.values()))


def first_year() -> int:
    """The first report year any edition covers (the earliest year a report can have)."""
    return min(e.years[0] for e in EDITIONS.values())


def json_schema(edition: Edition) -> str:
    """The JSON Schema of an edition's input file, as committed in schemas/."""
    schema = edition.model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"政府信息公开工作年度报告（{edition.id}年格式）"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
