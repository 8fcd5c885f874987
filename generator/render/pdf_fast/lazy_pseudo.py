"""Pseudo-element styles computed when WeasyPrint asks for them, not all up front (fast path).

WeasyPrint 70's user-agent style sheet gives *every* element six pseudo-elements
(``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
``::note-marker``, ``::note-callback``: universal rules in ``html5_ua.css``), and
``StyleFor.__init__`` builds a computed style for each of them — ~1,000 a report, each
also asked for its ``anchor`` — although a report's boxes use almost none (a ``::marker``
only for a list item, a footnote call only for a footnote): ~6 % of a PDF's time.

Here ``StyleFor.set_computed_styles``, called for an element's pseudo-element while the
styles are set up, only notes what it would have used (the pseudo-element's cascaded
declarations, its element, the root, the base URL); ``StyleFor.__call__`` builds the style
from that note the first time it is asked for, exactly as ``set_computed_styles`` would
have: the same ``ComputedStyle`` arguments (its values are computed lazily anyway, on first
access).  A pseudo-element whose declarations name an ``anchor`` is built at once, as
before (its anchor must be collected while the styles are set up).  Page styles and margin
boxes (``@page``) are untouched.  In place only inside `fastpath.scoped`, acting only in the
thread of a nianbao render; elsewhere both methods are WeasyPrint's own.
"""

from __future__ import annotations

from typing import Any

_ORIGINAL: dict[str, Any] = {}
_NOTES = "_nianbao_pseudo_notes"


def _set_computed_styles(self: Any, element: Any, parent: Any, root: Any = None,
                         pseudo_type: Any = None, base_url: Any = None,
                         target_collector: Any = None) -> None:
    from nianbao.render.pdf_fast import fastpath

    original = _ORIGINAL["set_computed_styles"]
    # an element's pseudo-element (a page type is a tuple: @page styles stay eager)
    if pseudo_type and not isinstance(element, tuple) and fastpath.active():
        cascaded = self.get_cascaded_styles().get((element, pseudo_type), {})
        if "anchor" not in cascaded:
            notes = self.__dict__.setdefault(_NOTES, {})
            notes[element, pseudo_type] = (cascaded, parent, root, base_url)
            return None
    return original(self, element, parent, root, pseudo_type, base_url, target_collector)


def _call(self: Any, element: Any, pseudo_type: Any = None) -> Any:
    if pseudo_type:
        notes = self.__dict__.get(_NOTES)
        if notes:
            note = notes.pop((element, pseudo_type), None)
            if note is not None:
                _build(self, element, pseudo_type, *note)
    return _ORIGINAL["__call__"](self, element, pseudo_type)


def _build(self: Any, element: Any, pseudo_type: Any, cascaded: dict, parent: Any,
           root: Any, base_url: Any) -> None:
    """What ``set_computed_styles`` does for a pseudo-element (parent is its element)."""
    from weasyprint.css import ComputedStyle

    computed = self.get_computed_styles()
    computed[element, pseudo_type] = ComputedStyle(
        computed[parent, None], cascaded, pseudo_type, computed[root, None], base_url,
        self.font_config, self.initial_page_sizes)


def patches() -> list[tuple[Any, str, Any]]:
    """StyleFor's ``set_computed_styles`` and ``__call__``, ours (both or none)."""
    from weasyprint.css import StyleFor

    pairs = (("set_computed_styles", _set_computed_styles), ("__call__", _call))
    if not all(callable(getattr(StyleFor, name, None)) for name, _ in pairs):
        return []
    for name, ours in pairs:
        current = getattr(StyleFor, name)
        if current is not ours:
            _ORIGINAL[name] = current
    return [(StyleFor, name, ours) for name, ours in pairs]
