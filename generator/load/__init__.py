"""Readers: one per input format behind one `load(path)`.

Readers return plain values plus where each came from; they know nothing of pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import LoadError, Problem
from generator.provenance import Sources

MAX_FILE_BYTES = 20 * 1024 * 1024  # a report input is kilobytes; refuse anything absurd


@dataclass
class RawReport:
    """Plain values of one input file with the source of each."""

    data: dict[str, Any]
    sources: Sources
    file: str


def load(path: str | Path) -> RawReport:
    """Read a report input file (.yaml/.yml) into plain values with provenance."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise LoadError([Problem(name, "文件不存在或不是普通文件，请检查路径")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LoadError([Problem(name, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，"
                                       "不像是年报数据文件")])
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from generator.load.yaml_reader import read_yaml
        return read_yaml(path, name)
    raise LoadError([Problem(name, f"不支持的文件类型“{suffix or '无扩展名'}”："
                                   "请提供 .yaml 或 .yml 文件")])
