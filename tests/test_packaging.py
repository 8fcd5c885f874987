"""The package tells the truth about what it needs (issue 17 §2)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib

from packaging.requirements import Requirement

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OPTIONAL_USERS = {"playwright": "test", "typst": "test", "distributed": "dask"}  # bench; --scheduler


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> set[str]:
    """Top-level modules imported anywhere in generator/ and schemas/ (absolute imports)."""
    found: set[str] = set()
    for path in [*(ROOT / "generator").rglob("*.py"), *(ROOT / "schemas").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    own = {"generator", "schemas", "nianbao", "__future__"}
    return {m for m in found if m not in sys.stdlib_module_names and m not in own}


def _declared(requirements: list[str]) -> set[str]:
    names = set()
    for text in requirements:
        req = Requirement(text)
        names |= {_norm(req.name), *(_norm(e) for e in req.extras)}
    return names


def test_every_imported_distribution_is_declared() -> None:
    required = _declared(PYPROJECT["project"]["dependencies"])
    extras = PYPROJECT["project"]["optional-dependencies"]
    distributions = md.packages_distributions()
    missing = []
    for module in sorted(_imported_modules()):
        dist = _norm(distributions[module][0])
        extra = OPTIONAL_USERS.get(module)
        declared = _declared(extras[extra]) if extra else required
        if dist not in declared:
            missing.append((module, dist))
    assert missing == []


def test_installed_versions_are_inside_the_declared_ranges() -> None:
    """The lock the suite runs on is what the ranges were verified with."""
    outside = []
    for text in PYPROJECT["project"]["dependencies"]:
        req = Requirement(text)
        version = md.version(req.name)
        if not req.specifier.contains(version, prereleases=True):
            outside.append((req.name, version, str(req.specifier)))
    assert outside == []


def test_weasyprint_range_excludes_the_versions_that_fail() -> None:
    """62.3 and 66.0 lack URLFetcher: every PDF failed with a traceback."""
    req = next(Requirement(t) for t in PYPROJECT["project"]["dependencies"]
               if t.startswith("weasyprint"))
    assert not req.specifier.contains("62.3") and not req.specifier.contains("66.0")
    assert req.specifier.contains(md.version("weasyprint"))


def test_every_subpackage_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages by their installed names (the folders are mapped):
    a new folder of code must be listed, or the wheel would lack it."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {"nianbao" + "".join(f".{p}" for p in init.parent.relative_to(ROOT / "generator").parts)
               for init in (ROOT / "generator").rglob("__init__.py")}
    assert folders | {"nianbao.schemas", "nianbao.templates"} == listed
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert mapping == {"nianbao": "generator", "nianbao.schemas": "schemas",
                       "nianbao.templates": "templates"}
