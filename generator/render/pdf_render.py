"""PDF renderer: WeasyPrint on the HTML of `html_render`, laid out by its print CSS.

- One FontConfiguration per process (building one scans every installed font).
- Nothing is fetched from the network or from files the data names: the URL fetcher
  allows ``data:`` URLs and files inside the template folders, nothing else.
- Same document, same bytes: the PDF carries no clock time and no random ID (the creation
  date is the document date from the data; the file ID is a hash of the content).
- The CJK faces are pre-subset once per machine to GB2312 + ASCII (fontTools, cached on
  disk under $XDG_CACHE_HOME/nianbao/fonts/) and named first in the print font stacks, so
  WeasyPrint lays out and embeds from fonts of ~7,500 glyphs instead of ~65,000; a rare
  character outside that set falls back to the full face that follows in the same stack.
- Before rendering, every character of the document is checked against the fonts the
  print CSS font stacks resolve to; a character no face can draw fails the render with
  its code point and where it occurs, instead of printing a blank box.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from generator.document import Document, Table
from generator.errors import Problem, RenderError
from generator.render import RenderOptions, html_render

_FONT_CONFIG = None
_FONT_CONFIG_LOCK = threading.Lock()

# Characters the print CSS itself puts on the page (page numbers "— 12 —").
PAGE_NUMBER_CHARS = "—0123456789"
# Unicode categories that are not drawn: controls, format characters, separators.
_UNDRAWN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})
_STYLE = re.compile(r"<style([^>]*)>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_MEDIA = re.compile(r"""media\s*=\s*["']?([^"'>]*)""", re.IGNORECASE)
_FONT_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")
_MAX_PROBLEMS = 20


def font_config():
    """The process-wide WeasyPrint FontConfiguration, created on first use."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        with _FONT_CONFIG_LOCK:
            if _FONT_CONFIG is None:
                from weasyprint.text.fonts import FontConfiguration
                _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


# ---- fonts ----------------------------------------------------------------------------
def _applies_to_print(attrs: str) -> bool:
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
        if not _applies_to_print(attrs):
            continue
        for value in _FONT_FAMILY.findall(css):
            names = tuple(n.strip().strip("\"'").strip() for n in value.split(","))
            stacks.append(tuple(n for n in names if n))
    return stacks


@functools.cache
def resolve_face(family: str) -> tuple[str, int] | None:
    """(font file, face index) that fontconfig picks for a family name, or None when
    the family is not installed (fc-match always answers; a substitute is not a match)."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", family],
            capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError([Problem("", f"无法查询字体（fc-match）：{exc}")]) from exc
    lines = out.split("\n")
    if len(lines) < 3:
        return None
    families = {f.strip().casefold() for f in lines[0].split(",")}
    generic = family.casefold() in {"serif", "sans-serif", "monospace", "cursive", "fantasy"}
    if not generic and family.casefold() not in families:
        return None
    return lines[1], int(lines[2] or 0)


@functools.cache
def face_charset(face: tuple[str, int]) -> frozenset[int]:
    """The code points a font face has glyphs for (its best cmap), read once per process."""
    from fontTools.ttLib import TTFont

    path, index = face
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


@functools.lru_cache(maxsize=32)
def _charset_of(faces: frozenset[tuple[str, int]]) -> frozenset[int]:
    return frozenset().union(*(face_charset(f) for f in faces)) if faces else frozenset()


def chosen_faces(html: str) -> frozenset[tuple[str, int]]:
    """The installed faces named by the print CSS font stacks."""
    faces = set()
    for stack in font_stacks(html):
        for family in stack:
            face = resolve_face(family)
            if face is not None:
                faces.add(face)
    return frozenset(faces)


# ---- pre-subset faces -----------------------------------------------------------------
# The free faces the built-in print CSS falls back to, pre-subset to GB2312: family name →
# (weight, fontconfig pattern of the face) for each weight the CSS uses.
SUBSET_FACES = {
    "Noto Serif CJK SC": (("normal", "Noto Serif CJK SC"), ("bold", "Noto Serif CJK SC:bold")),
    "Noto Sans CJK SC": (("normal", "Noto Sans CJK SC"),),
    "AR PL UKai CN": (("normal", "AR PL UKai CN"),),
}
SUBSET_SUFFIX = " GB2312"   # "Noto Serif CJK SC GB2312": the embedded name keeps the family
_SUBSET_VERSION = b"nianbao-gb2312-1"
_LOG = logging.getLogger(__name__)


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


@functools.cache
def _resolve_pattern(pattern: str) -> tuple[str, int] | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = out.partition("\n")
    return (path, int(index or 0)) if path else None


def _subset_file(face: tuple[str, int]) -> Path:
    """The GB2312 subset of a face, made once (fontTools) and kept in the font cache."""
    path, index = face
    stat = os.stat(path)
    key = hashlib.sha256(b"\0".join((_SUBSET_VERSION, os.path.realpath(path).encode(),
                                     str(index).encode(), str(stat.st_size).encode(),
                                     str(int(stat.st_mtime)).encode()))).hexdigest()[:24]
    folder = font_cache_dir()
    target = folder / f"{key}.otf"
    if target.is_file():
        return target
    import fcntl

    from fontTools import subset
    from fontTools.ttLib import TTFont

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # concurrent workers: one makes it, the rest wait
        if target.is_file():
            return target
        font = TTFont(path, fontNumber=index, lazy=False)
        options = subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(gb2312_chars() & set(font.getBestCmap() or ())))
        subsetter.subset(font)
        staging = folder / f".{key}.{os.getpid()}.tmp"
        font.save(str(staging))
        font.close()
        os.replace(staging, target)
    return target


@functools.cache
def subset_font_faces() -> str:
    """The @font-face rules of the pre-subset faces, when NIANBAO_FONT_SUBSET=1 asks for them
    ("" otherwise, or when none can be made).

    Opt-in because making the subsets costs about two minutes of CPU the first time on a
    machine (then they are cached): worth it for a batch of hundreds of reports, not for a
    clerk's first `nianbao build`."""
    if os.environ.get("NIANBAO_FONT_SUBSET", "0") != "1":
        return ""
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset" chatter
    rules = []
    for family, weights in SUBSET_FACES.items():
        for weight, pattern in weights:
            face = _resolve_pattern(pattern)
            if face is None or resolve_face(family) is None:
                continue
            try:
                path = _subset_file(face)
            except Exception as exc:  # noqa: BLE001  (fall back to the full faces)
                _LOG.warning("cannot pre-subset %s: %s", pattern, exc)
                continue
            rules.append(f'@font-face {{ font-family: "{family}{SUBSET_SUFFIX}"; '
                         f"font-weight: {weight}; src: url({path.as_uri()}); }}")
    return "\n".join(rules)


def _with_subsets(css: str, families: set[str]) -> str:
    def stack(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split(",")]
        out = []
        for name in names:
            bare = name.strip("\"'").strip()
            if bare in families:
                out.append(f'"{bare}{SUBSET_SUFFIX}"')
            out.append(name)
        return f"font-family: {', '.join(out)}"
    return _FONT_FAMILY.sub(stack, css)


def use_subsets(html: str) -> str:
    """The page with the pre-subset faces declared and named in its print font stacks,
    each right before the full face it was cut from (which draws what the subset lacks)."""
    faces = subset_font_faces()
    if not faces:
        return html
    families = {m.group(1) for m in re.finditer(r'font-family: "([^"]+)' + SUBSET_SUFFIX, faces)}

    def style(match: re.Match) -> str:
        attrs, css = match.group(1), match.group(2)
        if not _applies_to_print(attrs):
            return match.group(0)
        return f"<style{attrs}>{_with_subsets(css, families)}</style>"
    html = _STYLE.sub(style, html)
    head = html.lower().find("<style")
    declare = f'<style media="print">\n{faces}\n</style>\n'
    return html[:head] + declare + html[head:] if head >= 0 else declare + html


# ---- glyph check ----------------------------------------------------------------------
def _table_texts(table: Table) -> Iterator[str]:
    for row in table.header + table.body:
        for cell in row:
            yield cell.text


def document_texts(doc: Document) -> Iterator[tuple[str, str]]:
    """(where, text) of every piece of text of a document, in reading order."""
    yield "标题", doc.title
    for para in doc.preamble:
        yield "前言", para.text
    for section in doc.sections:
        yield section.heading, section.heading
        for block in section.blocks:
            if isinstance(block, Table):
                for text in _table_texts(block):
                    yield f"{section.heading}（表格）", text
            else:
                yield section.heading, block.text
    if doc.signature:
        yield "落款", doc.signature.name
        yield "落款", doc.signature.date
    yield "页码", PAGE_NUMBER_CHARS


def _context(text: str, pos: int) -> str:
    start = max(0, pos - 10)
    return text[start:start + 20]


def missing_glyphs(doc: Document, charset: frozenset[int]) -> list[Problem]:
    """One problem per character (first occurrence) that no chosen face can draw."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for where, text in document_texts(doc):
        for pos, ch in enumerate(text):
            if ch in seen or ord(ch) in charset or unicodedata.category(ch) in _UNDRAWN:
                continue
            seen.add(ch)
            problems.append(Problem("", f"字符“{ch}”（U+{ord(ch):04X}）没有可用字体能够显示，"
                                        f"出现在：{where}：“{_context(text, pos)}”。"
                                        "请删除该字符或改用常用汉字、标点"))
            if len(problems) >= _MAX_PROBLEMS:
                return problems
    return problems


def check_glyphs(doc: Document, html: str) -> None:
    """Raise RenderError when a character of the document has no glyph in any face the
    print CSS font stacks resolve to."""
    faces = chosen_faces(html)
    if not faces:
        names = "、".join(dict.fromkeys(n for s in font_stacks(html) for n in s))
        raise RenderError([Problem("", f"打印样式指定的字体都没有安装：{names}")])
    problems = missing_glyphs(doc, _charset_of(faces))
    if problems:
        raise RenderError(problems)


# ---- fetching -------------------------------------------------------------------------
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class TemplateOnlyFetcher(URLFetcher):
        """Fetches ``data:`` URLs and files inside the template folders; refuses the rest
        (the network, and any other local file) and remembers what it refused."""

        def __init__(self, roots: tuple[str, ...], fonts: tuple[str, ...] = ()):
            super().__init__(allowed_protocols=("data", "file"))
            self.roots = tuple(os.path.realpath(r).rstrip(os.sep) + os.sep for r in roots)
            self.fonts = tuple(os.path.realpath(r) for r in fonts)
            self.refused: list[str] = []

        def allows(self, url: str) -> bool:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return True
            if scheme != "file":
                return False
            from urllib.parse import unquote, urlsplit
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return False
            path = os.path.realpath(unquote(parts.path))
            if self.fonts and os.path.dirname(path) in self.fonts and path.endswith(".otf"):
                return os.path.isfile(path)
            return path.startswith(self.roots) and os.path.isfile(path)

        def fetch(self, url, headers=None):
            if not self.allows(url):
                self.refused.append(url)
                raise ValueError(f"refused to fetch {url}")
            return super().fetch(url, headers)

    return TemplateOnlyFetcher


def make_fetcher(roots: tuple[str, ...], fonts: tuple[str, ...] = ()):
    """A URL fetcher limited to ``data:`` URLs and files under ``roots`` (and font files
    directly in the ``fonts`` folders: the pre-subset font cache)."""
    return _fetcher_class()(roots, fonts)


# ---- render ---------------------------------------------------------------------------
def render(doc: Document, options: RenderOptions) -> bytes:
    """The report as PDF bytes (A4, GB/T 9704 layout, fonts embedded as subsets)."""
    import weasyprint

    options = replace(options, preview=False)
    html = html_render.render_text(doc, options)
    check_glyphs(doc, html)
    roots = html_render.search_path(options)
    html = use_subsets(html)
    fetcher = make_fetcher(roots, (str(font_cache_dir()),))
    base_url = Path(roots[0]).as_uri() + "/"
    pdf = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        font_config=font_config(), pdf_identifier=True)
    if fetcher.refused:
        raise RenderError([Problem("", f"模板引用了不允许读取的地址：{url}")
                           for url in dict.fromkeys(fetcher.refused)])
    return pdf
