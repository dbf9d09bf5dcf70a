"""The launcher served from a thread of this process (moto's state lives in this process)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from dynamic_dynamodb.localaws.app import LauncherApp, build_app
from dynamic_dynamodb.localaws.clock import ClockLike
from dynamic_dynamodb.localaws.control import LauncherHandle
from dynamic_dynamodb.localaws.serving import server_url
from dynamic_dynamodb.localaws.update_rules import DEFAULT_MAX_CAPACITY

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler


def _request_handler(verbose: bool) -> type[WSGIRequestHandler]:
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        # One log line per request drowns test output; errors are still logged.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if verbose:
                super().log_request(code, size)

    return QuietHandler


def make_launcher_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    update_delay: float = 0.0,
    clock: ClockLike | None = None,
    max_capacity: int = DEFAULT_MAX_CAPACITY,
    verbose: bool = False,
) -> tuple[BaseWSGIServer, LauncherApp]:
    """A bound, threaded werkzeug server (not yet serving) and its launcher app."""
    from werkzeug.serving import make_server

    app = build_app(update_delay=update_delay, clock=clock, max_capacity=max_capacity)
    server = make_server(host, port, app, threaded=True, request_handler=_request_handler(verbose))
    return server, app


class LocalAws(LauncherHandle):
    """The launcher in a background thread of this process (moto state is per process)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        update_delay: float = 0.0,
        clock: ClockLike | None = None,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        verbose: bool = False,
    ) -> None:
        self.host, self.port = host, port
        self._options: dict[str, Any] = {
            "update_delay": update_delay,
            "clock": clock,
            "max_capacity": max_capacity,
            "verbose": verbose,
        }
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app: LauncherApp | None = None

    def start(self) -> LocalAws:
        self._server, self.app = make_launcher_server(self.host, self.port, **self._options)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-aws", daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalAws is not started")
        return server_url(self.host, self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
