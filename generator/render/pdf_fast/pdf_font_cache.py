"""Font subsets, and their deflated streams, kept between a worker's PDFs (fast path).

Every PDF embeds each face it uses cut down to the glyphs it draws: WeasyPrint's
``Font.subset`` runs HarfBuzz's subsetter twice per face (~5–20 ms each with Debian's
HarfBuzz 6 on the GB2312 faces, ~55 ms a report), and pydyf then deflates the result
(~3–8 ms a face).  Most faces of a report draw the same glyphs in every report — the bold
headings' serif, the tables' sans, the 楷体 of the 落款 — so the same bytes were cut and
deflated again for each report.  Here they are kept:

- **Subsets** — key: the face (by the address of its ``hb_face_t``, held alive by a
  reference of our own, `font_refs.OwnedFace`, so no other face can take that address while
  the key exists), its face index and size, the sorted glyph ids, hinting, and whether
  WeasyPrint asked for a .notdef outline (its ``missing`` glyphs): everything
  ``Font._harfbuzz_subset`` reads.  The value is the subset's bytes, exactly what the
  subsetter returned the first time (same bytes in, same bytes out: a report gives the same
  PDF whether its subsets came from here or not).  At most ``MAX_SUBSETS`` entries of at
  most ``MAX_KEPT_GLYPHS`` glyphs, least recently used dropped first (with the face
  reference when no entry names it).
- **Deflated streams** — pydyf compresses a stream with ``compressobj(level)
  .compress(data) + flush()``; for data that is one of the kept subsets (found by length,
  then by digest), the compressed bytes of its first time are given again
  (`pdf_deflate`).

`clear()` drops everything: called with `table_skeleton.forget_recordings` when new faces
make Pango reload its fonts (the old faces would otherwise stay alive here).  Used only
inside `fastpath.scoped` (the patch on ``Font.subset`` passes through elsewhere).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

MAX_SUBSETS = 16
# Only small glyph sets are kept: the faces of headings, tables and 落款 draw the same few
# dozen glyphs in report after report; a body face draws a few hundred that differ in
# each (kept, it would never be met again and cost ~200 KB a worker each).
MAX_KEPT_GLYPHS = 160
_SUBSETS: OrderedDict[tuple, tuple[bytes, bytes]] = OrderedDict()  # key → (subset, digest)
_FACES: dict[int, Any] = {}            # face address → font_refs.OwnedFace
_LENGTHS: dict[int, int] = {}          # length of a kept subset → how many have it
_DEFLATED: dict[tuple[bytes, int], bytes] = {}   # (digest, level) → deflated bytes
_ORIGINAL: dict[str, Any] = {}


def clear() -> None:
    """Forget every subset, deflated stream and face reference."""
    _SUBSETS.clear()
    _FACES.clear()
    _LENGTHS.clear()
    _DEFLATED.clear()


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def _face_address(font: Any) -> int:
    from nianbao.render.pdf_fast import font_refs

    return font_refs._address(font.hb_face)


def _key(font: Any, address: int, to_unicode: dict) -> tuple:
    return (address, font.index, len(font.file_content), tuple(sorted(to_unicode)),
            bool(font.missing))


def _drop_oldest() -> None:
    key, (data, digest) = _SUBSETS.popitem(last=False)
    _LENGTHS[len(data)] -= 1
    if not _LENGTHS[len(data)]:
        del _LENGTHS[len(data)]
    for level_key in [k for k in _DEFLATED if k[0] == digest]:
        del _DEFLATED[level_key]
    if not any(k[0] == key[0] for k in _SUBSETS):
        _FACES.pop(key[0], None)


def _keep(key: tuple, data: bytes, font: Any) -> None:
    from nianbao.render.pdf_fast import font_refs

    if key[0] not in _FACES:
        _FACES[key[0]] = font_refs.OwnedFace(font.hb_face)
    _SUBSETS[key] = (data, _digest(data))
    _LENGTHS[len(data)] = _LENGTHS.get(len(data), 0) + 1
    while len(_SUBSETS) > MAX_SUBSETS:
        _drop_oldest()


def subset(font: Any, to_unicode: dict, hinting: bool) -> None:
    """``Font.subset`` in a nianbao render: the kept subset when this face was cut to these
    glyphs before, else WeasyPrint's own (its result kept)."""
    from nianbao.render.pdf_fast import fastpath

    original = _ORIGINAL["subset"]
    if not fastpath.active() or not to_unicode:
        return original(font, to_unicode, hinting)
    key = _key(font, _face_address(font), to_unicode) + (bool(hinting),)
    kept = _SUBSETS.get(key)
    if kept is not None:
        _SUBSETS.move_to_end(key)
        font.file_content = kept[0]
        return None
    before = font.file_content
    original(font, to_unicode, hinting)
    if font.file_content is not before and len(to_unicode) <= MAX_KEPT_GLYPHS:
        _keep(key, font.file_content, font)     # cut (else WeasyPrint kept it whole)
    return None


def deflated(data: bytes, level: int) -> tuple[bytes, bytes | None]:
    """(digest or b"", the deflated bytes kept for it or None).  The digest is b"" when
    ``data`` is not a kept subset (nothing to keep for it)."""
    if len(data) not in _LENGTHS:
        return b"", None
    digest = _digest(data)
    if not any(kept_digest == digest for _, kept_digest in _SUBSETS.values()):
        return b"", None
    return digest, _DEFLATED.get((digest, level))


def keep_deflated(digest: bytes, level: int, data: bytes) -> None:
    """Keep the deflated bytes of a kept subset (`deflated` gave its digest)."""
    if digest:
        _DEFLATED[(digest, level)] = data


def patches() -> list[tuple[Any, str, Any]]:
    """(weasyprint.pdf.fonts.Font, "subset", ours) while WeasyPrint has that method."""
    from weasyprint.pdf import fonts

    current = getattr(fonts.Font, "subset", None)
    if current is None:
        return []
    if current is not _patched_subset:
        _ORIGINAL["subset"] = current
    return [(fonts.Font, "subset", _patched_subset)]


def _patched_subset(self: Any, to_unicode: dict, hinting: bool) -> None:
    subset(self, to_unicode, hinting)
