"""Real references to the Pango and HarfBuzz fonts that a text recording names.

A recording (`text_replay`) is replayed in later reports, long after WeasyPrint has dropped
the Pango layout that found its fonts; replaying hands the recorded ``PangoFont *`` to
WeasyPrint's ``stream.add_font`` again, which reads the font's description, metrics, its
HarfBuzz font and face.  WeasyPrint itself takes no reference to these fonts (it reaches
them through a layout while it draws one text box), and Pango frees a font when its last
layout, font set or cache entry lets it go — whenever that is.  So each recorded font is
held here with a reference of our own:

- ``g_object_ref`` on the ``PangoFont`` and ``hb_font_reference`` on the ``hb_font_t``
  Pango made for it (``pango_font_get_hb_font``; WeasyPrint's ``Font`` keeps that pointer
  without a reference of its own);
- both released by ``ffi.gc`` (``g_object_unref``, ``hb_font_destroy``) when the `OwnedFont`
  is freed, i.e. with the recording that holds it (its skeleton leaving the cache, a
  drawing found not replayable, a fast render that failed and dropped the skeletons).

Who owns what: a `text_replay.Recording` owns its `OwnedFont`s; a `table_skeleton.Skeleton`
owns its recordings; ``table_skeleton.SKELETONS`` (at most 16) owns the skeletons.  Nothing
else is kept alive for a recording's sake (no layouts).

The functions come from our own cffi instance (WeasyPrint's declares neither
``g_object_ref`` nor ``hb_font_reference``, and we do not add to it), opened on the same
shared libraries WeasyPrint opened (the loader hands back the same ones).  `available()` is
False when they cannot be opened: the fast path is then off (`fastpath`).
"""

from __future__ import annotations

import functools
from typing import Any

_CDEF = """
    typedef struct { void *g_class; unsigned int ref_count; } NianbaoGObjectHead;
    void *g_object_ref (void *object);
    void g_object_unref (void *object);
    void *hb_font_reference (void *font);
    void hb_font_destroy (void *font);
    void *hb_face_reference (void *face);
    void hb_face_destroy (void *face);
"""
_GOBJECT = ("libgobject-2.0.so.0", "libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0",
            "libgobject-2.0.0.dylib", "libgobject-2.0-0.dll")
_HARFBUZZ = ("libharfbuzz.so.0", "libharfbuzz-0", "harfbuzz", "harfbuzz-0.0",
             "libharfbuzz.0.dylib", "libharfbuzz-0.dll")


def _open(ffi: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        try:
            return ffi.dlopen(name)
        except OSError:
            continue
    raise OSError(f"cannot open any of {names}")


@functools.cache
def _native() -> tuple[Any, Any, Any]:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    return ffi, _open(ffi, _GOBJECT), _open(ffi, _HARFBUZZ)


def available() -> bool:
    """True when GObject and HarfBuzz could be opened (references can be taken)."""
    try:
        _native()
    except (ImportError, OSError, AttributeError):
        return False
    return True


def _address(pointer: Any) -> int:
    from weasyprint.text.ffi import ffi as weasy_ffi

    return int(weasy_ffi.cast("uintptr_t", pointer))


class OwnedFont:
    """A Pango font (and its HarfBuzz font) held alive by references of our own, released
    when this object is freed.  ``pango`` is WeasyPrint's pointer, for ``stream.add_font``."""

    __slots__ = ("_font", "_hb_font", "pango")

    def __init__(self, pango_font: Any) -> None:
        from weasyprint.text.ffi import pango

        ffi, gobject, harfbuzz = _native()
        self.pango = pango_font
        self._font = ffi.gc(gobject.g_object_ref(ffi.cast("void *", _address(pango_font))),
                            gobject.g_object_unref)
        hb_font = pango.pango_font_get_hb_font(pango_font)
        self._hb_font = ffi.gc(harfbuzz.hb_font_reference(ffi.cast("void *", _address(hb_font))),
                               harfbuzz.hb_font_destroy)


class OwnedFace:
    """A HarfBuzz face held alive by a reference of our own (``hb_face_reference``),
    released when this object is freed: while it lives, no other face can be allocated at
    its address, so ``address`` names this face's contents (pdf_font_cache's key)."""

    __slots__ = ("_face", "address")

    def __init__(self, hb_face: Any) -> None:
        ffi, _, harfbuzz = _native()
        self.address = _address(hb_face)
        self._face = ffi.gc(harfbuzz.hb_face_reference(ffi.cast("void *", self.address)),
                            harfbuzz.hb_face_destroy)


def ref_count(pango_font: Any) -> int:
    """The GObject reference count of a Pango font (tests: ours are real references).
    Only for a font known to be alive."""
    ffi, _, _ = _native()
    return int(ffi.cast("NianbaoGObjectHead *", _address(pango_font)).ref_count)
