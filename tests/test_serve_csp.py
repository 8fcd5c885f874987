"""The preview in a real headless Chromium under its Content-Security-Policy (issue 19 §20,
§13): a live update logs no console error — no "violates the Content Security Policy" —
while the new figure, the draft mark and a finding's highlight show (a body swap and a
whole-document swap); and a report with errors asks, in the page, before its draft is
downloaded, while a clean one (warnings allowed) downloads at once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest
from conftest import COUNTY, EXAMPLES
from test_serve_browser import browser_context  # noqa: F401  (the same Chromium)

expect = playwright_api.expect
AGENCY = "某某县交通运输局"
NEW_ROW = "natural: {}, commercial: 4, research: 0, nonprofit: 0, legal: 2, other: 1, total: {}"
FOCUS_OUTLINE = "rgb(29, 78, 216)"   # serve.js FOCUS_CSS


def mark(n: int) -> str:
    return f"草稿：本报告存在 {n} 个错误，不得发布"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from nianbao.serve import start

    root = tmp_path_factory.mktemp("reports")
    shutil.copy(COUNTY, root / "live.yaml")
    shutil.copy(EXAMPLES / "invalid" / "t3-balance.yaml", root / "balance.yaml")
    late = COUNTY.read_text(encoding="utf-8").replace("published: 2025-01-20",
                                                      "published: 2025-03-05")
    (root / "late.yaml").write_text(late, encoding="utf-8")   # one warning: DEADLINE
    running = start(root, port=0)
    yield running, root
    running.stop()


@pytest.fixture
def page(browser_context):  # noqa: F811  (the fixture imported above)
    """A page whose console errors and warnings (a CSP violation is an error) and script
    errors are collected, in the report's frame too; none may be left at the end."""
    page = browser_context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.console_messages = console   # type: ignore[attr-defined]
    yield page
    page.close()
    assert not console, console


def _errors(path: Path) -> int:
    from nianbao.pipeline import check_file

    return check_file(path).summary["errors"]


def _outline(page, selector: str) -> str:
    """A cell's outline colour, read from the page (scripts never run in the sandboxed
    report frame: evaluating there logs "Blocked script execution")."""
    return page.evaluate("""(selector) => {
        const doc = document.getElementById("report").contentDocument;
        return getComputedStyle(doc.querySelector(selector)).outlineColor;
    }""", selector)


def test_live_updates_log_no_console_error(served, page):
    running, root = served
    path = root / "live.yaml"
    original = path.read_text(encoding="utf-8")
    try:
        _live_updates(running, page, path, original)
    finally:
        path.write_text(original, encoding="utf-8")


def _live_updates(running, page, path: Path, original: str) -> None:
    page.goto(running.url + "report/f/live.yaml")
    report = page.frame_locator("#report")
    expect(report.locator("h1")).to_contain_text(AGENCY)
    expect(report.locator(".nianbao-draft")).to_have_count(0)   # clean: no mark
    page.evaluate("window.notReloaded = true")
    assert page.console_messages == []

    # 1. a new figure that no longer balances: the body is swapped in, the draft mark shows
    path.write_text(original.replace(NEW_ROW.format(31, 38), NEW_ROW.format(35, 42), 1),
                    encoding="utf-8")
    cell = report.locator('td[data-cell="table3.new.natural"]')
    expect(cell).to_have_text("35")
    errors = _errors(path)
    assert errors >= 1
    expect(report.locator(".nianbao-draft")).to_have_text(mark(errors))
    expect(page.locator("#summary")).to_contain_text(f"{errors} 个错误")
    page.locator("#finding-list .finding").first.click()
    expect(cell).to_have_attribute("data-nb-focus", "")
    assert _outline(page, 'td[data-cell="table3.new.natural"]') == FOCUS_OUTLINE
    assert page.console_messages == []

    # 2. another agency: the head (its <title>) changes, the whole document is swapped
    renamed = path.read_text(encoding="utf-8").replace(AGENCY, "某某县更名测试局")
    path.write_text(renamed, encoding="utf-8")
    expect(report.locator("h1")).to_contain_text("某某县更名测试局")
    expect(cell).to_have_text("35")
    page.locator("#finding-list .finding").first.click()
    expect(cell).to_have_attribute("data-nb-focus", "")
    assert _outline(page, 'td[data-cell="table3.new.natural"]') == FOCUS_OUTLINE

    # 3. fixed again: the mark goes, the figure is the old one
    path.write_text(original, encoding="utf-8")
    expect(report.locator("h1")).to_contain_text(AGENCY)
    expect(cell).to_have_text("31")
    expect(report.locator(".nianbao-draft")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True   # updated in place, never reloaded
    assert page.console_messages == []


def _pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_a_draft_is_downloaded_only_when_confirmed(served, page, tmp_path):
    running, root = served
    errors = _errors(root / "balance.yaml")
    downloads: list = []
    page.on("download", lambda d: downloads.append(d))
    page.goto(running.url + "report/f/balance.yaml")
    expect(page.frame_locator("#report").locator(".nianbao-draft")).to_have_text(mark(errors))
    dialog = page.locator("#draft-confirm")
    expect(dialog).to_be_hidden()

    page.locator("#dl-pdf").click()   # asks first
    expect(dialog).to_be_visible()
    expect(page.locator("#draft-confirm-text")).to_contain_text(f"还有 {errors} 个错误")
    expect(page.locator("#draft-confirm-text")).to_contain_text(mark(errors))
    page.locator("#draft-cancel").click()
    expect(dialog).to_be_hidden()

    page.locator("#dl-pdf").click()
    expect(dialog).to_be_visible()
    with page.expect_download(timeout=60_000) as download:
        page.locator("#draft-go").click()
    expect(dialog).to_be_hidden()
    assert len(downloads) == 1   # nothing was downloaded on 取消
    target = tmp_path / "draft.pdf"
    download.value.save_as(target)
    pages = _pdf_pages(target)
    assert pages and all(mark(errors) in p for p in pages)


def test_a_clean_report_downloads_at_once(served, page, tmp_path):
    """Warnings only (published late): no mark, no question."""
    running, _ = served
    page.goto(running.url)   # by way of the index, which logs nothing either
    page.get_by_role("link", name="late.yaml").click()
    expect(page.locator("#summary")).to_contain_text("0 个错误，1 个警告")
    expect(page.frame_locator("#report").locator("h1")).to_contain_text(AGENCY)
    expect(page.frame_locator("#report").locator(".nianbao-draft")).to_have_count(0)
    with page.expect_download(timeout=60_000) as download:
        page.locator("#dl-pdf").click()
    expect(page.locator("#draft-confirm")).to_be_hidden()
    target = tmp_path / "clean.pdf"
    download.value.save_as(target)
    assert not any("草稿" in p for p in _pdf_pages(target))
