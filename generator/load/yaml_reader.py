"""YAML reader: values with file, line and key path for every one of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from nianbao.errors import LoadError, Problem
from nianbao.provenance import Source, Sources, key_path
from nianbao.schemas.numbers import MAX_NUMBER_TEXT
from nianbao.schemas.types import CONTROL_CHARS

if TYPE_CHECKING:
    from nianbao.load import RawReport

MAX_NODES = 100_000  # bounds alias expansion ("billion laughs") long before memory suffers
MAX_DEPTH = 50       # a report is 5 levels deep; libyaml allows 1,000, Python's stack less

try:  # the C loader is several times faster; fall back when libyaml is absent
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"


class _Walker:
    """Turns a composed YAML node tree into plain values, recording each node's source."""

    def __init__(self, name: str, loader: Any) -> None:
        self.name = name
        self.loader = loader
        self.sources: dict[tuple[str, ...], Source] = {}
        self.nodes = 0

    def source(self, node: yaml.Node, path: tuple[str, ...]) -> Source:
        mark = node.start_mark
        return Source(self.name, mark.line + 1, mark.column + 1, key_path(path) or None)

    def walk(self, node: yaml.Node, path: tuple[str, ...]) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LoadError([Problem(self.name, f"YAML 内容过多（超过 {MAX_NODES} 个节点，"
                                                "可能是别名炸弹），已拒绝读取")])
        if len(path) > MAX_DEPTH:
            raise LoadError([Problem(str(self.source(node, path[:2])), f"YAML 嵌套过深（超过 {MAX_DEPTH} 层），"
                                     "不像是年报数据：请用 nianbao init 生成模板后填写")])
        self.sources[path] = self.source(node, path)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(n, path + (str(i),)) for i, n in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            where = self.source(key_node, path + (str(key),))
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise LoadError([Problem(str(where), "键必须是文字")])
            key = str(key)
            if key in out:
                raise LoadError([Problem(str(where), f"键“{key}”重复出现，请删除其中一个")])
            out[key] = self.walk(value_node, path + (key,))
        return out

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise LoadError([Problem(str(self.source(node, ())), "此处应为单个值")])
        if node.tag in (_FLOAT, _INT) and len(node.value) > MAX_NUMBER_TEXT:
            # a number of thousands of digits stays text: the model refuses it, located
            # (int() of 4,300+ digits raises; schemas.numbers bounds every number)
            return node.value
        if node.tag == _FLOAT:
            # keep the digits as written: 8687.376 must not pass through a binary float
            text = node.value.replace("_", "")
            try:
                return Decimal(text)
            except ArithmeticError:
                return node.value
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:  # e.g. an unknown tag "!x": data files need no tags
            raise LoadError([Problem(str(self.source(node, ())), f"无法识别的 YAML 写法"
                                     f"“{node.tag}”：请去掉以“!”开头的标记")]) from None
        except (ValueError, OverflowError, ArithmeticError):
            # an impossible date (2025-02-30, a time of 25:61:61): kept as written, so the
            # model says which key holds it and how a date is written
            return node.value
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else value
        return value


def read_yaml(path: Path, name: str) -> RawReport:
    """Parse a YAML report file; syntax errors carry line and column."""
    from nianbao.load import RawReport

    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # the line, not the byte offset: a clerk finds a line in an editor (GBK from an old
        # Notepad is the usual case; it is not guessed at, a wrong guess would print garbled
        # names in the report)
        line = data[:exc.start].count(b"\n") + 1
        raise LoadError([Problem(name, f"文件不是 UTF-8 编码（第{line}行起），"
                                       "请在编辑器中另存为 UTF-8")]) from None
    # YAML forbids control characters; they come from copy and paste, never on purpose,
    # and the model removes them from text anyway (schemas.types.clean_text); bidirectional
    # controls go too (issue 16 §8).  Where they were is kept for the TEXT-CONTROL finding.
    cleaned = text.translate(CONTROL_CHARS)
    controls = _controls(text, name) if cleaned != text else []
    text = cleaned
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_syntax_problem(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise LoadError([Problem(name, f"YAML 语法错误：{exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise LoadError([Problem(name, "文件是空的：请用 nianbao init 生成模板后填写")])
    walker = _Walker(name, loader)
    data = walker.walk(node, ())
    if not isinstance(data, dict):
        raise LoadError([Problem(name, "文件顶层应为键值映射（agency:、year: 等），"
                                       "请用 nianbao init 生成模板后填写")])
    return RawReport(data, Sources(name, walker.sources), name, controls=controls)


def _controls(text: str, name: str) -> list[tuple[Source, str]]:
    """(line, characters) of every line holding control characters (at most 50 lines)."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        chars = "".join(c for c in line if ord(c) in CONTROL_CHARS)
        if chars:
            found.append((Source(name, number), chars))
            if len(found) == 50:
                break
    return found


# libyaml's problems, said in Chinese; anything else is quoted as libyaml said it
_SYNTAX_ZH = (
    ("did not find expected key", "缩进不一致，或上一行缺少冒号"),
    ("expected <block end>", "缩进不一致"),
    ("mapping values are not allowed", "此处不能出现“键: 值”：可能是冒号后缺少空格、缩进错误，或文字中的冒号需要加引号"),
    ("cannot start any token", "不能用制表符（Tab）缩进，请改用空格"),
    ("found unexpected end of stream", "引号没有成对"),
    ("did not find expected", "缩进或标点不符合 YAML 格式"),
)


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    where = f"{name} 第{mark.line + 1}行第{mark.column + 1}列" if mark else name
    what = exc.problem or ""
    said = next((zh for en, zh in _SYNTAX_ZH if en in what), f"无法解析：{what}")
    return Problem(where, f"YAML 语法错误（{said}），请检查缩进、冒号后的空格和引号是否成对")
