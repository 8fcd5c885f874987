"""The Word file on an agency's machine (issue 19 items 15–16): stand-in faces declared in the
font table, table 三's groups kept on one page, the 落款 kept with the text above it.

What LibreOffice can show here: it ignores w:altName (tried: an altName naming an installed
face changes nothing), so the substitute face is a Word/WPS matter and is tested in the XML;
page breaks are tested on pages LibreOffice lays out.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from nianbao.compose.report import compose
from nianbao.load import load
from nianbao.render import render
from nianbao.render.docx_reference import merge_font_table
from nianbao.validate import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "county-transport-2024.yaml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
GB2312 = 0x00040000  # code-page bit 18 of w:sig/@w:csb0

# Groups of table 三 (2021 edition): first and last row label of each.
GROUPS = {"（三）": ("1.属于国家秘密", "8.属于行政查询"), "（四）": ("1.本机关不掌握", "3.补正后申请"),
          "（五）": ("1.信访举报", "5.要求行政机关确认"), "（六）": ("1.申请人无正当理由", "3.其他")}


def w(name: str) -> str:
    return f"{{{W}}}{name}"


@pytest.fixture(scope="module")
def data() -> bytes:
    return render(compose(validate(load(str(EXAMPLE)))), "docx")


@pytest.fixture(scope="module")
def parts(data) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def xml(parts, name: str) -> etree._Element:
    return etree.fromstring(parts[name])


# ---- 15: font table ------------------------------------------------------------------------
@pytest.mark.parametrize("face,alt", [
    ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "华文中宋"),
    ("黑体", "SimHei"), ("仿宋", "FangSong"), ("楷体", "KaiTi"), ("华文中宋", "STZhongsong")])
def test_font_table_declares_a_chinese_stand_in(parts, face, alt):
    entries = xml(parts, "word/fontTable.xml").findall(f"w:font[@w:name='{face}']", NS)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.find("w:altName", NS).get(w("val")) == alt
    assert entry.find("w:charset", NS).get(w("val")) == "86"  # GB2312: a Chinese face
    assert re.fullmatch(r"02[0-9A-F]{18}", entry.find("w:panose1", NS).get(w("val")))
    assert entry.find("w:family", NS).get(w("val")) in ("roman", "swiss")
    assert int(entry.find("w:sig", NS).get(w("csb0")), 16) & GB2312
    order = [etree.QName(c).localname for c in entry]  # CT_Font's sequence
    assert order == ["altName", "panose1", "charset", "family", "pitch", "sig"]


def test_reference_font_entry_without_alternate_gets_ours(parts):
    theirs = etree.fromstring(
        f'<w:fonts xmlns:w="{W}"><w:font w:name="仿宋_GB2312"><w:charset w:val="86"/>'
        f'</w:font><w:font w:name="黑体"><w:altName w:val="SimHei"/></w:font></w:fonts>')
    merged = etree.fromstring(merge_font_table(parts["word/fontTable.xml"], theirs))
    body = merged.find("w:font[@w:name='仿宋_GB2312']", NS)
    assert [etree.QName(c).localname for c in body] == ["altName", "charset"]  # theirs kept
    assert body.find("w:altName", NS).get(w("val")) == "仿宋"
    hei = merged.findall("w:font[@w:name='黑体']", NS)
    assert len(hei) == 1 and len(hei[0]) == 1  # their own alternate is left alone
    assert merged.find("w:font[@w:name='楷体_GB2312']", NS) is not None  # ours added


# ---- 16: groups and 落款 (XML) --------------------------------------------------------------
def row_label(tr: etree._Element) -> str:
    """A row's text: its labels (values are digits; merged cells below their top are empty)."""
    return "".join(tr.itertext())


def kept(tr: etree._Element) -> bool:
    """Every paragraph of a row is keep-with-next (how Word keeps a row with the next)."""
    paras = tr.findall("w:tc/w:p", NS)
    return bool(paras) and all(p.find("w:pPr/w:keepNext", NS) is not None for p in paras)


@pytest.fixture(scope="module")
def table3_rows(parts) -> list[etree._Element]:
    tables = xml(parts, "word/document.xml").findall(".//w:tbl", NS)
    return next(t for t in tables if "不予公开" in "".join(t.itertext())).findall("w:tr", NS)


def test_every_row_cannot_split(table3_rows):
    assert all(tr.find("w:trPr/w:cantSplit", NS) is not None for tr in table3_rows)


@pytest.mark.parametrize("group", GROUPS)
def test_group_rows_keep_with_the_next_but_the_last(table3_rows, group):
    first, last = GROUPS[group]
    labels = [row_label(tr) for tr in table3_rows]
    top = next(i for i, t in enumerate(labels) if first in t)
    end = next(i for i, t in enumerate(labels) if last in t)
    assert group in labels[top] and end > top
    assert all(kept(tr) for tr in table3_rows[top:end])
    assert not kept(table3_rows[end])  # the group may end a page


def test_rows_outside_inner_groups_are_not_kept(table3_rows):
    """The outer 三、本年度办理结果 spans most of the table: keeping it would move it whole."""
    labels = [row_label(tr) for tr in table3_rows]
    for name in ("（一）予以公开", "（七）总计"):
        assert not kept(table3_rows[next(i for i, t in enumerate(labels) if name in t)])


def test_text_before_the_signature_keeps_with_it(parts):
    body = xml(parts, "word/document.xml").find("w:body", NS)
    paras = [p for p in body if p.tag == w("p")]
    styles = [next((s.get(w("val")) for s in p.findall("w:pPr/w:pStyle", NS)), None)
              for p in paras]
    first_sig = styles.index("Signature")
    before = paras[first_sig - 1]
    assert "".join(before.itertext()).strip()  # the closing sentence, not a blank line
    ppr = before.find("w:pPr", NS)
    assert ppr is not None and ppr.find("w:keepNext", NS) is not None
    assert etree.QName(ppr[0]).localname in ("pStyle", "keepNext")  # schema order


# ---- 16: pages laid out by LibreOffice ------------------------------------------------------
def with_blank_lines(data: bytes, count: int, before_table: int) -> bytes:
    """The DOCX with `count` empty paragraphs before its table number `before_table`
    (negative: from the end), to move page breaks across the table and the 落款."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/document.xml":
                text = part.decode()
                at = [m.start() for m in re.finditer("<w:tbl>", text)][before_table]
                part = (text[:at] + "<w:p/>" * count + text[at:]).encode()
            target.writestr(info, part)
    return out.getvalue()


def convert_all(files: dict[str, bytes], outdir: Path) -> dict[str, list[str]]:
    """Pages of text (spaces dropped) of each DOCX, converted by one soffice call."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is required: make test installs it"
    for name, body in files.items():
        (outdir / f"{name}.docx").write_bytes(body)
    profile = (outdir / ".lo-profile").resolve().as_uri()
    done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(outdir),
                           *(str(outdir / f"{n}.docx") for n in files)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    pages = {}
    for name in files:
        text = subprocess.run(["pdftotext", str(outdir / f"{name}.pdf"), "-"],
                              capture_output=True, text=True, timeout=60, check=True).stdout
        pages[name] = [re.sub(r"\s", "", p) for p in text.split("\f") if p.strip()]
    return pages


def page_of(pages: list[str], text: str) -> set[int]:
    return {i for i, page in enumerate(pages) if text in page}


def test_libreoffice_keeps_groups_and_signature_on_one_page(data, tmp_path):
    # Blank lines that, before the fix, cut （六）, （五）, （四） and （三） between pages in
    # LibreOffice 7.4, and left the 落款 alone on the last page.
    files = {f"t{n}": with_blank_lines(data, n, -2) for n in (4, 8, 10, 12)}
    files["sig"] = with_blank_lines(data, 2, 0)
    pages = convert_all(files, tmp_path)
    for name in (n for n in files if n.startswith("t")):
        for group, (first, last) in GROUPS.items():
            assert page_of(pages[name], first) == page_of(pages[name], last), (name, group)
    last_page = re.sub(r"—\d+—", "", pages["sig"][-1])
    assert last_page.index("某某县交通运输局") > 0, last_page  # text above the 落款
