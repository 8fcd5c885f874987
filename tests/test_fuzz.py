"""Fuzz what we parse (issue 16 §6; DESIGN “every parser has a bound on time and memory”).

Valid workbooks and YAML files are mutated — bytes flipped inside the zip's XML, elements
deleted, parts cut short, numbers replaced by huge ones, exponents, NaN and Infinity, formulas
such as =1/0 and cycles, overlapping and enormous merges, control characters, impossible
dates, aliases, tags, deep nesting — and every mutant is checked.  Each must end with exit
0, 1 or 2 (never 3, an internal error, which is what a traceback becomes), within a time bound
per file, in a process limited to 1.5 GB of address space.  The mutants are drawn from a
fixed seed, so a failure names a file that fails again the same way; NIANBAO_FUZZ_SEED and
NIANBAO_FUZZ_N try others (used by hand; the suite keeps the fixed set).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import COUNTY, ROOT, run_cli

SEED = int(os.environ.get("NIANBAO_FUZZ_SEED", "20261201"))
N = int(os.environ.get("NIANBAO_FUZZ_N", "110"))   # mutants of each kind
SECONDS = 10          # per file; a real check takes ~50 ms
MEMORY_MB = 1536
WEIRD = ["1e999999999", "1.0e+999999999", "-1e999999999", "9" * 5000, "NaN", "nan",
         "Infinity", "-Infinity", "inf", "1e308", "-0", "1e-400", "0.1e-99999", "3.5",
         "１４", "2,887", "0x1F", "1:30", "", " ", "—", "无", "TRUE", "#DIV/0!",
         "99999999999999999999", "12345678901234567.5", "\u202e12", "1\x07"]
FORMULAS = ["1/0", "SUM(D6:D1048576)", "D6", "D6+D7", "SUM(A1:XFD1048576)", "NA()",
            "SUM(D6,E6", "'表三'!D6*2", "INDIRECT(\"A1\")", "SUM(" * 300]


# ---- workbook mutants -------------------------------------------------------------------
def _flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] = rng.choice(b"<>/\"'=&;:0123456789eE-.xX \x00\xff")
    return bytes(buf)


def _delete_element(rng: random.Random, data: bytes) -> bytes:
    found = list(re.finditer(rb"<(c|row|mergeCell|sheet|col|is|t|v|f|dimension|sheetData|"
                             rb"mergeCells|Relationship|Override|cellXfs|xf)\b[^>]*?"
                             rb"(?:/>|>.*?</\1>)", data, re.S))
    if not found:
        return data
    m = rng.choice(found)
    return data[:m.start()] + data[m.end():]


def _weird_number(rng: random.Random, data: bytes) -> bytes:
    found = list(re.finditer(rb'<c r="([A-Z]+\d+)"([^>]*)><v>[^<]*</v></c>', data))
    if not found:
        return data
    m = rng.choice(found)
    value = rng.choice(WEIRD).encode()
    if rng.random() < 0.5 and re.fullmatch(rb"[-0-9.eE+]+", value or b"x"):
        cell = b'<c r="%s"%s><v>%s</v></c>' % (m[1], m[2].replace(b't="n"', b""), value)
    else:
        cell = b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (m[1], value)
    return data[:m.start()] + cell + data[m.end():]


def _formula(rng: random.Random, data: bytes) -> bytes:
    found = list(re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*><v>[^<]*</v></c>', data))
    if not found:
        return data
    m = rng.choice(found)
    formula = rng.choice(FORMULAS).replace("&", "&amp;").replace("<", "&lt;").encode()
    cached = rng.choice([b"", b"<v>#DIV/0!</v>", b"<v>1e999999999</v>", b"<v>7</v>"])
    kind = b' t="e"' if cached.startswith(b"<v>#") else b""
    cell = b'<c r="%s"%s><f>%s</f>%s</c>' % (m[1], kind, formula, cached)
    return data[:m.start()] + cell + data[m.end():]


def _merges(rng: random.Random, data: bytes) -> bytes:
    ranges = rng.choice([["A1:C3", "B2:D4"], ["D6:E7", "D6:D6"], ["A1:XFD1048576"],
                         ["A5:J5", "C1:C40"], ["Z9:A1"], ["A0:B2"], ["XFE1:XFE2"]])
    merges = b"".join(b'<mergeCell ref="%s"/>' % r.encode() for r in ranges)
    if b"<mergeCells" in data:
        return re.sub(rb"<mergeCells count=\"\d+\">", b'<mergeCells count="9">' + merges, data,
                      count=1)
    return data.replace(b"</sheetData>", b'</sheetData><mergeCells count="9">' + merges
                        + b"</mergeCells>", 1)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def _duplicate_row(rng: random.Random, data: bytes) -> bytes:
    found = list(re.finditer(rb"<row\b.*?</row>", data, re.S))
    if not found:
        return data
    m = rng.choice(found)
    return data[:m.end()] + m[0] * rng.randint(1, 3) + data[m.end():]


def _strange_text(rng: random.Random, data: bytes) -> bytes:
    found = list(re.finditer(rb"<t>[^<]*</t>", data))
    if not found:
        return data
    m = rng.choice(found)
    text = rng.choice(["\u202e局", "a" * 100_000, "&#7;&#27;", "&#xD800;", "{{ 7*7 }}",
                       "<script>", "&amp;lt;", "表三"]).encode()
    return data[:m.start()] + b"<t>" + text.replace(b"<", b"&lt;") + b"</t>" + data[m.end():]


XLSX_MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    _flip, _delete_element, _weird_number, _weird_number, _formula, _merges, _truncate,
    _duplicate_row, _strange_text]


def _xlsx_mutants(folder: Path, source: Path, rng: random.Random) -> list[Path]:
    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    names = sorted(parts)
    sheets = [n for n in names if n.startswith("xl/worksheets/")]
    out = []
    for i in range(N):
        part = rng.choice(sheets * 3 + names)   # mostly sheets, sometimes any part
        mutate = rng.choice(XLSX_MUTATORS)
        path = folder / f"x{i:03d}-{mutate.__name__.strip('_')}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                if not (mutate is _delete_element and name == part and rng.random() < 0.1):
                    z.writestr(name, mutate(rng, parts[name]) if name == part else parts[name])
        out.append(path)
    return out


# ---- YAML mutants ------------------------------------------------------------------------
def _yaml_number(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"(?<=: )-?\d+(?=[,}\n])", text))
    m = rng.choice(found)
    value = rng.choice(WEIRD + [".nan", ".inf", "-.inf", "0o17", "1_000", "~", "[]", "{}",
                                "true", "2025-02-30", "!!float 1", "*nope", "&a 5"])
    return text[:m.start()] + value + text[m.end():]


def _yaml_lines(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    op = rng.randrange(5)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines[i] = "\t" + lines[i]
    else:
        lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)]
    return "\n".join(lines)


def _yaml_flip(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        chars[rng.randrange(len(chars))] = rng.choice(":{}[],&*!|>'\"#-?%@`\t\x07\u202e\ufeff9")
    return "".join(chars)


def _yaml_value(rng: random.Random, text: str) -> str:
    found = list(re.finditer(r"(?<=published: )\S+|(?<=year: )\S+|(?<=name: )\S+", text))
    m = rng.choice(found)
    value = rng.choice(["2025-02-30", "2025-13-01", "0000-00-00", "2025-01-24 25:61:61",
                        "9" * 5000, "1e999999999", "[" * 60 + "]" * 60, "!!binary AAAA",
                        "!!python/object:os.system x", "'" + "长" * 200 + "'", "null",
                        "<<: *x", "{a: *b}", "&x [*x]"])
    return text[:m.start()] + value + text[m.end():]


YAML_MUTATORS = [_yaml_number, _yaml_number, _yaml_lines, _yaml_flip, _yaml_value]


def _yaml_mutants(folder: Path, rng: random.Random) -> list[Path]:
    text = COUNTY.read_text(encoding="utf-8")
    out = []
    for i in range(N):
        mutate = rng.choice(YAML_MUTATORS)
        path = folder / f"y{i:03d}-{mutate.__name__.strip('_')}.yaml"
        path.write_text(mutate(rng, text), encoding="utf-8", errors="surrogatepass")
        out.append(path)
    return out


# ---- the run -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    folder = tmp_path_factory.mktemp("fuzz")
    book = folder / "county.xlsx"
    assert run_cli("convert", COUNTY, book).returncode == 0
    rng = random.Random(SEED)
    files = _xlsx_mutants(folder, book, rng) + _yaml_mutants(folder, rng)
    out = folder / "results.jsonl"
    # the outer bound: every file's bound, plus start-up; a spin inside C code that the
    # per-file alarm cannot interrupt still ends here
    subprocess.run([sys.executable, str(ROOT / "tests" / "fuzz_harness.py"), str(out),
                    str(MEMORY_MB), str(SECONDS), *map(str, files)], cwd=ROOT, check=True,
                   timeout=SECONDS * 4 + 120)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(files)
    return rows


def test_every_mutant_ends_with_0_1_or_2(results: list[dict]) -> None:
    bad = [(Path(r["file"]).name, r["code"]) for r in results if r["code"] not in (0, 1, 2)]
    assert bad == []


def test_every_mutant_is_checked_within_its_bound(results: list[dict]) -> None:
    slow = [(Path(r["file"]).name, r["seconds"]) for r in results if r["seconds"] >= SECONDS]
    assert slow == []


def test_the_mutants_reach_every_outcome(results: list[dict]) -> None:
    """A fuzz run whose mutants all fail to read, or all pass, tests little."""
    codes = {r["code"] for r in results}
    assert {0, 2} <= codes and (1 in codes or len(results) < 50)
