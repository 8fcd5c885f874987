"""Typed errors of the pipeline; each carries Chinese messages with locations."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field

# The system's own texts (``strerror``) are English under the C locale servers run in; a
# clerk is told the common reasons in Chinese.  Others keep the system's text.
_OS_REASONS = {
    errno.ENOENT: "文件或目录不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "文件系统只读",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EBUSY: "文件正被占用",
    errno.EIO: "读写设备出错",
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
}


def os_reason(exc: OSError) -> str:
    """Why the file system refused, in Chinese for the common cases."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)


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
