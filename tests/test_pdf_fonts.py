"""The PDF's fonts: fontconfig charsets, GB2312 subsets made with HarfBuzz, a report's
rare characters drawn from a tiny supplement face (never the full 65,000-glyph face), and
the same bytes whatever a worker rendered before."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from nianbao.compose.report import compose
from nianbao.compose.document import Para
from nianbao.load import load
from nianbao.render import RenderOptions, pdf_fonts, pdf_render
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "township-zero-requests-2024.yaml"
RARE = "王镕、李堃、周䶮"


def rare_doc():
    doc = compose(validate(load(EXAMPLE)))
    section = doc.section("problems")
    new = dataclasses.replace(section, blocks=(Para(f"本机关由{RARE}同志负责。"),) + section.blocks)
    return dataclasses.replace(doc, sections=tuple(new if s.id == "problems" else s
                                                   for s in doc.sections))


def pdffonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:]]


def test_charset_parses_fontconfig_ranges():
    charset = pdf_fonts.Charset.parse("20-7e a0 4e00-4e02")
    assert 0x41 in charset and 0xA0 in charset and 0x4E01 in charset
    assert 0x7F not in charset and 0x4E03 not in charset and "A" not in charset
    assert len(charset) == 95 + 1 + 3
    merged = charset | pdf_fonts.Charset([(0x7F, 0x9F)])
    assert merged.ranges() == [(0x20, 0xA0), (0x4E00, 0x4E02)]


def test_installed_faces_charsets_come_from_fontconfig():
    charset = pdf_fonts.drawable('<style>p { font-family: "Noto Serif CJK SC" }</style>')
    for ch in "政府信息公开镕堃䶮":
        assert ord(ch) in charset
    assert ord("😀") not in charset


def test_gb2312_subset_holds_gb2312_and_is_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    face = pdf_fonts._face_of("Noto Sans CJK SC")
    path = pdf_fonts.subset_file(face)
    assert path.parent == tmp_path / "nianbao" / "fonts" and path.suffix == ".otf"
    cmap = TTFont(path).getBestCmap()
    drawable = pdf_fonts._match("Noto Sans CJK SC")[2]
    wanted = {c for c in pdf_fonts.gb2312_chars() if c in drawable}
    assert wanted <= set(cmap) and len(cmap) < len(wanted) + 20   # (+ a few layout closures)
    assert {ord(c) for c in "中华人民共和国政府信息公开（）—0123456789"} <= set(cmap)
    assert ord("镕") not in cmap and ord("䶮") not in cmap
    assert pdf_fonts.subset_file(face) == path          # cached: made once
    assert not list(path.parent.glob(".*.tmp"))          # no staging file left behind


def test_rare_characters_come_from_a_supplement_face(tmp_path):
    pdf = tmp_path / "rare.pdf"
    pdf.write_bytes(pdf_render.render(rare_doc(), RenderOptions()))
    names = pdffonts(pdf)
    assert "Noto-Serif-CJK-SC-GB2312" in names
    supplements = [n for n in names if n.startswith("Noto-Serif-CJK-SC-R")]
    assert len(supplements) == 1
    assert "Noto-Serif-CJK-SC" not in names   # the full face is neither loaded nor embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert RARE in text


def test_rare_characters_give_the_same_bytes_whatever_came_before(tmp_path):
    script = (
        "import sys, dataclasses\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from tests.test_pdf_fonts import rare_doc\n"
        "from generator.compose.report import compose\n"
        "from generator.load import load\n"
        "from generator.validate import validate\n"
        "from generator.render import RenderOptions, pdf_render\n"
        "if sys.argv[3] == 'after-others':\n"
        "    for name in ('county-transport-2024', 'zhumadian-housing-2020'):\n"
        "        doc = compose(validate(load(f'{sys.argv[2]}/examples/{name}.yaml')))\n"
        "        pdf_render.render(doc, RenderOptions())\n"
        "open(sys.argv[1], 'wb').write(pdf_render.render(rare_doc(), RenderOptions()))\n")
    outputs = []
    for history in ("fresh", "after-others"):
        out = tmp_path / f"{history}.pdf"
        subprocess.run([sys.executable, "-c", script, str(out), str(ROOT), history],
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_subsets_can_be_turned_off(tmp_path):
    script = ("import sys\n"
              "from generator.compose.report import compose\n"
              "from generator.load import load\n"
              "from generator.validate import validate\n"
              "from generator.render import RenderOptions, pdf_render\n"
              "doc = compose(validate(load(sys.argv[2])))\n"
              "open(sys.argv[1], 'wb').write(pdf_render.render(doc, RenderOptions()))\n")
    out = tmp_path / "full.pdf"
    subprocess.run([sys.executable, "-c", script, str(out), str(EXAMPLE)], check=True,
                   cwd=ROOT, env={**os.environ, "NIANBAO_FONT_SUBSET": "0"})
    names = pdffonts(out)
    assert "Noto-Serif-CJK-SC" in names
    assert not any("GB2312" in n for n in names)


@pytest.mark.parametrize("html, expected", [
    ("<p>政府信息公开</p>", set()),
    ("<p>王镕、李堃</p>", {"镕", "堃"}),
    ("<p>表情😀不算</p>", set()),        # no subset face draws it: the glyph check's business
])
def test_rare_chars_are_those_outside_gb2312_a_face_can_draw(html, expected):
    assert pdf_fonts.rare_chars(html) == frozenset(ord(c) for c in expected)
