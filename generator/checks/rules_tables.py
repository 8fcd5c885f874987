"""Rules over the statutory tables: sums, balances, signs and blanks (rules.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from nianbao.checks.engine import CellRef, Context, Finding, Path, rule
from nianbao.schemas.features import STATUTORY_TABLES, TABLE2_STOCK, TABLE3_OUTCOMES, TABLE4

RULE_BASIS_NOTE = "官方：表三表头注“本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和”"


def _t3_rows(ctx: Context) -> list[Path]:
    """Every numeric row of 表三 in printed order, as model paths (from the edition layout);
    the sub-rows of a group printed as one row give way to that row (its own figures)."""
    slots = ctx.checked.edition.table("三").slots
    groups = {p[:-1] for p in ctx.group_rows}
    return list(dict.fromkeys(s.path[:-2] if s.path[:-2] in groups else s.path[:-1]
                              for s in slots))


def _outcome_rows(ctx: Context) -> list[Path]:
    """The rows each request is counted in exactly once (予以公开 … 其他处理): every row
    between 二、上年结转 and （七）总计 in the printed order."""
    return _t3_rows(ctx)[2:-2]


def _columns(ctx: Context) -> list[str]:
    """Applicant columns of 表三, 总计 last."""
    return list(dict.fromkeys(s.path[-1] for s in ctx.checked.edition.table("三").slots))


def _sum_terms(paths: Sequence[Path]) -> dict[Path, int]:
    """The equation “the last path is the sum of the others” as coefficients."""
    return {p: 1 for p in paths[:-1]} | {paths[-1]: -1}


def _values(ctx: Context, paths: Iterable[Path]) -> list[int] | None:
    """Values of all paths, or None when any is blank (BLANK reports blanks)."""
    vals = [ctx.value(p) for p in paths]
    return None if any(v is None for v in vals) else vals


@rule("T3-BALANCE", "error", RULE_BASIS_NOTE,
      "表三每一列：一（本年新收）＋二（上年结转）＝三（七）总计＋四（结转下年度）", needs=(TABLE3_OUTCOMES,))
def t3_balance(ctx: Context) -> Iterator[Finding]:
    for col in _columns(ctx):
        paths = [("table3", r, col) for r in ("new", "carry_in", "total", "carry_out")]
        vals = _values(ctx, paths)
        if vals is None or vals[0] + vals[1] == vals[2] + vals[3]:
            continue
        cells = [ctx.cell(p) for p in paths]
        left, right = vals[0] + vals[1], vals[2] + vals[3]
        yield Finding("T3-BALANCE", "error",
                      f"表三“{cells[0].column}”列不平衡：第一项{vals[0]}加第二项{vals[1]}"
                      f"等于{left}，第三项总计{vals[2]}加第四项{vals[3]}等于{right}，两者应相等",
                      cells, expected=left, actual=right,
                      terms=dict(zip(paths, (1, 1, -1, -1), strict=True)))


@rule("T3-ROWSUM", "error", "表头含义：总计为各类申请人之和",
      "表三每一行：总计＝自然人＋商业企业＋科研机构＋社会公益组织＋法律服务机构＋其他", needs=(TABLE3_OUTCOMES,))
def t3_rowsum(ctx: Context) -> Iterator[Finding]:
    cols = _columns(ctx)
    for row in _t3_rows(ctx):
        paths = [row + (c,) for c in cols]
        vals = _values(ctx, paths)
        if vals is None or sum(vals[:-1]) == vals[-1]:
            continue
        total = ctx.cell(paths[-1])
        yield Finding("T3-ROWSUM", "error",
                      f"表三“{total.row}”行：各类申请人之和为{sum(vals[:-1])}，"
                      f"但“总计”列填的是{vals[-1]}",
                      [ctx.cell(p) for p in paths], expected=sum(vals[:-1]), actual=vals[-1],
                      terms=_sum_terms(paths))


@rule("T3-OUTCOMES", "error", "每件申请只计入一种办理结果（部分公开只计一次）",
      "表三每一列：（七）总计＝（一）至（六）各办理结果之和", needs=(TABLE3_OUTCOMES,))
def t3_outcomes(ctx: Context) -> Iterator[Finding]:
    for col in _columns(ctx):
        paths = [r + (col,) for r in _outcome_rows(ctx)]
        total_path = ("table3", "total", col)
        vals = _values(ctx, paths + [total_path])
        if vals is None or sum(vals[:-1]) == vals[-1]:
            continue
        total = ctx.cell(total_path)
        nonzero = [ctx.cell(p) for p, v in zip(paths, vals, strict=False) if v]
        yield Finding("T3-OUTCOMES", "error",
                      f"表三“{total.column}”列：各项办理结果之和为{sum(vals[:-1])}，"
                      f"但“{total.row.rsplit(' / ', 1)[-1]}”填的是{vals[-1]}",
                      nonzero + [total], expected=sum(vals[:-1]), actual=vals[-1],
                      terms=_sum_terms(paths + [total_path]))


@rule("T4-SUM", "error", "表头含义：总计为四种结果之和",
      "表四：行政复议、未经复议直接起诉、复议后起诉各自的总计＝结果维持＋结果纠正＋其他结果＋尚未审结", needs=(TABLE4,))
def t4_sum(ctx: Context) -> Iterator[Finding]:
    slots = ctx.checked.edition.table("四").slots
    leaves = list(dict.fromkeys(s.path[-1] for s in slots))
    groups = {s.path[1]: s.column_label.rsplit(" / ", 1)[0] for s in slots}
    for group, text in groups.items():
        paths = [("table4", group, c) for c in leaves]
        vals = _values(ctx, paths)
        if vals is None or sum(vals[:-1]) == vals[-1]:
            continue
        yield Finding("T4-SUM", "error",
                      f"表四“{text}”：结果维持、结果纠正、其他结果、尚未审结之和为"
                      f"{sum(vals[:-1])}，但“总计”填的是{vals[-1]}",
                      [ctx.cell(p) for p in paths], expected=sum(vals[:-1]), actual=vals[-1],
                      terms=_sum_terms(paths))


# Needs the statutory tables: the 2008 edition has no table cells and no 信息处理费 figures,
# and its key figures are NonNegCount, so a negative one makes the file unreadable (a located
# SchemaError, exit 2) — listed for 2008, the rule could never fire (conformance suite).
@rule("VAL-NONNEG", "error", "件数为非负整数，金额不为负（2019年格式“本年增/减”除外）",
      "件数和金额不能为负数", needs=(STATUTORY_TABLES,))
def val_nonneg(ctx: Context) -> Iterator[Finding]:
    kinds = {s.path: s.value_kind for s in ctx.checked.edition.slots}
    for path in list(kinds) + list(ctx.group_rows):
        v = ctx.value(path)
        if v is not None and kinds.get(path) != "delta" and v < 0:
            cell = ctx.cell(path)
            yield Finding("VAL-NONNEG", "error", f"{cell.words()}为{v}，件数和金额不能为负数",
                          [cell], expected="≥ 0", actual=v)
    fees = ctx.report.fees
    for key in ("notices", "amount_billed", "amount_collected"):
        v = getattr(fees, key, None) if fees else None
        if v is not None and v < 0:
            title = type(fees).model_fields[key].title
            yield Finding("VAL-NONNEG", "error", f"信息处理费“{title}”为{v}，不能为负数",
                          [], expected="≥ 0", actual=v,
                          where=ctx.checked.sources.find(("fees", key)))


@rule("VAL-NUMBER", "error", "表格单元格只填数字（件数为整数，金额以万元计）",
      "表格数值单元格填的是数字（“约356”“三百”无法计算；其余检查照常进行）", needs=(STATUTORY_TABLES,))
def val_number(ctx: Context) -> Iterator[Finding]:
    for path, message in ctx.checked.unreadable.items():
        yield Finding("VAL-NUMBER", "error", message,
                      [replace(ctx.cell(path), value=_typed(ctx, path))],
                      actual=_typed(ctx, path))


@rule("VAL-UNIT", "info", "单位与表格的计量单位一致时去掉单位，数字不变",
      "表格数字后带的单位（件、条、万元）已去掉，按数字读取", needs=(STATUTORY_TABLES,))
def val_unit(ctx: Context) -> Iterator[Finding]:
    for path, (typed, unit) in ctx.checked.units.items():
        cell = ctx.cell(path)
        yield Finding("VAL-UNIT", "info",
                      f"{cell.words()}填的是“{typed}”：已去掉单位“{unit}”，按{cell.value}读取；"
                      "表格中只填数字即可", [cell], actual=typed)


def _typed(ctx: Context, path: Path) -> object:
    """What the input held at a path (the model holds None where it was no figure)."""
    node: object = ctx.checked.raw.data if ctx.checked.raw else None
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


@rule("BLANK", "error", "无全国统一规定；空白不等于0，绝不静默当作0",
      "表格数值单元格不能空白（选择“空白按0计”时改为提示）", needs=(STATUTORY_TABLES,))
def blank(ctx: Context) -> Iterator[Finding]:
    if ctx.zeroed:
        cells = [ctx.cell(p) for p in ctx.zeroed]
        names = "；".join(c.words() for c in cells[:20]) + ("等" if len(cells) > 20 else "")
        yield Finding("BLANK", "info", f"已按要求将{len(cells)}个空白单元格按0计：{names}",
                      cells)
        return
    raw = ctx.checked.raw
    skip = (raw.unlocated if raw else set()) | set(ctx.checked.unreadable)
    spelled = raw.zero_spellings if raw else {}
    paths = [s.path for s in ctx.checked.edition.slots] + list(ctx.group_rows)
    by_table: dict[str, list[CellRef]] = {}
    for path in paths:
        if ctx.value(path) is None and path not in skip:
            cell = ctx.cell(path)
            by_table.setdefault(cell.table, []).append(cell)
    for table, cells in by_table.items():
        yield _blank_finding(ctx, table, cells, spelled)


BLANK_TODO = "请填入数字（没有发生的填0）"


def _blank_finding(ctx: Context, table: str, cells: list[CellRef],
                   spelled: dict[Path, str]) -> Finding:
    """One finding per table (issue 19 §6: an empty workbook is a handful of findings, not
    200): the cells all listed, for the JSON and the annotated copy; the rows named in words."""
    marks = [spelled[c.path] for c in cells if c.path in spelled]
    wrote = ("（填的是“" + "”“".join(dict.fromkeys(marks)) + "”）") if marks else ""
    if len(cells) == 1:
        message = f"{cells[0].words()}没有填写{wrote}：{BLANK_TODO}"
    elif len(cells) == len(ctx.checked.edition.table(table).slots):
        message = f"表{table}的{len(cells)}个单元格都没有填写{wrote}：{BLANK_TODO}"
    else:
        message = f"表{table}有{len(cells)}个单元格没有填写{wrote}：{_rows_in_words(ctx, table, cells)}。{BLANK_TODO}"
    return Finding("BLANK", "error", message, cells,
                   cell_message=f"此格没有填写：{BLANK_TODO}" if len(cells) > 1 else None)


def _rows_in_words(ctx: Context, table: str, cells: list[CellRef], most: int = 4) -> str:
    """“（一）予以公开”行；“（二）部分公开”行的“自然人”“其他”列 … 等."""
    per_row: dict[str, list[str]] = {}
    for c in cells:
        per_row.setdefault(c.row, []).append(c.column)
    width: dict[str, int] = {}
    for slot in ctx.checked.edition.table(table).slots:
        width[slot.row_label] = width.get(slot.row_label, 0) + 1
    parts = []
    for row, columns in list(per_row.items())[:most]:
        name = f"“{row}”行" if row else ""
        if len(columns) == width.get(row, 0) and len(columns) > 1:
            parts.append(f"{name}整行")
        else:
            parts.append(name + ("的" if name else "") + "".join(f"“{c}”" for c in columns) + "列")
    return "；".join(parts) + ("等" if len(per_row) > most else "")


@rule("LABELS", "warning", "电子表格中的标签应与正式名称一致（已忽略全半角和空白的差别）",
      "表格标签与正式名称一致；无法识别的行或列为错误", needs=(STATUTORY_TABLES,))
def labels(ctx: Context) -> Iterator[Finding]:
    raw = ctx.checked.raw
    for note in (raw.notes if raw else []):
        cells = [ctx.cell(p) for p in note.paths]
        if note.message:  # a deviation in the table's shape (a group printed as one row)
            yield Finding("LABELS", "warning", note.message, [], expected=note.official,
                          actual=note.found, where=note.where)
        elif note.found is None:
            yield Finding("LABELS", "error",
                          f"找不到标签“{note.official}”：这一行（列）的数字无法读取，请按正式表格"
                          "补上该标签", cells, expected=note.official, where=note.where)
        else:
            yield Finding("LABELS", "warning",
                          f"标签“{note.found}”与正式名称“{note.official}”不一致，已按"
                          f"“{note.official}”读取，请改正", [], expected=note.official,
                          actual=note.found, where=note.where)


@rule("T2-STOCK", "warning", "经验规则：现行有效件数一般不少于本年制发件数",
      "表二：规章、行政规范性文件的现行有效件数应不少于本年制发件数",
      needs=(TABLE2_STOCK,))
def t2_stock(ctx: Context) -> Iterator[Finding]:
    for row in ("regulations", "normative_documents"):
        issued, in_force = ("table2", row, "issued"), ("table2", row, "in_force")
        vals = _values(ctx, (issued, in_force))
        if vals is None or vals[1] >= vals[0]:
            continue
        cells = [ctx.cell(issued), ctx.cell(in_force)]
        yield Finding("T2-STOCK", "warning",
                      f"表二“{cells[0].row}”：现行有效件数{vals[1]}少于本年制发件数{vals[0]}，"
                      "请核实（本年制发的文件通常仍然有效）",
                      cells, expected=f"≥ {vals[0]}", actual=vals[1])
