"""`nianbao serve`: the live preview in a browser, a driver of the same pipeline.

``start()`` runs the server and the file watcher in background threads and returns a
``Running`` handle (the tests use it); ``serve()`` is the command: it prints the URL (with
the access token when one is needed), opens a browser on request and stops cleanly on
Ctrl-C and on SIGTERM/SIGHUP (a service manager, a closed terminal): the uploads' temporary
folder and the worker processes go with it.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import os_reason
from nianbao.serve.downloads import Downloads
from nianbao.serve.guard import token_problem
from nianbao.serve.server import PreviewServer
from nianbao.serve.state import ServeOptions, Site
from nianbao.serve.watcher import Watcher
from nianbao.serve.workers import Limits

__all__ = ["Limits", "Running", "ServeOptions", "serve", "start"]
log = logging.getLogger(__name__)
DEFAULT_HOST = "127.0.0.1"
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


@dataclass
class Running:
    """A started preview: its URL and what to stop."""

    url: str
    server: PreviewServer
    site: Site
    watcher: Watcher
    thread: threading.Thread

    @property
    def token(self) -> str | None:
        """The access token every request needs (None: loopback without --token)."""
        return self.server.access.token

    @property
    def link(self) -> str:
        """The URL to open: with ``?token=`` when a token is needed."""
        return self.url + (f"?token={self.token}" if self.token else "")

    def stop(self) -> None:
        """Stop serving and watching; remove the uploads; stop the workers."""
        self.server.stopping.set()
        self.site.close()  # removes the uploads, wakes the event streams so they end
        self.server.shutdown()
        self.server.server_close()
        self.watcher.stop()
        self.server.downloads.close()


def url_of(host: str, port: int) -> str:
    """http://127.0.0.1:8000/ (IPv6 addresses in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def start(target: Path, host: str | None = None, port: int = 8000,
          options: ServeOptions | None = None, interval: float = 0.1,
          debounce: float = 0.15, token: str | None = None) -> Running:
    """Start serving ``target`` (a report file or a folder) in background threads.

    host None binds to 127.0.0.1.  Bound to a loopback address the server refuses other
    clients and foreign Host headers and needs no token unless ``token`` is given; bound
    to any other address it needs ``token``, or a random one it makes (``Running.link``).
    Raises OSError when the port is taken.
    """
    options = options or ServeOptions()
    site = Site(Path(target), options)
    site.sync()
    try:
        server = PreviewServer((host or DEFAULT_HOST, port), site, Downloads(site.options),
                               token)
    except BaseException:
        site.close()
        raise
    site.previews.prestart()  # warm workers before the first page asks
    watcher = Watcher(site.target, site.on_change, interval=interval, debounce=debounce,
                      extra=site.template_files)
    watcher.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="nianbao-serve", daemon=True)
    thread.start()
    return Running(url_of(host or DEFAULT_HOST, server.server_address[1]), server, site,
                   watcher, thread)


class _Stop(Exception):
    """SIGTERM or SIGHUP: stop as on Ctrl-C."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise _Stop


def _stop_signals(handler: Any) -> dict[int, Any]:
    """Set ``handler`` for SIGTERM and SIGHUP (main thread only); the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, handler)
    return previous


def _announce(running: Running, host: str | None) -> None:
    from nianbao.cli import console

    console.say(f"预览地址：{running.link}　（{running.site.target}；按 Ctrl-C 停止）")
    if not running.server.access.loopback_only:
        console.warn(f"注意：已按 --host {host} 开放，同一网络中打开上面带令牌链接的计算机都能查看"
                     "这些报告并上传文件；请只把链接告诉需要的人")
        if host in WILDCARD_HOSTS:
            other = url_of(socket.gethostname(), running.server.server_address[1])
            console.warn(f"其他计算机请把链接中的地址换成本机的名称或 IP 地址，如 "
                         f"{other}?token={running.token}")


def serve(target: Path, host: str | None = None, port: int = 8000, open_browser: bool = False,
          options: ServeOptions | None = None, token: str | None = None) -> int:
    """The `serve` verb: run until Ctrl-C or SIGTERM; exit code 0, or 2 when it cannot
    start."""
    from nianbao.cli import console

    if not Path(target).exists():
        console.warn(f"{target} 不存在：请给出年报文件或其所在的文件夹")
        return 2
    if token is not None and (problem := token_problem(token)):
        console.warn(problem)
        return 2
    try:
        running = start(target, host, port, options, token=token)
    except OSError as exc:
        advice = ("请用 --port 另选一个端口" if exc.errno == errno.EADDRINUSE
                  else "请检查 --host 和 --port")
        console.warn(f"无法在 {host or DEFAULT_HOST}:{port} 上启动预览：{os_reason(exc)}，{advice}")
        return 2
    previous = _stop_signals(_raise_stop)
    try:
        _announce(running, host)
        if open_browser:
            import webbrowser
            threading.Thread(target=webbrowser.open, args=(running.link,), daemon=True).start()
        while running.thread.is_alive():
            time.sleep(0.5)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        _stop_signals(signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup short
        running.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    console.say("预览已停止")
    return 0
