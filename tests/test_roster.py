"""The roster of a batch (`nianbao batch DIR -o OUT --roster 名单.xlsx|csv [--as-of DATE]`,
issue 20): who is missing, who is late, which reports are on no roster (名单外, with the
nearest roster name); rosters as Excel and WPS save them; unreadable rosters refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import COUNTY, run_cli
from nianbao.batch.roster import (
    DATE_UNKNOWN,
    LATE,
    NO_DEADLINE,
    ON_TIME,
    check_rows,
    name_key,
    read_roster,
    timeliness,
)
from nianbao.errors import LoadError
from nianbao.pipeline import read
from nianbao.schemas.common import AgencyKind
from nianbao.write.yaml_file import yaml_document
from test_batch import write_report

DEPT, GOV, TOWN = (k.value for k in (AgencyKind.department, AgencyKind.government,
                                     AgencyKind.township))
HEAD = "机关名称,机关类型,分组"
ROSTER = [("某某县交通运输局", DEPT, "县直单位"), ("某某县教育局（体育局）", "", "县直单位"),
          ("某某县人民政府", GOV, ""), ("某某县财政局", "部门", "县直单位"),
          ("某某县 卫生健康委员会", DEPT, "县直单位"), ("某某镇", "乡镇", "乡镇街道"),
          ("某某县统计局", DEPT, "县直单位")]


def csv_bytes(rows: list[tuple[str, str, str]], encoding: str = "utf-8-sig",
              sep: str = ",") -> bytes:
    lines = [HEAD.replace(",", sep)] + [sep.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_roster(path: Path, rows: list[tuple[str, str, str]], title: str | None = None) -> Path:
    """A roster workbook as an office types it: a title line above the header."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    if title:
        ws.append([title])
        ws.append([])
    ws.append(["序号", "机关名称", "机关类型", "分组"])
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(path)
    return path


def report(target: Path, agency: str, year: int = 2024, published: dt.date | None = None,
           kind: str = DEPT) -> None:
    """The county example as another agency, kind and publication date."""
    validated = read(COUNTY)
    values = validated.report.model_dump(mode="python")
    values["agency"].update(name=agency, kind=kind)
    values["year"], values["published"] = year, published
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml_document(validated.edition, values), encoding="utf-8")


# ---- reading ------------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "sep"), [("utf-8-sig", ","), ("gbk", ","),
                                               ("gb18030", "\t"), ("utf-8", "\t")])
def test_csv_as_excel_and_wps_save_it(tmp_path: Path, encoding: str, sep: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes(ROSTER, encoding, sep))
    roster = read_roster(path)
    assert [(a.name, a.kind.value, a.group) for a in roster.agencies] == [
        ("某某县交通运输局", DEPT, "县直单位"), ("某某县教育局（体育局）", DEPT, "县直单位"),
        ("某某县人民政府", GOV, ""), ("某某县财政局", DEPT, "县直单位"),
        ("某某县 卫生健康委员会", DEPT, "县直单位"), ("某某镇", TOWN, "乡镇街道"),
        ("某某县统计局", DEPT, "县直单位")]
    # a blank 机关类型 is the department's, and said
    assert roster.notes == [("名单中1个机关未填机关类型（某某县教育局（体育局）），"
                            "已按“县级以上人民政府部门”核对发布期限")]
    assert roster.file == "名单.csv"


def test_xlsx_header_found_by_its_labels_below_a_title(tmp_path: Path) -> None:
    path = xlsx_roster(tmp_path / "名单.xlsx", ROSTER[:3], title="2024年度应报送年报单位名单")
    roster = read_roster(path)
    assert [a.name for a in roster.agencies] == [r[0] for r in ROSTER[:3]]
    assert roster.agencies[2].kind == AgencyKind.government


def test_names_match_across_width_spaces_and_brackets() -> None:
    assert name_key("某某县教育局(体育局)") == name_key("某某县教育局（体育局）")
    assert name_key("某某县教育局【体育局】") == name_key("某某县教育局[体育局]")
    assert name_key("某某县 卫生健康委员会") == name_key("某某县卫生健康委员会")
    assert name_key("某某县\u3000统计局") == name_key("某某县统计局")
    assert name_key("某某县财政局") != name_key("某某县财攻局")


@pytest.mark.parametrize(("body", "where", "message"), [
    ("名称,类别\n甲局,部门\n", "名单.csv",
     "没有找到表头“机关名称”：名单的第一行（或前几行中的一行）应写“机关名称”“机关类型”，可另加“分组”"),
    ("机关名称,机关类型\n甲局,部门\n乙局,区直机关\n", "名单.csv 第3行第2列",
     ("机关类型“区直机关”无法识别：应为县级以上人民政府部门、本级人民政府、"
     "乡镇人民政府、街道办事处、其他之一（可留空，按县级以上人民政府部门）")),
    ("机关名称,机关类型\n甲局,部门\n甲 局,部门\n", "名单.csv 第3行第1列",
     "“甲 局”与名单.csv 第2行第1列重复"),
    ("机关名称,机关类型,分组\n甲局,部门,县直\n,人民政府,乡镇\n", "名单.csv 第3行第1列",
     "缺少机关名称"),
])
def test_a_roster_problem_names_file_and_cell(tmp_path: Path, body: str, where: str,
                                              message: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(LoadError) as err:
        read_roster(path)
    shown = [(p.where.replace(f"{tmp_path}/", ""), p.message.replace(f"{tmp_path}/", ""))
             for p in err.value.problems]
    assert shown == [(where, message)]


def test_a_bad_kind_in_a_workbook_names_the_cell(tmp_path: Path) -> None:
    path = xlsx_roster(tmp_path / "名单.xlsx", [("甲局", "部门", ""), ("乙局", "委办局", "")])
    with pytest.raises(LoadError) as err:
        read_roster(path)
    assert [p.where for p in err.value.problems] == [f"{path} 工作表“名单” C3"]


# ---- timeliness ---------------------------------------------------------------------------
@pytest.mark.parametrize(("year", "kind", "published", "as_of", "deadline", "verdict"), [
    (2024, AgencyKind.department, dt.date(2025, 2, 5), None, "2025-01-31", LATE),
    (2024, AgencyKind.department, dt.date(2025, 1, 31), None, "2025-01-31", ON_TIME),
    (2024, AgencyKind.government, dt.date(2025, 3, 20), None, "2025-03-31", ON_TIME),
    (2024, AgencyKind.government, dt.date(2025, 4, 1), None, "2025-03-31", LATE),
    (2018, AgencyKind.department, dt.date(2019, 3, 20), None, "2019-03-31", ON_TIME),
    (2024, AgencyKind.township, dt.date(2025, 3, 20), None, None, NO_DEADLINE),
    (2024, AgencyKind.department, None, None, "2025-01-31", DATE_UNKNOWN),
    (2024, AgencyKind.department, None, dt.date(2025, 2, 5), "2025-01-31", LATE),
    (2024, AgencyKind.government, None, dt.date(2025, 2, 5), "2025-03-31", ON_TIME),
])
def test_on_time_and_late_by_kind(year: int, kind: AgencyKind, published: dt.date | None,
                                  as_of: dt.date | None, deadline: str | None,
                                  verdict: str) -> None:
    found = timeliness(year, kind, published, as_of)
    assert (found["deadline"], found["timely"]) == (deadline, verdict)
    if published is None and as_of is not None:
        assert found["date_basis"] == "核对日期"


def test_a_2018_report_is_checked_against_31_march(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([("甲局", DEPT, "")]))
    rows = [{"file": "甲局/2018.yaml", "agency": "甲局", "year": 2018, "state": "built",
             "published": "2019-03-20"}]
    agency = check_rows(read_roster(path), rows)["agencies"][0]
    assert (agency["deadline"], agency["timely"]) == ("2019-03-31", ON_TIME)


# ---- a batch with a roster ----------------------------------------------------------------
@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Reports: on time, late, the government's on time (March), written with other width,
    spaces and brackets, one with a wrong character (名单外), one with no date; the roster
    lists 某某镇 and 某某县统计局, which sent nothing."""
    root = tmp_path_factory.mktemp("roster")
    d = root / "报告"
    report(d / "交通局" / "2024.yaml", "某某县交通运输局", published=dt.date(2025, 1, 20))
    report(d / "教育局" / "2024.yaml", "某某县教育局(体育局)", published=dt.date(2025, 2, 5))
    report(d / "政府" / "2024.yaml", "某某县人民政府", published=dt.date(2025, 3, 20), kind=GOV)
    report(d / "财政局" / "2024.yaml", "某某县财攻局", published=dt.date(2025, 1, 10))
    report(d / "卫健委" / "2024.yaml", "某某县卫生健康委员会", published=None)
    roster = root / "名单.csv"
    roster.write_bytes(csv_bytes(ROSTER, "gbk"))
    out = root / "OUT"
    result = run_cli("batch", d, "-o", out, "--check-only", "--roster", roster,
                     "--as-of", "2025-02-05")
    assert result.returncode == 0, result.stderr   # a missing agency changes no exit code
    return root, out, roster


def test_roster_agencies_submitted_missing_on_time_and_late(batch) -> None:
    _, out, _ = batch
    roster = json.loads((out / "summary.json").read_text(encoding="utf-8"))["roster"]
    got = {a["name"]: (a["status"], a["deadline"], a["timely"]) for a in roster["agencies"]}
    assert got == {
        "某某县交通运输局": ("已提交", "2025-01-31", ON_TIME),
        "某某县教育局（体育局）": ("已提交", "2025-01-31", LATE),
        "某某县人民政府": ("已提交", "2025-03-31", ON_TIME),
        "某某县财政局": ("未提交", "2025-01-31", "已过期限（截至2025-02-05）"),
        "某某县 卫生健康委员会": ("已提交", "2025-01-31", LATE),   # no date: --as-of
        "某某镇": ("未提交", None, ""),
        "某某县统计局": ("未提交", "2025-01-31", "已过期限（截至2025-02-05）"),
    }
    health = next(a for a in roster["agencies"] if a["name"] == "某某县 卫生健康委员会")
    assert (health["date"], health["date_basis"]) == ("2025-02-05", "核对日期")
    assert roster["outside"] == [{"file": "财政局/2024.yaml", "agency": "某某县财攻局",
                                  "suggestion": "某某县财政局"}]
    assert roster["headline"] == "名单中有3个机关未提交（2024年度）：某某县财政局、某某镇、某某县统计局"
    assert roster["file"] == "名单.csv" and roster["as_of"] == "2025-02-05"


def test_summary_first_line_says_who_is_missing(batch) -> None:
    from openpyxl import load_workbook

    root, out, _ = batch
    html = (out / "summary.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    first = body.split("</h1>", 1)[1].lstrip()
    assert first.startswith('<p class="headline missing">名单中有3个机关未提交（2024年度）：'
                            "某某县财政局、某某镇、某某县统计局</p>")
    assert "名单外的报告" in html and "某某县财攻局——名单中最接近的是“某某县财政局”" in html
    assert str(root) not in html   # the roster is named by its file name only
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames[0] == "名单核对"
    ws = wb["名单核对"]
    assert ws["A1"].value.startswith("名单中有3个机关未提交")
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    assert rows["某某县教育局（体育局）"][1:] == (
        "县级以上人民政府部门（未填，默认）", "县直单位", "已提交", "教育局/2024.yaml",
        "2025-02-05", "2025-01-31", LATE)
    assert rows["某某县财攻局"][3:5] == ("名单外", "财政局/2024.yaml")
    assert rows["某某县财攻局"][7] == "最接近：某某县财政局"


def test_console_says_the_missing_line(tmp_path: Path) -> None:
    d = tmp_path / "D"
    write_report(d / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    roster = xlsx_roster(tmp_path / "名单.xlsx", [("甲局", DEPT, ""), ("乙局", DEPT, "")])
    result = run_cli("batch", d, "-o", tmp_path / "OUT", "--check-only", "--roster", roster)
    assert result.returncode == 0, result.stderr
    assert "名单中有1个机关未提交（2024年度）：乙局" in result.stderr
    roster.write_bytes(b"PK\x03\x04 not really a workbook")
    bad = run_cli("batch", d, "-o", tmp_path / "OUT2", "--check-only", "--roster", roster)
    assert bad.returncode == 2
    assert f"名单无法使用 {roster}：不是有效的 xlsx 工作簿" in bad.stderr
    assert not (tmp_path / "OUT2").exists()   # refused before anything ran


def test_an_unreadable_roster_exits_2_with_a_chinese_message(tmp_path: Path) -> None:
    d = tmp_path / "D"
    write_report(d / "甲局" / "2024.yaml", COUNTY, "甲局", 2024)
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称,机关类型\n甲局,委办局\n", encoding="utf-8")
    result = run_cli("batch", d, "-o", tmp_path / "OUT", "--roster", roster)
    assert result.returncode == 2
    assert f"名单无法使用 {roster} 第2行第2列：机关类型“委办局”无法识别" in result.stderr
    missing = run_cli("batch", d, "-o", tmp_path / "OUT", "--roster", tmp_path / "无.csv")
    assert missing.returncode == 2 and "无法读取名单：文件或目录不存在" in missing.stderr
