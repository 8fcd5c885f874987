"""Where a value came from: a YAML file line and key path, or a workbook sheet and cell."""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """The location of one input value, printed in every message about it."""

    file: str
    line: int | None = None
    column: int | None = None
    key: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.file} 工作表“{self.sheet}” {self.cell}"
        where = f"{self.file}"
        if self.line is not None:
            where += f" 第{self.line}行"
        if self.key:
            where += f" {self.key}"
        return where

    def as_json(self) -> dict[str, object]:
        """The JSON `source` object: only the fields that apply."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def key_path(path: Path) -> str:
    """('table3', 'new', 'natural') → 'table3.new.natural'."""
    return ".".join(str(p) for p in path)


@dataclass
class Sources:
    """Provenance of every value read, keyed by model path."""

    file: str
    by_path: dict[Path, Source]

    def find(self, path: Path) -> Source:
        """The source of a path, or of its nearest ancestor that was in the file.

        A key the clerk left out has no line of its own; pointing at its parent mapping
        is the most useful place to send them.
        """
        for n in range(len(path), -1, -1):
            src = self.by_path.get(tuple(path[:n]))
            if src is not None:
                if n == len(path):
                    return src
                return Source(src.file, src.line, src.column, key_path(path),
                              src.sheet, src.cell)
        return Source(self.file, key=key_path(path))
