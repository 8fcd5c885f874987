"""Safety checks of the preview server: who may ask, and what may be uploaded.

Two modes, chosen by the address the server is bound to (not by whether ``--host`` was
given: ``--host 127.0.0.1`` is as local as the default):

- loopback (127.0.0.1, ::1, localhost): every request must come from a loopback address
  and name a loopback host in its Host header, so a web page elsewhere cannot reach the
  server through DNS rebinding; uploads must come from the server's own pages (Origin).
  No token is needed unless ``--token`` is given.
- any other address: anyone who can reach the port could read every report and upload
  files, so every request needs the access token (as Jupyter does): ``?token=…`` in the
  URL printed at start (then an HttpOnly, SameSite=Strict cookie), or an
  ``Authorization: token …`` header; compared in constant time.

Uploads are limited in size and must be what their name says: an xlsx (a zip package) or
UTF-8 YAML text.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".yaml", ".yml")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{8,200}")  # goes into URLs and a cookie as is


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


def request_allowed(client: str, host_header: str | None, loopback_only: bool) -> bool:
    """May this request be served?  Bound to a loopback address: only from this machine,
    by a loopback name (a DNS name another site controls could point anywhere)."""
    if not loopback_only:
        return True
    name = host_name(host_header)
    return is_loopback(client) and name is not None and (name in LOOPBACK_NAMES
                                                         or is_loopback(name))


def new_token() -> str:
    """A random access token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_problem(token: str) -> str | None:
    """Why a --token cannot be used, in Chinese; None when it can."""
    if TOKEN_PATTERN.fullmatch(token):
        return None
    return "--token 只能由字母、数字和 . _ ~ - 组成，长度 8 到 200 个字符"


def cookie_name(port: int) -> str:
    """Cookies are shared by every port of a host: one name per server."""
    return f"nianbao-token-{port}"


def _cookie(header: str | None, name: str) -> str | None:
    """One cookie's value (other programs' cookies on this host may be malformed: parsed
    by hand, not refused)."""
    for part in (header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip()
    return None


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                     token.encode("ascii"))


@dataclass(frozen=True)
class Access:
    """Who may ask: the mode the bound address implies, and the token when one is needed."""

    loopback_only: bool
    token: str | None
    port: int

    def has_token(self, query: str, cookie_header: str | None,
                  authorization: str | None) -> tuple[bool, bool]:
        """(may pass, should set the cookie): from ``?token=``, the cookie, or an
        ``Authorization: token …`` (or ``Bearer …``) header."""
        if self.token is None:
            return True, False
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() in ("token", "bearer") and _same(value.strip(), self.token):
            return True, False
        if _same(_cookie(cookie_header, cookie_name(self.port)), self.token):
            return True, False
        for given in parse_qs(query).get("token", []):
            if _same(given, self.token):
                return True, True
        return False, False

    def set_cookie(self) -> str:
        """The Set-Cookie value after a good ``?token=``: kept for this session, sent by
        the browser only to this server's own pages."""
        return f"{cookie_name(self.port)}={self.token}; Path=/; HttpOnly; SameSite=Strict"


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
