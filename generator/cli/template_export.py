"""`nianbao templates export DIR`: the built-in templates, copied for an agency to change.

The Chinese README written beside them is generated from the code (the files, the blocks
of `_base.html`, the template context and the macros), so it cannot drift from what the
templates really offer; tests compare these lists with the template folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nianbao import schemas
from nianbao.render import TEMPLATES_DIR

FILES = {
    "report.html": "入口模板。内置的只有一行 {% extends \"_base.html\" %}；本机关的 report.html "
                   "也继承 _base.html，只替换要改的块（见下）",
    "_base.html": "页面骨架：标题、导语、六个部分、落款，每一处是一个可替换的块",
    "_tables.html": "宏：render_table 输出法定表格（标签和数字只能由它输出，请勿改写）、"
                    "render_section、render_blocks",
    "css/screen.css": "在浏览器中查看时的样式（手机上宽表格在框内左右滚动）",
    "css/print.css": "打印和 PDF 的样式：A4 纸、GB/T 9704 页边距、字体字号、页码“— N —”",
    "css/preview.css": "预览时标出有问题的单元格（生成的文件中不用）",
    "compare.html": "nianbao compare 的年度比对页（不是报告模板：比对页总用内置的这一份，"
                    "本目录中的副本不起作用，可删去）",
    "batch_summary.html": "nianbao batch 的汇总页 summary.html（不是报告模板）：批量生成时加 "
                          "--templates 本目录，就用本目录中的这一份（变量见下文）",
    "batch_findings.html": "nianbao batch 为每份报告写的问题清单页 findings/….html（不是报告模板）："
                           "同上，--templates 本目录时用本目录中的这一份",
}
# the batch's own pages: their one variable `doc`, documented where it is made
PAGES_INTRO = ("`nianbao batch 目录 -o 输出目录 --templates 本目录`：本目录中有 `batch_summary.html`、"
               "`batch_findings.html` 时，汇总页和各份报告的问题清单页按它们生成，没有时用内置的"
               "（各机关自己的 templates 文件夹不影响这两页）。两页的模板只有一个变量 `doc`，"
               "其各项见下；其中的路径未编码，作链接时写 `{{ 路径 | urlencode }}`。这两个模板中的"
               "空白按原样输出（报告模板中标签后的换行会去掉）。模板出错时 nianbao batch 提示文件、"
               "行号和原因，退出码为 2。")


def _section_blocks() -> dict[str, str]:
    """One block per section of the format in force, described by its official heading."""
    edition = schemas.latest()
    return {f"section_{sid}": heading + ("（表格用 render_table 输出）"
                                         if edition.table_for_section(sid) else "")
            for sid, heading in edition.sections}


BLOCKS = {
    "head": "<head> 末尾追加的内容（如本机关的样式）",
    "title": "标题（可在标题上方加红头、版头一行）",
    "preamble": "导语（统计期限、下载地址、联系方式）",
    **_section_blocks(),
    "signature": "落款（机关名称、日期；可加联系人、电话）",
}
EXAMPLE = """{% extends "_base.html" %}
{% block title %}
<p class="letterhead">某某县交通运输局</p>
{{ super() }}
{% endblock %}
{% block signature %}
{{ super() }}
<p>联系电话：0000-1234567</p>
{% endblock %}"""


def template_files() -> list[str]:
    """Every built-in template file, relative to the template folder, sorted."""
    return sorted(str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*")
                  if p.is_file())


def base_blocks() -> list[str]:
    """The block names of `_base.html`, in the order they appear (from the Jinja AST)."""
    from jinja2 import Environment, nodes

    source = (TEMPLATES_DIR / "_base.html").read_text(encoding="utf-8")
    return [b.name for b in Environment().parse(source).find_all(nodes.Block)]


def readme_text() -> str:
    """The Chinese README written beside exported templates."""
    from nianbao.render import REFERENCE_DOCX
    from nianbao.render.html_render import CONTEXT_VARIABLES, MACROS

    lines = ["# 年报模板说明", "",
             ("本目录是 nianbao 内置模板的副本。生成报告时加 `--templates 本目录`：本目录中有的文件"
              "优先使用，没有的文件仍用内置模板。建议只保留要改的文件，其余删去，升级时就能沿用新版"
              "内置模板。"),
             "", ("HTML、PDF、DOCX 三种格式都由这些模板得出（DOCX 取页面中的段落和标题；法定表格始终"
                  "由 nianbao 按正式格式生成）。模板删去法定部分或表格时，生成会报 SECTIONS 错误。"), "",
             "## 文件", ""]
    lines += [f"- `{name}`：{text}" for name, text in FILES.items()]
    lines += [(f"- `{REFERENCE_DOCX}`（可选，自己放入）：在 Word 中做好的样式文件（字体字号、页面、"
               "页眉页脚中的红头）；有它时 DOCX 套用其样式，与 `--reference-docx` 相同")]
    lines += ["", "## _base.html 中可替换的块", ""]
    lines += [f"- `{name}`：{BLOCKS[name]}" for name in base_blocks()]
    lines += ["", "## 模板中可用的变量", ""]
    lines += [f"- `{name}`：{text}" for name, text in CONTEXT_VARIABLES.items()]
    lines += ["", "## 宏（在 _tables.html 中）", ""]
    lines += [f"- `{name}`：{text}" for name, text in MACROS.items()]
    lines += ["", "## 例：加红头一行和联系电话（report.html）", "", "```jinja", EXAMPLE, "```",
              "", "模板在沙箱中运行，数据中的文字一律转义；模板出错时会提示文件、行号和原因。", ""]
    return "\n".join(lines + _pages_text())


def _pages_text() -> list[str]:
    """The README's part on the batch's summary and 问题清单 page templates."""
    from nianbao.batch import findings_page, summary

    lines = ["## 批量汇总页和问题清单页（nianbao batch）", "", PAGES_INTRO]
    for name, variables in ((summary.TEMPLATE, summary.SUMMARY_VARIABLES),
                            (findings_page.TEMPLATE, findings_page.FINDINGS_VARIABLES)):
        lines += ["", f"### {name} 中的 doc", ""]
        lines += [f"- `doc.{key}`：{text}" for key, text in variables.items()]
    return lines + [""]


def export(dest: Path, force: bool = False) -> list[Path]:
    """Copy the built-in templates and the README into dest; refuse to overwrite files."""
    targets = [dest / name for name in template_files()] + [dest / "README.md"]
    clash = [p for p in targets if p.exists()]
    if clash and not force:
        raise FileExistsError(clash[0])
    for name in template_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES_DIR / name, dest / name)
    (dest / "README.md").write_text(readme_text(), encoding="utf-8")
    return targets
