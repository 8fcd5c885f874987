"""The comparison as a page: templates/compare.html through the report templates' own
Jinja environment (autoescaped; built-in folder only — an agency's report templates do not
apply).  The same comparison always gives the same bytes: nothing comes from the clock."""

from __future__ import annotations

from nianbao import schemas
from nianbao.checks.engine import SEVERITY_ZH
from nianbao.compare.model import Comparison

TEMPLATE = "compare.html"


def edition_names() -> dict[str, str]:
    """"2019年格式（国办公开办函〔2019〕60号）" by edition id, from schemas/."""
    out = {}
    for eid, edition in schemas.EDITIONS.items():
        number = edition.name.rsplit("（", 1)[-1].rstrip("）") if "〔" in edition.name else ""
        out[eid] = f"{eid}年格式" + (f"（{number}）" if number else "（2007年条例第三十二条）")
    return out


def html_bytes(comparison: Comparison) -> bytes:
    """The self-contained comparison page, UTF-8."""
    from nianbao.render import RenderOptions
    from nianbao.render.html_render import environment, search_path

    env = environment(search_path(RenderOptions()))
    page = env.get_template(TEMPLATE).render(
        doc={"c": comparison, "severity": SEVERITY_ZH, "edition": edition_names()})
    return page.encode("utf-8")
