"""A local HTTP service for circuit-breaker tests: answers by path, records what it saw."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class BreakerService:
    """``/ok`` 200, ``/fail`` 503, ``/hang`` sleeps past any sane timeout,
    ``/auth`` 200 only with basic auth ``user:s3cret``."""

    AUTH = "Basic dXNlcjpzM2NyZXQ="  # user:s3cret

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                service.requests.append({"path": self.path, "headers": {
                    k.lower(): v for k, v in self.headers.items()}})
                if self.path == "/hang":
                    time.sleep(3)
                    status = 200
                elif self.path == "/auth":
                    status = 200 if self.headers.get("Authorization") == service.AUTH else 401
                elif self.path == "/fail":
                    status = 503
                else:
                    status = 200
                try:
                    self.send_response(status)
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

    def __enter__(self) -> BreakerService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
