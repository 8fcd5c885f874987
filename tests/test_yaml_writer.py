"""The YAML writer: a report written out and read back is the same report; the layout is
the commented one of `nianbao init`."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import COUNTY, TOWNSHIP
from pydantic import BaseModel

from nianbao import schemas
from nianbao.write.yaml_template import yaml_template
from nianbao.schemas.fields import omit_empty
from nianbao.load import load
from nianbao.validate import Validated, validate
from nianbao.write.yaml_file import quote, scalar, yaml_document

EDITION = schemas.EDITIONS["2021"]


def _round_trip(values: dict[str, Any], tmp_path: Path, name: str = "report.yaml"
                ) -> tuple[str, Validated]:
    target = tmp_path / name
    text = yaml_document(EDITION, values, target)
    target.write_text(text, encoding="utf-8")
    return text, validate(load(target))


def _dump(path: Path) -> tuple[Validated, dict[str, Any]]:
    v = validate(load(path))
    return v, v.report.model_dump(mode="python")


@pytest.mark.parametrize("example", [COUNTY, TOWNSHIP], ids=lambda p: p.stem)
def test_examples_round_trip(example: Path, tmp_path: Path) -> None:
    v, values = _dump(example)
    _, again = _round_trip(values, tmp_path)
    assert again.report == v.report
    assert again.report.model_dump(mode="json") == v.report.model_dump(mode="json")


def test_layout_of_a_written_report(tmp_path: Path) -> None:
    _, values = _dump(COUNTY)
    text = yaml_document(EDITION, values, tmp_path / "r.yaml")
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=")
    assert lines[0].endswith("report-2021.schema.json")
    assert lines[1].startswith("# 某某县交通运输局2024年政府信息公开工作年度报告 — 数据文件")
    assert 'edition: "2021"  # 格式版本' in lines
    assert '  kind: "县级以上人民政府部门"  # 机关类型：县级以上人民政府部门 / 本级人民政府 / ' \
           '乡镇人民政府、街道办事处 / 其他' in lines
    assert "published: 2025-01-20  # 发布日期，写法如 2025-01-20" in lines
    assert "  show: true  # 是否打印落款" in lines
    assert "  name:  # 落款机关（默认为机关名称）" in lines
    assert "    amount: 0  # 本年收费金额（单位：万元）" in lines
    assert "    natural: 31  # 自然人" in lines


def test_multi_line_text_is_a_block_literal(tmp_path: Path) -> None:
    _, values = _dump(COUNTY)
    proactive = values["narrative"]["overview"]["proactive"]
    paragraphs = proactive.split("\n")
    assert len(paragraphs) == 2
    lines = yaml_document(EDITION, values).splitlines()
    at = lines.index("    proactive: |  # （一）主动公开")
    assert lines[at + 1:at + 3] == ["      " + p for p in paragraphs]
    assert lines[at + 3].startswith("    on_request: |")
    assert "  problems: |  # 五、存在的主要问题及改进情况" in lines


def test_decimal_digits_and_dates_are_kept(tmp_path: Path) -> None:
    _, values = _dump(COUNTY)
    values = copy.deepcopy(values)
    values["table2"]["administrative_fees"]["amount"] = Decimal("12.3400")
    values["fees"]["amount_billed"] = Decimal("0.0000001")
    values["fees"]["amount_collected"] = Decimal("1E+2")
    text, again = _round_trip(values, tmp_path)
    assert "    amount: 12.3400  # 本年收费金额（单位：万元）" in text.splitlines()
    assert "  amount_billed: 0.0000001  # 收费通知总金额（元）" in text.splitlines()
    assert str(again.report.table2.administrative_fees.amount) == "12.3400"
    assert again.report.fees.amount_billed == Decimal("0.0000001")
    assert again.report.fees.amount_collected == 100


def test_awkward_text_round_trips(tmp_path: Path) -> None:
    _, values = _dump(TOWNSHIP)
    values = copy.deepcopy(values)
    values["agency"]["contact"] = '电话: "0000" # 不是注释 \t yes'
    values["agency"]["website"] = "123"
    values["agency"]["name"] = "某某镇\n人民政府"  # not stripped by the model: kept exactly
    overview = values["narrative"]["overview"]
    overview["intro"] = "第一段：a: b # c\n\n  缩进的第三段\t\n- 列表样的行\n'引号' \"双引号\""
    overview["management"] = "行\u2028分隔符与\x85控制字符"
    overview["platform"] = "=公式样的文字"
    values["narrative"]["other"] = "只有一行，但也写成块"
    text, again = _round_trip(values, tmp_path)
    assert again.report == EDITION.model.model_validate(values)
    assert again.report.agency.name == "某某镇\n人民政府"
    assert again.report.agency.website == "123"
    assert "    management: \"行\\u2028分隔符与\\u0085控制字符\"  # （三）政府信息管理" in text
    assert "  other: |  # 六、其他需要报告的事项" in text.splitlines()


def test_optional_part_left_out_stays_left_out(tmp_path: Path) -> None:
    _, values = _dump(TOWNSHIP)
    values = copy.deepcopy(values)
    values["fees"] = None
    text, again = _round_trip(values, tmp_path)
    assert "fees:  # 信息处理费" in text.splitlines()
    assert "notices" not in text
    assert again.report.fees is None


def test_scalars() -> None:
    assert scalar(None) == "" and scalar(True) == "true" and scalar(False) == "false"
    assert scalar(Decimal("12.3400")) == "12.3400" and scalar(Decimal("1E+2")) == "100"
    assert scalar(7) == "7" and scalar("某某") == '"某某"'
    assert quote("a\u2029b") == '"a\\u2029b"'


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        sub = next((a for a in (info.annotation, *getattr(info.annotation, "__args__", ()))
                    if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if sub is None and omit_empty(info):
            continue   # 汇总范围: written only when given (a summed report)
        out[key] = _keys(sub) if sub is not None else None
    return out


def _shape(data: Any) -> Any:
    return {k: _shape(v) for k, v in data.items()} if isinstance(data, dict) else None


def test_init_template_has_every_key(tmp_path: Path) -> None:
    text = yaml_template(2024, "某某县交通运输局", target=tmp_path / "r.yaml")
    assert _shape(yaml.safe_load(text)) == _keys(EDITION.model)
    lines = text.splitlines()
    for line in ('  name: "某某县交通运输局"  # 机关名称',
                 "  new:  # 一、本年新收政府信息公开申请数量",
                 "    natural:  # 自然人",
                 "year: 2024  # 报告年度",
                 "published:  # 发布日期，写法如 2025-01-20"):
        assert line in lines
    ref = lines[0].removeprefix("# yaml-language-server: $schema=")
    assert (tmp_path / ref).resolve() == EDITION.schema_file
