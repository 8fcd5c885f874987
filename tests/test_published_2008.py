"""Published 2008-edition reports (2007 条例第三十二条, 2008–2018) read as narrative items.

nianbao's own renderings of the two seed examples read back give the same sections, items,
texts and findings; foreign documents modelled on the seeds (a Word file like seed 000 with a
Chinese-numeral 落款 and a portal footer, a web page like seed 002 whose headings follow
none of the items) are read with the exact findings and paragraphs; the title forms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli
from nianbao.load.doc_items import item_for
from nianbao.load.doc_text import document_title
from nianbao.pipeline import ReadOptions, read
from nianbao.schemas import edition2008 as e08
from test_published import _findings, build_examples

EXAMPLES = {"suifenhe": ROOT / "examples" / "suifenhe-2012.yaml",
            "city": ROOT / "examples" / "city-construction-2011.yaml"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """nianbao's own HTML and DOCX of each 2008 example: example → suffix → path."""
    return build_examples(tmp_path_factory, EXAMPLES)


def _compact(text: str | None) -> str:
    return "".join((text or "").split())


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_round_trip(built: dict[str, dict[str, Path]], key: str, suffix: str) -> None:
    source = read(EXAMPLES[key], ReadOptions()).report.model_dump(mode="json")
    path = built[key][suffix]
    got = read(path, ReadOptions()).report.model_dump(mode="json")
    for field in ("edition", "year", "published"):
        assert got[field] == source[field], field
    assert got["agency"]["name"] == source["agency"]["name"]
    assert _compact(got["narrative"]["intro"]) == _compact(source["narrative"]["intro"])
    pairs = list(zip(got["narrative"]["sections"], source["narrative"]["sections"], strict=True))
    for back, given in pairs:
        assert (back["heading"], back["item"]) == (given["heading"], given["item"])
        assert _compact(back["text"]) == _compact(given["text"])
    if suffix == ".docx":  # Word keeps every character; a web page's spaces are a browser's
        assert [b["text"] for b, _ in pairs] == [g["text"].strip() for _, g in pairs]
    assert _findings(path) == _findings(EXAMPLES[key])


# ---- a foreign Word file in the manner of seed 000 (市建委 2011) -------------------------
SEED_000 = [  # (bold?, text)
    (True, "市建委"), (True, "2011年度政府信息公开工作报告"),  # the title over two lines
    (False, "2011年是实施城市建设“十二五”规划的第一年。"),
    (True, "一、概述"), (False, "2011年，我委继续着力加强政府信息公开各项基础性工作。"),
    (False, "（一）深入推进行政服务资源整合"), (False, "一是整合服务资源，夯实体制机制基础。"),
    (False, "二是推进政务公开，发挥工作综合效应。"),
    (True, "二、主动公开政府信息情况"), (False, "2011年主动公开政府信息1200条。"),
    (True, "三、依申请公开政府信息情况"), (False, "2011年共受理依申请公开8件，均按时答复。"),
    (True, "四、行政复议和诉讼情况"), (False, "2011年没有因政府信息公开引起的行政复议和诉讼。"),
    (True, "五、收费情况"), (False, "2011年没有收取任何费用。"),
    (True, "六、下一步工作重点"), (False, "（一）进一步拓宽政务公开渠道。"),
    (False, "二〇一二年三月二十六日"), (False, "[打印本页] [关闭窗口]"),
]


def _seed_000(path: Path) -> None:
    import docx

    doc = docx.Document()
    for bold, text in SEED_000:
        doc.add_paragraph().add_run(text).bold = bold
    doc.save(str(path))


def test_foreign_docx_like_seed_000(tmp_path: Path) -> None:
    path = tmp_path / "市建委.docx"
    _seed_000(path)
    result = run_cli("check", "--format", "json", path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["agency"], doc["year"], doc["edition"]) == ("市建委", 2011, "2008")
    got = [(f["rule"], f["severity"], f["message"], f["source"]) for f in doc["findings"]]
    assert got == [
        ("SECTIONS", "warning", ("各部分的顺序与条例第三十二条所列不一致：第4部分“四、行政复议和诉讼"
         "情况”（第（四）项）排在第5部分“五、收费情况”（第（三）项）之前"),
         {"file": str(path), "paragraph": 15}),
        ("SECTIONS", "info", ("没有哪一部分对应条例第三十二条第（六）项“其他需要报告的事项”：视为本年度"
         "无其他需要报告的事项（如有，请加一部分并注明 item: other）"),
         {"file": str(path), "paragraph": 4}),
    ]
    report = read(path, ReadOptions()).report
    assert report.published.isoformat() == "2012-03-26"  # the 落款 in Chinese numerals
    assert report.narrative.intro == "2011年是实施城市建设“十二五”规划的第一年。"
    sections = report.narrative.sections
    assert [(s.heading, s.item) for s in sections] == [
        ("一、概述", "summary"), ("二、主动公开政府信息情况", "proactive"),
        ("三、依申请公开政府信息情况", "on_request"), ("四、行政复议和诉讼情况", "review"),
        ("五、收费情况", "charges"), ("六、下一步工作重点", "problems")]
    # "二是…" and "（一）…" inside a section are its text; the 落款 and the footer are not
    assert sections[0].text.splitlines()[1:] == [
        "（一）深入推进行政服务资源整合", "一是整合服务资源，夯实体制机制基础。",
        "二是推进政务公开，发挥工作综合效应。"]
    assert sections[-1].text == "（一）进一步拓宽政务公开渠道。"


def test_agency_and_year_options_win(tmp_path: Path) -> None:
    path = tmp_path / "市建委.docx"
    _seed_000(path)
    report = read(path, ReadOptions(agency="大连市城乡建设委员会", year=2012)).report
    assert (report.agency.name, report.year) == ("大连市城乡建设委员会", 2012)


# ---- a portal page in the manner of seed 002 (明光市住建局 2014) ---------------------------
def _seed_002(path: Path) -> None:
    headings = ("一、强化组织管理，明确职责", "二、加快网站改版，及时更新栏目",
                "三、关注网络舆情，正确引导网络舆论")
    body = "".join(f"<p>{h}</p><p>{h[2:]}的具体做法。</p>" for h in headings)
    page = ("<html><head><meta charset='gbk'><title>年报</title></head><body>"
            "<div class=menu><a>首页</a> &gt; <a>政务公开</a></div>"
            "<h2>明光市住建局政府信息公开2014年度工作报告</h2>"
            "<div>发布时间：2014-12-25 00:00 来源：明光市住建局</div><div>【字体：打印】</div>"
            "<p>根据《中华人民共和国政府信息公开条例》要求，现将2014年工作情况报告如下：</p>"
            f"{body}<div>扫一扫在手机打开当前页</div></body></html>")
    path.write_bytes(page.encode("gbk"))


def test_portal_page_like_seed_002(tmp_path: Path) -> None:
    path = tmp_path / "明光.html"
    _seed_002(path)
    result = run_cli("check", "--format", "json", path)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert (doc["agency"], doc["year"], doc["edition"]) == ("明光市住建局", 2014, "2008")
    missing = [f["message"].split("：", 1)[0] for f in doc["findings"]
               if f["rule"] == "SECTIONS" and f["severity"] == "error"]
    assert missing == [f"缺少条例第三十二条第{n}项“{w}”" for i, n, w in e08.ITEMS if i != "other"]
    sections = {f["source"]["paragraph"] for f in doc["findings"] if f["rule"] == "SECTIONS"}
    assert sections == {6}  # 一、 heading
    text_year = [f["source"] for f in doc["findings"] if f["rule"] == "TEXT-YEAR"]
    assert text_year == [{"file": str(path), "paragraph": 3}]  # the 发布时间 line
    report = read(path, ReadOptions()).report
    assert report.published.isoformat() == "2014-12-25"  # from the portal's 发布时间 line
    assert report.narrative.intro == "根据《中华人民共和国政府信息公开条例》要求，现将2014年工作情况报告如下："
    assert [s.item for s in report.narrative.sections] == [None, None, None]
    assert report.narrative.sections[2].text == "关注网络舆情，正确引导网络舆论的具体做法。\n扫一扫在手机打开当前页"


@pytest.mark.parametrize(("title", "expected"), [
    ("某某县交通运输局2024年政府信息公开工作年度报告", ("某某县交通运输局", 2024)),
    ("某某县交通运输局2024年度政府信息公开工作年度报告", ("某某县交通运输局", 2024)),
    ("明光市住建局政府信息公开2014年度工作报告", ("明光市住建局", 2014)),
    ("市建委2011年度政府信息公开工作报告", ("市建委", 2011)),
    ("某某县交通运输局\n2024年政府信息公开工作年度报告", ("某某县交通运输局", 2024)),
    ("关于做好政府信息公开工作的通知", None),
])
def test_title_forms(title: str, expected: Any) -> None:
    assert document_title(title) == expected


def test_items_named_by_headings() -> None:
    assert item_for("二、依申请公开政府信息和不予公开政府信息情况") == "on_request"
    assert item_for("四、因政府信息公开申请行政复议、提起行政诉讼的情况") == "review"
    assert item_for("五、存在的主要问题及改进情况") == "problems"
    assert item_for("二、加快网站改版，及时更新栏目") is None
