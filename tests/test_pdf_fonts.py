"""The PDF's fonts: fontconfig charsets, GB2312 subsets made with HarfBuzz, a report's
rare characters drawn from faces cut by blocks of 256 code points (never the full
65,000-glyph face), a batch meeting each block's faces once, and the same bytes whatever a
worker rendered before."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from nianbao.compose.document import Para
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import RenderOptions, pdf_fonts, pdf_rare_faces, pdf_render
from nianbao.render.pdf_fast import table_skeleton
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "township-zero-requests-2024.yaml"
RARE = "王镕、李堃、周䶮"      # U+9555, U+5803, U+4DAE: blocks U+9500, U+5800, U+4D00
FULL_FACES = {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "AR-PL-UKai-CN"}
SERIF = "Noto Serif CJK SC"


def rare_doc(names: str = RARE):
    doc = compose(validate(load(EXAMPLE)))
    section = doc.section("problems")
    new = dataclasses.replace(section, blocks=(Para(f"本机关由{names}同志负责。"),) + section.blocks)
    return dataclasses.replace(doc, sections=tuple(new if s.id == "problems" else s
                                                   for s in doc.sections))


def neighbours(text: str = RARE) -> str:
    """For each rare character of the text, another rare one of its block (the serif draws
    both): a name that brings the same block faces with other characters."""
    drawn = pdf_fonts._match(SERIF)[2]
    out = []
    for ch in text:
        if ord(ch) in pdf_fonts.gb2312_chars():
            continue
        start = pdf_rare_faces.block_of(ord(ch))
        out.append(next(chr(c) for c in sorted(pdf_rare_faces.block_chars(start))
                        if c != ord(ch) and c in drawn and chr(c) not in text))
    return "".join(out)


def all_recordings() -> list:
    return [r for s in table_skeleton.SKELETONS.values() if s is not None
            for rs in [s.recordings] + [c.recordings for c in s.cells] for r in rs.values()]


def count_forgotten(monkeypatch) -> list[int]:
    """Each time the recordings are dropped (new faces made Pango reload its fonts), a 1 in
    the list returned; the process's record of faces added starts empty."""
    calls: list[int] = []
    real = table_skeleton.forget_recordings
    monkeypatch.setattr(table_skeleton, "forget_recordings",
                        lambda: (calls.append(1), real())[1])
    monkeypatch.setattr(pdf_render, "_RARE_SEEN", set())
    return calls


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


def test_a_block_face_holds_every_rare_glyph_of_its_block(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    face = pdf_fonts._face_of(SERIF)
    chars = pdf_rare_faces.block_chars(0x9500)
    path = pdf_fonts.subset_file(face, chars)
    cmap = set(TTFont(path).getBestCmap())
    drawable = pdf_fonts._match(SERIF)[2]
    assert cmap == {c for c in range(0x9500, 0x9600)
                    if c in drawable and c not in pdf_fonts.gb2312_chars()}
    assert ord("镕") in cmap and ord("锁") not in cmap      # 锁 (U+9501) is GB2312's
    assert path.stat().st_size < 150_000                    # ~60 KB, not the 20 MB face
    assert pdf_fonts.subset_file(face, chars) == path       # cached: made once
    assert not list(path.parent.glob(".*.tmp"))


def test_stacks_name_the_gb2312_subset_then_the_blocks_then_the_full_face():
    page = f'<style>p {{ font-family: "{SERIF}", serif }}</style><p>{RARE}</p>'
    html = pdf_fonts.use_subsets(page)
    stack = pdf_fonts.font_stacks(html)[-1]
    assert stack == (f"{SERIF} GB2312", f"{SERIF} R4D00", f"{SERIF} R5800",
                     f"{SERIF} R9500", SERIF, "serif")
    # other characters of the same blocks: the same faces, declared in the same order
    same_blocks = pdf_fonts.use_subsets(page.replace(RARE, neighbours()))
    assert same_blocks.split("</style>")[0] == html.split("</style>")[0]
    assert pdf_fonts.font_stacks(same_blocks)[-1] == stack
    assert pdf_fonts.font_stacks(pdf_fonts.use_subsets(page, rare=False))[-1] == (
        f"{SERIF} GB2312", SERIF, "serif")


def test_rare_characters_come_from_block_faces(tmp_path):
    pdf = tmp_path / "rare.pdf"
    pdf.write_bytes(pdf_render.render(rare_doc(), RenderOptions()))
    names = pdffonts(pdf)
    assert "Noto-Serif-CJK-SC-GB2312" in names
    blocks = sorted(n for n in names if n.startswith("Noto-Serif-CJK-SC-R"))
    assert blocks == ["Noto-Serif-CJK-SC-R4D00", "Noto-Serif-CJK-SC-R5800",
                      "Noto-Serif-CJK-SC-R9500"]
    assert not FULL_FACES & set(names)   # no full face is embedded (nor loaded)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert RARE in text


def test_names_in_a_block_met_before_add_no_face(monkeypatch):
    """陈昇 and 吴昉 fall in one block (U+6600): the second report declares the faces the
    first added, so the font map does not change and the recordings are kept; 王镕
    (U+9500) brings new faces, and the recordings are dropped."""
    calls = count_forgotten(monkeypatch)
    pdf_render.render(rare_doc("陈昇"), RenderOptions())
    assert calls == [1]
    seen = set(pdf_render._RARE_SEEN)
    assert seen and all(" R6600" in rule for rule in seen)
    kept = {id(r) for r in all_recordings() if r is not None}
    assert kept
    pdf_render.render(rare_doc("吴昉"), RenderOptions())
    assert calls == [1] and pdf_render._RARE_SEEN == seen
    assert kept <= {id(r) for r in all_recordings() if r is not None}   # not recorded again
    pdf_render.render(rare_doc("王镕"), RenderOptions())
    assert calls == [1, 1] and pdf_render._RARE_SEEN > seen


def test_a_block_that_cannot_be_cut_is_drawn_from_the_full_face(tmp_path, monkeypatch,
                                                                 caplog):
    def refuse(face, chars=None):
        raise ValueError("no cut")

    pdf_rare_faces._block_rule.cache_clear()
    monkeypatch.setattr(pdf_rare_faces, "subset_file", refuse)
    try:
        with caplog.at_level(logging.WARNING, logger="nianbao.render.pdf_rare_faces"):
            pdf = tmp_path / "full.pdf"
            pdf.write_bytes(pdf_render.render(rare_doc("王镕"), RenderOptions()))
    finally:
        monkeypatch.undo()
        pdf_rare_faces._block_rule.cache_clear()
    assert any("U+9500–95FF" in r.getMessage() for r in caplog.records)
    names = pdffonts(pdf)
    assert "Noto-Serif-CJK-SC" in names and not any("-R95" in n for n in names)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "王镕" in text


def test_rare_characters_give_the_same_bytes_whatever_came_before(tmp_path):
    """Fresh, and after plain reports and a report whose other names brought the same
    blocks' faces first (so this one adds none)."""
    script = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from tests.test_pdf_fonts import neighbours, rare_doc\n"
        "from nianbao.compose.report import compose\n"
        "from nianbao.load import load\n"
        "from nianbao.validate import validate\n"
        "from nianbao.render import RenderOptions, pdf_render\n"
        "if sys.argv[3] == 'after-others':\n"
        "    for name in ('county-transport-2024', 'zhumadian-housing-2020'):\n"
        "        doc = compose(validate(load(f'{sys.argv[2]}/examples/{name}.yaml')))\n"
        "        pdf_render.render(doc, RenderOptions())\n"
        "    pdf_render.render(rare_doc('张' + neighbours()), RenderOptions())\n"
        "    seen = set(pdf_render._RARE_SEEN)\n"
        "pdf = pdf_render.render(rare_doc(), RenderOptions())\n"
        "if sys.argv[3] == 'after-others':\n"
        "    assert pdf_render._RARE_SEEN == seen, 'the rare report added faces'\n"
        "open(sys.argv[1], 'wb').write(pdf)\n")
    outputs = []
    for history in ("fresh", "after-others"):
        out = tmp_path / f"{history}.pdf"
        subprocess.run([sys.executable, "-c", script, str(out), str(ROOT), history],
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_subsets_can_be_turned_off(tmp_path, monkeypatch):
    script = ("import sys\n"
              "sys.path.insert(0, sys.argv[2])\n"
              "from tests.test_pdf_fonts import rare_doc\n"
              "from nianbao.render import RenderOptions, pdf_render\n"
              "open(sys.argv[1], 'wb').write(pdf_render.render(rare_doc(), RenderOptions()))\n")
    out = tmp_path / "full.pdf"
    subprocess.run([sys.executable, "-c", script, str(out), str(ROOT)], check=True,
                   cwd=ROOT, env={**os.environ, "NIANBAO_FONT_SUBSET": "0",
                                  "PYTHONPATH": str(ROOT)})
    names = pdffonts(out)
    assert "Noto-Serif-CJK-SC" in names
    assert not any("GB2312" in n or "-R" in n for n in names)
    monkeypatch.setenv("NIANBAO_FONT_SUBSET", "0")
    assert pdf_rare_faces.supplement_font_faces(frozenset(map(ord, "镕堃"))).rules == ()


@pytest.mark.parametrize("html, expected", [
    ("<p>政府信息公开</p>", set()),
    ("<p>王镕、李堃</p>", {"镕", "堃"}),
    ("<p>表情😀不算</p>", set()),        # no subset face draws it: the glyph check's business
])
def test_rare_chars_are_those_outside_gb2312_a_face_can_draw(html, expected):
    assert pdf_fonts.rare_chars(html) == frozenset(ord(c) for c in expected)
