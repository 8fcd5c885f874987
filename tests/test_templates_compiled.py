"""Compiled templates are shared between the Jinja environments of one kind: a batch meets
a new search path with every agency folder, and each compiled the built-in _base.html and
_tables.html again (~18 ms of its first page) — now only the agency's own templates."""

from __future__ import annotations

from pathlib import Path

import jinja2
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import RenderOptions, html_render
from nianbao.validate import validate

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "county-transport-2024.yaml"
OVERRIDE = ('{% extends "_base.html" %}{% block title %}<p class="letterhead">NAME</p>'
            "{{ super() }}{% endblock %}")


def agency(tmp_path: Path, name: str) -> RenderOptions:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "report.html").write_text(OVERRIDE.replace("NAME", name), encoding="utf-8")
    return RenderOptions(template_dirs=(folder,))


def test_a_new_agency_folder_compiles_only_its_own_templates(tmp_path, monkeypatch):
    doc = compose(validate(load(EXAMPLE)))
    first = html_render.render_text(doc, agency(tmp_path, "甲局"))
    parsed: list[str] = []
    original = jinja2.Environment._parse

    def parse(self, source, name, filename):
        parsed.append(name)
        return original(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", parse)
    second = html_render.render_text(doc, agency(tmp_path, "乙局"))
    assert parsed == ["report.html"]
    assert second == first.replace("甲局", "乙局")
    # a page compiled with other whitespace settings never takes the shared code
    dirs = html_render.search_path(agency(tmp_path, "丙局"))
    assert html_render.page_environment(dirs).bytecode_cache is None
    assert html_render.environment(dirs).bytecode_cache is not None
