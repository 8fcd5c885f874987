"""Write outputs atomically: a temporary file in the target folder, renamed into place.

A failure or Ctrl-C mid-build leaves the previous outputs untouched and no partial file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from nianbao.errors import Problem, WriteError, os_reason
from nianbao.schemas.types import CONTROL_CHARS

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME_BYTES = 200  # most file systems allow 255 bytes; leave room for suffix and temp name
DIGEST_CHARS = 8      # hex digits of SHA-256 in a changed name: 32 bits, for a few thousand names


def safe_name(name: str) -> str:
    """A file name from an agency name or a title: no separators, no '..', no control or
    bidirectional characters, no reserved or over-long name.

    Distinct names give distinct file names (issue 16 §7: cutting long names at the end made
    13 of 14 agencies “duplicates”, and one report overwrote another): a name that had to be
    changed keeps its beginning and its end (the year and 年度报告) and carries a short digest
    of the whole name in the middle."""
    clean = _UNSAFE.sub("_", name.translate(CONTROL_CHARS)).strip().strip(".")
    if clean.split(".")[0].upper() in _WINDOWS_RESERVED:
        clean = "_" + clean
    if not clean:
        return "report"
    if clean == name and len(clean.encode("utf-8")) <= MAX_NAME_BYTES:
        return clean
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    if len(clean.encode("utf-8")) + 1 + DIGEST_CHARS <= MAX_NAME_BYTES:
        return f"{clean}_{digest}"
    budget = MAX_NAME_BYTES - len(f"…_{digest}".encode())
    head = _cut(clean, budget * 2 // 3)
    tail = _cut(clean[::-1], budget - len(head.encode("utf-8")))[::-1]
    return f"{head}…{tail}_{digest}"


def _cut(text: str, limit: int) -> str:
    """The longest start of text within limit bytes of UTF-8 (never half a character)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _cannot(path: Path, exc: OSError) -> WriteError:
    reason = os_reason(exc)
    return WriteError([Problem(str(path), f"无法写入：{reason}。请检查路径中是否有同名的文件或目录、"
                                          "是否有写入权限、磁盘是否已满")])


def ensure_dir(path: Path) -> None:
    """Make an output folder (and its parents), or raise WriteError saying why not."""
    if path.exists() and not path.is_dir():
        raise WriteError([Problem(str(path), "输出目录的位置已有一个同名文件：请换一个目录名")])
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot(path, exc) from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to path via a temp file in the same folder and os.replace (raises
    WriteError, leaving nothing behind, when it cannot)."""
    if path.is_dir():
        raise WriteError([Problem(str(path), "这是一个已有的目录，不能作为输出文件："
                                             "请写出文件名，例如 目录/汇总.xlsx")])
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".nianbao-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
