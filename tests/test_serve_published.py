"""`nianbao serve DIR` lists published reports (load.DOCUMENT_SUFFIXES) and checks them like
any input; the report page previews nianbao's rendering of what was read (issue 18)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import ROOT, run_cli
from nianbao.load import DOCUMENT_SUFFIXES
from nianbao.serve import start
from nianbao.serve.watcher import is_report_name
from test_serve import get_json, request


@pytest.fixture
def published_folder(tmp_path: Path) -> Path:
    built = tmp_path / "built"
    result = run_cli("build", ROOT / "examples" / "county-transport-2024.yaml", "--format",
                     "html,docx", "-o", built)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "reports"
    root.mkdir()
    for path in built.iterdir():
        shutil.copy(path, root / f"甲局{path.suffix}")
    (root / "乙局.htm").write_text("<p>你好</p>", encoding="utf-8")  # no table: unreadable
    return root


def test_every_document_suffix_is_a_report() -> None:
    assert all(is_report_name(f"年报{s}") for s in DOCUMENT_SUFFIXES)
    assert not is_report_name("~$年报.docx")


def test_serve_lists_and_checks_published_reports(published_folder: Path) -> None:
    running = start(published_folder, port=0, interval=0.05, debounce=0.1)
    try:
        page = request(running, "GET", "/")[2].decode()
        for name in ("甲局.docx", "甲局.html", "乙局.htm"):
            assert f'href="/report/f/{quote(name)}"' in page
        state = get_json(running, f"/state/f/{quote('甲局.docx')}")
        assert state["summary"]["errors"] == 0 and state["problems"] == []
        bad = get_json(running, f"/state/f/{quote('乙局.htm')}")
        assert bad["problems"] and "文档中没有表格" in str(bad["problems"])
        status, _, html = request(running, "GET", f"/preview/f/{quote('甲局.html')}")
        assert status == 200 and "某某县交通运输局" in html.decode()
    finally:
        running.stop()
