"""One content, three formats: headings, table labels and every number appear in HTML, DOCX and
PDF, in the same order (issue 2 §9)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html

from conftest import COUNTY, TOWNSHIP, run_cli
from nianbao.compose.report import compose
from nianbao.compose.document import Document, Heading, Para, Table
from nianbao.load import load
from nianbao.validate import validate

NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def normalised(text: str) -> str:
    """Whitespace-free text in which every standalone number is written ⟨n⟩.

    Line breaks fall in different places in each format (a PDF wraps long labels); removing
    whitespace makes labels comparable, and marking standalone numbers keeps 3 from
    matching inside 38.
    """
    out = []
    for token in text.split():
        out.append(f"⟨{token}⟩" if NUMBER.match(token) else token)
    return "".join(out)


def expected_items(doc: Document) -> list[str]:
    """Title, headings, table labels and figures in reading order, normalised."""
    items = [doc.title]
    for section in doc.sections:
        items.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Heading):
                items.append(block.text)
            elif isinstance(block, Table):
                for row in block.header + block.body:
                    items += [normalised(c.text) for c in row if c.text]
    return ["".join(i.split()) for i in items]


def assert_in_order(items: list[str], text: str, fmt: str) -> None:
    pos = 0
    for item in items:
        found = text.find(item, pos)
        assert found >= 0, f"{fmt}: “{item}” missing or out of order after …{text[pos - 40:pos]}"
        pos = found + len(item)


def html_text(path: Path) -> str:
    body = html.fromstring(path.read_bytes()).body
    return normalised("\n".join(body.itertext()))


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    paras = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]
    return normalised("\n".join(paras))


def pdf_text(path: Path) -> str:
    # -raw keeps the order the page was drawn in: cell by cell, so wrapped labels stay whole
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    # page furniture (the "— N —" footer, a draft's mark in the top margin) interrupts
    # paragraphs that cross a page
    out = re.sub(r"(?m)^草稿：本报告存在 \d+ 个错误，不得发布$", "", out)
    return normalised(re.sub(r"(?m)^\u2014 \d+ \u2014$", "", out))


BUILT = {"county": COUNTY, "township": TOWNSHIP}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, tuple[Document, dict[str, str]]]:
    """Both valid examples built once with the CLI, and the text of each output."""
    result = {}
    for name, source in BUILT.items():
        out = tmp_path_factory.mktemp(name)
        run = run_cli("build", source, "-o", out)
        assert run.returncode == 0, run.stderr
        doc = compose(validate(load(source)))
        files = {p.suffix[1:]: p for p in out.iterdir()}
        assert sorted(files) == ["docx", "html", "pdf"]
        assert all(p.stem == doc.title for p in files.values())
        result[name] = doc, {"html": html_text(files["html"]), "docx": docx_text(files["docx"]),
                             "pdf": pdf_text(files["pdf"])}
    return result


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
@pytest.mark.parametrize("name", sorted(BUILT))
def test_headings_labels_and_numbers_in_order(builds, name: str, fmt: str) -> None:
    doc, texts = builds[name]
    assert_in_order(expected_items(doc), texts[fmt], fmt)


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
@pytest.mark.parametrize("name", sorted(BUILT))
def test_every_paragraph_present(builds, name: str, fmt: str) -> None:
    doc, texts = builds[name]
    paras = list(doc.preamble) + [b for s in doc.sections for b in s.blocks
                                  if isinstance(b, Para)]
    assert paras
    assert_in_order([normalised(p.text) for p in paras], texts[fmt], fmt)
    if doc.signature:
        assert_in_order([doc.signature.name + doc.signature.date], texts[fmt], fmt)


def test_county_figures_are_the_example_figures(builds) -> None:
    _, texts = builds["county"]
    # 表三 row 一 and 表四 (行政复议 1 case, upheld), as typed in the YAML
    for fmt, text in texts.items():
        assert "一、本年新收政府信息公开申请数量⟨31⟩⟨4⟩⟨0⟩⟨0⟩⟨2⟩⟨1⟩⟨38⟩" in text, fmt
        assert "⟨1⟩⟨0⟩⟨0⟩⟨0⟩⟨1⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩⟨0⟩" in text, fmt


def test_township_states_figures_in_default_sentences(builds) -> None:
    doc, texts = builds["township"]
    sentence = "2024年，本机关未收到政府信息公开申请，也没有上年结转的申请。"
    for fmt, text in texts.items():
        assert sentence in text, fmt
        # 六: the clerk's "无其他需要报告的事项。" and the fee statement as one sentence
        assert "本年度未收取信息处理费，无其他需要报告的事项。" in text, fmt
