"""Facts stated in a published report's prose (issue 18 §6): 信息处理费 figures of 六, the
agency's website and contact from the preamble, and a portal page whose report is one <div>
of lines broken by <br>."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from nianbao.load.doc_facts import agency_facts, fee_facts
from nianbao.pipeline import ReadOptions, read
from test_published import _foreign_html


def test_fee_figures_in_prose() -> None:
    said = [(20, "本年度落实政务公开工作要点。"),
            (21, ("本年度共发出信息处理费收费通知２件，通知金额合计1,300元，实际收取信息处理费"
                 "1,000元，均已上缴国库。"))]
    found, only = fee_facts(said)
    assert found == {("fees", "notices"): (2, 21), ("fees", "amount_billed"): (1300, 21),
                     ("fees", "amount_collected"): (1000, 21)}
    assert only == set()  # the sentence says more: it stays in the text
    found, only = fee_facts([(9, "2024年，本机关未收取任何信息处理费。")])
    assert {k: v for k, (v, _) in found.items()} == dict.fromkeys(
        [("fees", "notices"), ("fees", "amount_billed"), ("fees", "amount_collected")],
        Decimal(0))
    assert only == {9}


def test_website_and_contact_of_the_preamble() -> None:
    found = agency_facts([
        (2, "本报告电子版可在本局门户网站（http://jt.example.gov.cn）下载。"),
        (3, "如对本报告有任何疑问，请联系本局办公室，地址：某某县人民路88号；电话：0000-1234567。")])
    assert found == {("agency", "website"): ("本局门户网站（http://jt.example.gov.cn）", 2),
                     ("agency", "contact"): ("地址：某某县人民路88号", 3)}


def test_lines_of_one_div_are_paragraphs(tmp_path: Path) -> None:
    """The report as one <div> whose lines are broken by <br>: headings and run-in parts
    are found line by line."""
    page = tmp_path / "page.html"
    _foreign_html(page)
    text = page.read_bytes().decode("gbk")
    body = text[text.index("<body>") + 6:text.index("</body>")]
    # every paragraph of the narrative becomes a line of one div
    lines = body.replace("<p class=MsoNormal>", "").replace("</p>", "<br>").replace("<p>", "")
    head, _, rest = lines.partition("<table")
    page.write_bytes((f"<html><head><meta charset='gbk'></head><body><div>{head}</div>"
                      f"<table{rest}</body></html>").encode("gbk"))
    back = read(page, ReadOptions())
    overview = back.report.narrative.overview
    assert overview.management == "政府信息管理工作情况。"
    assert overview.oversight == "监督保障工作情况。"
    assert (back.report.agency.name, back.report.year) == ("驻马店市住房和城乡建设局", 2020)
