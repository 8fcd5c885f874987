"""Parts every edition shares: the agency, dates, 落款, narrative and 信息处理费 figures."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from nianbao.schemas.types import Amount, Count, Name, Strict, Text
from pydantic import Field

TITLE_SUFFIX = "年政府信息公开工作年度报告"
COVERS_TITLE = "汇总范围"
COVERS_SEP = "、"
COVERS_NOTE = "仅汇总报告填写：所汇总的各机关名称，以顿号分隔"
# A field with this key in its json_schema_extra is written (workbook row, YAML key) only
# when it holds a value (schemas.fields.FieldSpec.omit_empty).
OMIT_EMPTY = "x-omit-empty"


class AgencyKind(str, Enum):
    """Kinds of agency; the kind decides the statutory deadline (条例第四十九条)."""

    department = "县级以上人民政府部门"
    government = "本级人民政府"
    township = "乡镇人民政府、街道办事处"
    other = "其他"


class Agency(Strict):
    """The agency that issues the report."""

    name: Name = Field(min_length=1, max_length=100, title="机关名称")
    kind: AgencyKind = Field(default=AgencyKind.department, title="机关类型")
    website: Text = Field(default=None, title="政府信息公开网址")
    contact: Text = Field(default=None, title="联系方式（地址、电话、邮编）")
    # Only a summed report (`nianbao aggregate -o 汇总.yaml`) has it: the default sentences
    # then speak of the agencies summed, not of "本机关".  Written out only when given, so a
    # clerk's workbook and YAML never show a row they have nothing to put in.
    covers: Text = Field(default=None, title=COVERS_TITLE, description=COVERS_NOTE,
                         json_schema_extra={OMIT_EMPTY: True})

    def covered(self) -> list[str]:
        """The agencies a summed report adds up (汇总范围), [] for an agency's own report."""
        return [n.strip() for n in (self.covers or "").split(COVERS_SEP) if n.strip()]


class Signature(Strict):
    """落款: printed at the end; defaults to the agency name and the publication date."""

    show: bool = Field(default=True, title="是否打印落款")
    name: Text = Field(default=None, title="落款机关（默认为机关名称）")
    date: dt.date | None = Field(default=None, title="落款日期（默认为发布日期）")


OVERVIEW_PARTS = (
    ("proactive", "（一）主动公开"),
    ("on_request", "（二）依申请公开"),
    ("management", "（三）政府信息管理"),
    ("platform", "（四）政府信息公开平台建设"),
    ("oversight", "（五）监督保障"),
)
# Parts of 一、总体情况 where nianbao states the figures itself when the agency writes no
# text (compose's default sentences); SECTIONS requires agency text for the other parts.
FIGURE_PARTS = ("proactive", "on_request")
SECTION_1 = "一、总体情况"
SECTION_5 = "五、存在的主要问题及改进情况"
SECTION_6 = "六、其他需要报告的事项"
INFO_FEE = "信息处理费"


class Overview(Strict):
    """一、总体情况: an optional lead paragraph and the five parts of practice."""

    intro: Text = Field(default=None, title="总体情况（导语，可空）")
    proactive: Text = Field(default=None, title=OVERVIEW_PARTS[0][1])
    on_request: Text = Field(default=None, title=OVERVIEW_PARTS[1][1])
    management: Text = Field(default=None, title=OVERVIEW_PARTS[2][1])
    platform: Text = Field(default=None, title=OVERVIEW_PARTS[3][1])
    oversight: Text = Field(default=None, title=OVERVIEW_PARTS[4][1])


class Narrative(Strict):
    """The narrative sections 一, 五 and 六 (tables 二–四 are figures)."""

    overview: Overview = Field(default_factory=Overview, title=SECTION_1)
    problems: Text = Field(default=None, title=SECTION_5)
    other: Text = Field(default=None, title=SECTION_6)


class InfoFees(Strict):
    """信息处理费 under 国办函〔2020〕109号, in 元 (not 万元; never added to 表二（八）)."""

    notices: Count = Field(default=None, title="发出收费通知件数")
    amount_billed: Amount = Field(default=None, title="收费通知总金额（元）")
    amount_collected: Amount = Field(default=None, title="实际收取金额（元）")


class ReportBase(Strict):
    """Fields every edition has; edition modules add their tables."""

    edition: str = Field(default="", title="格式版本")
    agency: Agency = Field(title="机关")
    year: int = Field(ge=2008, le=2100, title="报告年度")
    published: dt.date | None = Field(default=None, title="发布日期")
    signature: Signature = Field(default_factory=Signature, title="落款")
    narrative: Narrative = Field(default_factory=Narrative, title="正文")
    fees: InfoFees | None = Field(default=None, title=INFO_FEE)

    @property
    def title(self) -> str:
        """Title line of practice: （机关名称）YYYY年政府信息公开工作年度报告."""
        return f"{self.agency.name}{self.year}{TITLE_SUFFIX}"


def section_headings(t2: str, t3: str, t4: str) -> tuple[tuple[str, str], ...]:
    """The six sections in statutory order (条例第五十条), as (id, heading)."""
    return (("overview", SECTION_1), ("table2", t2), ("table3", t3), ("table4", t4),
            ("problems", SECTION_5), ("other", SECTION_6))
