"""The HTTP circuit breaker: is the user's service healthy enough to scale down?

One GET per distinct URL per cycle, all in parallel, with ``x-table-name`` (and
``x-gsi-name``) headers and basic auth from ``user:pass@`` in the URL. A 2xx answer
means go ahead; anything else (another status, a timeout, a refused connection, a TLS
error) means open: no decreases.

The credentials go to the configured origin only. A redirect to another origin (another
scheme, host or port) is not followed, and the breaker counts as open: following it
would hand the password to whoever the Location names, and that host's 200 would allow
decreases. At most ``MAX_REDIRECTS`` redirects within the origin are followed. The whole
probe, redirects included, is bounded by its timeout: each request gets what is left of
it, and ``check`` stops waiting at the deadline and closes what is still open. Nothing
the server sends is logged but its status code and a masked ``Location``.
"""

from __future__ import annotations

import base64
import http.client
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.masking import mask_url

log = logging.getLogger(__name__)

# Redirects followed within the configured origin before the breaker counts as open.
MAX_REDIRECTS = 3
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# A Location is shown at most this long: it is text the server chose.
SHOWN_LOCATION_CHARS = 200
# How long check() waits past the longest timeout for a probe to notice its own
# deadline before it closes the probe's sockets and counts it as open.
GRACE_SECONDS = 0.25

_DEFAULT_PORTS = {"http": 80, "https": 443}


def split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without ``user:pass@`` and the Authorization header value, if any."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return clean, "Basic " + base64.b64encode(token.encode()).decode()


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in; ValueError if the
    URL's port is not a number."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def shown_location(location: str) -> str:
    """A server-chosen Location as it may be logged: masked, printable, short."""
    text = "".join(c if c.isprintable() else "?" for c in mask_url(location))
    if len(text) > SHOWN_LOCATION_CHARS:
        text = text[:SHOWN_LOCATION_CHARS] + "..."
    return text


class _Sockets:
    """The sockets one probe opened, so that check() can close them at its deadline (a
    server that sends a byte at a time would otherwise hold a probe for much longer
    than its timeout: the socket timeout counts per read, not in total)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._closed = False

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._open.append(sock)
            closed = self._closed
        if closed:
            self.close_all()

    def close_all(self) -> None:
        with self._lock:
            self._closed = True
            found, self._open = self._open, []
        for sock in found:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed, or never connected


def _tracked(kind: type[http.client.HTTPConnection], sockets: _Sockets,
             **options: Any) -> Any:
    """A connection factory for urllib's ``do_open`` whose connections hand their socket
    (the TLS one, for HTTPS) to ``sockets`` once connected."""
    def connection(host: str, **kw: Any) -> http.client.HTTPConnection:
        made = kind(host, **kw, **options)
        connect = made.connect

        def connect_and_track() -> None:
            connect()
            sockets.add(made.sock)
        made.connect = connect_and_track  # type: ignore[method-assign]
        return made
    return connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, sockets: _Sockets) -> None:
        super().__init__()
        self._sockets = sockets

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_tracked(http.client.HTTPConnection, self._sockets), req)


_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    """The system's trust store and host name checks, as urllib's default; made once, on
    the first HTTPS probe (loading the trust store takes about 0.1 s of CPU, which
    would otherwise come out of every probe's timeout)."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            _tls_context = ssl.create_default_context()
        return _tls_context


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, sockets: _Sockets) -> None:
        super().__init__(context=_tls())
        self._sockets = sockets

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_tracked(http.client.HTTPSConnection, self._sockets,
                                     context=_tls()), req)


def _opener(sockets: _Sockets, scheme: str) -> urllib.request.OpenerDirector:
    """urllib without its redirect and error handlers: every answer comes back as it
    is, and this module decides what a redirect means. Only the configured URL's scheme
    is served (a redirect to another scheme is another origin, never followed), so an
    http probe never pays for loading the TLS trust store. Proxies from the environment
    (``https_proxy``, ``no_proxy``) are honoured, as before."""
    opener = urllib.request.OpenerDirector()
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler(),
                                                  urllib.request.UnknownHandler()]
    if scheme == "http":
        handlers.append(_HTTPHandler(sockets))
    elif scheme == "https":
        handlers.append(_HTTPSHandler(sockets))
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def _failure(exc: BaseException) -> str:
    """Why a request failed, in words of our own: exception texts can quote what the
    server sent (http.client's BadStatusLine carries the raw line)."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {reason.reason or type(reason).__name__}"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "host name not resolved"
    if isinstance(reason, http.client.HTTPException):
        return f"invalid HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError):
        return f"{type(reason).__name__}: {reason.strerror or 'connection failed'}"
    if isinstance(reason, str):  # urllib's own words ("unknown url type")
        return reason
    return type(reason).__name__


def probe(url: str, timeout_ms: float, resource: ResourceId,
          sockets: _Sockets | None = None, deadline: float | None = None) -> tuple[bool, str]:
    """(open, why) for one URL: open means the service is in trouble. ``deadline``
    (``time.monotonic()``) defaults to ``timeout_ms`` from now."""
    clean, auth = split_credentials(url)
    shown = mask_url(url)
    if deadline is None:
        deadline = time.monotonic() + timeout_ms / 1000.0
    try:
        home = origin(clean)
    except ValueError:
        return True, f"{shown} is not a valid URL"
    opener = _opener(sockets or _Sockets(), home[0])
    target = clean
    for hop in range(MAX_REDIRECTS + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            return True, f"{shown} unreachable: timed out"
        request = urllib.request.Request(target, method="GET")
        request.add_header("x-table-name", resource.table)
        if resource.index is not None:
            request.add_header("x-gsi-name", resource.index)
        if auth:
            request.add_header("Authorization", auth)
        try:
            response = opener.open(request, timeout=left)
            try:
                status = response.status
                location = response.headers.get("Location")
            finally:
                response.close()
        except Exception as exc:  # noqa: BLE001 - timeout, refused, TLS, garbage: "in trouble"
            return True, f"{shown} unreachable: {_failure(exc)}"
        if 200 <= status < 300:
            return False, f"{shown} answered {status}"
        if status not in REDIRECT_CODES:
            return True, f"{shown} answered {status}"
        if not location:
            return True, f"{shown} answered {status} without a Location"
        if hop == MAX_REDIRECTS:
            return True, (f"{shown} redirected more than {MAX_REDIRECTS} times "
                          f"(last to {shown_location(urljoin(target, location))}); not followed")
        next_url = urljoin(target, location)
        try:
            same = origin(next_url) == home
        except ValueError:
            same = False
        if not same:
            return True, (f"{shown} redirected to another origin "
                          f"{shown_location(next_url)}; not followed")
        target, _ = split_credentials(next_url)  # our credentials, never the server's
    raise AssertionError("unreachable: the last hop returns")


class HttpBreaker:
    """Checks each distinct (URL, resource headers) once per cycle, in parallel."""

    def __init__(self, max_workers: int = 64) -> None:
        self._max_workers = max_workers

    def check(self, targets: Sequence[tuple[str, float, ResourceId]]
              ) -> dict[ResourceId, tuple[bool, str]]:
        # One probe per distinct URL: the first resource's headers are sent with it.
        by_url: dict[str, tuple[float, ResourceId]] = {}
        for url, timeout_ms, rid in targets:
            by_url.setdefault(url, (timeout_ms, rid))
        workers = max(1, min(self._max_workers, len(by_url)))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="breaker")
        # Deadlines count from now, also for a probe that waits for a free worker.
        started = time.monotonic()
        deadlines = {url: started + t / 1000.0 for url, (t, _) in by_url.items()}
        sockets = {url: _Sockets() for url in by_url}
        futures: dict[str, Future[tuple[bool, str]]] = {
            url: pool.submit(probe, url, t, rid, sockets[url], deadlines[url])
            for url, (t, rid) in by_url.items()}
        verdicts: dict[str, tuple[bool, str]] = {}
        try:
            for url, (timeout_ms, _) in by_url.items():
                left = deadlines[url] + GRACE_SECONDS - time.monotonic()
                wait_for([futures[url]], timeout=max(0.0, left))
                if futures[url].done():
                    verdicts[url] = futures[url].result()
                else:  # stuck past its deadline (a dripping server, a slow DNS lookup)
                    sockets[url].close_all()
                    verdicts[url] = (True, f"{mask_url(url)} unreachable: no answer "
                                           f"within {timeout_ms:g} ms")
        finally:
            # Never wait for a stuck probe: its sockets are closed, it ends on its own.
            pool.shutdown(wait=False, cancel_futures=True)
        for is_open, why in verdicts.values():
            if is_open:
                log.warning("circuit breaker open: %s", why)
        return {rid: verdicts[url] for url, _, rid in targets}
