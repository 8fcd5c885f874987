"""The code stays clean under ruff and mypy (the versions pinned in requirements.lock)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing_in_the_code():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "generator", "tests/bench",
                          "schemas"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_finds_nothing_in_the_code():
    # mypy reads its settings from [tool.mypy] in pyproject.toml and checks the package
    # under its installed name (tests/typecheck.py says why)
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "typecheck.py")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found in" in out.stdout
