"""Shared fixtures: the examples and a way to break a consistent report in one place."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nianbao.checks import Finding, run_checks
from nianbao.load import RawReport, load
from nianbao.validate import Validated, validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COUNTY = EXAMPLES / "county-transport-2024.yaml"
TOWNSHIP = EXAMPLES / "township-zero-requests-2024.yaml"


def set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set a nested key (creating mappings on the way); value DELETE removes the key."""
    for key in path[:-1]:
        data = data.setdefault(key, {})
    if value is DELETE:
        data.pop(path[-1], None)
    else:
        data[path[-1]] = value


DELETE = object()


def mutated(raw: RawReport, changes: dict[tuple[str, ...], Any]) -> Validated:
    """A validated copy of a raw report with some values changed."""
    data = copy.deepcopy(raw.data)
    for path, value in changes.items():
        set_path(data, path, value if value is DELETE else copy.deepcopy(value))
    return validate(RawReport(data, raw.sources, raw.file, raw.notes, raw.unlocated,
                              raw.zero_spellings))


def findings_of(raw: RawReport, changes: dict[tuple[str, ...], Any]) -> list[Finding]:
    """Findings of the raw report after the changes."""
    return run_checks(mutated(raw, changes))


@pytest.fixture(scope="session")
def county_raw() -> RawReport:
    return load(COUNTY)


@pytest.fixture(scope="session")
def township_raw() -> RawReport:
    return load(TOWNSHIP)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator …` as a user would; capture output as text."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "nianbao", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, env=full_env,
                          timeout=300)


def soffice_convert(src: Path, outdir: Path, target: str) -> Path:
    """Convert a file with LibreOffice (`soffice --headless --convert-to target`), as the
    issues ask; a profile of its own keeps parallel test runs from colliding.  LibreOffice is
    required (make test installs it): a missing soffice fails the test, it is never skipped."""
    import shutil

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is required: make test installs it"
    profile = (outdir / ".lo-profile").resolve().as_uri()
    done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", target, "--outdir", str(outdir), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return outdir / f"{src.stem}.{target.split(':')[0]}"
