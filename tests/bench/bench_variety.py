"""`make bench`'s inputs: a mix of the kinds of report a real batch holds (issue 17 §9).

A batch of uniform synthetic 2024 reports kept every worker under 150 MB while a varied one
(agency templates, rare characters, long narratives, the 2019 edition, all-zero tables)
peaked at 188–210 MB.  The bench therefore writes, by default, this mix (`MIX`, exact
counts by largest remainder, shuffled by the seed):

- ``plain`` 30 %   — the 2021 edition, names and figures varied (bench.synth_report);
- ``template`` 20 % — the same with the agency's own ``DIR/<机关>/templates/report.html``
  (the letterhead example's override with the agency's name; one of three styles, the third
  restyles the table cells);
- ``rare`` 15 %    — one to three people named with characters outside GB2312 (王镕 李堃
  喆 䶮 …) in several paragraphs;
- ``long`` 15 %    — narratives of 2,000–5,000 characters (several pages of prose);
- ``2019`` 10 %    — the 2019 edition (examples/zhumadian-housing-2020.yaml, renamed,
  table 二's figures varied);
- ``zero`` 10 %    — a township with no requests: all-zero tables
  (examples/township-zero-requests-2024.yaml, renamed).

The 勾稽 error share (``--errors``) applies to the 2021-edition kinds with figures
(plain, template, rare, long).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MIX = {"plain": 0.30, "template": 0.20, "rare": 0.15, "long": 0.15, "2019": 0.10, "zero": 0.10}
WITH_ERRORS = ("plain", "template", "rare", "long")   # kinds a 勾稽 error is put into

RARE_NAMES = ["王镕", "李堃", "张喆", "陈昇", "刘珺", "赵犇", "孙淼", "周䶮", "吴昉", "郑玥",
              "冯琮", "褚婧", "卫祎", "蒋珅", "沈喆", "韩昀", "杨赟", "朱珩", "秦垚", "许琤"]
LONG_SENTENCES = [
    "围绕中心工作，及时公开重大决策部署落实情况，做好政策文件的发布和解读工作，",
    "坚持以公开为常态、不公开为例外，依法依规确定公开属性，严格执行保密审查制度，",
    "进一步规范依申请公开办理流程，实行登记、审核、办理、答复、归档全流程管理，",
    "结合群众关切，通过新闻发布会、在线访谈、图文解读等多种形式回应社会关切，",
    "加强政府网站和政务新媒体管理，定期开展内容检查，及时整改错链断链和信息更新不及时问题，",
    "组织开展政务公开业务培训，邀请专家授课，提升工作人员依法公开的意识和能力，",
    "推进基层政务公开标准化规范化建设，编制公开事项目录并动态调整，",
    "把政务公开工作纳入年度绩效考核，考核结果作为评先评优的重要依据，",
]
TEMPLATE_STYLES = [
    (".letterhead { text-align: center; text-indent: 0; color: #c00; font-size: 1.4em;\n"
     "  letter-spacing: .3em; border-bottom: 2px solid #c00; padding-bottom: .3em; }"),
    (".letterhead { text-align: center; text-indent: 0; color: #036; font-size: 1.2em;\n"
     "  border-bottom: 1px solid #036; padding-bottom: .2em; }"),
    (".letterhead { text-align: left; text-indent: 0; color: #333; }\n"
     "table td, table th { padding: 3pt 2pt; }"),
]
TEMPLATE = """{{% extends "_base.html" %}}

{{% block head %}}
<style>
{style}
.contact p {{ text-indent: 0; }}
</style>
{{% endblock %}}

{{% block title %}}
<p class="letterhead">{name}政务公开专栏</p>
{{{{ super() }}}}
{{% endblock %}}

{{% block signature %}}
{{{{ super() }}}}
<div class="contact">
<p>联系人：办公室　{person}</p>
<p>联系电话：0000-{phone}</p>
</div>
{{% endblock %}}
"""


def parse_mix(text: str) -> dict[str, float]:
    """``plain=0.3,template=0.2`` → shares (normalised); unknown kinds are refused."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, share = part.partition("=")
        if kind not in MIX:
            raise ValueError(f"unknown kind {kind!r} (known: {', '.join(MIX)})")
        mix[kind] = float(share or 1)
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("the mix is empty")
    return {k: v / total for k, v in mix.items()}


def kinds_for(n: int, mix: dict[str, float], rng: random.Random) -> list[str]:
    """n kinds in the mix's shares (largest remainder), shuffled."""
    exact = {k: n * s for k, s in mix.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[:n - sum(counts.values())]:
        counts[k] += 1
    kinds = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(kinds)
    return kinds


def _load(name: str) -> dict:
    import yaml

    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def _rename(report: dict, name: str) -> None:
    """The example's agency name replaced everywhere in its narrative."""
    old = report["agency"]["name"]
    report["agency"]["name"] = name

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, str):
            return node.replace(old, name)
        return node
    report["narrative"] = walk(report["narrative"])


def _long_text(rng: random.Random, chars: int) -> str:
    parts, size = [], 0
    while size < chars:
        sentence = "".join(rng.sample(LONG_SENTENCES, 3)).rstrip("，") + "。"
        if rng.random() < 0.3:
            sentence += "\n"
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts).strip() + "\n"


def varied_report(kind: str, i: int, rng: random.Random, bases: dict[str, dict],
                  bad: bool) -> tuple[dict, str | None]:
    """One report of the kind, and its agency template's text (template kind only)."""
    from bench.bench import synth_report

    if kind in WITH_ERRORS:
        report = synth_report(i, rng, bases["2021"], bad, rare_share=0.0)
    else:
        report = copy.deepcopy(bases[kind])
        place = rng.choice(["东城", "西岭", "南湖", "北川", "青山", "白水", "临江", "安平"])
        suffix = "人民政府" if kind == "zero" else "住房和城乡建设局"
        _rename(report, f"{place}{'镇' if kind == 'zero' else '市'}{suffix}{i:03d}")
        if kind == "2019":
            for key in ("licensing", "other_services"):
                report["table2"][key]["decisions"] = rng.randint(0, 12000)
    overview = report["narrative"]["overview"]
    template = None
    if kind == "template":
        template = TEMPLATE.format(style=rng.choice(TEMPLATE_STYLES),
                                   name=report["agency"]["name"],
                                   person=rng.choice(["张某某", "李某某", "王某某"]),
                                   phone=rng.randint(1000000, 9999999))
    elif kind == "rare":
        people = rng.sample(RARE_NAMES, rng.randint(1, 3))
        overview["management"] += f"信息公开工作领导小组由{people[0]}同志任组长。\n"
        overview["oversight"] += f"政务公开工作由{'、'.join(people)}同志具体负责。\n"
        report["narrative"]["problems"] += f"{people[-1]}同志牵头整改。\n"
    elif kind == "long":
        budget = rng.randint(2000, 5000)
        for key, share in (("management", 0.4), ("platform", 0.3), ("oversight", 0.3)):
            overview[key] += _long_text(rng, int(budget * share))
    return report, template


def write_varied_inputs(folder: Path, n: int, seed: int, error_share: float,
                        mix: dict[str, float] | None = None) -> list[tuple[str, bool, str]]:
    """N reports as DIR/<机关>/<year>.yaml (+ DIR/<机关>/templates/report.html for the
    template kind); returns (kind, made inconsistent, agency name) for each."""
    import yaml

    bases = {"2021": _load("county-transport-2024.yaml"),
             "2019": _load("zhumadian-housing-2020.yaml"),
             "zero": _load("township-zero-requests-2024.yaml")}
    rng = random.Random(seed)
    made = []
    for i, kind in enumerate(kinds_for(n, mix or MIX, rng)):
        bad = kind in WITH_ERRORS and rng.random() < error_share
        report, template = varied_report(kind, i, rng, bases, bad)
        agency = folder / report["agency"]["name"]
        agency.mkdir(parents=True, exist_ok=True)
        (agency / f"{report['year']}.yaml").write_text(
            yaml.safe_dump(report, allow_unicode=True, sort_keys=False), encoding="utf-8")
        if template is not None:
            (agency / "templates").mkdir(exist_ok=True)
            (agency / "templates" / "report.html").write_text(template, encoding="utf-8")
        made.append((kind, bad, report["agency"]["name"]))
    return made


# ---- what the run prints about the mix ------------------------------------------------------
def describe_mix(made: list[tuple[str, bool, str]]) -> str:
    """``plain 18 (30 %), template 12 (20 %), …`` of the reports written."""
    counts: dict[str, int] = {}
    for kind, _, _ in made:
        counts[kind] = counts.get(kind, 0) + 1
    n = len(made) or 1
    return ", ".join(f"{k} {c} ({100 * c / n:.0f} %)" for k, c in counts.items())


def print_floor(line: str, floor, alone, pdf_ms: float) -> None:
    """Typst's time for the same reports, and nianbao's as a multiple of it."""
    if isinstance(floor, str):
        print(line.format("Typst PDF (floor)", "n/a", "", floor))
        return
    print(line.format(f"Typst PDF median ms ({floor.count} reports)", f"{floor.wall_ms:.0f}",
                      "", "(floor)"))
    print(line.format("  workers' PDF ms / Typst", f"{pdf_ms / floor.wall_ms:.1f}×", "", ""))
    if alone is not None:
        print(line.format("  alone PDF ms / Typst", f"{alone.wall_ms / floor.wall_ms:.1f}×",
                          "", ""))
        print(line.format("  CPU ms: Typst / WeasyPrint",
                          f"{floor.cpu_ms:.0f} / {alone.cpu_ms:.0f}", "", ""))


def print_kinds(records: list[dict], made: list[tuple[str, bool, str]]) -> None:
    """Per kind: reports, median PDF ms in the workers, and how much the kind's tasks raised
    their worker's peak RSS (the sum over its tasks, and the largest single rise) — the
    kind that drives a worker's peak is the one with the large rises."""
    import statistics

    kind_of = {agency: kind for kind, _, agency in made}
    rows: dict[str, dict] = {}
    for r in records:
        kind = kind_of.get(r.get("agency") or "", "?")
        row = rows.setdefault(kind, {"n": 0, "pdf": [], "rise": 0, "top": 0})
        rise = max(0, r["hwm_kb"] - r.get("hwm_before_kb", r["hwm_kb"]))
        row["n"] += 1
        row["rise"] += rise
        row["top"] = max(row["top"], rise)
        if "pdf" in r["times"]:
            row["pdf"].append(r["times"]["pdf"])
    print()
    print("  per kind       reports   PDF ms   peak RSS raised: total / largest (MB)")
    for kind in [k for k in MIX if k in rows] + [k for k in rows if k not in MIX]:
        row = rows[kind]
        pdf = f"{statistics.median(row['pdf']):.0f}" if row["pdf"] else "-"
        print(f"  {kind:<14} {row['n']:>7}   {pdf:>6}   "
              f"{row['rise'] / 1024:>6.1f} / {row['top'] / 1024:.1f}")
