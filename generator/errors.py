"""Typed errors of the pipeline; each carries Chinese messages with locations."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One reason a file could not be read or validated: where, and what to do."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


@dataclass
class NianbaoError(Exception):
    """A file that cannot be read or does not match the schema (exit code 2)."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class LoadError(NianbaoError):
    """The file could not be read at all."""


class SchemaError(NianbaoError):
    """The file was read but does not match the report schema."""


class RenderError(NianbaoError):
    """An output could not be produced (e.g. a character no font can draw)."""


class WriteError(NianbaoError):
    """An output could not be written (the path is a folder or a file, no permission, a
    full disk); nothing partial is left."""
