"""argparse in Chinese: usage, help headings and every error of the command line.

argparse builds its texts through the module-level ``argparse._`` and ``argparse.ngettext``
(gettext) at the moment it needs them: group headings when a parser is made, "usage:" when
help is printed, error messages while parsing.  `chinese()` swaps those two names for the
time the parser is built or used and restores them after, so nothing else in the process
(pytest, a host program) sees Chinese.  A text not in the table (another Python version's
wording) stays as argparse wrote it: English is the safe fallback, never an error.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

# argparse's message ids (Python 3.11, Lib/argparse.py) → what a clerk reads.
TEXTS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：%(message)s\n（用“%(prog)s -h”查看用法）\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "“%(value)s”不是可选的值（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "“%(value)s”不是有效的%(type)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能给一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
    "ignored explicit argument %r": "多余的值：%r",
    "unexpected option string: %s": "意外的选项：%s",
}
PLURALS = {"expected %s argument": "需要 %s 个值"}


def _translate(text: str) -> str:
    return TEXTS.get(text, text)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        return PLURALS[singular]
    return singular if n == 1 else plural


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    """Within the block, argparse writes its texts in Chinese."""
    module: Any = argparse   # the two names are module globals of argparse, set here
    saved = module._, module.ngettext
    module._, module.ngettext = _translate, _ntranslate
    try:
        yield
    finally:
        module._, module.ngettext = saved


def number(name: str, minimum: int | None = None,
           maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` reading an integer; ``name`` is what argparse calls it in
    “…不是有效的<name>”, and values outside ``minimum``..``maximum`` are refused the same
    way."""

    def parse(text: str) -> int:
        value = int(text.strip())   # ValueError → argparse's “invalid <type> value”
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValueError(text)
        return value

    parse.__name__ = name
    return parse


def _columns(text: str) -> int:
    """Terminal columns of ``text``: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _full_width_colon(match: re.Match[str]) -> str:
    return f"{match.group(1)}："


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, aligning the help column by terminal columns rather than by
    characters (argparse pads “--templates 模板目录” as if it were 16 columns wide), with
    a full-width colon after a Chinese section heading (argparse writes ``%s:``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chinese_headings: set[str] = set()

    def start_section(self, heading: str | None) -> None:
        if heading and any(_columns(ch) == 2 for ch in heading):
            self._chinese_headings.add(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        for heading in self._chinese_headings:
            pattern = re.compile(rf"^( *{re.escape(heading)}):$", re.MULTILINE)
            text = pattern.sub(_full_width_colon, text)
        return text

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = _columns(header) - len(header)
        start = self._current_indent + len(header)
        first, newline, rest = text.partition("\n")
        if not extra or not action.help or not first[start:].strip():
            return text   # nothing wide, or the help already starts on its own line
        pad = len(first[start:]) - len(first[start:].lstrip(" "))
        if pad - extra >= 2:
            first = first[:start] + first[start + extra:]
        else:
            help_position = min(self._action_max_length + 2, self._max_help_position)
            first = first[:start] + "\n" + " " * help_position + first[start + pad:]
        return first + newline + rest


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser (and, through ``add_subparsers``, sub-parsers) using the
    column-aware `HelpFormatter`."""

    commands: Mapping[str, argparse.ArgumentParser]   # the sub-commands' parsers, by name

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
