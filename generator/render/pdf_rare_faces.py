"""The faces that draw a report's rare characters (outside GB2312: names such as 王镕, 李堃,
周䶮), cut from the full CJK faces by fixed blocks of code points.

Why blocks, not one face per report: every @font-face a process has not seen yet is added
to WeasyPrint's one FontConfiguration, and adding one makes Pango drop every font and load
them again (`pdf_render` then drops the table stamps' recordings, which hold the old fonts:
~50 ms to record them again), and fontconfig keeps each added face's rule and app font for
the life of the process.  A face per report's set of characters made every new name in a
batch pay that again.  A face per block of ``BLOCK_SIZE`` code points holds every glyph of
the full face in that block outside GB2312, whoever's name brought it: a batch meets a
bounded number of them (about 110 per face over the CJK ideograph blocks, a dozen or so for
a batch's names), after which the font map stops changing.  (What stays: Pango keeps a
fontset for each distinct font stack, and rare reports' stacks differ by their blocks —
a few MB a process, bounded by Pango's fontset cache.)

- A block's face is cut once per machine with HarfBuzz and kept in the font cache like the
  GB2312 subsets (`pdf_fonts.subset_file`: the key names the face file, its size and mtime,
  the HarfBuzz version and the exact code points asked for).
- Its family is the full face's family + `block_suffix` ("Noto Serif CJK SC R9500"): the
  same block always gives the same name and bytes, so a report gives the same PDF
  whatever the process rendered before.
- A report's print font stacks name, per family, the GB2312 subset, then the block faces of
  its rare characters in ascending order, then the full face, which draws only what no
  block face could be cut for (a warning says which).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.render.pdf_fonts import (
    _font_face,
    _match,
    _subset_sources,
    font_cache_dir,
    gb2312_chars,
    subset_file,
    subset_font_faces,
    subsets_enabled,
)

# 256 code points (a "page": U+9500–95FF): faces of ~55–130 KB (~180 glyphs), cut in
# 2–3 ms each.  Measured in one process over 20 rare reports against blocks of 1,024 and
# 4,096 code points (faces of ~300 KB and ~1.3 MB): about the same CPU time a PDF (what
# cost was the dropped recordings, and all three sizes drop them a few times only), but a
# process keeps loaded faces, so what it keeps grew with the block (+2 MB and +9 MB).
BLOCK_BITS = 8
BLOCK_SIZE = 1 << BLOCK_BITS
_LOG = logging.getLogger(__name__)


def block_of(code: int) -> int:
    """The first code point of the block a code point falls in."""
    return code >> BLOCK_BITS << BLOCK_BITS


def block_suffix(start: int) -> str:
    """The family suffix of a block's faces, after its first code point (" R9500")."""
    return f" R{start:04X}"


@functools.lru_cache(maxsize=1024)
def block_chars(start: int) -> frozenset[int]:
    """The code points of a block outside GB2312 + ASCII: what its faces are cut to (the
    GB2312 subset, first in every stack, draws the rest)."""
    return frozenset(range(start, start + BLOCK_SIZE)) - gb2312_chars()


@functools.lru_cache(maxsize=4096)
def _block_rule(family: str, weight: str, face: tuple[str, int], start: int,
                cache: Path) -> str | None:
    """The @font-face rule of one face's block, cut on first use; None when the family
    draws nothing of the block outside GB2312, or when the face cannot be cut (then the
    full face draws the block's characters).  Kept per process, with the cache folder in
    the key, so a face that cannot be cut is tried, and warned about, once."""
    del cache   # only part of the key: a rule names a file in that folder
    found = _match(family)
    assert found is not None, "_subset_sources() yields only families that _match finds"
    if not any(c in found[2] for c in block_chars(start)):
        return None
    try:
        path = subset_file(face, block_chars(start))
    except Exception as exc:  # noqa: BLE001  (the full face draws them)
        _LOG.warning("cannot cut %s to U+%04X–%04X: %s", face[0], start,
                     start + BLOCK_SIZE - 1, exc)
        return None
    return _font_face(family + block_suffix(start), weight, path)


@dataclass(frozen=True)
class Supplements:
    """A page's block faces: per family, the suffixes to name in its stacks (ascending
    blocks), and the @font-face rules declaring them (the faces the render adds)."""

    suffixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: tuple[str, ...] = ()


def supplement_font_faces(chars: frozenset[int]) -> Supplements:
    """The block faces a page with these rare characters names: every face cut to GB2312
    gets, for each block the characters fall in, the face of that block — whichever of
    the block's characters the page has, so a page in blocks met before adds no face
    (nothing when subsets are off or none could be made)."""
    if not chars or not subsets_enabled() or not subset_font_faces():
        return Supplements()
    starts = sorted({block_of(c) for c in chars})
    suffixes: dict[str, list[str]] = {}
    rules: list[str] = []
    for family, weight, face in _subset_sources():
        for start in starts:
            rule = _block_rule(family, weight, face, start, font_cache_dir())
            if rule is None:
                continue
            rules.append(rule)
            named = suffixes.setdefault(family, [])
            if block_suffix(start) not in named:   # the family's weights share a name
                named.append(block_suffix(start))
    return Supplements({f: tuple(s) for f, s in suffixes.items()}, tuple(rules))
