"""Write outputs atomically: a temporary file in the target folder, renamed into place.

A failure or Ctrl-C mid-build leaves the previous outputs untouched and no partial file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME_BYTES = 200  # most file systems allow 255 bytes; leave room for suffix and temp name


def safe_name(name: str) -> str:
    """A file name from an agency name: no separators, no '..', no reserved or over-long name."""
    name = _UNSAFE.sub("_", name).strip().strip(".")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name or "report"


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to path via a temp file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".nianbao-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
