"""mypy on the code under its installed name, `nianbao` (used by tests/test_lint.py and
`make lint`).

The checkout keeps generator/ and schemas/ side by side and pyproject.toml maps them to
`nianbao` and `nianbao.schemas`; mypy cannot follow that mapping (it resolves modules by
folder names, and the editable install's import hook is invisible to it), so imports of
`nianbao.…` would silently become Any.  Here a temporary folder holds `nianbao/` made of
links to generator/'s entries plus `schemas` → schemas/, and mypy checks that package;
paths in its messages are given back as the checkout's.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="nianbao-mypy-") as tmp:
        package = Path(tmp) / "nianbao"
        package.mkdir()
        for entry in (ROOT / "generator").iterdir():
            if entry.name != "__pycache__":
                (package / entry.name).symlink_to(entry)
        (package / "schemas").symlink_to(ROOT / "schemas")
        (Path(tmp) / "bench").symlink_to(ROOT / "tests" / "bench")   # the benchmark, outside the package
        out = subprocess.run([sys.executable, "-m", "mypy", "--config-file",
                              str(ROOT / "pyproject.toml"), "-p", "nianbao", "-p", "bench"],
                             cwd=tmp, capture_output=True, text=True)
    text = (out.stdout + out.stderr).replace("nianbao/schemas/", "schemas/")
    sys.stdout.write(text.replace("nianbao/", "generator/"))
    return out.returncode


if __name__ == "__main__":
    raise SystemExit(main())
