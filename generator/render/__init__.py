"""Renderers: one module per format behind one small protocol.

Each format module exposes ``render(doc: Document, options: RenderOptions) -> bytes``.
Modules are imported only when their format is asked for, so `nianbao check` never
loads WeasyPrint.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.compose.document import Document

FORMATS = ("html", "pdf", "docx")
# A Word file of this name in a template folder styles that folder's DOCX (like
# --reference-docx), so an agency's templates/ carries its letterhead into Word too.
REFERENCE_DOCX = "reference.docx"



def _templates_dir() -> Path:
    """The built-in templates: ``nianbao/templates`` when installed from the wheel, the
    checkout's top-level ``templates/`` otherwise (pyproject.toml maps one onto the other)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "templates"
    return installed if (installed / "report.html").is_file() else package.parent / "templates"


TEMPLATES_DIR = _templates_dir()


@dataclass(frozen=True)
class RenderOptions:
    """Options every renderer understands.

    template_dirs: agency template folders searched before the built-in ones.
    preview: HTML for the browser preview (marks cells with findings); never in built files.
    reference_docx: a .docx made in Word whose styles, page setup and header/footer
        (letterhead) the DOCX takes, like pandoc's --reference-doc (docx_reference);
        without it, a template folder's reference.docx (`word_reference`).
    draft_errors: the number of error findings of a report rendered all the same (`build
        --force`, `batch --force`, a preview's download): above 0 every format is marked
        "草稿：本报告存在 N 个错误，不得发布" on every page (`draft`).  The renderers do not
        check; whoever has the findings says how many errors there are.
    """

    template_dirs: tuple[Path, ...] = ()
    preview: bool = False
    reference_docx: Path | None = None
    draft_errors: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def word_reference(self) -> Path | None:
        """The reference .docx: the one given, else the first template folder's
        reference.docx (folders in search order), else None."""
        if self.reference_docx is not None:
            return self.reference_docx
        return next((d / REFERENCE_DOCX for d in self.template_dirs
                     if (d / REFERENCE_DOCX).is_file()), None)


TEMPLATE_SUFFIXES = (".html", ".css")


def template_dir_problem(path: Path) -> str | None:
    """Why a folder given as the agency's templates cannot serve as one (in Chinese), or None.

    A folder that does not exist, is a file, or holds no template would otherwise be searched
    in vain and the built-in templates used instead: the agency's letterhead would vanish
    without a word (issue 17 §4)."""
    if not path.exists():
        return (f"模板目录 {path} 不存在：请检查路径；要从内置模板开始修改，可先用"
                f" nianbao templates export {path} 导出")
    if not path.is_dir():
        return f"{path} 是文件，不是目录：模板目录应为存放 report.html 等模板文件的文件夹"
    # the folder and its direct subfolders (css/), as `templates export` lays them out; not
    # deeper — a wrong folder may be a whole disk
    has = any(p.is_file() and (p.suffix.lower() in TEMPLATE_SUFFIXES or p.name == REFERENCE_DOCX)
              for p in (*path.glob("*"), *path.glob("*/*")))
    if not has:
        return (f"模板目录 {path} 中没有模板文件（.html、.css 或 {REFERENCE_DOCX}），"
                "按此生成将看不到本机关的模板：请检查是否选错了目录")
    return None


def render(doc: Document, fmt: str, options: RenderOptions | None = None) -> bytes:
    """Render a document to the bytes of one format (html, pdf or docx)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"nianbao.render.{fmt}_render")
    return module.render(doc, options or RenderOptions())
