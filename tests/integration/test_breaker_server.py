"""The breaker test server's redirects: where each one points, and what reaches the target."""

from __future__ import annotations

import http.client
import urllib.request
from urllib.parse import urlsplit

import pytest

from .breaker_server import REDIRECT_CODES, BreakerService


def location_of(service: BreakerService, path: str) -> tuple[int, str | None]:
    """Status and Location of one request, without following it."""
    parts = urlsplit(service.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


@pytest.mark.parametrize("code", REDIRECT_CODES)
def test_redirects_point_where_their_path_says(code: int) -> None:
    with BreakerService() as other, BreakerService(other=other) as service:
        port = urlsplit(service.url).port
        seen = {
            where: location_of(service, f"/redirect/{code}/{where}/auth")
            for where in ("same", "relative", "other", "otherhost")
        }
        loop = location_of(service, f"/redirect/{code}/loop")

    assert seen == {
        "same": (code, f"{service.url}/auth"),
        "relative": (code, "/auth"),
        "other": (code, f"{other.url}/auth"),
        "otherhost": (code, f"http://localhost:{port}/auth"),
    }
    assert loop == (code, f"{service.url}/redirect/{code}/loop")
    assert urlsplit(other.url).port != port  # another origin


def test_a_client_that_follows_a_cross_origin_redirect_reaches_the_other_server() -> None:
    with BreakerService() as other, BreakerService(other=other) as service:
        request = urllib.request.Request(
            service.url + "/redirect/302/other/ok", headers={"Authorization": service.AUTH}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as response:
            status = response.status

    assert status == 200
    assert [r["path"] for r in service.requests] == ["/redirect/302/other/ok"]
    # What a later breaker test must rule out: urllib re-sends the header to the new origin.
    assert other.requests[0]["headers"].get("authorization") == BreakerService.AUTH


def test_other_redirect_without_another_server_and_unknown_redirects_fail_clearly() -> None:
    with BreakerService() as service:
        assert location_of(service, "/redirect/302/other/ok") == (500, None)
        assert location_of(service, "/redirect/200/same/ok") == (404, None)
        assert location_of(service, "/redirect/302/elsewhere") == (404, None)
