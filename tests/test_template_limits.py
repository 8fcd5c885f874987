"""An agency's template runs within bounded time and output (render/template_limits): nested
loops that print nothing, or a loop that prints its body millions of times, stop the render
with a located Chinese message (exit 2, no output file) instead of hanging or filling the
memory — and the built-in page is the same text as before."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from conftest import COUNTY, run_cli
from nianbao.compose.report import compose
from nianbao.errors import RenderError
from nianbao.load import load
from nianbao.render import RenderOptions, html_render, template_limits
from nianbao.validate import validate

SILENT_LOOPS = ('{% extends "_base.html" %}{% block title %}{{ super() }}\n'
                "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(100) %}"
                "{% endfor %}{% endfor %}{% endfor %}{% endblock %}")
FLOOD = ('{% extends "_base.html" %}{% block title %}{{ super() }}\n'
         "{% for a in range(100000) %}{% for b in range(100000) %}重复的内容重复的内容"
         "{% endfor %}{% endfor %}{% endblock %}")


def agency(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.html").write_text(text, encoding="utf-8")
    return folder


def test_silent_nested_loops_stop_after_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(template_limits, "LIMIT_SECONDS", 0.5)
    folder = agency(tmp_path, SILENT_LOOPS)
    doc = compose(validate(load(COUNTY)))
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(RenderError) as caught:
        html_render.render_text(doc, RenderOptions(template_dirs=(folder,)))
    (problem,) = caught.value.problems
    assert problem.where == f"{folder.resolve() / 'report.html'} 第2行"
    assert problem.message.startswith("模板错误：模板运行超过 0.5 秒仍未生成完页面，已停止。")
    assert "循环" in problem.message
    # the timer and its handler are put back as they were
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before


def test_a_flood_of_output_stops_the_build(tmp_path):
    folder = agency(tmp_path, FLOOD)
    out = tmp_path / "out"
    result = run_cli("build", COUNTY, "-o", out, "--templates", folder)
    assert result.returncode == 2, result.stderr
    assert "模板生成的页面超过 20 百万个字符，已停止" in result.stderr
    assert f"{folder.resolve() / 'report.html'}：模板错误" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_the_built_in_page_is_the_same_text(tmp_path):
    doc = compose(validate(load(COUNTY)))
    env = html_render.environment(html_render.search_path(RenderOptions()))
    context = html_render.template_context(doc, RenderOptions())
    expected = env.get_template("report.html").render(context)
    assert template_limits.render(env.get_template("report.html"), context) == expected
    assert len(expected) > 10_000
