"""One report's 问题清单 as a page a supervising office reads in the browser.

The batch keeps each report's findings as JSON (`check --format json`, for scripts); this
page says the same in the words of `nianbao check`: the verdict, then every finding with its
rule, message and the cells it names (official labels, value, file and line or sheet and
cell), or, for a file that could not be read, every reason.  It links back to the summary
and to the report's outputs.  Nothing in it comes from the clock: same findings, same bytes.
"""

from __future__ import annotations

import posixpath
from typing import Any

from nianbao.batch.report_task import FAILED
from nianbao.batch.summary import FORMAT_LABELS, page_environment
from nianbao.checks.engine import SEVERITY_ZH, Finding
from nianbao.cli.console import verdict

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'">
<title>问题清单：{{ title }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5em;
       max-width: 60em; line-height: 1.6; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { color: #555; } dd { margin: 0; }
.verdict { font-weight: bold; } .verdict.bad { color: #b00; } .verdict.ok { color: #070; }
.finding { border-left: 4px solid #bbb; padding: .2em .8em; margin: .8em 0; }
.finding.error { border-color: #c00; background: #fff4f4; }
.finding.warning { border-color: #c90; background: #fffbea; }
.finding.info { border-color: #08c; background: #f2f9ff; }
.finding h2 { font-size: 1em; margin: 0; } .finding p { margin: .2em 0; }
.finding ul { margin: .2em 0; padding-left: 1.4em; } .rule { font-family: monospace; }
</style>
</head>
<body>
<p><a href="{{ back | url }}">返回汇总</a></p>
<h1>问题清单：{{ title }}</h1>
<dl>
<dt>文件</dt><dd>{{ row.file }}</dd>
{% if doc.edition %}<dt>格式版本</dt><dd>{{ doc.edition }}年格式</dd>{% endif %}
<dt>状态</dt><dd>{{ row.status }}</dd>
{% if row.note %}<dt>说明</dt><dd>{{ row.note }}</dd>{% endif %}
<dt>输出文件</dt><dd>{% for fmt, href in outputs %}<a href="{{ href | url }}">{{ fmt }}</a>
{% else %}未生成{% endfor %}</dd>
{% if comparison %}<dt>与上年比对</dt><dd><a href="{{ comparison | url }}">比对页</a>{% if row.largest_change %}（最大变化：{{ row.largest_change }}）{% endif %}</dd>{% endif %}
{% if annotated %}<dt>标注副本</dt><dd><a href="{{ annotated | url }}">{{ annotated_name }}</a>（本机关的工作簿，每个问题标在所在单元格上，可发回修改）</dd>{% endif %}
</dl>
{% if problems %}
<p class="verdict bad">{{ failure }}：{{ problems | length }} 个问题</p>
<ul>{% for p in problems %}
<li>{% if p.where %}{{ p.where }}：{% endif %}{{ p.message }}</li>
{% endfor %}</ul>
{% else %}
<p class="verdict {{ 'bad' if doc.summary.errors else 'ok' }}">{{ head }}：{{ counts }}</p>
{% for f in findings %}
<section class="finding {{ f.severity }}">
<h2>{{ severity[f.severity] }} <span class="rule">{{ f.rule }}</span></h2>
<p>{{ f.message }}</p>
{% if f.where %}<p>位置：{{ f.where }}</p>{% endif %}
{% if f.cells %}<ul>{% for c in f.cells %}<li>{{ c.line() }}</li>{% endfor %}</ul>{% endif %}
</section>
{% endfor %}
{% endif %}
<p>供脚本读取：<a href="{{ json | url }}">JSON</a></p>
</body>
</html>
"""

_TEMPLATE: Any = None


def _template() -> Any:
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = page_environment(trim_blocks=True).from_string(PAGE)
    return _TEMPLATE


def page_path(findings_json_path: str) -> str:
    """Where the page of a findings file goes: beside it, ``….json`` → ``….html``."""
    return findings_json_path.removesuffix(".json") + ".html"


def render(doc: dict[str, Any], row: dict[str, Any], path: str) -> str:
    """The page of one report: ``doc`` its findings JSON object, ``row`` its summary row,
    ``path`` where the page goes in OUT (links are made relative to it)."""
    here = posixpath.dirname(path) or "."

    def rel(target: str) -> str:
        return posixpath.relpath(target, here)

    title = row.get("agency") or row["file"]
    if row.get("year"):
        title = f"{title} {row['year']}年度"
    head, counts = verdict(doc["summary"])
    outputs = [(FORMAT_LABELS[f], rel(p)) for f, p in sorted(row["outputs"].items(),
                                                            key=lambda kv: FORMAT_LABELS[kv[0]])]
    return _template().render(
        title=title, doc=doc, row=row, head=head, counts=counts, outputs=outputs,
        problems=doc.get("problems") or [], severity=SEVERITY_ZH,
        failure="处理失败" if row.get("state") == FAILED else "无法读取",
        findings=[Finding.from_json(f) for f in doc["findings"]],
        back=rel("summary.html"), json=rel(row["findings"]),
        annotated=rel(row["annotated"]) if row.get("annotated") else None,
        comparison=rel(row["comparison"]) if row.get("comparison") else None,
        annotated_name=posixpath.basename(row.get("annotated") or ""))
