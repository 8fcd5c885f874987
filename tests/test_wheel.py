"""Installed from its wheel, outside the checkout, nianbao works as it does here (issue 17 §1, §3).

The wheel is built from a copy of the tracked files (so the checkout gains no build/ or
egg-info), installed with its declared dependencies — pinned to the lock's versions, from
pip's cache or the package index — into a fresh virtualenv, and every command a clerk uses
runs from another folder: `init`, `check`, `build` (html, pdf, docx), `templates export`,
`serve` (one page fetched).  Each output must equal, byte for byte, the same command's
output from the checkout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import COUNTY, ROOT

IGNORED = shutil.ignore_patterns(".git", ".venv", "out", "__pycache__", "*.egg-info", "build",
                                 ".pytest_cache", ".mypy_cache", ".ruff_cache")


def _lock_constraints(target: Path) -> Path:
    """requirements.lock without its hashes, as pip constraints (versions only)."""
    pins = [line.split()[0] for line in (ROOT / "requirements.lock").read_text().splitlines()
            if "==" in line and not line.lstrip().startswith(("#", "--"))]
    target.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORED, symlinks=True)
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--disable-pip-version-check", "-w", str(dist), str(src)], check=True,
                   timeout=600)
    (wheel,) = dist.glob("nianbao-*.whl")
    env = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    subprocess.run([str(env / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                    "-c", str(_lock_constraints(tmp / "constraints.txt")), str(wheel)],
                   check=True, timeout=1200)
    return env


def test_the_wheel_holds_one_package_with_everything_it_needs(venv: Path) -> None:
    (wheel,) = (venv.parent / "dist").glob("nianbao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"nianbao"}
    for needed in ("nianbao/templates/report.html", "nianbao/templates/_base.html",
                   "nianbao/templates/css/print.css", "nianbao/schemas/report-2021.schema.json",
                   "nianbao/serve/assets/serve.js", "nianbao/cli/main.py", "nianbao/__main__.py",
                   "nianbao/render/pdf_fast/table_stamp.py", "nianbao/write/workbook.py",
                   "nianbao/templates/batch_summary.html", "nianbao/templates/batch_findings.html"):
        assert needed in names
    assert not [n for n in names if "bench" in n]   # the benchmark lives in tests/, not shipped


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**env, "COLUMNS": "200"})


SESSION = [
    ["init", "--year", "2024", "--agency", "某某县交通运输局", "-o", "新.yaml"],
    ["init", "--year", "2024", "--agency", "某某县交通运输局", "-o", "新.xlsx"],
    ["check", "county.yaml"],
    ["check", "county.yaml", "--format", "json"],
    ["build", "county.yaml", "-o", "out"],
    ["templates", "export", "我局模板"],
]


def _session(nianbao: list[str], folder: Path) -> list[subprocess.CompletedProcess[str]]:
    folder.mkdir()
    shutil.copy(COUNTY, folder / "county.yaml")
    return [_run([*nianbao, *args], folder) for args in SESSION]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_installed_commands_give_the_checkouts_bytes(venv: Path, tmp_path: Path) -> None:
    installed = _session([str(venv / "bin" / "nianbao")], tmp_path / "installed")
    here = _session([sys.executable, "-m", "nianbao"], tmp_path / "checkout")
    for args, a, b in zip(SESSION, installed, here):
        assert a.returncode == b.returncode == 0, (args, a.stderr)
        assert (a.stdout, a.stderr) == (b.stdout, b.stderr), args
    got, want = _files(tmp_path / "installed"), _files(tmp_path / "checkout")
    assert sorted(got) == sorted(want)
    assert {p for p in got if p.startswith("out/")} == {
        f"out/某某县交通运输局2024年政府信息公开工作年度报告.{f}" for f in ("html", "pdf", "docx")}
    # the YAML's first line points editors at the JSON Schema of the nianbao that wrote it
    # (installed: in site-packages): both must lead to that file, the rest is the same
    for folder, files in ((tmp_path / "installed", got), (tmp_path / "checkout", want)):
        first, rest = files["新.yaml"].split(b"\n", 1)
        schema = first.decode("utf-8").split("$schema=", 1)[1]
        assert (folder / schema).resolve().name == "report-2021.schema.json"
        assert (folder / schema).is_file()
        files["新.yaml"] = rest
    assert [p for p in got if got[p] != want[p]] == []


def test_python_dash_m_nianbao_and_serve_work_installed(venv: Path, tmp_path: Path) -> None:
    shutil.copy(COUNTY, tmp_path / "county.yaml")
    version = _run([str(venv / "bin" / "python"), "-m", "nianbao", "--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == "nianbao 0.1.0"
    proc = subprocess.Popen([str(venv / "bin" / "nianbao"), "serve", "county.yaml", "--port", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert line.startswith("预览地址：http://127.0.0.1:"), line + proc.stderr.read()
        link = line.split("：", 1)[1].split()[0]
        with urllib.request.urlopen(link, timeout=60) as page:
            body = page.read().decode("utf-8")
        assert page.status == 200 and "某某县交通运输局" in body
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
