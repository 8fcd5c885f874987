"""The style rules a statutory table's layout can depend on: part of its skeleton's key.

A skeleton (`table_skeleton`) is keyed by what its layout depends on.  Keyed by the page's
whole style sheets, every agency template got table skeletons of its own — laid out afresh
(~250 ms of a report) although most templates restyle only their letterhead or 落款 and
leave the tables as they were.  So the key holds only the rules that can reach a table:

- every at-rule (``@page`` sets the width, ``@font-face`` the fonts; ``@media`` is filtered
  inside the same way);
- every style rule whose selector matches an element of the table or of its ancestors
  (whose styles the table inherits and whose boxes give its width), tested with
  cssselect2 — WeasyPrint's own selector engine — on the table's place in the page (its
  open ancestor tags, as `table_skeleton._ancestors` finds them) with the table inside;
- and, whatever it matches, every rule this test cannot judge safely: a selector with a
  sibling combinator or a pseudo-class or -element (what it matches depends on siblings
  not in that context), one cssselect2 cannot compile, and a rule that floats, positions,
  or counts (a floated sibling narrows a table; counters reach cells' generated content).

A rule left out can therefore match nothing in the table or above it: the table's boxes
are the same with or without it.  Keeping a rule that could be left out only costs a
skeleton laid out once more.

Style sheets a page names rather than holds — ``<link href>``, ``@import`` — are in the key
by their content, and the files its style names by ``url()`` (fonts) by their size and time
(``identify``: the renderer reads them as WeasyPrint will): two agencies' templates each
linking their own ``agency.css`` are not one key, and an ``agency.css`` edited while the
preview runs is a new one.  (Keyed by the tag's text, the
second agency's tables were drawn from the first's skeleton: 8 pages where its own are 5.)
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# Declarations that let an element outside a table's ancestry move or number the table.
_REACHING = re.compile(r"float|position|counter|column|running|string-set|flow",
                       re.IGNORECASE)
# Selectors whose matches depend on more than an element and its ancestors.
_UNSAFE_SELECTOR = re.compile(r"[+~:|]")
_STYLE_RE = re.compile(r"<style\b([^>]*)>(.*?)</style>|<link\b[^>]*>", re.DOTALL)
_LINK_HREF = re.compile(r"<link\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_IMPORT = re.compile(r"@import\s+(?:url\(\s*)?[\"']?([^\"')\s;]+)", re.IGNORECASE)
_URL = re.compile(r"url\(\s*[\"']?([^\"')\s]+)", re.IGNORECASE)
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 256


def sheet_urls(text: str) -> list[str]:
    """The URLs of the style sheets a page's head or a style sheet names (<link href>,
    @import), as written."""
    return _LINK_HREF.findall(text) + _IMPORT.findall(text)


def resource_urls(text: str) -> list[str]:
    """The other files a style names by ``url()`` (fonts, images), as written; ``data:``
    URLs hold their content in the text itself."""
    sheets = set(_IMPORT.findall(text))
    return [u for u in _URL.findall(text) if u not in sheets and not u.lower().startswith("data:")]


def linked_sheets(head: str, identify: Callable[[str, bool], str] | None) -> str:
    """What ``head`` names by URL: one line per URL with ``identify(url, is_sheet)`` (a
    digest of a sheet's content, a file's size and time), or the bare URLs without it."""
    named = [(u, True) for u in sheet_urls(head)] + [(u, False) for u in resource_urls(head)]
    return "\n".join(f"{u}\0{identify(u, sheet) if identify else ''}" for u, sheet in named)


def table_key(head: str, place: str, masked_table: str, linked: str = "") -> str:
    """The skeleton key of a table: a digest of the style rules of the page's ``head``
    (its <style> and <link> elements, linked and imported sheets by their content) that
    can reach the table, its place and its masked HTML.  Remembered per process by the
    full text (a page style is met again and again).  ``linked``: `linked_sheets` of the
    head."""
    full = hashlib.sha256(f"{head}\0{linked}\0{place}\0{masked_table}".encode()).hexdigest()
    key = _CACHE.get(full)
    if key is None:
        kept = relevant_styles(head, place, masked_table)
        key = hashlib.sha256(f"{kept}\0{linked}\0{place}\0{masked_table}".encode()).hexdigest()
        _CACHE[full] = key
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(full)
    return key


def relevant_styles(head: str, place: str, table: str) -> str:
    """The style elements of ``head`` with only the rules that can reach ``table`` at
    ``place``; a <link>ed style sheet is kept whole (its text is not at hand here)."""
    elements = _context(place, table)
    out = []
    for m in _STYLE_RE.finditer(head):
        if m.group(2) is None:
            out.append(m.group(0))
            continue
        rules = _filter(m.group(2), elements)
        if rules:   # a style element left empty styles nothing
            out.append(f"<style{m.group(1)}>{rules}</style>")
    return "".join(out)


def _context(place: str, table: str) -> list[Any]:
    """The elements of the table and its ancestors, parsed as WeasyPrint parses a page."""
    import cssselect2
    import tinyhtml5

    root = tinyhtml5.parse(f"<!DOCTYPE html>{place}{table}")
    return list(cssselect2.ElementWrapper.from_html_root(root).iter_subtree())


def _filter(css: str, elements: list[Any]) -> str:
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _kept(rules, elements)


def _kept(rules: list[Any], elements: list[Any]) -> str:
    import tinycss2

    out = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                             skip_whitespace=True)
            media = tinycss2.serialize(rule.prelude).strip()
            out.append(f"@media {media} {{{_kept(inner, elements)}}}")
        elif rule.type != "qualified-rule" or _reaches(rule, elements):
            out.append(tinycss2.serialize([rule]))
    return "".join(out)


def _reaches(rule: Any, elements: list[Any]) -> bool:
    """Whether a style rule may apply to one of ``elements`` (True when unsure)."""
    import cssselect2
    import tinycss2

    prelude = tinycss2.serialize(rule.prelude)
    if _UNSAFE_SELECTOR.search(prelude) or _REACHING.search(tinycss2.serialize(rule.content)):
        return True
    try:
        selectors = cssselect2.compile_selector_list(rule.prelude)
    except cssselect2.SelectorError:
        return True
    return any(s.pseudo_element is not None or any(s.test(e) for e in elements)
               for s in selectors)
