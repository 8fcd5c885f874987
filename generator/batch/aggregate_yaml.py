"""``nianbao aggregate DIR --year Y -o 汇总.yaml --agency 某某区人民政府办公室``: the input
file of the summed report.

Tables 二, 三 and 四 hold the sums (`aggregate.summed_values`, checked like any report); the
narrative is left empty, each part commented with what the office has to write; 机关 is
``--agency``, of the 本级人民政府's kind.  Written by the project's YAML writer
(`generator.write.yaml_file`), so `nianbao build` reads it like any report once the office has
written its text; 一、总体情况's （一）主动公开 and （二）依申请公开 may stay empty, then the
default sentences state the summed figures, of the agencies in 汇总范围 (Agency.covers).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.schemas.common import FIGURE_PARTS
from nianbao.schemas.fields import narrative_fields

if TYPE_CHECKING:
    from nianbao.batch.aggregate import Aggregate

WRITE = "请政务公开办撰写本地区情况（汇总时留空）"
OPTIONAL = ("可留空：留空时按上面汇总的数字写出标准表述（称“纳入汇总的N个机关”）；"
            "宜改写为本地区情况")


def summed_report_values(agg: Aggregate, agency: str) -> dict[str, Any]:
    """The summed report's values for the YAML file: the sums, 机关 = agency, no text."""
    from nianbao.batch.aggregate import SUMMED_KIND

    assert agg.checked is not None
    values = agg.checked.validated.report.model_dump(mode="python")
    values["agency"] = {"name": agency, "kind": SUMMED_KIND.value,
                        "covers": values["agency"]["covers"]}   # 汇总范围, as summed
    values["signature"] = {"show": True}
    values["narrative"] = {}
    values["published"] = None
    return values


def aggregate_yaml(agg: Aggregate, agency: str, target: Path | None = None) -> str:
    """The commented YAML text of the summed report (see the module docstring)."""
    from nianbao.write.yaml_file import yaml_document

    assert agg.checked is not None
    edition = agg.checked.validated.edition
    notes = {f.path: OPTIONAL if f.path[-1] in FIGURE_PARTS else WRITE
             for f in narrative_fields(edition.model) if f.path[-1] != "intro"}
    notes[("agency", "kind")] = "汇总报告按本级人民政府（法定期限为次年3月31日）"
    notes[("published",)] = "发布时填写"
    text = yaml_document(edition, summed_report_values(agg, agency), target, notes)
    names = [m.agency or m.file for m in agg.included]
    lead = [f"# 汇总报告：nianbao aggregate 把{agg.year}年度{len(names)}个机关的报告逐项相加得出；",
            "# 表二、表三、表四为各机关数字之和（不要改动，改动请改各机关的报告后重新汇总）。",
            "# 正文各部分留空：请政务公开办撰写后运行 nianbao check 本文件、nianbao build 本文件 -o out/",
            f"# 汇总范围：{'、'.join(names)}"]
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return "\n".join([*lines[:first], *lead, *lines[first:]])   # after the writer's header
