"""A machine's first batch cuts its GB2312 font subsets in a process of its own, before
the workers start: cut in the workers' warm-up, each worker read the full faces and kept
their pages as its peak (181 MB a worker on that first batch, ~125 MB later)."""

from __future__ import annotations

from nianbao.batch import executors
from nianbao.render import pdf_fonts


def test_the_first_batch_cuts_the_subsets_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pdf_fonts.subset_font_faces.cache_clear()
    faces = pdf_fonts._subset_sources()
    assert faces, "the test machine has the free CJK faces"
    assert not pdf_fonts.subsets_made()

    executors.cut_font_subsets_apart()

    assert pdf_fonts.subsets_made()
    made = sorted((tmp_path / "nianbao" / "fonts").glob("*.otf"))
    assert len(made) == len(faces) and all(p.stat().st_size > 1_000_000 for p in made)
    # not in this process: the driver (and so the workers it forks) never read the faces
    assert pdf_fonts.subset_font_faces.cache_info().currsize == 0
    # the workers' warm-up then finds them: the same files, none cut again
    stamps = [p.stat().st_mtime_ns for p in made]
    assert pdf_fonts.subset_font_faces().count("@font-face") == len(faces)
    assert [p.stat().st_mtime_ns for p in made] == stamps
    pdf_fonts.subset_font_faces.cache_clear()


def test_a_local_pool_for_pdfs_cuts_them_before_its_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pdf_fonts.subset_font_faces.cache_clear()
    pool = executors.local_pool(1, ("pdf",))
    try:
        assert pdf_fonts.subsets_made()
    finally:
        pool.shutdown()


def test_nothing_is_cut_when_the_subsets_are_there_or_off(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("NIANBAO_FONT_SUBSET", "0")
    assert pdf_fonts.subsets_made()
    executors.cut_font_subsets_apart()
    assert not (tmp_path / "nianbao").exists()
