"""The PDF fast path's terms (generator/render/pdf_fast/fastpath.py, font_refs.py): exact library
versions or the ordinary render, the ordinary render when it raises, its patches only for
nianbao's own renders, fonts held by real references, and a warning when threads of one
process queue for PDF renders."""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_pdf_fonts import count_forgotten
from test_table_stamp import assert_same_pages, example, with_figure

from nianbao.render import (
    RenderOptions,
    pdf_render,
)
from nianbao.render.pdf_fast import fastpath
from nianbao.render.pdf_fast import font_refs
from nianbao.render.pdf_fast import pdf_font_cache
from nianbao.render.pdf_fast import table_skeleton
from nianbao.render.pdf_fast import table_stamp
from nianbao.render.pdf_fast import text_replay

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_log(monkeypatch, caplog):
    """Logged-once notes start afresh; warnings of the fast path captured."""
    monkeypatch.setattr(fastpath, "_LOGGED", set())
    caplog.set_level(logging.WARNING, logger="nianbao.render")
    return caplog


def records(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


@pytest.fixture(scope="module")
def doc():
    return example("county-transport-2024.yaml")


@pytest.fixture(scope="module")
def ordinary(doc) -> bytes:
    return pdf_render.render(doc, RenderOptions(), stamp_tables=False)


@pytest.fixture(scope="module")
def fast(doc) -> bytes:
    return pdf_render.render(doc, RenderOptions())


def test_verified_versions_are_the_installed_ones():
    """The gate names the versions of requirements.lock, and they are the ones installed
    (else the suite's fidelity tests would test nothing but the ordinary render)."""
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for name, version in fastpath.VERIFIED.items():
        assert f"\n{name}=={version} " in lock
    assert fastpath.installed() == fastpath.VERIFIED
    assert fastpath.supported()


def test_ordinary_render_has_the_fast_path_s_pages(ordinary, fast, tmp_path):
    """What a report falls back to (below: another library version, an exception) is the
    page the fast path draws."""
    assert_same_pages(ordinary, fast, tmp_path)


# ---- version gate ------------------------------------------------------------------------------
@pytest.mark.parametrize("library", ["weasyprint", "pydyf", "tinyhtml5"])
def test_other_version_renders_the_ordinary_way(library, monkeypatch, fresh_log, doc, ordinary):
    import importlib

    monkeypatch.setattr(importlib.import_module(library), "__version__", "99.0")
    monkeypatch.setattr(table_skeleton, "prepare",
                        lambda *a: pytest.fail("fast path used with another version"))
    first = pdf_render.render(doc, RenderOptions())
    second = pdf_render.render(doc, RenderOptions())
    assert first == second == ordinary          # WeasyPrint's public API, nothing patched
    (line,) = records(fresh_log, "PDF fast path off")   # said once per process
    assert f"{library} 99.0 (verified: {fastpath.VERIFIED[library]})" in line.getMessage()
    assert line.exc_info is None


# ---- an exception inside the fast path -----------------------------------------------------
def _raise(*args, **kwargs):
    raise RuntimeError("injected")


@pytest.mark.parametrize(("module", "name"), [
    (table_stamp, "paint_row"),       # while WeasyPrint draws a page
    (text_replay, "replay"),          # replaying a recorded label
    (table_skeleton, "_extract"),     # laying a skeleton out
    (fastpath, "_patches"),           # putting the patches in place
])
def test_exception_in_the_fast_path_renders_the_ordinary_way(module, name, monkeypatch, fresh_log,
                                                             capsys, doc, ordinary, fast):
    from weasyprint import draw

    originals = draw.draw_table, draw.draw_block_level
    pdf_render.render(doc, RenderOptions())            # skeletons and recordings there
    if name == "_extract":
        table_skeleton.SKELETONS.clear()               # to be laid out again
    monkeypatch.setattr(module, name, _raise)
    first = pdf_render.render(doc, RenderOptions())
    second = pdf_render.render(doc, RenderOptions())
    assert first == second == ordinary         # whose pages are the fast path's (below)
    (line,) = records(fresh_log, "PDF fast path failed (RuntimeError: injected)")
    assert line.exc_info is None                        # one line, no traceback
    assert "Traceback" not in capsys.readouterr().err + fresh_log.text
    assert (draw.draw_table, draw.draw_block_level) == originals
    monkeypatch.undo()
    assert pdf_render.render(doc, RenderOptions()) == fast   # and the fast path again


# ---- patches only for nianbao's renders ------------------------------------------------------
def test_patches_are_gone_after_a_render(doc, fast):
    import pydyf
    from tinyhtml5 import inputstream
    from weasyprint import draw

    before = (draw.draw_table, draw.draw_block_level, pydyf.zlib,
              inputstream.characters_until_regex)
    assert pdf_render.render(doc, RenderOptions()) == fast
    after = (draw.draw_table, draw.draw_block_level, pydyf.zlib,
             inputstream.characters_until_regex)
    assert all(a is b for a, b in zip(after, before))
    assert draw.draw_table.__module__ == "weasyprint.draw"
    assert draw.draw_block_level.__module__ == "weasyprint.draw"


PLAIN = ("<style>@page { size: A5 } td { border: 1px solid; padding: 3pt }</style>"
         "<table><tr><td rowspan=2>甲</td><td>1</td></tr><tr><td>2</td></tr></table>"
         "<p>另一个库的文档</p>")


def _plain_pdf(mark_tables: bool) -> bytes:
    """Another library's WeasyPrint render; its tables carry a ``nianbao_paint`` that
    must never be called outside a nianbao render."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    document = weasyprint.HTML(string=PLAIN).render(font_config=pdf_render.font_config())
    if mark_tables:
        for page in document.pages:
            for box in page._page_box.descendants():
                if isinstance(box, boxes.TableBox):
                    box.nianbao_paint = _raise
    return document.write_pdf(pdf_identifier=b"x")


def test_another_thread_during_a_nianbao_render_is_untouched():
    """While a thread is inside a nianbao render (patches in place), WeasyPrint in another
    thread draws and deflates as WeasyPrint does: the same bytes as with no patch at all."""
    alone = _plain_pdf(mark_tables=False)
    assert _plain_pdf(mark_tables=True) == alone      # no patch: nothing calls nianbao_paint
    out: list[bytes | BaseException] = []

    def other() -> None:
        try:
            out.append(_plain_pdf(mark_tables=True))
        except BaseException as exc:  # noqa: BLE001
            out.append(exc)

    from weasyprint import draw

    with fastpath.scoped():
        assert draw.draw_table.__module__ == table_stamp.__name__   # in place here
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert out == [alone]


# ---- fonts owned by the recordings ------------------------------------------------------------
def _recorded_fonts() -> list[font_refs.OwnedFont]:
    return [font for skeleton in table_skeleton.SKELETONS.values() if skeleton
            for recordings in [skeleton.recordings] + [c.recordings for c in skeleton.cells]
            for recording in recordings.values() if recording for font in recording.fonts]


def test_recordings_hold_real_references(doc):
    """Each font a recording names is held by a g_object_ref of the recording's own (not
    by a kept layout): its count is above what Pango holds alone by one per holder."""
    table_skeleton.SKELETONS.clear()
    pdf_render.render(doc, RenderOptions())
    gc.collect()
    owned = _recorded_fonts()
    assert owned
    pointer = owned[0].pango
    holders = sum(font_refs._address(f.pango) == font_refs._address(pointer) for f in owned)
    probe = font_refs.OwnedFont(pointer)         # keeps it alive for the counts below
    with_recordings = font_refs.ref_count(pointer)
    extra = font_refs.OwnedFont(pointer)
    assert font_refs.ref_count(pointer) == with_recordings + 1     # g_object_ref, really
    del extra
    assert font_refs.ref_count(pointer) == with_recordings         # released by ffi.gc
    del owned
    table_skeleton.SKELETONS.clear()
    gc.collect()
    pango_alone = font_refs.ref_count(pointer) - 1                 # less the probe's
    assert holders >= 1 and with_recordings - 1 - pango_alone >= holders
    del probe


# A replay after Pango has let the recorded fonts go (about 450 other font descriptions
# laid out, collected), in a fresh process with freed memory filled (MALLOC_PERTURB_): the
# same bytes as drawn afresh.  Without our references the replayed bytes differ (or the
# process crashes); in a subprocess so that a crash fails this test, not the suite.
_CHURN = """
import gc, sys
sys.path.insert(0, "tests")
import weasyprint
from test_table_stamp import example, with_figure
from nianbao.render import RenderOptions, pdf_render
from nianbao.render.pdf_fast import table_skeleton

def churn():
    paras = "".join(f'<p style="font: {s / 4}pt {f}">年报 0123</p>' for s in range(20, 170)
                    for f in ("Noto Sans CJK SC", "Noto Serif CJK SC", "AR PL UKai CN"))
    weasyprint.HTML(string=paras).render(font_config=pdf_render.font_config())
    gc.collect()

pdf_render.render(example("county-transport-2024.yaml"), RenderOptions())   # records
other = with_figure(example("township-zero-requests-2024.yaml"), "table3.new.natural", "77")
churn()
replayed = pdf_render.render(other, RenderOptions())
table_skeleton.SKELETONS.clear()
gc.collect()
print("same" if pdf_render.render(other, RenderOptions()) == replayed else "differ")
"""


def test_replay_after_pango_let_the_fonts_go_gives_the_same_bytes():
    import os

    env = dict(os.environ, MALLOC_PERTURB_="165")
    run = subprocess.run([sys.executable, "-c", _CHURN], check=False, cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["same"]


def test_dropped_recordings_render_again_the_same(doc, fast):
    """Recordings and skeletons dropped and collected: the next render lays out, records
    and draws again, byte for byte as before."""
    other = with_figure(example("township-zero-requests-2024.yaml"), "table3.new.natural", "77")
    replayed = pdf_render.render(other, RenderOptions())
    table_skeleton.SKELETONS.clear()
    gc.collect()
    assert pdf_render.render(doc, RenderOptions()) == fast
    gc.collect()
    assert pdf_render.render(other, RenderOptions()) == replayed


# ---- threads ---------------------------------------------------------------------------------
def test_threads_queueing_for_pdf_renders_are_told(fresh_log, doc, fast):
    """PDF renders of one process run one at a time (_STAMP_LOCK); a thread that has to
    wait says so, once per process (a Dask worker with several threads)."""
    out: list[bytes] = []
    with pdf_render._STAMP_LOCK:            # another thread's render in progress
        thread = threading.Thread(target=lambda: out.append(
            pdf_render.render(doc, RenderOptions())))
        thread.start()
        deadline = time.monotonic() + 30
        while not records(fresh_log, "PDF renders wait") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not out                      # waiting, not rendering
    thread.join()
    assert out == [fast]
    threads = [threading.Thread(target=lambda: out.append(
        pdf_render.render(doc, RenderOptions()))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [fast] * 3
    (line,) = records(fresh_log, "PDF renders wait")
    assert "--nthreads 1" in line.getMessage()


def _naming(tmp_path: Path, name: str):
    from nianbao.compose.report import compose
    from nianbao.load import load
    from nianbao.validate import validate

    text = (ROOT / "examples" / "county-transport-2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace("  problems: |\n", f"  problems: |\n    局长{name}负责。\n", 1),
                    encoding="utf-8")
    return compose(validate(load(path)))


def test_a_new_set_of_rare_characters_lets_go_of_the_recordings(tmp_path, monkeypatch):
    """Issue 17 §9: each new set of rare characters brings faces that make Pango reload its
    fonts; recordings kept the old ones alive (a worker grew with every new name).  The
    recordings are dropped then — and the same report gives the same bytes."""
    calls = count_forgotten(monkeypatch)
    pdf_render.render(example("county-transport-2024.yaml"), RenderOptions())
    assert calls == []
    first = pdf_render.render(_naming(tmp_path, "王镕"), RenderOptions())
    assert calls == [1]
    assert any(s.recordings or any(c.recordings for c in s.cells)
               for s in table_skeleton.SKELETONS.values() if s is not None)   # recorded again
    assert pdf_render.render(_naming(tmp_path, "王镕"), RenderOptions()) == first
    assert calls == [1]
    pdf_render.render(_naming(tmp_path, "李堃"), RenderOptions())
    assert calls == [1, 1]


# ---- font subsets kept between reports (pdf_font_cache) ---------------------------------------
def test_kept_font_subsets_give_the_same_bytes(doc, tmp_path, monkeypatch):
    """The faces a report draws with the same glyphs as an earlier one are taken from the
    cache (not cut and deflated again), and the PDF is byte for byte the one cut afresh —
    also after the cache let go of them (a new set of rare characters)."""
    from weasyprint.pdf import fonts

    cuts: list[int] = []
    real = fonts.Font._harfbuzz_subset
    monkeypatch.setattr(fonts.Font, "_harfbuzz_subset",
                        lambda self, glyphs, hinting: (cuts.append(len(glyphs)),
                                                       real(self, glyphs, hinting))[1])
    pdf_font_cache.clear()
    first = pdf_render.render(doc, RenderOptions())
    assert len(cuts) >= 3                       # every face of the report cut once
    assert pdf_font_cache._SUBSETS and pdf_font_cache._DEFLATED
    body = [n for n in cuts if n > pdf_font_cache.MAX_KEPT_GLYPHS]
    assert len(body) == 1 and len(pdf_font_cache._SUBSETS) == len(cuts) - 1
    cuts.clear()
    assert pdf_render.render(doc, RenderOptions()) == first
    assert cuts == body                         # the same small faces: not cut again
    cuts.clear()
    other = pdf_render.render(_naming(tmp_path, "周到"), RenderOptions())   # one more glyph
    assert len(cuts) == 1                       # only the body face cut again
    pdf_font_cache.clear()
    assert pdf_render.render(doc, RenderOptions()) == first
    assert pdf_render.render(_naming(tmp_path, "周到"), RenderOptions()) == other


def test_kept_font_subsets_hold_their_faces_and_stay_bounded(doc, monkeypatch):
    """A kept subset holds its face by a reference of its own (so its address names it),
    released when the last subset of that face leaves the cache."""
    monkeypatch.setattr(pdf_font_cache, "MAX_SUBSETS", 2)
    pdf_font_cache.clear()
    pdf_render.render(doc, RenderOptions())
    assert len(pdf_font_cache._SUBSETS) == 2
    assert set(pdf_font_cache._FACES) == {key[0] for key in pdf_font_cache._SUBSETS}
    assert all(isinstance(f, font_refs.OwnedFace) for f in pdf_font_cache._FACES.values())
    pdf_font_cache.clear()
    assert not pdf_font_cache._FACES and not pdf_font_cache._DEFLATED


def test_font_subsets_outside_a_nianbao_render_are_weasyprint_s():
    """Another library's WeasyPrint in the same process cuts its fonts itself: nothing of it
    is kept, and Font.subset is WeasyPrint's own again after a render."""
    import weasyprint
    from weasyprint.pdf import fonts

    pdf_font_cache.clear()
    weasyprint.HTML(string=PLAIN).write_pdf()
    assert not pdf_font_cache._SUBSETS
    assert fonts.Font.subset.__module__ == "weasyprint.pdf.fonts"


def test_kept_border_runs_give_the_same_bytes(doc, fast):
    """A table fragment's borders are computed once per shape and kept on its skeleton;
    drawn from there or afresh, the report's bytes are the same."""
    assert pdf_render.render(doc, RenderOptions()) == fast
    shapes = [s.borders for s in table_skeleton.SKELETONS.values() if s is not None]
    assert any(shapes)
    for kept in shapes:
        kept.clear()
    assert pdf_render.render(doc, RenderOptions()) == fast
    assert any(s.borders for s in table_skeleton.SKELETONS.values() if s is not None)


# ---- pseudo-element styles when asked for (lazy_pseudo) ---------------------------------------
def test_lazy_pseudo_element_styles_give_the_same_bytes(doc, fast, monkeypatch):
    """The ~1,000 pseudo-element styles a report's elements get from the user-agent sheet
    are built only when WeasyPrint asks for one; built all up front, the PDF is the same."""
    import weasyprint.css
    from nianbao.render.pdf_fast import lazy_pseudo

    built: list[str] = []
    real = lazy_pseudo._build
    monkeypatch.setattr(lazy_pseudo, "_build", lambda self, element, pseudo, *a:
                        (built.append(pseudo), real(self, element, pseudo, *a))[1])
    assert pdf_render.render(doc, RenderOptions()) == fast
    assert 0 < len(built) < 100                 # asked for: a few (::marker of list items…)
    monkeypatch.setattr(lazy_pseudo, "patches", lambda: [])
    assert pdf_render.render(doc, RenderOptions()) == fast
    assert weasyprint.css.StyleFor.__call__.__module__ == "weasyprint.css"


def test_lazy_pseudo_elements_of_an_agency_template_are_drawn(tmp_path):
    """An agency template's own pseudo-elements (text before and after each heading) are
    drawn as WeasyPrint draws them without nianbao's patches."""
    (tmp_path / "report.html").write_text(
        '{% extends "_base.html" %}{% block head %}<style>'
        "h2::before { content: '◆' } h2::after { content: '【完】' }"
        "</style>{% endblock %}", encoding="utf-8")
    doc = example("county-transport-2024.yaml")
    options = RenderOptions(template_dirs=(tmp_path,))

    def words(pdf: bytes) -> str:
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode()

    ours = words(pdf_render.render(doc, options))
    assert ours.count("【完】") == ours.count("◆") >= 6
    assert ours == words(pdf_render.render(doc, options, stamp_tables=False))
