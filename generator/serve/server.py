"""The HTTP side of the preview: routes, event streams, downloads and uploads.

Routes (everything else is 404; ids come only from the server's own list of files, so no
path in a request ever reaches the file system):

  GET  /                      index of every report file under PATH, and the uploads
  GET  /report/<id>           the report page (preview iframe + findings panel)
  GET  /preview/<id>          the report HTML, rendered exactly as `build` does (+ preview marks)
  GET  /state/<id>            JSON: findings, problems, versions
  GET  /events, /events/<id>  Server-Sent Events: "update" whenever something changed
  GET  /download/{pdf,docx}/<id>
  GET  /static/serve.{js,css}
  POST /upload?name=…         raw body; 413 beyond 10 MB, 415 for other types

Every request first passes ``guard`` (loopback checks, or the access token).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from nianbao.errors import NianbaoError
from nianbao.serve import guard, pages
from nianbao.serve.downloads import DOWNLOAD_FORMATS, Downloads
from nianbao.serve.state import Entry, Site

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'; object-src 'none'")
# The report page itself: its inline CSS, nothing fetched, no scripts, framed only by us.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
KEEPALIVE_SECONDS = 15


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server holding the site, the downloads and who may ask.

    The mode follows the address actually bound: a loopback one (however it was given:
    default, ``--host 127.0.0.1``, ``localhost``, ``::1``) keeps the loopback checks; any
    other needs the access token, made here unless one is given.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = socket.SOMAXCONN  # socketserver's 5 stalls connections under load

    def __init__(self, address: tuple[str, int], site: Site, downloads: Downloads,
                 token: str | None = None):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.site, self.downloads = site, downloads
        self.stopping = threading.Event()
        super().__init__(address, Handler)
        bound, port = self.socket.getsockname()[:2]
        loopback = guard.is_loopback(bound)
        if token is None and not loopback:
            token = guard.new_token()
        self.access = guard.Access(loopback, token, port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closed its tab is not an error worth a traceback."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        log.exception("request from %s", client_address)


class Handler(BaseHTTPRequestHandler):
    """One request: checks who asks, then routes."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms ACK stall)
    server_version = "nianbao"
    sys_version = ""
    head_only = False   # a HEAD request: headers as for GET, no body
    cookie: str | None = None  # Set-Cookie of this request's answer (a good ?token=)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    # ---- responses ------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str, csp: str = PAGE_CSP,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", csp)
        self.send_header("X-Frame-Options", "SAMEORIGIN" if csp is PREVIEW_CSP else "DENY")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.cookie:
            self.send_header("Set-Cookie", self.cookie)
        self.end_headers()
        if not self.head_only:
            self.wfile.write(body)

    def _message(self, status: int, title: str, message: str) -> None:
        self._send(status, pages.message_page(title, message), HTML)

    def _not_found(self) -> None:
        self._message(404, "找不到", "没有这个页面或文件：预览只提供所打开文件夹中的年报文件。")

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)

    # ---- who may ask ----------------------------------------------------------------------
    def _allowed(self) -> bool:
        access = self.server.access
        self.cookie = None
        if not guard.request_allowed(self.client_address[0], self.headers.get("Host"),
                                     access.loopback_only):
            self.close_connection = True
            self._message(403, "拒绝访问", "预览只接受本机的访问（如需让其他计算机访问，请用 "
                                       "--host 指定本机在网络中的地址，并使用启动时显示的带令牌的链接）。")
            return False
        passed, remember = access.has_token(urlsplit(self.path).query,
                                            self.headers.get("Cookie"),
                                            self.headers.get("Authorization"))
        if not passed:
            self.close_connection = True
            self._message(403, "需要访问令牌",
                          "这个预览需要访问令牌。请打开启动预览（nianbao serve）时终端里显示的"
                          "完整链接，形如 http://地址:端口/?token=……；打开一次后，本浏览器会记住"
                          "令牌。脚本可在请求头中加上“Authorization: token 令牌”。")
            return False
        if remember:
            self.cookie = access.set_cookie()
        return True

    def _path(self) -> str:
        path = unquote(urlsplit(self.path).path, errors="replace")
        return "" if "\x00" in path else path

    # ---- GET and HEAD ---------------------------------------------------------------------
    def do_HEAD(self) -> None:
        """The headers GET would send, without the body (curl -I, link checkers); the live
        reload stream is not opened."""
        self.head_only = True
        if self._path().startswith("/events") and self._allowed():
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        self.do_GET()

    def do_GET(self) -> None:
        if not self._allowed():
            return
        path = self._path()
        if path == "/":
            return self._send(200, pages.index_page(self.server.site), HTML)
        if path == "/events":
            return self._events(None)
        if path.startswith("/static/"):
            data = pages.static(path[len("/static/"):])
            if data is None:
                return self._not_found()
            return self._send(200, data, pages.STATIC[path[len("/static/"):]])
        for prefix, route in (("/report/", self._report), ("/preview/", self._preview),
                              ("/state/", self._state), ("/events/", self._events),
                              ("/download/pdf/", self._download_pdf),
                              ("/download/docx/", self._download_docx)):
            if path.startswith(prefix):
                entry = self.server.site.get(path[len(prefix):])
                return self._not_found() if entry is None else route(entry)
        return self._not_found()

    def _report(self, entry: Entry) -> None:
        self._send(200, pages.report_page(entry.ensure()), HTML)

    def _preview(self, entry: Entry) -> None:
        good = entry.ensure().good
        if good is None:
            return self._message(404, "尚无预览", "文件还不能读取，所以没有可显示的报告。")
        self._send(200, good.html, HTML, csp=PREVIEW_CSP)

    def _state(self, entry: Entry) -> None:
        self._json(200, entry.ensure().state())

    def _download_pdf(self, entry: Entry) -> None:
        self._download(entry, "pdf")

    def _download_docx(self, entry: Entry) -> None:
        self._download(entry, "docx")

    def _download(self, entry: Entry, fmt: str) -> None:
        good = entry.ensure().good
        if good is None:
            return self._message(409, "暂不能下载", "文件无法读取：请先按页面上的提示修正。")
        try:
            data = self.server.downloads.get(good, fmt)
        except NianbaoError as err:  # e.g. a character no font can draw: the file's fault
            return self._message(422, "无法生成", "；".join(entry.relabel(str(p))
                                                          for p in err.problems))
        name = f"{good.built.stem}.{fmt}"
        disposition = f"attachment; filename=\"report.{fmt}\"; filename*=UTF-8''{quote(name)}"
        self._send(200, data, DOWNLOAD_FORMATS[fmt],
                   headers={"Content-Disposition": disposition})

    # ---- live reload ----------------------------------------------------------------------
    def _events(self, entry: Entry | None) -> None:
        """Send "update" with the current version now and after every change."""
        site, stopping = self.server.site, self.server.stopping
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()

        def version() -> int:
            return site.version if entry is None else entry.version

        sent: list[int | None] = [None]  # the version the browser has

        def news() -> bool:
            return version() != sent[0] or stopping.is_set()

        try:
            self.wfile.write(b"retry: 500\n\n")
            while not stopping.is_set():
                with site.changed:
                    site.changed.wait_for(news, timeout=KEEPALIVE_SECONDS)
                now = version()
                if stopping.is_set():
                    break
                if now != sent[0]:
                    self.wfile.write(f"event: update\ndata: {json.dumps({'version': now})}\n\n"
                                     .encode())
                    sent[0] = now
                else:
                    self.wfile.write(b": keepalive\n\n")
                self.wfile.flush()
        except (ConnectionError, TimeoutError, OSError):
            return

    # ---- POST /upload ---------------------------------------------------------------------
    def do_POST(self) -> None:
        if not self._allowed():
            return
        if self._path() != "/upload":
            self.close_connection = True
            return self._not_found()
        if not guard.same_origin(self.headers.get("Origin"), self.headers.get("Host")):
            self.close_connection = True
            return self._json(403, {"message": "只接受本预览页面的上传"})
        query = parse_qs(urlsplit(self.path).query)
        length = self.headers.get("Content-Length")
        try:
            name, size = guard.check_upload_header((query.get("name") or [""])[0], length)
        except guard.Refused as refused:
            self._drain(length)
            return self._json(refused.status, {"message": refused.message})
        data = self.rfile.read(size)
        try:
            guard.check_upload_body(name, data)
        except guard.Refused as refused:
            return self._json(refused.status, {"message": refused.message})
        try:
            entry = self.server.site.add_upload(name, data)
        except NianbaoError:
            return self._json(503, {"message": "预览正在停止"})
        self._json(201, {"url": pages.url("report", entry), "id": entry.id})

    def _drain(self, length: str | None) -> None:
        """Read a refused body that is not absurdly large, so the browser sees the answer;
        otherwise close the connection after answering."""
        self.close_connection = True
        try:
            left = int(length or 0)
        except ValueError:
            return
        if left > 4 * guard.MAX_UPLOAD_BYTES:
            return
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)
