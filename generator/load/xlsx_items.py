"""Reading the 2008 edition's sheets (2007 条例第三十二条): 正文 sections and 关键数据.

Called by `generator.load.xlsx_reader` for an edition of family "items", after 基本信息.
The layout is the one `generator.write.workbook_items` writes, found by its labels rather than by
fixed cells:

- 正文: the header row holding 标题 · 对应条例事项 · 内容 (any columns, any row; 对应条例事项
  may be left out); below it, the 导语 row (its 标题 cell is the intro's title) and one
  section per row, in order.  Empty rows are skipped.  对应条例事项 is matched after
  normalising width and white space against 概述 and the items' official wording; the
  item number alone ("（三）", "(三)"), the default heading and the model id
  ("charges") are accepted too.  Anything else is a problem naming the cell.
- 关键数据: each figure found by its title (`schemas.fields.figure_fields`), its value the
  first filled cell to the right — the same lookup as 基本信息.

The narrative read here replaces whatever the generic 正文 lookup found (the 2021 fields'
titles, such as "六、其他需要报告的事项", can be a 2008 section's heading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao import schemas
from nianbao.errors import Problem
from nianbao.load.xlsx_labels import normalise, without_note
from nianbao.load.xlsx_values import as_text
from nianbao.schemas import edition2008 as e08
from nianbao.schemas.fields import SECTIONS_HEAD, SHEET_FIGURES, SHEET_TEXT, figure_fields

if TYPE_CHECKING:
    from nianbao.load.xlsx_book import Pos, Sheet
    from nianbao.load.xlsx_reader import _Reader

INTRO_TITLE = e08.Narrative2008.model_fields["intro"].title or "导语"


def _item_names() -> dict[str, str]:
    """Normalised spellings of each item → its id."""
    names: dict[str, str] = {}
    for item in e08.ITEM_IDS:
        for text in (item, e08.ITEM_LABEL[item], e08.ITEM_HEADING[item],
                     e08.ITEM_NUMBER.get(item, e08.ITEM_LABEL[item])):
            names[normalise(text)] = item
    return names


ITEM_NAMES = _item_names()


def item_of(text: str) -> str | None:
    """The item id a 对应条例事项 cell names, or None when it names none."""
    return ITEM_NAMES.get(normalise(text))


def _sheet(reader: _Reader, title: str) -> Sheet | None:
    return next((s for s in reader.book.sheets if normalise(s.title) == normalise(title)),
                None)


def _header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(row, {"heading": col, "item": col, "text": col}) of the 正文 header row."""
    keys = ("heading", "item", "text")
    wanted = {normalise(t): k for t, k in zip(SECTIONS_HEAD, keys, strict=True)}
    for row, positions in sorted(sheet.by_row.items()):
        cols = {wanted[sheet.texts[p][0]]: p[1] for p in positions
                if sheet.texts[p][0] in wanted}
        if "heading" in cols and "text" in cols:
            return row, cols
    return None


def _cell_text(reader: _Reader, sheet: Sheet, pos: Pos) -> Any:
    value = as_text(reader.value(sheet, pos))
    return value if not (isinstance(value, str) and not value.strip()) else None


def read_sections(reader: _Reader) -> None:
    """narrative.intro and narrative.sections from the 正文 sheet, with their cells."""
    sheet = _sheet(reader, SHEET_TEXT)
    if sheet is None:
        return
    found = _header(sheet)
    if found is None:
        reader.problems.append(Problem(f"{reader.name} 工作表“{sheet.title}”",
                                       "找不到表头“" + " | ".join(SECTIONS_HEAD) + "”：请按"
                                       " nianbao init 生成的工作簿填写正文各部分"))
        return
    top, cols = found
    intro_names = {normalise(INTRO_TITLE), normalise(without_note(INTRO_TITLE))}
    narrative: dict[str, Any] = {"sections": []}
    reader.sources[("narrative",)] = reader.source(sheet, (top, cols["heading"]))
    reader.sources[("narrative", "sections")] = reader.source(sheet, (top, cols["heading"]))
    for row in sorted(r for r in sheet.filled if r > top):
        cells = {k: (row, c) for k, c in cols.items()}
        values = {k: _cell_text(reader, sheet, pos) for k, pos in cells.items()}
        if all(v is None for v in values.values()):
            continue
        heading = values["heading"]
        if isinstance(heading, str) and normalise(heading) in intro_names:
            narrative["intro"] = values["text"]
            reader.sources[("narrative", "intro")] = reader.source(sheet, cells["text"])
            continue
        path = ("narrative", "sections", str(len(narrative["sections"])))
        reader.sources[path] = reader.source(sheet, cells["heading"])
        section: dict[str, Any] = {}
        for key, pos in cells.items():
            reader.sources[path + (key,)] = reader.source(sheet, pos)
            value = values[key]
            if value is None:
                continue
            if key == "item":
                value = _item(reader, sheet, pos, value)
            section[key] = value
        narrative["sections"].append(section)
    reader.data["narrative"] = narrative


def _item(reader: _Reader, sheet: Sheet, pos: Pos, value: Any) -> Any:
    item = item_of(str(value))
    if item is None:
        allowed = "、".join(f"“{e08.ITEM_LABEL[i]}”" for i in e08.ITEM_IDS)
        reader.problems.append(Problem(str(reader.source(sheet, pos)),
                                       f"“对应条例事项”填的是“{value}”，应为以下之一（或空着）："
                                       f"{allowed}"))
    return item or value


def read_figures(reader: _Reader, edition: schemas.Edition) -> None:
    """figures.* from the 关键数据 sheet, each by its title."""
    sheet = _sheet(reader, SHEET_FIGURES)
    if sheet is not None:
        reader._read_sheet_fields(sheet, figure_fields(edition.model))


def read_items(reader: _Reader, edition: schemas.Edition) -> None:
    """Everything a 2008 workbook holds besides 基本信息."""
    reader.data.pop("narrative", None)  # see the module docstring
    read_sections(reader)
    read_figures(reader, edition)
