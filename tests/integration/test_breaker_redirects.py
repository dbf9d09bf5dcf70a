"""The circuit breaker over real HTTP: redirects, the total time bound, and what reaches
the logs. The basic-auth password must go to the configured origin only."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from dynamic_dynamodb.breaker import MAX_REDIRECTS, HttpBreaker
from dynamic_dynamodb.core.types import ResourceId

from .breaker_server import REDIRECT_CODES, BreakerService

RID = ResourceId("orders")
SECRET = "s3cret"


def with_auth(url: str) -> str:
    return url.replace("http://", f"http://user:{SECRET}@")


def check(url: str, timeout_ms: float = 2000) -> tuple[bool, str]:
    return HttpBreaker().check([(url, timeout_ms, RID)])[RID]


def timed_check(url: str, timeout_ms: float) -> tuple[bool, str, float]:
    started = time.monotonic()
    is_open, why = check(url, timeout_ms)
    return is_open, why, time.monotonic() - started


def test_cross_origin_redirect_is_not_followed_and_counts_as_open(caplog):
    with BreakerService() as other, BreakerService(other=other) as service:
        with caplog.at_level(logging.DEBUG):
            verdicts = {code: check(with_auth(service.url) + f"/redirect/{code}/other/ok")
                        for code in REDIRECT_CODES}

    for code, (is_open, why) in verdicts.items():
        assert is_open, code
        assert f"redirected to another origin {other.url}/ok; not followed" in why
    assert other.requests == [], "the other origin must not even be asked"
    assert [r["headers"]["authorization"] for r in service.requests] == (
        [BreakerService.AUTH] * len(REDIRECT_CODES))
    assert SECRET not in caplog.text and BreakerService.AUTH not in caplog.text


def test_another_host_name_on_the_same_port_is_another_origin():
    with BreakerService() as service:
        is_open, why = check(with_auth(service.url) + "/redirect/302/otherhost/auth")

    assert is_open
    assert "redirected to another origin http://localhost:" in why
    assert [r["path"] for r in service.requests] == ["/redirect/302/otherhost/auth"]


@pytest.mark.parametrize("where", ["same", "relative"])
def test_same_origin_redirect_is_followed_with_the_credentials(where):
    with BreakerService() as service:
        verdicts = {code: check(with_auth(service.url) + f"/redirect/{code}/{where}/auth")
                    for code in REDIRECT_CODES}

    shown = service.url.replace("://", "://user:***@")
    assert verdicts == {code: (False, f"{shown}/redirect/{code}/{where}/auth answered 200")
                        for code in REDIRECT_CODES}
    assert [r["path"] for r in service.requests] == [
        path for code in REDIRECT_CODES for path in (f"/redirect/{code}/{where}/auth", "/auth")]
    followed = service.requests[1::2]
    assert all(r["headers"]["authorization"] == BreakerService.AUTH for r in followed)
    assert all(r["headers"]["x-table-name"] == "orders" for r in followed)


def chain(hops: int, last: str = "/auth") -> str:
    return "/redirect/302/same" * hops + last


def test_at_most_max_redirects_are_followed():
    with BreakerService() as service:
        followed = check(with_auth(service.url) + chain(MAX_REDIRECTS))
        too_many = check(with_auth(service.url) + chain(MAX_REDIRECTS + 1))

    assert followed[0] is False
    assert too_many[0] is True
    assert f"redirected more than {MAX_REDIRECTS} times" in too_many[1]


def test_redirect_loop_is_open_within_bounds():
    with BreakerService() as service:
        is_open, why, elapsed = timed_check(service.url + "/redirect/307/loop", 1000)

    assert is_open
    assert f"redirected more than {MAX_REDIRECTS} times" in why
    assert len(service.requests) == MAX_REDIRECTS + 1
    assert elapsed < 1.0


def test_redirects_share_one_timeout():
    # The first answer comes at once; the redirect's target hangs: the whole probe ends
    # at its timeout, not at the timeout plus the first request's time.
    with BreakerService() as service:
        is_open, why, elapsed = timed_check(service.url + "/redirect/302/same/hang", 400)

    assert is_open
    assert "timed out" in why
    assert elapsed < 1.0


@contextmanager
def raw_server(answer: bytes, drip_seconds: float = 0.0) -> Iterator[str]:
    """A one-purpose HTTP server on loopback that sends ``answer`` to every connection,
    a byte every ``drip_seconds`` if given, and then closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def send(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if not drip_seconds:
                    conn.sendall(answer)
                for byte in answer if drip_seconds else b"":
                    if stop.wait(drip_seconds):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                pass  # the client gave up

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=send, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_server_that_drips_bytes_is_cut_at_the_timeout():
    # Each byte comes well within the socket timeout, so only a total deadline ends it.
    answer = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with raw_server(answer, drip_seconds=0.05) as url:
        is_open, why, elapsed = timed_check(url + "/ok", 300)

    assert is_open
    # check()'s deadline ends it; on a loaded machine a starved server thread may let
    # the socket's own timeout fire first.
    assert "no answer within 300 ms" in why or "timed out" in why
    assert elapsed < 1.0


@pytest.mark.parametrize("answer", [
    b"garbage BODY-TEXT-" + SECRET.encode() + b"\r\n\r\n",
    b"HTTP/1.1 500 BODY-TEXT-" + SECRET.encode() + b"\r\nContent-Length: 20\r\n\r\n"
    b"BODY-TEXT-" + SECRET.encode() + b"xxxx",
    b"HTTP/1.1 302 Found\r\nLocation: http://user:" + SECRET.encode()
    + b"@elsewhere.invalid/x\r\nContent-Length: 0\r\n\r\n",
], ids=["bad-status-line", "500-with-body", "redirect-with-credentials"])
def test_nothing_the_server_sends_is_logged_but_status_and_masked_location(answer, caplog):
    with raw_server(answer) as url, caplog.at_level(logging.DEBUG):
        is_open, why = check(url + "/ok")

    assert is_open
    assert "BODY-TEXT" not in why and SECRET not in why
    assert "BODY-TEXT" not in caplog.text and SECRET not in caplog.text
    assert "circuit breaker open" in caplog.text


def test_an_https_probe_goes_through_the_tls_handler():
    # No certificate here to serve TLS with: a closed port shows the HTTPS path was taken
    # (urllib knows no "https" without a handler for it: "unknown url type").
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()

    is_open, why = check(f"https://user:{SECRET}@127.0.0.1:{port}/ok", timeout_ms=1000)

    assert (is_open, why) == (True, f"https://user:***@127.0.0.1:{port}/ok unreachable: "
                                    f"connection refused")
