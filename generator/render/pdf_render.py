"""PDF renderer: WeasyPrint on the HTML of `html_render`, laid out by its print CSS.

- One FontConfiguration per process (building one scans every installed font).
- Nothing is fetched from the network or from files the data names: the URL fetcher
  allows ``data:`` URLs and files inside the template folders, nothing else.
- Same document, same bytes: the PDF carries no clock time and no random ID (the creation
  date is the document date from the data; the file ID is a hash of the content).
- Fonts (which faces, what they draw, their GB2312 subsets) are `pdf_fonts`' business;
  the faces of rare characters, cut by blocks of code points, `pdf_rare_faces`'.
- The fast path: the statutory tables are laid out once per worker and drawn from that
  skeleton (`table_skeleton`, `table_stamp`, `text_replay`), WeasyPrint's HTML parser gets
  a regex cache that hits (`parse_cache`: halves parsing), streams are deflated at zlib's
  default level, not pydyf's 9 (`pdf_deflate`: ~8 % less time, ~0.5 % more bytes).  It
  uses library internals, so it runs only with the library versions it was verified with,
  its patches only for nianbao's own renders (`fastpath`); otherwise, or when it raises,
  the report is rendered the ordinary way (WeasyPrint's public API: the same pages).
- One PDF at a time per process (`_STAMP_LOCK`, below): run PDFs in parallel in processes.
- Before rendering, every character of the document is checked against the faces the
  print CSS font stacks resolve to; a character no face can draw fails the render with
  its code point and where it occurs, instead of printing a blank box.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from nianbao.compose.document import Document, Table
from nianbao.errors import Problem, RenderError
from nianbao.render import (
    RenderOptions,
    html_render,
)
from nianbao.render.pdf_fast import fastpath, table_skeleton, table_stamp, table_styles
from nianbao.render.pdf_fonts import (
    PAGE_NUMBER_CHARS,
    Charset,
    drawable,
    font_cache_dir,
    font_stacks,
    rare_chars,
    use_subsets,
)
from nianbao.render.pdf_rare_faces import supplement_font_faces

_FONT_CONFIG = None
_FONT_CONFIG_LOCK = threading.Lock()
# One PDF render at a time in a process, fast path or not.  It guards what renders share:
# the table skeletons and their recordings (`table_skeleton.SKELETONS`: the label text boxes'
# layouts are set up and dropped while drawn), the patches `fastpath.scoped` puts in place,
# and the process's one FontConfiguration (its Pango font map is not made for two threads
# at once).  Threads of one process therefore render PDFs one after the other: parallel
# PDFs need processes — the local batch pool has one thread per worker process; a Dask
# worker must run with one thread (``dask worker --nthreads 1 --nworkers N``).  The first
# time a render has to wait for another thread's, a warning says so (once per process).
_STAMP_LOCK = threading.Lock()
_LOG = logging.getLogger(__name__)

# Unicode categories that are not drawn: controls, format characters, separators.
_UNDRAWN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})
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


def missing_glyphs(doc: Document, charset: Charset) -> list[Problem]:
    """One problem per character (first occurrence) that no chosen face can draw."""
    problems: list[Problem] = []
    seen: set[str] = set()   # characters judged already, drawable or not
    for where, text in document_texts(doc):
        for pos, ch in enumerate(text):
            if ch in seen:
                continue
            seen.add(ch)
            if ord(ch) in charset or unicodedata.category(ch) in _UNDRAWN:
                continue
            problems.append(Problem("", f"字符“{ch}”（U+{ord(ch):04X}）没有可用字体能够显示，"
                                        f"出现在：{where}：“{_context(text, pos)}”。"
                                        "请删除该字符或改用常用汉字、标点"))
            if len(problems) >= _MAX_PROBLEMS:
                return problems
    return problems


def check_glyphs(doc: Document, html: str) -> None:
    """Raise RenderError when a character of the document has no glyph in any face the
    print CSS font stacks resolve to."""
    charset = drawable(html)
    if not charset:
        names = "、".join(dict.fromkeys(n for s in font_stacks(html) for n in s))
        raise RenderError([Problem("", f"打印样式指定的字体都没有安装：{names}")])
    problems = missing_glyphs(doc, charset)
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

        @staticmethod
        def local_path(url: str) -> str | None:
            """The real path of a local ``file:`` URL (None for any other URL)."""
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            return os.path.realpath(unquote(parts.path))

        def allows(self, url: str) -> bool:
            if url.split(":", 1)[0].lower() == "data" and ":" in url:
                return True
            path = self.local_path(url)
            if path is None:
                return False
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


# ---- render ----------------------------------------------------------------------------
@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Hold `_STAMP_LOCK`; the first wait for another thread's render is logged."""
    if not _STAMP_LOCK.acquire(blocking=False):
        fastpath.warn_once("threads", "PDF renders wait for each other: this process "
                           "renders PDFs from several threads, one at a time (a Dask worker "
                           "with more than one thread? start workers with --nthreads 1)")
        _STAMP_LOCK.acquire()
    try:
        yield
    finally:
        _STAMP_LOCK.release()


# The @font-face rules of the rare characters' block faces this process has added to its
# FontConfiguration (WeasyPrint adds a rule once: it keys the face by the rule).  Bounded
# without a limit of its own: at most one rule per face and block of code points.
_RARE_SEEN: set[str] = set()


def _new_rare_faces(rules: tuple[str, ...]) -> bool:
    """Whether this report declares a block face for rare characters
    (`pdf_rare_faces.supplement_font_faces`) that this process has not added yet.

    Adding one makes Pango let go of every font and load them again, and recordings
    (text_replay) hold references to the old ones, which were then never freed: when each
    set of rare characters had faces of its own, a worker grew ~2.5 MB with each new name
    (175 MB after 20 reports naming different people, against 123 MB for 20 plain ones;
    issue 17 §9).  The caller drops the recordings then;
    recording again costs ~50 ms.  Block faces are shared by every name in the block, so
    after a batch's first few rare reports this is False."""
    new = set(rules) - _RARE_SEEN
    _RARE_SEEN.update(new)
    return bool(new)


def _sheet_digest(base_url: str, fetcher: Any) -> Callable[[str, bool], str]:
    """What a URL a page's style names (relative to ``base_url``) holds, as WeasyPrint will
    read it: a style sheet (<link href>, @import) by a digest of its content and of what it
    names in turn (a few levels), another file (a font) by its size and time.  Part of the
    table skeletons' key (`table_styles`).  A URL the fetcher refuses, or a file that
    cannot be read, is named as such (WeasyPrint reads nothing there either)."""
    from urllib.parse import urljoin

    def identify(href: str, sheet: bool, base: str = base_url, depth: int = 0) -> str:
        url = urljoin(base, href.strip())
        if depth > 4 or not fetcher.allows(url):
            return f"unread {url}"
        local = fetcher.local_path(url)
        if local is None:   # data: (allowed): the URL is its own content
            return hashlib.sha256(url.encode()).hexdigest()
        path = Path(local)
        try:
            if not sheet:
                stat = path.stat()
                return f"{stat.st_size}:{stat.st_mtime_ns}"
            data = path.read_bytes()
        except OSError:
            return f"unread {url}"
        text = data.decode("utf-8", "replace")
        inner = ([identify(u, True, url, depth + 1) for u in table_styles.sheet_urls(text)]
                 + [identify(u, False, url, depth + 1)
                    for u in table_styles.resource_urls(text)])
        return hashlib.sha256(data + "\0".join(inner).encode()).hexdigest()
    return identify


def _laid_out(html: str, common: str, lay_out,
              sheets: Callable[[str, bool], str] | None = None):
    """The WeasyPrint document: tables drawn from their skeletons when they can be,
    else the HTML as it is (``common``: the page without its rare characters' faces;
    ``sheets``: `_sheet_digest`)."""
    prepared = table_skeleton.prepare(html, lay_out, common, sheets)
    if prepared is not None:
        document = lay_out(prepared.html)
        if table_stamp.attach(document, prepared):
            return document
    return lay_out(html)


def _fast_pdf(html: str, common: str, lay_out,
              sheets: Callable[[str, bool], str] | None = None) -> bytes | None:
    """The PDF by the fast path; None when it is off (other library versions) or raised
    (then the caller renders the ordinary way; the skeletons are dropped)."""
    if not fastpath.supported():
        return None
    try:
        with fastpath.scoped():
            return _laid_out(html, common, lay_out, sheets).write_pdf(pdf_identifier=True)
    except Exception as exc:  # noqa: BLE001  (a fault of the fast path, not of the report)
        fastpath.failed(exc)
        table_skeleton.SKELETONS.clear()
        return None


def render(doc: Document, options: RenderOptions, *, stamp_tables: bool = True) -> bytes:
    """The report as PDF bytes (A4, GB/T 9704 layout, fonts embedded as subsets).
    ``stamp_tables=False`` renders the ordinary way, WeasyPrint's public API only (the
    same pages, slower: for comparison)."""
    import weasyprint

    options = replace(options, preview=False)
    html = html_render.render_text(doc, options)
    check_glyphs(doc, html)
    roots = html_render.search_path(options)
    chars = rare_chars(html)
    rare_faces = supplement_font_faces(chars)
    html, common = (use_subsets(html, chars=chars, supplements=rare_faces),
                    use_subsets(html, rare=False))
    fetcher = make_fetcher(roots, (str(font_cache_dir()),))
    base_url = Path(roots[0]).as_uri() + "/"

    def lay_out(text: str):
        return weasyprint.HTML(string=text, base_url=base_url, url_fetcher=fetcher).render(
            font_config=font_config())

    with _one_at_a_time():
        # asked under the lock: asked before it, another thread's render naming the same
        # block could run first, add the faces and draw from recordings of dropped fonts
        if _new_rare_faces(rare_faces.rules):
            table_skeleton.forget_recordings()
        pdf = (_fast_pdf(html, common, lay_out, _sheet_digest(base_url, fetcher))
               if stamp_tables else None)
        if pdf is None:
            pdf = lay_out(html).write_pdf(pdf_identifier=True)
    if fetcher.refused:
        raise RenderError([Problem("", f"模板引用了不允许读取的地址：{url}")
                           for url in dict.fromkeys(fetcher.refused)])
    return pdf
