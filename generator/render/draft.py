"""The mark of a draft: a report rendered although it has errors says so on every page.

`build --force`, `batch --force` and a preview's download of a report with errors give files
that must not be published by mistake.  The renderers know nothing of checks: whoever holds
the findings passes the number of errors in `RenderOptions.draft_errors`; when it is above 0
the outputs carry "草稿：本报告存在 N 个错误，不得发布":

- **HTML** — a banner at the top of the page (screen) and, for print, the same words in the
  top margin of every page (``@page`` ``@top-center``).  Both are put into the page *after*
  the templates ran (`mark_page`): an agency's ``report.html``, even its own ``_base.html``,
  cannot leave them out, and the declarations are ``!important`` against its CSS.
- **PDF** — WeasyPrint lays out that page: the ``@top-center`` margin box is on every page
  (the fast path draws the tables only; margin boxes are laid out as ever, and the banner and
  its style sheet sit in the body, so the tables' skeletons are those of a clean report).
- **DOCX** — a paragraph at the top of every header: nianbao's own headers, or an agency
  reference's letterhead headers (default, even and first page), each given the mark first;
  a page type without a header gets one holding only the mark (`docx_render`).
  The core properties say 草稿 (``cp:contentStatus``).

A clean report (no error findings; warnings do not count) never carries any of it, and the
same input gives the same bytes, draft or not.
"""

from __future__ import annotations

import re

CLASS = "nianbao-draft"
COLOR = "#c00000"
# the face of the mark in print: 黑体, with the free face the build machine has
PRINT_FONTS = '"SimHei", "黑体", "Noto Sans CJK SC"'
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_HTML_OPEN = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!doctype\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"<meta\b[^>]*charset[^>]*>", re.IGNORECASE)
# where the mark goes: first in <body>; a page of an agency's own may leave <body> out (the
# parser adds it): after </head>, after the charset's <meta> (a reader must meet it before
# any text), after <html>, after the doctype, or first
_PLACES = (_BODY_OPEN, _HEAD_END, _CHARSET, _HTML_OPEN, _DOCTYPE)


def mark_text(errors: int | str) -> str:
    """The words of the mark: 草稿：本报告存在 N 个错误，不得发布."""
    return f"草稿：本报告存在 {errors} 个错误，不得发布"


def style(errors: int) -> str:
    """The mark's CSS: the banner on screen, the top margin of every printed page."""
    text = mark_text(errors)
    return (
        f"@media screen{{.{CLASS}{{display:block!important;visibility:visible!important;"
        f"position:sticky!important;top:0;z-index:2147483647;margin:0;padding:.5em 1em;"
        f"border-bottom:3px solid {COLOR};background:#fff0f0;color:{COLOR}!important;"
        f"font:bold 20px/1.5 {PRINT_FONTS},sans-serif;text-align:center;text-indent:0;"
        f"letter-spacing:.05em}}}}"
        f"@media print{{.{CLASS}{{display:none!important}}}}"
        # font-family without !important: pdf_fonts reads the print font stacks as written
        f"@page{{@top-center{{content:\"{text}\"!important;font-family:{PRINT_FONTS};"
        f"font-size:14pt!important;font-weight:normal;color:{COLOR}!important;"
        f"letter-spacing:0;vertical-align:bottom;padding-bottom:6mm;white-space:nowrap}}}}"
    )


def mark_page(page: str, errors: int) -> str:
    """The rendered page with the mark: its style sheet and banner first in <body> (in
    the body, not the head: the PDF tables' skeletons are keyed by the head's styles, so a
    draft shares a clean report's).  ``errors`` 0 returns the page as it is."""
    if errors <= 0:
        return page
    mark = (f'<style>{style(errors)}</style>\n'
            f'<div class="{CLASS}" role="alert">{mark_text(errors)}</div>\n')
    at = next((m.end() for m in (p.search(page) for p in _PLACES) if m), 0)
    return page[:at] + "\n" + mark + page[at:]
