"""Deflate level for the PDF's streams: zlib's default (6) instead of pydyf's 9.

pydyf 0.13 (WeasyPrint's PDF writer) compresses every stream with
``zlib.compressobj(level=9)``; it has no option for it.  Most of a report's PDF bytes are
its embedded font subsets, which level 9 hardly shrinks further than level 6 but takes
far longer to: measured on the bench's reports, level 9 → 6 saves ~30 ms of a ~400 ms PDF
(~40 ms of zlib CPU per report) and the files grow by ~0.5 % (205 → 206 KB).

`patches` gives `fastpath.scoped` a stand-in for pydyf's ``zlib`` module whose
``compressobj`` uses ``LEVEL`` in the thread of a nianbao render (`fastpath.active`) and
the level asked anywhere else; everything else is zlib's own.  In place only during a
nianbao render, only while pydyf still names the module ``zlib`` (else nothing).  Output
stays deterministic (same bytes in, same bytes out).
"""

from __future__ import annotations

import zlib
from typing import Any

LEVEL = 6


class _Deflate:
    """zlib, with compressobj's level fixed to LEVEL during a nianbao render."""

    nianbao_level = LEVEL

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        from nianbao.render.pdf_fast import fastpath

        if not fastpath.active():
            return zlib.compressobj(level, *args, **kwargs)
        if args or kwargs:
            return zlib.compressobj(LEVEL, *args, **kwargs)
        return _Remembering(LEVEL)


class _Remembering:
    """A compressobj for one stream (pydyf: ``compress(data) + flush()``) that gives a kept
    font subset's deflated bytes again instead of deflating it again (pdf_font_cache)."""

    def __init__(self, level: int) -> None:
        self._level = level
        self._zlib = zlib.compressobj(level)
        self._digest = b""
        self._head: bytes | None = None
        self._hit = False

    def compress(self, data: bytes) -> bytes:
        from nianbao.render.pdf_fast import pdf_font_cache

        if self._head is None:          # the first (in pydyf the only) piece
            self._digest, kept = pdf_font_cache.deflated(data, self._level)
            if kept is not None:
                self._hit, self._head = True, b""
                return kept
            self._head = self._zlib.compress(data)
            return self._head
        self._digest = b""              # more than one piece: nothing to keep
        return self._zlib.compress(data)

    def flush(self, *args: Any) -> bytes:
        from nianbao.render.pdf_fast import pdf_font_cache

        if self._hit:
            return b""
        tail = self._zlib.flush(*args)
        if self._digest and self._head is not None:
            pdf_font_cache.keep_deflated(self._digest, self._level, self._head + tail)
        return tail


_STAND_IN = _Deflate()


def patches() -> list[tuple[Any, str, Any]]:
    """(pydyf, "zlib", stand-in) while pydyf deflates with the zlib module; else none."""
    import pydyf

    return [(pydyf, "zlib", _STAND_IN)] if getattr(pydyf, "zlib", None) is zlib else []
