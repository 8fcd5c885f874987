"""A group of rows printed as a single row: the provincial 表三 variant whose （六）其他处理 is
one row with its own figures, without the sub-rows 1.… 2.… 3.其他 of the 2021 format
(formats.md §2.3, §3: the 2019 format's single row, printed under 2021 tables; issue 18 §5).

The locator records such a group (xlsx_tables.Collapsed); here it is read:

- the group's own figures go to `RawReport.group_rows` (group path + column → value), each
  with the cell that printed it, so the sums (T3-OUTCOMES, T3-ROWSUM) use them in place of
  the sub-rows;
- the sub-rows are unknown: unlocated (neither zeros nor blanks: BLANK skips them,
  --blank-as-zero does not zero them), and instead of one LABELS error per missing sub-row
  label, one LABELS warning names what was printed and the official layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao.errors import Problem
from nianbao.load.xlsx_tables import Collapsed, Located
from nianbao.load.xlsx_values import as_count, zero_spelling

if TYPE_CHECKING:
    from nianbao.load.xlsx_reader import _Reader


def collapsed_message(table: str, printed: str, group: Collapsed) -> str:
    """The LABELS warning: what was printed, the official layout, what was done."""
    subs = list(dict.fromkeys(p[:-1] for p in group.parts))  # in printed order
    names = "、".join(f"“{_sub_label(group, sub)}”" for sub in subs)
    return (f"表{table}“{printed}”印成了一行，没有其下的{len(subs)}个分项：正式格式中"
            f"“{group.label.text}”分为{names}{len(subs)}行。已按这一行的数字计入合计，各分项的"
            "数字未知；请按正式表格分行填写")


def _sub_label(group: Collapsed, sub: tuple[str, ...]) -> str:
    """The official label of a sub-row (the layout's, never retyped)."""
    from nianbao import schemas

    for edition in schemas.EDITIONS.values():
        for slot in edition.slots:
            if slot.path[:-1] == sub and slot.row_label:
                return slot.row_label.rsplit(" / ", 1)[-1]
    return "/".join(sub)


def read_collapsed(reader: _Reader, loc: Located, group_rows: dict[tuple[str, ...], Any]
                   ) -> None:
    """Read every group of a located table printed as one row (see the module docstring)."""
    from nianbao.load import LabelNote

    for group in loc.collapsed:
        parts = set(group.parts)
        reader.notes[:] = [n for n in reader.notes if not (n.paths and set(n.paths) <= parts)]
        printed = loc.sheet.texts[group.found][1]
        message = collapsed_message(loc.spec.layout.table_id, printed, group)
        reader.notes.append(LabelNote(group.label.text, printed,
                                      reader.source(loc.sheet, group.found), group.parts,
                                      message))
        for path, pos in group.cells.items():
            reader.sources[path] = reader.source(loc.sheet, pos)
            group_rows[path] = _count(reader, loc, path, pos, group)


def _count(reader: _Reader, loc: Located, path: tuple[str, ...], pos: Any,
           group: Collapsed) -> Any:
    """A figure of the group's row: a whole number, None when blank or spelled "—"."""
    value = loc.sheet.raw(pos)
    spelled = zero_spelling(value)
    if spelled is not None:
        reader.zero_spellings[path] = spelled
        return None
    number = as_count(value)
    if number is not None and not isinstance(number, int):
        reader.problems.append(Problem(str(reader.source(loc.sheet, pos)),
                                       f"表{loc.spec.layout.table_id}“{group.label.text}”行："
                                       f"“{value}”不是整数，请填写件数"))
        return None
    return number
