"""Safety checks of the preview server: who may ask, and what may be uploaded.

Unless ``--host`` was given, the server binds to 127.0.0.1 and also refuses any request
whose client address is not loopback or whose Host header names another machine (a web
page elsewhere cannot reach it through DNS rebinding).  Uploads are limited in size and
must be what their name says: an xlsx (a zip package) or UTF-8 YAML text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".yaml", ".yml")


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 and IPv4-mapped loopback; anything unparsable is not."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def host_name(host_header: str | None) -> str | None:
    """The name in a Host header without its port ("[::1]:8000" → "::1")."""
    if not host_header:
        return None
    try:
        name = urlsplit("//" + host_header.strip()).hostname
    except ValueError:
        return None
    return name.lower() if name else None


def request_allowed(client: str, host_header: str | None, explicit_host: bool) -> bool:
    """May this request be served?  Always, with an explicit --host; else loopback only."""
    if explicit_host:
        return True
    return is_loopback(client) and host_name(host_header) in LOOPBACK_NAMES


def same_origin(origin: str | None, host_header: str | None) -> bool:
    """A POST from a page of this server (or from no page at all, like curl)."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme == "http" and bool(host_header) and \
        parts.netloc.lower() == (host_header or "").strip().lower()


@dataclass
class Refused(Exception):
    """An upload the server will not take: HTTP status and a Chinese message."""

    status: int
    message: str


def check_upload_header(name: str | None, length: str | None) -> tuple[str, int]:
    """Name and size from the request line and headers, before reading the body."""
    name = (name or "").strip()
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise Refused(415, "只能预览 .xlsx 工作簿或 .yaml 数据文件")
    if length is None:
        raise Refused(411, "请求缺少 Content-Length")
    try:
        size = int(length)
    except ValueError:
        raise Refused(400, "Content-Length 不是数字") from None
    if size > MAX_UPLOAD_BYTES:
        raise Refused(413, f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，不像是年报数据文件")
    if size <= 0:
        raise Refused(400, "文件是空的")
    return name, size


def check_upload_body(name: str, data: bytes) -> None:
    """The content must match the name: a zip package for .xlsx, UTF-8 text for .yaml."""
    if name.lower().endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            raise Refused(415, "文件扩展名是 .xlsx，但内容不是 xlsx 工作簿：请在 Excel/WPS 中"
                               "“另存为” .xlsx 格式再试")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(415, "YAML 文件应为 UTF-8 编码的文本") from None
    if "\x00" in text:
        raise Refused(415, "文件扩展名是 .yaml，但内容不是文本")
