"""The fonts of the PDF: which faces the print CSS names, what they can draw, and their
GB2312 subsets.

- What a face can draw comes from fontconfig's own charset of it (``fc-match
  -f %{charset}``, read from fontconfig's cache): a few hundred code point ranges per face,
  kept as sorted range bounds.  Reading each face's cmap with fontTools instead cost about
  80 MB at the first render and kept 40 MB of code point sets in every worker.
- The free CJK faces the built-in print CSS falls back to are pre-subset to GB2312 + ASCII
  with HarfBuzz (uharfbuzz: about 0.3 s for all four faces, once per machine, cached on
  disk under $XDG_CACHE_HOME/nianbao/fonts/) and named first in the print font stacks, so
  WeasyPrint lays out and embeds from fonts of ~7,500 glyphs instead of ~65,000.  A rare
  character outside GB2312 (a name such as 王镕) is drawn from a face cut to its block of
  code points (`pdf_rare_faces`), named in the stack after the GB2312 subset; the full
  face, last, draws only what no such face could be cut for.  ``NIANBAO_FONT_SUBSET=0``
  turns the subsets off.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.errors import Problem, RenderError

if TYPE_CHECKING:
    from nianbao.render.pdf_rare_faces import Supplements

# Characters the print CSS itself puts on the page (page numbers "— 12 —").
PAGE_NUMBER_CHARS = "—0123456789"
_STYLE = re.compile(r"<style([^>]*)>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_MEDIA = re.compile(r"""media\s*=\s*["']?([^"'>]*)""", re.IGNORECASE)
_FONT_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy"}
_LOG = logging.getLogger(__name__)


# ---- font stacks of the print CSS ---------------------------------------------------------
def applies_to_print(attrs: str) -> bool:
    """Whether a <style> element with these attributes applies to print media."""
    media = _MEDIA.search(attrs)
    if media is None:
        return True
    kinds = {m.strip().split(" ")[0].lower() for m in media.group(1).split(",")}
    return bool(kinds & {"print", "all", ""})


def font_stacks(html: str) -> list[tuple[str, ...]]:
    """The font-family lists of the CSS inlined in a page that applies to print (style
    elements with media print, all or none), in order of appearance."""
    stacks = []
    for attrs, css in _STYLE.findall(html):
        if not applies_to_print(attrs):
            continue
        for value in _FONT_FAMILY.findall(css):
            names = tuple(n.strip().strip("\"'").strip() for n in value.split(","))
            stacks.append(tuple(n for n in names if n))
    return stacks


# ---- what the faces can draw --------------------------------------------------------------
class Charset:
    """A set of code points held as sorted, disjoint, inclusive ranges."""

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()):
        merged: list[list[int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self._starts = [lo for lo, _ in merged]
        self._ends = [hi for _, hi in merged]

    @classmethod
    def parse(cls, text: str) -> Charset:
        """fontconfig's charset notation: hex code points and ranges ("20-7e a0 4e00-9fff")."""
        ranges = []
        for item in text.split():
            lo, _, hi = item.partition("-")
            ranges.append((int(lo, 16), int(hi or lo, 16)))
        return cls(ranges)

    def ranges(self) -> list[tuple[int, int]]:
        """The inclusive ranges, in order."""
        return list(zip(self._starts, self._ends))

    def __or__(self, other: Charset) -> Charset:
        return Charset(self.ranges() + other.ranges())

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        i = bisect.bisect_right(self._starts, code) - 1
        return i >= 0 and code <= self._ends[i]

    def __len__(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges())

    def __bool__(self) -> bool:
        # not len(): that walks every range (~4 ms a render on the CJK faces' charsets)
        return bool(self._starts)


def _fc_match(pattern: str, fmt: str) -> str:
    try:
        return subprocess.run(["fc-match", "-f", fmt, pattern], capture_output=True,
                              text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError([Problem("", f"无法查询字体（fc-match）：{exc}")]) from exc


@functools.cache
def _match(family: str) -> tuple[str, int, Charset] | None:
    """(file, face index, charset) of the face fontconfig picks for a family name, or None
    when the family is not installed (fc-match always answers; a substitute is not a
    match)."""
    lines = _fc_match(family, "%{family}\n%{file}\n%{index}\n%{charset}").split("\n")
    if len(lines) < 4:
        return None
    families = {f.strip().casefold() for f in lines[0].split(",")}
    if family.casefold() not in _GENERIC and family.casefold() not in families:
        return None
    return lines[1], int(lines[2] or 0), Charset.parse(lines[3])


def resolve_face(family: str) -> tuple[str, int] | None:
    """(font file, face index) that fontconfig picks for a family name, or None when the
    family is not installed."""
    found = _match(family)
    return None if found is None else found[:2]


def chosen_faces(html: str) -> frozenset[tuple[str, int]]:
    """The installed faces named by the print CSS font stacks."""
    return frozenset(face for stack in font_stacks(html) for family in stack
                     if (face := resolve_face(family)) is not None)


@functools.lru_cache(maxsize=32)
def _charset_of_families(families: frozenset[str]) -> Charset:
    charset = Charset()
    for family in sorted(families):
        found = _match(family)
        if found is not None:
            charset = charset | found[2]
    return charset


def drawable(html: str) -> Charset:
    """The code points some face named by the print CSS font stacks can draw."""
    return _charset_of_families(frozenset(n for stack in font_stacks(html) for n in stack))


# ---- pre-subset faces ---------------------------------------------------------------------
# The free faces the built-in print CSS falls back to, pre-subset to GB2312: family name →
# (weight, fontconfig pattern of the face) for each weight the CSS uses.
SUBSET_FACES = {
    "Noto Serif CJK SC": (("normal", "Noto Serif CJK SC"), ("bold", "Noto Serif CJK SC:bold")),
    "Noto Sans CJK SC": (("normal", "Noto Sans CJK SC"),),
    "AR PL UKai CN": (("normal", "AR PL UKai CN"),),
}
SUBSET_SUFFIX = " GB2312"   # "Noto Serif CJK SC GB2312": the embedded name keeps the family
_SUBSET_VERSION = b"nianbao-gb2312-hb-1"


def font_cache_dir() -> Path:
    """Where pre-subset fonts are kept ($XDG_CACHE_HOME/nianbao/fonts)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nianbao" / "fonts"


@functools.cache
def gb2312_chars() -> frozenset[int]:
    """ASCII, the GB2312 repertoire (7,445 characters) and the page-number characters."""
    chars = set(range(0x20, 0x7F))
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    chars.update(ord(c) for c in PAGE_NUMBER_CHARS + "\u3000\u2014\u2026\u00b7")
    return frozenset(chars)


def _face_of(pattern: str) -> tuple[str, int] | None:
    path, _, index = _fc_match(pattern, "%{file}\n%{index}").partition("\n")
    return (path, int(index or 0)) if path else None


def subset_face(path: str, index: int, chars: Iterable[int]) -> bytes:
    """The face cut down to the given characters, every OpenType layout feature and name
    kept (HarfBuzz's subsetter: the same one WeasyPrint embeds fonts with)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(path), index)
    wanted = hb.SubsetInput()
    wanted.unicode_set.update(chars)
    for kept in (hb.SubsetInputSets.LAYOUT_FEATURE_TAG, hb.SubsetInputSets.NAME_ID,
                 hb.SubsetInputSets.NAME_LANG_ID):
        wanted.sets(kept).invert()   # an empty set inverted: all of them
    wanted.flags = hb.SubsetFlags.NOTDEF_OUTLINE
    cut = hb.subset(face, wanted)
    if cut is None:
        raise ValueError(f"HarfBuzz could not subset {path}#{index}")
    return cut.blob.data


def _cache_key(path: str, index: int, chars: bytes) -> str:
    import uharfbuzz as hb

    stat = os.stat(path)
    parts = (_SUBSET_VERSION, hb.version_string().encode(), os.path.realpath(path).encode(),
             str(index).encode(), str(stat.st_size).encode(), str(int(stat.st_mtime)).encode(),
             chars)
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:24]


def _subset_target(face: tuple[str, int], wanted: list[int], gb2312: bool) -> Path:
    label = b"gb2312" if gb2312 else ",".join(map(str, wanted)).encode()
    return font_cache_dir() / f"{_cache_key(face[0], face[1], label)}.otf"


def subset_file(face: tuple[str, int], chars: frozenset[int] | None = None) -> Path:
    """The subset of a face to some characters (GB2312 when none are given), made once
    and kept in the font cache (written atomically: concurrent workers may race, and
    each writes the same bytes)."""
    path, index = face
    wanted = sorted(gb2312_chars() if chars is None else chars)
    target = _subset_target(face, wanted, chars is None)
    if target.is_file():
        return target
    data = subset_face(path, index, wanted)
    target.parent.mkdir(parents=True, exist_ok=True)
    # process and thread in the name: serve renders in two threads of one process
    staging = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    staging.write_bytes(data)
    os.replace(staging, target)
    return target


def subsets_enabled() -> bool:
    """Subsets are on unless NIANBAO_FONT_SUBSET=0 (to compare, or to debug a face)."""
    return os.environ.get("NIANBAO_FONT_SUBSET", "1") != "0"


@functools.cache
def _subset_sources() -> tuple[tuple[str, str, tuple[str, int]], ...]:
    """(family, weight, installed face) of each face to pre-subset that is installed."""
    found = []
    for family, weights in SUBSET_FACES.items():
        for weight, pattern in weights:
            face = _face_of(pattern)
            if face is not None and resolve_face(family) is not None:
                found.append((family, weight, face))
    return tuple(found)


def subsets_made() -> bool:
    """Whether every GB2312 subset this machine can make is in the font cache already
    (True also when subsets are off): then `subset_font_faces` cuts nothing."""
    if not subsets_enabled():
        return True
    wanted = sorted(gb2312_chars())
    return all(_subset_target(face, wanted, True).is_file()
               for _, _, face in _subset_sources())


def cut_subsets(cache_home: str | None) -> None:
    """Make the machine's GB2312 subsets in the font cache under ``cache_home`` (the
    caller's $XDG_CACHE_HOME: a process forked from a forkserver has the server's
    environment).  The target of a short-lived process: cutting reads the full faces, tens
    of megabytes a process keeps as its peak."""
    if cache_home is not None:
        os.environ["XDG_CACHE_HOME"] = cache_home
    subset_font_faces()


def _font_face(family: str, weight: str, path: Path) -> str:
    return (f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f"src: url({path.as_uri()}); }}")


@functools.cache
def subset_font_faces() -> str:
    """The @font-face rules of the GB2312 subsets ("" when subsets are off or none can be
    made: the full faces then draw everything, only slower)."""
    if not subsets_enabled():
        return ""
    rules = []
    for family, weight, face in _subset_sources():
        try:
            rules.append(_font_face(family + SUBSET_SUFFIX, weight, subset_file(face)))
        except Exception as exc:  # noqa: BLE001  (fall back to the full faces)
            _LOG.warning("cannot pre-subset %s: %s", face[0], exc)
    return "\n".join(rules)


def rare_chars(html: str) -> frozenset[int]:
    """The characters of a page outside GB2312 + ASCII that a subset face's full face
    can draw: names such as 王镕 or 李堃."""
    outside = {ord(ch) for ch in set(html)} - gb2312_chars()
    if not outside:
        return frozenset()
    covered = _charset_of_families(frozenset(SUBSET_FACES))
    return frozenset(c for c in outside if c in covered)


def _with_subsets(css: str, suffixes: dict[str, tuple[str, ...]]) -> str:
    def stack(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split(",")]
        out: list[str] = []
        for name in names:
            bare = name.strip("\"'").strip()
            out.extend(f'"{bare}{suffix}"' for suffix in suffixes.get(bare, ()))
            out.append(name)
        return f"font-family: {', '.join(out)}"
    return _FONT_FAMILY.sub(stack, css)


def use_subsets(html: str, rare: bool = True, chars: frozenset[int] | None = None,
                supplements: Supplements | None = None) -> str:
    """The page with the subset faces declared and named in its print font stacks, right
    before the full face they were cut from: first the GB2312 subset, then the faces of the
    blocks of code points the page's rare characters fall in (`pdf_rare_faces`), then the
    full face (which draws whatever is left).  ``rare=False`` leaves out the block faces:
    the style every page without rare characters has (the PDF tables' skeletons are laid
    out in it); ``chars``: the page's rare characters when the caller has them already
    (`rare_chars`), ``supplements`` their block faces (`supplement_font_faces`)."""
    # imported here: pdf_rare_faces cuts its faces with this module's functions
    from nianbao.render.pdf_rare_faces import Supplements, supplement_font_faces

    faces = subset_font_faces()
    if not faces:
        return html
    if chars is None and rare:
        chars = rare_chars(html)
    if not (rare and chars):
        extra = Supplements()
    else:
        extra = supplements if supplements is not None else supplement_font_faces(chars)
    suffixes = {family: (SUBSET_SUFFIX,) + extra.suffixes.get(family, ())
                for family, _, _ in _subset_sources()}
    declared = "\n".join(extra.rules)

    def style(match: re.Match) -> str:
        attrs, css = match.group(1), match.group(2)
        if not applies_to_print(attrs):
            return match.group(0)
        return f"<style{attrs}>{_with_subsets(css, suffixes)}</style>"
    html = _STYLE.sub(style, html)
    head = html.lower().find("<style")
    declare = f'<style media="print">\n{faces}\n{declared}\n</style>\n'
    return html[:head] + declare + html[head:] if head >= 0 else declare + html
