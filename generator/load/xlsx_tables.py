"""Finding the statutory tables in a workbook by their labels, wherever they are.

The layouts of schemas/ (formats.md §2.2–2.4) say which label texts sit in which layout row
and which header cell governs each value cell.  A table is found in four steps:

1. rows — every layout row is identified by its texts: a body row by its row label (规章,
   1.属于国家秘密 …), a header or banner row by most of its header texts.  The sheet rows
   holding them are chained in layout order (monotone, the most rows matched, the fewest
   rows skipped), so blank rows, title lines and headings above, and other tables on the
   same sheet do not matter;
2. typos — a layout row still missing is looked for between its chained neighbours with
   difflib (ratio ≥ 0.8), and reported (rule LABELS);
3. labels — every label is then found in its sheet row(s); header cells give the sheet
   column of each value column, so blank columns may be inserted anywhere; identical header
   texts in one row (table 四's three groups of 结果维持…总计) are taken from the left;
4. value rows without a label of their own (table 四's one data row) are the first row
   below the header holding figures;
5. a group whose sub-rows are not printed but whose own label row holds figures (表三's
   （六）其他处理 printed as one row) is recorded as `Collapsed`.

A value whose row or column label cannot be found at all is "unlocated": LABELS reports it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from nianbao.load.xlsx_book import Pos, Sheet
from nianbao.load.xlsx_labels import FUZZY, similarity
from nianbao.load.xlsx_table_spec import LabelSpec, TableSpec, table_spec
from nianbao.schemas.layout import Path, TableLayout

STEP = 1000  # chain score of one matched row; each sheet row skipped or squeezed costs 1
GAP = 5  # blank or extra rows tolerated where a row must be guessed


@dataclass(frozen=True)
class Collapsed:
    """A group of rows printed as one row: its label (（六）其他处理) holding figures of its
    own, none of its sub-row labels printed — a provincial variant of 表三 (formats.md §3:
    the 2019 format's single （六） row, printed under 2021 tables).

    label: the group's label; found: its cell; parts: the value paths of the sub-rows (not
    printed, so unknown); cells: the group's own figures, group path + column key → cell.
    """

    label: LabelSpec
    found: Pos
    parts: tuple[Path, ...]
    cells: dict[Path, Pos]


@dataclass
class Located:
    """A table found on a sheet: the sheet position of every value cell it could place."""

    spec: TableSpec
    sheet: Sheet
    rows: dict[int, int]  # layout row → sheet row
    found: dict[Pos, Pos] = field(default_factory=dict)  # label anchor → sheet cell
    fuzzy: dict[Pos, str] = field(default_factory=dict)  # label anchor → text as written
    cells: dict[Path, Pos] = field(default_factory=dict)  # value path → sheet cell
    units: dict[Path, str] = field(default_factory=dict)  # value path → unit its header gave
    collapsed: list[Collapsed] = field(default_factory=list)  # groups printed as one row

    def expected(self, lab: LabelSpec) -> Pos | None:
        """Where a row label not found should be: between the rows around it, in the column
        of the labels found in its layout column (None when that cannot be told)."""
        prev = max((r for r in self.rows if r < lab.row), default=None)
        nxt = min((r for r in self.rows if r > lab.row), default=None)
        cols = [pos[1] for (r, c), pos in self.found.items() if c == lab.col]
        if lab.kind != "label" or prev is None or nxt is None or not cols:
            return None
        row = self.rows[prev] + lab.row - prev
        return (row, cols[0]) if row < self.rows[nxt] else None

    @property
    def corner(self) -> Pos:
        """Top-left of the labels found: where a missing label is reported."""
        rows, cols = zip(*self.found.values()) if self.found else ((1,), (1,))
        return min(rows), min(cols)


# ---- the layout, seen by the locator -------------------------------------------------------
def _candidates(spec: TableSpec, sheet: Sheet, r: int) -> list[int]:
    """Sheet rows holding enough of the texts of layout row r."""
    hits: dict[int, int] = {}
    for key in spec.keys[r]:
        for row in {pos[0] for pos in sheet.by_text.get(key, ())}:
            hits[row] = hits.get(row, 0) + 1
    return sorted(row for row, n in hits.items() if n >= spec.need[r])


def chain(spec: TableSpec, sheet: Sheet) -> tuple[dict[int, int], int]:
    """The best monotone assignment of layout rows to sheet rows, and its score."""
    nodes = [(r, row) for r in sorted(spec.keys) for row in _candidates(spec, sheet, r)]
    best: list[tuple[int, int]] = []  # (score, previous node)
    for i, (r, row) in enumerate(nodes):
        score, prev = STEP, -1
        for j in range(i):
            r2, row2 = nodes[j]
            if r2 < r and row2 < row:
                s = best[j][0] + STEP - abs((row - row2) - (r - r2))
                if s > score:
                    score, prev = s, j
        best.append((score, prev))
    if not best:
        return {}, 0
    i = max(range(len(best)), key=lambda k: best[k][0])
    top, rows = best[i][0], {}
    while i >= 0:
        rows[nodes[i][0]] = nodes[i][1]
        i = best[i][1]
    return rows, top


def found_enough(spec: TableSpec, rows: dict[int, int]) -> bool:
    """A chain counts as the table when a third of its identifiable rows were found."""
    return len(rows) >= max(2, -(-len(spec.keys) // 3))


# ---- step 2: rows with a typo in their label -----------------------------------------------
def _row_score(spec: TableSpec, sheet: Sheet, r: int, row: int) -> tuple[int, float]:
    matched, total = 0, 0.0
    texts = [sheet.texts[pos][0] for pos in sheet.by_row.get(row, ())]
    for key in spec.keys[r]:
        ratio = max((1.0 if t == key else similarity(key, t) for t in texts), default=0.0)
        if ratio >= FUZZY:
            matched, total = matched + 1, total + ratio
    return matched, total


def _guess_rows(spec: TableSpec, sheet: Sheet, rows: dict[int, int]) -> None:
    """Map the layout rows the chain missed, between their neighbours, by fuzzy labels."""
    for r in sorted(set(spec.keys) - set(rows)):
        prev = max((x for x in rows if x < r), default=None)
        nxt = min((x for x in rows if x > r), default=None)
        if prev is None and nxt is None:
            return
        if prev is not None:
            lo = rows[prev] + 1
        else:
            assert nxt is not None, "prev and nxt cannot both be None: that case returned above"
            lo = max(1, rows[nxt] - (nxt - r) - GAP)
        if nxt is not None:
            hi = rows[nxt] - 1
        else:
            assert prev is not None, "prev and nxt cannot both be None: that case returned above"
            hi = rows[prev] + (r - prev) + GAP
        used = set(rows.values())
        scored = [(_row_score(spec, sheet, r, row), -row) for row in range(lo, hi + 1)
                  if row not in used]
        scored = [s for s in scored if s[0][0] >= spec.need[r]]
        if scored:
            rows[r] = -max(scored)[1]


# ---- step 3: labels in their rows ----------------------------------------------------------
# A header may carry the unit of its column, as real 2019 reports print "采购总金额（单位：万元）"
# where the national table has "采购总金额": the same label, and the unit of its figures.
_UNIT_NOTE = re.compile(r"\(单位:(万元|元)\)")  # on normalised text (half-width brackets)


def unit_note(official: str, text: str) -> str | None:
    """'万元' when a normalised header is the official one followed by a unit note."""
    match = _UNIT_NOTE.fullmatch(text[len(official):]) if text.startswith(official) else None
    return match[1] if match else None


def _with_unit(loc: Located, lab: LabelSpec, claimed: set[Pos]) -> None:
    """Find a header of amount-with-unit cells written with its unit (2019 采购总金额)."""
    kinds = {s.path: s.value_kind for s in loc.spec.layout.slots}
    if lab.kind != "head" or not lab.paths or any(kinds.get(p) != "amount_unit"
                                                  for p in lab.paths):
        return
    for row in _sheet_rows(loc, lab):
        for pos in loc.sheet.by_row.get(row, ()):
            unit = unit_note(lab.norm, loc.sheet.texts[pos][0])
            if pos not in claimed and unit:
                loc.found[(lab.row, lab.col)] = pos
                claimed.add(pos)
                loc.units.update(dict.fromkeys(lab.paths, unit))
                return


def _sheet_rows(loc: Located, lab: LabelSpec) -> list[int]:
    """Sheet rows where a label may be: its own rows, else those between its neighbours."""
    rows = [loc.rows[r] for r in range(lab.row, lab.row + lab.rowspan) if r in loc.rows]
    if rows:
        return rows
    before = [loc.rows[x] for x in loc.rows if x < lab.row]
    after = [loc.rows[x] for x in loc.rows if x >= lab.row + lab.rowspan]
    if not before or not after:
        return []
    return list(range(max(before) + 1, min(after)))


def _find_labels(loc: Located) -> None:
    """Place every label in its sheet row(s): exact texts first (left to right), then typos."""
    claimed: set[Pos] = set()
    norms = {lab.norm for lab in loc.spec.labels}
    pending = []
    for lab in loc.spec.labels:
        where = [pos for row in _sheet_rows(loc, lab) for pos in loc.sheet.by_row.get(row, ())
                 if pos not in claimed and loc.sheet.texts[pos][0] == lab.norm]
        if where:
            loc.found[(lab.row, lab.col)] = where[0]
            claimed.add(where[0])
        else:
            _with_unit(loc, lab, claimed)
            if (lab.row, lab.col) not in loc.found:
                pending.append(lab)
    for lab in pending:
        scored = [(similarity(lab.norm, loc.sheet.texts[pos][0]), pos)
                  for row in _sheet_rows(loc, lab) for pos in loc.sheet.by_row.get(row, ())
                  if pos not in claimed and loc.sheet.texts[pos][0] not in norms]
        ratio, pos = max(scored, key=lambda s: s[0], default=(0.0, (0, 0)))
        if ratio >= FUZZY:
            loc.found[(lab.row, lab.col)] = pos
            loc.fuzzy[(lab.row, lab.col)] = loc.sheet.texts[pos][1]
            claimed.add(pos)


# ---- step 4: value cells ---------------------------------------------------------------------
def _columns(loc: Located, r: int) -> dict[int, list[int]]:
    """Grid column → candidate sheet columns (the header's merged width) for value row r."""
    out = {}
    for (vr, vc), head in loc.spec.head_of.items():
        pos = loc.found.get((head.row, head.col))
        if vr == r and pos is not None:
            last = loc.sheet.extent.get(pos, pos)[1]
            out[vc] = list(range(pos[1], last + 1))
    return out


def _data_row(loc: Located, r: int) -> None:
    """A value row without a label: the first row below the header that holds figures."""
    before = [loc.rows[x] for x in loc.rows if x < r]
    after = [loc.rows[x] for x in loc.rows if x > r]
    if not before:
        return
    lo, hi = max(before) + 1, min(after + [max(before) + 1 + GAP + 1])
    cols = {c for cs in _columns(loc, r).values() for c in cs}
    for row in range(lo, hi):
        if cols & set(loc.sheet.row_cells(row)):
            loc.rows[r] = row
            return
    if lo < hi:
        loc.rows[r] = lo


def _value_cell(loc: Located, row: int, cols: list[int]) -> Pos:
    """The cell holding a value: the merged anchor, or a filled cell under a wide header."""
    first = loc.sheet.anchor((row, cols[0]))
    if loc.sheet.raw(first) is None:
        for col in cols[1:]:
            pos = (row, col)
            if pos not in loc.sheet.covered and loc.sheet.raw(pos) is not None:
                return pos
    return first


def _place_values(loc: Located) -> None:
    for r in loc.spec.data_rows:
        _data_row(loc, r)
    columns: dict[int, dict[int, list[int]]] = {}
    for slot in loc.spec.layout.slots:
        row = loc.rows.get(slot.grid_row)
        if slot.grid_row not in columns:
            columns[slot.grid_row] = _columns(loc, slot.grid_row)
        cols = columns[slot.grid_row].get(slot.grid_col)
        if row is not None and cols:
            loc.cells[slot.path] = _value_cell(loc, row, cols)


def _collapsed(loc: Located) -> None:
    """Groups printed as a single row (step 5): a group label found, none of its sub-row
    labels, and figures in the value columns of its row.  Only recorded here: whoever
    reads the table decides what to make of it (the workbook reader ignores it)."""
    spec = loc.spec
    for lab in spec.labels:
        if lab.kind != "label" or lab.rowspan < 2 or (lab.row, lab.col) not in loc.found:
            continue
        subs = [s for s in spec.labels if s.kind == "label" and s.col > lab.col
                and lab.row <= s.row < lab.row + lab.rowspan]
        if not subs or any((s.row, s.col) in loc.found for s in subs):
            continue
        found = loc.found[(lab.row, lab.col)]
        columns = _columns(loc, lab.row)
        cells = {slot.path[:-2] + slot.path[-1:]: _value_cell(loc, found[0], columns[slot.grid_col])
                 for slot in spec.layout.slots
                 if slot.grid_row == lab.row and slot.grid_col in columns}
        if any(loc.sheet.raw(pos) is not None for pos in cells.values()):
            parts = tuple(p for s in subs for p in s.paths)
            loc.collapsed.append(Collapsed(lab, found, parts, cells))


def copies(layout: TableLayout, sheets: Sequence[Sheet]) -> list[tuple[Sheet, Pos]]:
    """Where the table appears, when it appears more than once (else an empty list).

    A copy is a place holding most of the table's own row labels (labels no other row of
    the layout shares): on several sheets, or twice on one sheet.  Reading one copy and
    ignoring the other would publish figures the clerk may not have meant.
    """
    spec = table_spec(layout)
    own = [lab.norm for lab in spec.labels if lab.kind == "label" and lab.governing
           and sum(other.norm == lab.norm for other in spec.labels) == 1]
    if not own:
        return []
    places: list[tuple[Sheet, Pos]] = []
    for sheet in sheets:
        counts = sorted(len(sheet.by_text.get(norm, ())) for norm in own)
        times = counts[len(counts) // 2]  # the median: a stray repeated label is no copy
        first = sheet.by_text.get(own[0], [])
        for k in range(times):
            places.append((sheet, first[k] if k < len(first) else (1, 1)))
    return places if len(places) > 1 else []


def locate(layout: TableLayout, sheets: Sequence[Sheet]) -> Located | None:
    """Find a table on the sheets (the sheet where most of its rows are found), or None."""
    spec = table_spec(layout)
    best: tuple[int, Sheet, dict[int, int]] | None = None
    for sheet in sheets:
        rows, score = chain(spec, sheet)
        if found_enough(spec, rows) and (best is None or score > best[0]):
            best = (score, sheet, rows)
    if best is None:
        return None
    loc = Located(spec, best[1], best[2])
    _guess_rows(spec, loc.sheet, loc.rows)
    _find_labels(loc)
    _place_values(loc)
    _collapsed(loc)
    return loc
