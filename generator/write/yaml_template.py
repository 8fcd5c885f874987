"""`nianbao init` for YAML: a complete input file, every key with its official label.

The text comes from `generator.write.yaml_file.yaml_document` (the same writer `convert` uses)
with only the values a new report knows: edition, agency, year and the 落款 default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nianbao import schemas
from nianbao.schemas.common import AgencyKind


def init_values(edition: schemas.Edition, year: int, agency: str) -> dict[str, Any]:
    """The values a fresh template carries (shared by the YAML and the xlsx template)."""
    return {"edition": edition.id, "year": year,
            "agency": {"name": agency, "kind": AgencyKind.department.value},
            "signature": {"show": True}}


def yaml_template(year: int, agency: str, edition_id: str | None = None,
                  target: Path | None = None) -> str:
    """The text of a fill-in YAML file for one agency and year."""
    from nianbao.write.yaml_file import yaml_document

    edition = schemas.EDITIONS[edition_id or schemas.edition_for_year(year)]
    return yaml_document(edition, init_values(edition, year, agency), target)
