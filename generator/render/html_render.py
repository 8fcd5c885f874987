"""HTML renderer: the document model through Jinja templates into one self-contained page.

Templates are found on an ordered search path: the agency's folders
(``RenderOptions.template_dirs``) first, then the built-in ``templates/`` (like mkdocs'
``custom_dir`` before the theme).  The built-in ``report.html`` only extends
``_base.html``, so an agency ``report.html`` can extend ``_base.html`` as well and replace
one block.  The environment is sandboxed and autoescapes everything from the data.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from nianbao.compose.document import Document, Heading, Para, Table
from nianbao.errors import Problem, RenderError
from nianbao.render import TEMPLATES_DIR, RenderOptions, contract, draft, template_limits

ENTRY_TEMPLATE = "report.html"


def search_path(options: RenderOptions) -> tuple[str, ...]:
    """Template folders in search order: the agency's first, the built-in one last."""
    dirs = [os.path.realpath(d) for d in options.template_dirs]
    dirs.append(os.path.realpath(TEMPLATES_DIR))
    return tuple(dict.fromkeys(dirs))


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates shared by the environments of one kind (sandboxed or not: the
    sandbox compiles other code), keyed by template name and file and checked against the
    source's checksum by Jinja itself.  A batch meets a new search path with every agency
    folder; without this each compiled the built-in _base.html and _tables.html again
    (~18 ms of the ~23 ms its first page took).  Bounded: the oldest entries go first."""

    SIZE = 256

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Any) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        with self._lock:
            self._code.pop(bucket.key, None)
            self._code[bucket.key] = bucket.bytecode_to_string()
            while len(self._code) > self.SIZE:
                del self._code[next(iter(self._code))]


_COMPILED = {jinja2.Environment: _CompiledTemplates(), SandboxedEnvironment: _CompiledTemplates()}


@functools.lru_cache(maxsize=32)
def environment(dirs: tuple[str, ...]) -> jinja2.Environment:
    """The (cached) Jinja environment of one template search path: sandboxed whenever an
    agency's folder is on it (templates nianbao did not write: they may not reach Python
    internals), plain for nianbao's own templates alone — the sandbox checks every attribute
    a template reads, about half of the ~18 ms a report's page takes to write."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(d, encoding="utf-8") for d in dirs])
    kind = (jinja2.Environment if dirs == (os.path.realpath(TEMPLATES_DIR),)
            else SandboxedEnvironment)
    env = kind(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
               trim_blocks=True, lstrip_blocks=True, auto_reload=True,
               bytecode_cache=_COMPILED[kind])
    env.tests["table"] = lambda obj: isinstance(obj, Table)
    env.tests["heading"] = lambda obj: isinstance(obj, Heading)
    env.tests["para"] = lambda obj: isinstance(obj, Para)
    return env


# The template context, documented once: `nianbao templates export` writes it into the
# README it puts beside the templates, and a test fails when a built-in template uses a
# variable that is not listed here.
CONTEXT_VARIABLES = {
    "doc": "整份报告（Document）：doc.title 标题、doc.agency 机关名称、doc.year 年度、doc.edition "
           "格式版本、doc.preamble 导语段落、doc.sections 各部分、doc.signature 落款（name、date）、"
           "doc.date_iso 文件日期",
    "sections": "按编号取各部分：sections.overview、sections.table2 …（2008年格式为 s1、s2 …）",
    "section": "在 section_* 块内：当前这一部分（id、heading 标题、blocks 内容）",
    "preview": "仅浏览器预览时为 true；生成的文件中为 false",
    "flags": "仅预览：{单元格: 级别}，有问题的单元格；生成的文件中为空",
}
MACROS = {
    "render_section(section)": "输出一个部分（标题和内容）",
    "render_blocks(blocks)": "输出段落、小标题和表格",
    "render_table(table)": "输出法定表格：表格的标签和数字只能由它输出",
}


def template_context(doc: Document, options: RenderOptions) -> dict[str, Any]:
    """The variables every template sees (documented in CONTEXT_VARIABLES)."""
    # extra is untyped (dict[str, object]); serve.state puts cell_flags() there: {cell: level}
    raw_flags = cast("Mapping[str, str] | None", options.extra.get("cell_flags"))
    flags = dict(raw_flags or {}) if options.preview else {}
    return {
        "doc": doc,
        "sections": {s.id: s for s in doc.sections},
        "preview": bool(options.preview),
        "flags": flags,
    }


def _template_frame(exc: BaseException, dirs: tuple[str, ...]) -> tuple[str, int] | None:
    """File and line of the innermost template frame of a traceback (Jinja rewrites
    template frames to point at the template source)."""
    roots = tuple(d.rstrip(os.sep) + os.sep for d in dirs)
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and os.path.realpath(frame.filename).startswith(roots):
            found = (frame.filename, frame.lineno or 0)
    return found


def template_problem(exc: BaseException, dirs: tuple[str, ...]) -> Problem | None:
    """A template error as a Problem ("file 第N行", "模板错误：…"), or None when the
    exception did not come from a template."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        where: tuple[str, int] | None = (exc.filename, exc.lineno)
    else:
        where = _template_frame(exc, dirs)
    if isinstance(exc, jinja2.TemplateError):
        message = exc.message or type(exc).__name__
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"找不到模板 {exc.name}"
    elif isinstance(exc, template_limits.TemplateLimit):
        message = str(exc)
        if where is None and exc.filename:   # stopped between two pieces of the page
            return Problem(exc.filename, f"模板错误：{message}")
    elif where is not None:
        message = f"{type(exc).__name__}: {exc}"
    else:
        return None
    location = f"{where[0]} 第{where[1]}行" if where else ENTRY_TEMPLATE
    return Problem(location, f"模板错误：{message}")


class _PageMemo(threading.local):
    """Within `same_page`: the page last made, so the HTML, PDF and DOCX renderers of
    one document run the templates once, not three times (~10 ms each).  Per thread: a
    preview's render thread never sees a batch's memo, nor the other way round."""

    def __init__(self) -> None:
        self.depth = 0
        self.last: tuple[Document, RenderOptions, str, str] | None = None


_MEMO = _PageMemo()


@contextlib.contextmanager
def same_page() -> Iterator[None]:
    """Renders of one document inside this block share its page (the templates cannot
    change meanwhile: it spans one document's formats, never a preview's lifetime)."""
    _MEMO.depth += 1
    try:
        yield
    finally:
        _MEMO.depth -= 1
        if not _MEMO.depth:
            _MEMO.last = None


def render_page(doc: Document, options: RenderOptions) -> tuple[str, Any]:
    """The page as a string and its parsed <body>, after checking the template contract
    (every statutory section and table still on the page; see generator.render.contract).
    A draft's page (``options.draft_errors``) carries the mark; its parsed body does not."""
    dirs = search_path(options)
    env = environment(dirs)
    last = _MEMO.last
    if _MEMO.depth and last is not None and last[0] is doc and last[1] == options:
        text, filename = last[2], last[3]
    else:
        text, filename = _template_text(env, dirs, doc, options)
        if _MEMO.depth:
            _MEMO.last = (doc, options, text, filename)
    body = contract.parse(text)
    contract.check_contract(doc, body, filename)
    # the draft mark goes in after the templates ran, so none can leave it out; the body
    # (the blocks the DOCX is made of) is the templates' alone: the DOCX has it in its headers
    return draft.mark_page(text, options.draft_errors), body


def _template_text(env: Any, dirs: tuple[str, ...], doc: Document, options: RenderOptions
                   ) -> tuple[str, str]:
    try:
        template = env.get_template(ENTRY_TEMPLATE)
        text = template_limits.render(template, template_context(doc, options))
    except Exception as exc:
        problem = template_problem(exc, dirs)
        if problem is None:
            raise
        raise RenderError([problem]) from exc
    return text, template.filename or ENTRY_TEMPLATE


def render_text(doc: Document, options: RenderOptions) -> str:
    """The page as a string; template errors become RenderError with file and line."""
    return render_page(doc, options)[0]


def render(doc: Document, options: RenderOptions) -> bytes:
    """The report as one self-contained UTF-8 HTML file (CSS inline, nothing fetched)."""
    return render_text(doc, options).encode("utf-8")


# ---- pages that are not reports (the batch's summary.html and 问题清单 pages) -------------
@functools.lru_cache(maxsize=32)
def page_environment(dirs: tuple[str, ...]) -> jinja2.Environment:
    """The environment of a page beside the reports on the same search path: `environment`'s
    loader, autoescape, strictness and sandbox split (an agency's or office's folder on the
    path: sandboxed), but whitespace kept as written (no trim_blocks/lstrip_blocks) — these
    pages were Python strings, and their bytes stay what they were.  Its own template cache:
    a template is compiled for one whitespace setting (so not from `environment`'s shared
    compiled templates either, which are keyed by name and source, not settings)."""
    return environment(dirs).overlay(trim_blocks=False, lstrip_blocks=False, cache_size=50,
                                     bytecode_cache=None)


def page_template(name: str, template_dirs: Sequence[Path] = ()) -> jinja2.Template:
    """Template ``name`` of such a page, from the first of ``template_dirs`` that has it,
    else the built-in one; RenderError (file, line) when it cannot be read or compiled —
    so a batch can refuse a broken one before any report runs."""
    dirs = search_path(RenderOptions(template_dirs=tuple(template_dirs)))
    with _page_errors(dirs, name):
        return page_environment(dirs).get_template(name)


def render_named(name: str, context: Mapping[str, Any], template_dirs: Sequence[Path] = ()
                 ) -> str:
    """Such a page rendered with ``context`` (template as `page_template`); an error of the
    template (an undefined variable, a forbidden attribute) becomes RenderError with file
    and line, as a report template's does."""
    template = page_template(name, template_dirs)
    with _page_errors(search_path(RenderOptions(template_dirs=tuple(template_dirs))), name):
        return template_limits.render(template, context)


@contextlib.contextmanager
def _page_errors(dirs: tuple[str, ...], name: str) -> Iterator[None]:
    """A page template's error as RenderError (`template_problem`), named after the page's
    template, not the report's, when no template line is known; other errors pass."""
    try:
        yield
    except Exception as exc:
        problem = template_problem(exc, dirs)
        if problem is None:
            raise
        if problem.where == ENTRY_TEMPLATE:
            problem = Problem(name, problem.message)
        raise RenderError([problem]) from exc
