"""Validate: plain values → one edition's pydantic Report, every error located in Chinese."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nianbao import schemas
from nianbao.errors import Problem, SchemaError
from nianbao.load import RawReport
from nianbao.provenance import Sources, key_path
from nianbao.schemas.common import AgencyKind
from nianbao.schemas.numbers import split_unit
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails


@dataclass
class Validated:
    """A report that matches its edition's schema, with the provenance of its values."""

    report: Any
    edition: schemas.Edition
    sources: Sources
    file: str
    declared_edition: str | None = None
    raw: RawReport | None = None
    zeroed: tuple[tuple[str, ...], ...] = ()
    # table cells whose figure came with a unit taken off ("356件"): path → (typed, unit)
    units: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    # table cells whose value is not a figure ("约356"): path → the located message; the
    # model holds None there, so the rest of the report is still checked (VAL-NUMBER)
    unreadable: dict[tuple[str, ...], str] = field(default_factory=dict)


def choose_edition(data: dict[str, Any], override: str | None, file: str) -> schemas.Edition:
    """The edition named by --edition, else by the file's `edition:`, else by its year."""
    wanted = override or data.get("edition")
    if wanted is None:
        year = data.get("year")
        wanted = schemas.edition_for_year(year) if isinstance(year, int) else schemas.latest().id
    wanted = str(wanted)
    if wanted not in schemas.EDITIONS:
        known = "、".join(sorted(schemas.EDITIONS))
        raise SchemaError([Problem(f"{file} edition", f"不支持的格式版本“{wanted}”："
                                   f"本版本支持 {known} 年格式")])
    return schemas.EDITIONS[wanted]


def validate(raw: RawReport, edition: str | None = None,
             blank_as_zero: bool = False) -> Validated:
    """Validate raw values against the edition's model; raise SchemaError listing all errors.

    blank_as_zero: blank value cells (and "—", "-", "/", "无") are read as 0; the paths are
    kept so the BLANK rule can list them in one info finding.
    """
    chosen = choose_edition(raw.data, edition, raw.file)
    data = copy.deepcopy(raw.data)
    declared = data.get("edition")
    if edition is None and declared is None:
        chosen = _edition_of_tables(data, chosen)
    zeroed = _zero_blanks(data, chosen, raw) if blank_as_zero else ()
    units = _take_units(data, chosen)
    # the table set decides the edition; a mismatch with the year is the EDITION-YEAR rule's
    # business (a finding), not a schema failure
    data["edition"] = chosen.id
    report, unreadable = _model(chosen, data, raw.sources)
    return Validated(report, chosen, raw.sources, raw.file,
                     str(declared) if declared is not None else None, raw, zeroed,
                     units, unreadable)


def _model(edition: schemas.Edition, data: dict[str, Any], sources: Sources
           ) -> tuple[Any, dict[tuple[str, ...], str]]:
    """The edition's model of the data.  A table cell that holds no figure ("约356", "三百")
    is one cell's problem, not the file's (issue 19 §8): it is set blank, remembered with its
    located message, and the rest of the report is still checked.  Anything else that does
    not fit (an unknown key, a date that is no date) leaves the file unreadable, every
    problem listed at once."""
    unreadable: dict[tuple[str, ...], str] = {}
    for _ in range(2):   # the second pass only sees the cells set blank by the first
        try:
            return edition.model.model_validate(data), unreadable
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            cells = {path: err for err in errors
                     if (path := tuple(str(p) for p in err["loc"])) and _is_value_cell(path, edition)
                     and err["type"] not in ("extra_forbidden", "missing")}
            if not cells or len(cells) < len(errors):
                raise SchemaError(_problems(exc, edition, sources)) from None
            for path, err in cells.items():
                unreadable[path] = _message(err, path, edition) + _advice(err)
                _put(data, path, None)
    raise AssertionError("a table cell set blank still failed validation")  # pragma: no cover


def _advice(err: ErrorDetails) -> str:
    """What to do, unless the message already says it (“数字过大…，请核对”)."""
    text = str(err.get("msg", ""))
    if "请" in text:
        return ""
    return "，请只填阿拉伯数字（如 356）" if text.endswith("不是数字") else "，请改正"


def _is_value_cell(path: tuple[str, ...], edition: schemas.Edition) -> bool:
    try:
        edition.slot(path)
    except KeyError:
        return False
    return True


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _take_units(data: dict[str, Any], edition: schemas.Edition
                ) -> dict[tuple[str, ...], tuple[str, str]]:
    """Take a unit off a table figure where it cannot change the figure ("356件" → 356;
    numbers.split_unit says which); return what was typed, for an info finding (VAL-UNIT)."""
    taken = {}
    for slot, node in _holders(data, edition, create=False):
        typed = node.get(slot.path[-1])
        split = split_unit(typed, slot.value_kind)
        if split is not None and isinstance(typed, str):
            node[slot.path[-1]] = split[0]
            taken[slot.path] = (typed.strip(), split[1])
    return taken


def _edition_of_tables(data: dict[str, Any], by_year: schemas.Edition) -> schemas.Edition:
    """The edition whose tables the file's keys are, when it names none and its year's
    edition does not know them: a 2019 report written with 2021 keys is one EDITION-YEAR
    error ("2019年度的报告应使用2019年格式"), as the workbook reader gives, not ten unknown
    keys (issue 19 §9).  The year's edition whenever no other fits better."""
    if not _foreign_table_keys(by_year, data):
        return by_year
    for other in schemas.EDITIONS.values():
        if other is not by_year and not _foreign_table_keys(other, data):
            return other
    return by_year


def _foreign_table_keys(edition: schemas.Edition, data: dict[str, Any]) -> bool:
    try:
        edition.model.model_validate({**data, "edition": edition.id})
    except ValidationError as exc:
        return any(e["type"] == "extra_forbidden" and str(e["loc"][0]).startswith("table")
                   for e in exc.errors(include_url=False))
    return False


def _zero_blanks(data: dict[str, Any], edition: schemas.Edition, raw: RawReport
                 ) -> tuple[tuple[str, ...], ...]:
    """Set every blank value cell of the tables to 0; return the paths set."""
    zeroed = []
    for slot, node in _holders(data, edition, create=True):
        if slot.path in raw.unlocated:
            continue
        current = node.get(slot.path[-1])
        if current is None or (isinstance(current, str) and not current.strip()):
            node[slot.path[-1]] = 0
            zeroed.append(slot.path)
    return tuple(zeroed)


def _holders(data: dict[str, Any], edition: schemas.Edition, create: bool
             ) -> Iterator[tuple[schemas.ValueSlot, dict[str, Any]]]:
    """Every value cell of the edition's tables with the mapping of the data that holds it
    (created on the way when ``create``); cells whose place in the data is no mapping are
    left out (the model names them)."""
    for slot in edition.slots:
        node: Any = data
        for key in slot.path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(key, {}) if create else node.get(key)
        if isinstance(node, dict):
            yield slot, node


def _problems(exc: ValidationError, edition: schemas.Edition, sources: Sources) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        path = tuple(str(p) for p in err["loc"])
        where = str(sources.find(path))
        problems.append(Problem(where, _message(err, path, edition)))
    return problems


def _message(err: ErrorDetails, path: tuple[str, ...], edition: schemas.Edition) -> str:
    kind = err["type"]
    cell = _cell_words(path, edition)
    if kind == "extra_forbidden":
        return _unknown_key(path, edition)
    if kind == "missing":
        return f"缺少必填项“{path[-1]}”（{_title(path, edition)}），请补上"
    if kind.startswith("nianbao_"):
        return f"{cell}{err['msg']}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"{cell}应为整数"
    if kind.startswith("date"):
        given = err.get("input")
        if isinstance(given, str) and given:
            return f"{cell}“{given[:30]}”不是有效的日期，写法如 2025-01-20"
        return f"{cell}应为日期，写法如 2025-01-20"
    if kind == "enum":
        allowed = "、".join(k.value for k in AgencyKind)
        return f"{cell}应为以下之一：{allowed}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{cell}此处应为一组键值（下一级缩进的若干“键: 值”）"
    if kind in ("string_type",):
        return f"{cell}应为文字"
    if kind in ("bool_type", "bool_parsing"):
        return f"{cell}应为 true 或 false"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{cell}取值超出范围（{err['msg']}）"
    if kind in ("string_too_short",):
        return f"{cell}不能为空"
    if kind in ("string_too_long",):
        return f"{cell}过长"
    if kind == "literal_error":
        return f"{cell}取值不对：{err['msg']}"
    return f"{cell}{err['msg']}"


def _cell_words(path: tuple[str, ...], edition: schemas.Edition) -> str:
    """'表三“…”行“自然人”列：' for table cells, else '“机关名称”：'."""
    try:
        slot = edition.slot(path)
    except KeyError:
        return f"“{_title(path, edition)}”："
    row = f"“{slot.row_label}”行" if slot.row_label else ""
    return f"表{slot.table}{row}“{slot.column_label}”列："


def _model_at(path: tuple[str, ...], model: type[BaseModel]) -> type[BaseModel] | None:
    """The pydantic model class that holds the last key of a path."""
    for key in path[:-1]:
        info = model.model_fields.get(key)
        ann = getattr(info, "annotation", None) if info else None
        ann = _unwrap(ann)
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        model = ann
    return model


def _unwrap(ann: Any) -> Any:
    for arg in getattr(ann, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return ann


def _title(path: tuple[str, ...], edition: schemas.Edition) -> str:
    model = _model_at(path, edition.model)
    info = model.model_fields.get(path[-1]) if model and path else None
    return (info.title if info and info.title else key_path(path))


def _unknown_key(path: tuple[str, ...], edition: schemas.Edition) -> str:
    """Name the unknown key and suggest the nearest valid one (difflib ratio)."""
    model = _model_at(path, edition.model)
    valid = list(model.model_fields) if model else []
    near = difflib.get_close_matches(path[-1], valid, n=1, cutoff=0.5)
    hint = f"，您是否想写“{near[0]}”？" if near else "。"
    listing = "、".join(valid)
    return f"未知的键“{path[-1]}”{hint}此处可用的键：{listing}"
