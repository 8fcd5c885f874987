"""A working regex cache for tinyhtml5, the HTML parser inside WeasyPrint.

tinyhtml5 2.1.0 (the newest release) caches the regex of ``chars_until`` under the wrong
key: ``characters = characters_until_regex[(characters, opposite)] = regex`` assigns
``characters`` first, so the entry is stored under ``(regex, opposite)`` and the lookup
``(characters, opposite)`` never hits.  Every call — about 2,200 for one report — builds
the character class again: measured here, parsing a report's print HTML takes ~60–80 ms
of CPU with the cache as shipped and ~33 ms with a cache that hits.

The fix puts in place of the module's cache dict one that fills itself on lookup with
exactly the regex tinyhtml5 would build, so the ``try`` never fails and the faulty store
never runs.  Parsing gives the same tree (tested).  It is in place only during a nianbao
render (`patches`, applied by `fastpath.scoped`; the one `RegexCache` is kept between
renders, so it fills once per process), and only while the module still holds a plain
dict under that name; another parse meanwhile, in another thread, gets the same regexes.
"""

from __future__ import annotations

import re
from typing import Any


class RegexCache(dict):
    """``(characters, opposite) -> compiled regex``, built on first lookup the way
    tinyhtml5's ``HTMLUnicodeInputStream.chars_until`` builds it."""

    def __missing__(self, key: tuple) -> re.Pattern[str]:
        characters, opposite = key
        # The same pattern text as tinyhtml5 2.1.0 (inputstream.py, chars_until).
        body = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            body = f"^{body}"
        regex = re.compile(f"[{body}]+")
        self[key] = regex
        return regex


_CACHE = RegexCache()


def patches() -> list[tuple[Any, str, Any]]:
    """(tinyhtml5.inputstream, its cache's name, the `RegexCache`) while tinyhtml5 keeps a
    plain dict there; else none."""
    try:
        from tinyhtml5 import inputstream
    except ImportError:   # WeasyPrint parses with something else: nothing to mend
        return []
    current = getattr(inputstream, "characters_until_regex", None)
    if type(current) is not dict:
        return []
    return [(inputstream, "characters_until_regex", _CACHE)]
