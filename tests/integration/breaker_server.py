"""A local HTTP service for circuit-breaker tests: answers by path, records what it saw."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REDIRECT_CODES = (301, 302, 303, 307, 308)
_REDIRECT = re.compile(r"^/redirect/(\d{3})/(same|relative|other|otherhost|loop)(/.*)?$")


class BreakerService:
    """``/ok`` 200, ``/fail`` 503, ``/hang`` sleeps past any sane timeout,
    ``/auth`` 200 only with basic auth ``user:s3cret``, anything else 200.

    Redirects, ``/redirect/<code>/<where>/<path>`` with code 301, 302, 303, 307 or 308:

    * ``same``: to ``<path>`` on this origin, absolute URL;
    * ``relative``: to ``<path>`` on this origin, relative ``Location``;
    * ``other``: to ``<path>`` on ``other``, another origin (another server, another port),
      which records what reached it: a breaker must never send it the basic-auth header;
    * ``otherhost``: to ``<path>`` on ``localhost`` at this port: same server, but another
      origin by name (``127.0.0.1`` and ``localhost`` are different origins);
    * ``loop``: to itself, for ever.
    """

    AUTH = "Basic dXNlcjpzM2NyZXQ="  # user:s3cret

    def __init__(self, other: BreakerService | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.other = other
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.requests.append({"path": self.path, "headers": {
                    k.lower(): v for k, v in self.headers.items()}})
                headers: dict[str, str] = {}
                if self.path == "/hang":
                    time.sleep(3)
                    status = 200
                elif self.path == "/auth":
                    status = 200 if self.headers.get("Authorization") == service.AUTH else 401
                elif self.path == "/fail":
                    status = 503
                elif self.path.startswith("/redirect/"):
                    status, headers = service.redirect(self.path)
                else:
                    status = 200
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def redirect(self, path: str) -> tuple[int, dict[str, str]]:
        """(status, headers) for a ``/redirect/...`` path; 404 for a malformed one."""
        match = _REDIRECT.match(path)
        if match is None or int(match.group(1)) not in REDIRECT_CODES:
            return 404, {}
        code, where, target = int(match.group(1)), match.group(2), match.group(3) or "/ok"
        port = self.server.server_address[1]
        locations = {
            "same": self.url + target,
            "relative": target,
            "otherhost": f"http://localhost:{port}{target}",
            "loop": self.url + path,
        }
        if where == "other":
            if self.other is None:
                return 500, {}
            return code, {"Location": self.other.url + target}
        return code, {"Location": locations[where]}

    def __enter__(self) -> BreakerService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
