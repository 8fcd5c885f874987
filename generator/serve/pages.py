"""The pages of the preview server (the chrome around the report), in Chinese.

Jinja with autoescaping renders them, so every text from the data (agency names, file
names, messages) is escaped; the report itself is not rendered here but by
``generator.render`` exactly as ``nianbao build`` renders it, and shown in an iframe.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from nianbao.serve.state import Entry, Site

ASSETS = Path(__file__).resolve().parent / "assets"
STATIC = {"serve.js": "text/javascript; charset=utf-8", "serve.css": "text/css; charset=utf-8"}
MAX_UPLOAD_MB = 10


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Autoescaping environment over the assets folder."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS, encoding="utf-8"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def url(kind: str, entry: Entry) -> str:
    """/report/f/…, /preview/f/…: the id quoted for a URL."""
    return f"/{kind}/{quote(entry.id, safe='/')}"


def static(name: str) -> bytes | None:
    """A static asset by its exact name (nothing else is served from disk)."""
    if name not in STATIC:
        return None
    return (ASSETS / name).read_bytes()


def index_row(entry: Entry) -> dict[str, Any]:
    """One line of the index: agency, year, edition, errors, warnings, or the error."""
    state = entry.state()
    summary = state["summary"] or {"errors": 0, "warnings": 0}
    broken = bool(state["problems"])
    return {"label": entry.label, "url": url("report", entry), "uploaded": entry.uploaded,
            "pending": state["pending"] and not broken,
            "agency": state["agency"], "year": state["year"], "edition": state["edition"],
            "errors": len(state["problems"]) if broken else summary["errors"],
            "warnings": 0 if broken else summary["warnings"], "problems": state["problems"]}


def index_page(site: Site) -> bytes:
    """The list of every report file under PATH and every upload."""
    rows = [index_row(e) for e in site.listing()]
    html = environment().get_template("index.html").render(
        target=str(site.target), rows=rows, max_mb=MAX_UPLOAD_MB, version=site.version)
    return html.encode("utf-8")


def report_page(entry: Entry) -> bytes:
    """The report page: the preview in an iframe beside the findings panel."""
    state = entry.state()
    html = environment().get_template("report.html").render(
        entry=entry, state=state, state_json=json.dumps(state, ensure_ascii=False),
        preview_url=url("preview", entry), state_url=url("state", entry),
        events_url=url("events", entry), pdf_url=url("download/pdf", entry),
        docx_url=url("download/docx", entry))
    return html.encode("utf-8")


def message_page(title: str, message: str) -> bytes:
    """A small page for 404 and other refusals."""
    html = environment().get_template("message.html").render(title=title, message=message)
    return html.encode("utf-8")
