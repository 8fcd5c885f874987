"""The HTML page in a real browser (issue 19 item 17): no row label of table 三 wraps a lone
character onto a line of its own ("（三）不予公 / 开"); labels break between words, as in the
PDF.  Debian's /usr/bin/chromium, driven by Playwright, lays out the page as built."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import render
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLES = ("county-transport-2024", "zhumadian-housing-2020")  # editions 2021 and 2019

# The lines of each label of table 三, read from where the browser put each character.
LINES_JS = """
() => [...document.querySelectorAll('table[data-table="三"] th.label')].map(th => {
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  const lines = [];
  let top = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top === null || Math.abs(rect.top - top) > 3) { lines.push(''); top = rect.top; }
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
})
"""


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="nianbao-chromium-")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module", params=EXAMPLES)
def html_file(request, tmp_path_factory) -> Path:
    doc = compose(validate(load(str(ROOT / "examples" / f"{request.param}.yaml"))))
    path = tmp_path_factory.mktemp("html") / f"{request.param}.html"
    path.write_bytes(render(doc, "html"))
    return path


@pytest.mark.parametrize("width", [1280, 390])  # a desktop, a phone (the table scrolls)
def test_no_table3_label_line_is_one_character(browser, html_file, width):
    page = browser.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(html_file.as_uri())
        labels = page.evaluate(LINES_JS)
    finally:
        page.close()
    assert len(labels) > 15  # the page has table 三 with its labels
    lone = ["/".join(lines) for lines in labels if len(lines) > 1
            and any(len(line) == 1 for line in lines)]
    assert not lone, lone
    broken = {"".join(lines): "/".join(lines) for lines in labels}
    assert broken["（三）不予公开"] == "（三）不予/公开"  # between words, as in the PDF
    assert broken["三、本年度办理结果"] == "三、本/年度办/理结果"
