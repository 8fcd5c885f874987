"""The PDF fast path's terms: the library versions it was verified with, its fallback, and
the patches it applies only while nianbao renders.

The fast path — tables drawn from skeletons (`table_skeleton`, `table_stamp`), text
replayed from recordings (`text_replay`, `font_refs`), tinyhtml5's regex cache mended
(`parse_cache`), pydyf's streams deflated at level 6 (`pdf_deflate`), font subsets kept
between reports (`pdf_font_cache`), pseudo-element styles built
when asked for (`lazy_pseudo`) — uses internals that
no release of these libraries promises to keep: WeasyPrint's box classes and the results
of its table layout (``collapsed_border_grid``, ``column_positions``, ``Page._page_box``),
its drawing functions (``draw_table``, ``draw_block_level``, ``draw_text``, ``draw_line``,
``styled_color``), its text layout (``split_first_line``, ``Layout``), its PDF stream's
text and font methods and the fonts' ``widths``/``to_unicode`` tables, Pango pointers
through its cffi bindings; pydyf's ``zlib``; tinyhtml5's ``characters_until_regex``.  So:

- **Version gate** — `supported()` is True only with exactly the versions in `VERIFIED`
  (the ones in requirements.lock that tests/test_table_stamp.py and test_pdf_fastpath.py
  were run with), when every internal name in `_INTERNALS` resolves and `font_refs` can
  take references.  Otherwise each report is rendered the ordinary way: WeasyPrint's public
  API only (``HTML(...).render().write_pdf()``), the same pages, slower.  Logged once per
  process.
- **Fallback** — an exception anywhere inside the fast path is not the report's fault:
  `pdf_render` renders that report the ordinary way instead (the same pages), logs the
  exception once per process (one line, no traceback) and drops the table skeletons.
- **Scope** — `scoped()` puts the patches in place (WeasyPrint's ``draw.draw_table``,
  ``draw.draw_block_level``, ``Font.subset``, ``StyleFor.set_computed_styles`` and
  ``StyleFor.__call__``, pydyf's ``zlib``, tinyhtml5's regex cache) for one nianbao
  render and puts the originals back afterwards, and the patched functions act only in the
  thread running that render (`active()`): another library's use of WeasyPrint in the same
  process, during or after a nianbao render, is WeasyPrint's own.
"""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOG = logging.getLogger(__name__)

# The versions the fast path was verified with (requirements.lock).
VERIFIED = {"weasyprint": "70.0", "pydyf": "0.13.0", "tinyhtml5": "2.1.0"}

# Every module-level internal name the fast path reaches (attributes of boxes, streams and
# fonts are covered by the version gate and by the fallback).
_INTERNALS = {
    "weasyprint.draw": ("draw_table", "draw_block_level"),
    "weasyprint.draw.text": ("draw_text",),
    "weasyprint.draw.border": ("draw_line",),
    "weasyprint.draw.color": ("styled_color",),
    "weasyprint.text.line_break": ("split_first_line", "Layout"),
    "weasyprint.text.ffi": ("ffi", "pango"),
    "weasyprint.formatting_structure.boxes": ("TableBox", "TextBox", "LineBox", "InlineBox",
                                              "BlockBox"),
    "weasyprint.document": ("Page",),
    "weasyprint.pdf.fonts": ("Font",),
    "weasyprint.css": ("StyleFor", "ComputedStyle"),
    "pydyf": ("zlib",),
    "tinyhtml5.inputstream": ("characters_until_regex",),
}

_LOGGED: set[str] = set()
_STATE = threading.local()


def warn_once(key: str, message: str, *args: Any) -> None:
    """Log a warning the first time ``key`` comes up in this process."""
    if key not in _LOGGED:
        _LOGGED.add(key)
        _LOG.warning(message, *args)


def installed() -> dict[str, str | None]:
    """The versions of the libraries as loaded (their ``__version__``)."""
    found: dict[str, str | None] = {}
    for name in VERIFIED:
        try:
            found[name] = getattr(importlib.import_module(name), "__version__", None)
        except ImportError:
            found[name] = None
    return found


@functools.cache
def _missing_internals() -> tuple[str, ...]:
    missing = []
    for module, names in _INTERNALS.items():
        try:
            loaded = importlib.import_module(module)
        except ImportError:
            missing.append(module)
            continue
        missing += [f"{module}.{n}" for n in names if not hasattr(loaded, n)]
    return tuple(missing)


def supported() -> bool:
    """True when the fast path may run: the verified versions, every internal it uses
    present, native references available.  When not, says why (once per process)."""
    found = installed()
    if found != VERIFIED:
        other = ", ".join(f"{n} {found[n]} (verified: {v})" for n, v in VERIFIED.items()
                          if found[n] != v)
        warn_once("version", "PDF fast path off: %s; reports are rendered the ordinary way "
              "(same pages, slower)", other)
        return False
    from nianbao.render.pdf_fast import font_refs

    missing = _missing_internals()
    if missing or not font_refs.available():
        warn_once("internals", "PDF fast path off: %s; reports are rendered the ordinary way "
              "(same pages, slower)",
              f"missing {', '.join(missing)}" if missing else "GObject/HarfBuzz not found")
        return False
    return True


def failed(exc: BaseException) -> None:
    """Note that the fast path raised (the report is then rendered the ordinary way)."""
    warn_once("failed", "PDF fast path failed (%s: %s); this report, and any other it fails "
          "for, is rendered the ordinary way (same pages, slower)", type(exc).__name__, exc)


def active() -> bool:
    """True in the thread running a nianbao fast render (inside `scoped`)."""
    return getattr(_STATE, "active", False)


def _patches() -> list[tuple[Any, str, Any]]:
    from nianbao.render.pdf_fast import (
        lazy_pseudo,
        parse_cache,
        pdf_deflate,
        pdf_font_cache,
        table_stamp,
    )

    return (table_stamp.patches() + pdf_deflate.patches() + parse_cache.patches()
            + pdf_font_cache.patches() + lazy_pseudo.patches())


_SCOPE_LOCK = threading.Lock()
_scopes = 0                                          # threads inside `scoped`
_installed: list[tuple[Any, str, Any, Any]] = []     # (owner, name, original, ours)


@contextmanager
def scoped() -> Iterator[None]:
    """The fast path's patches in place while any thread is in a ``with scoped()`` body
    (they act only in those threads: `active`); the originals back when the last one
    leaves (unless something else has replaced ours meanwhile: then theirs stays, and ours,
    left inside it, passes through outside a nianbao render)."""
    global _scopes
    if active():            # nested: the outer scope has them in place
        yield
        return
    with _SCOPE_LOCK:
        if _scopes == 0:
            try:
                for owner, name, new in _patches():
                    _installed.append((owner, name, getattr(owner, name), new))
                    setattr(owner, name, new)
            except BaseException:
                _restore()
                raise
        _scopes += 1
    _STATE.active = True
    try:
        yield
    finally:
        _STATE.active = False
        with _SCOPE_LOCK:
            _scopes -= 1
            if _scopes == 0:
                _restore()


def _restore() -> None:
    while _installed:
        owner, name, old, new = _installed.pop()
        if getattr(owner, name) is new:
            setattr(owner, name, old)
