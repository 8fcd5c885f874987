"""Deflate level for the PDF's streams: zlib's default (6) instead of pydyf's 9.

pydyf 0.13 (WeasyPrint's PDF writer) compresses every stream with
``zlib.compressobj(level=9)``; it has no option for it.  Most of a report's PDF bytes are
its embedded font subsets, which level 9 hardly shrinks further than level 6 but takes
far longer to: measured on the bench's reports, level 9 → 6 saves ~30 ms of a ~400 ms PDF
(~40 ms of zlib CPU per report) and the files grow by ~0.5 % (205 → 206 KB).

`install` gives pydyf a stand-in for its ``zlib`` module whose ``compressobj`` uses
``LEVEL`` whatever level is asked; everything else is zlib's own.  Output stays
deterministic (same bytes in, same bytes out).  Installed only while pydyf still names
the module ``zlib``; otherwise it does nothing.
"""

from __future__ import annotations

import zlib
from typing import Any

LEVEL = 6


class _Deflate:
    """zlib, with compressobj's level fixed to LEVEL."""

    nianbao_level = LEVEL

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = LEVEL, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(LEVEL, *args, **kwargs)


def install() -> None:
    """Make pydyf deflate at LEVEL (once per process; harmless when pydyf changes)."""
    import pydyf

    if getattr(pydyf, "zlib", None) is zlib:
        pydyf.zlib = _Deflate()  # type: ignore[attr-defined]
