"""The HTTP circuit breaker: is the user's service healthy enough to scale down?

One GET per distinct URL per cycle, all in parallel, each bounded by its timeout,
with ``x-table-name`` (and ``x-gsi-name``) headers and basic auth from
``user:pass@`` in the URL. A 2xx answer means go ahead; anything else (another
status, a timeout, a refused connection, a TLS error) means open: no decreases.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlsplit, urlunsplit

from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.masking import mask_url

log = logging.getLogger(__name__)


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


def probe(url: str, timeout_ms: float, resource: ResourceId) -> tuple[bool, str]:
    """(open, why) for one URL: open means the service is in trouble."""
    clean, auth = split_credentials(url)
    request = urllib.request.Request(clean, method="GET")
    request.add_header("x-table-name", resource.table)
    if resource.index is not None:
        request.add_header("x-gsi-name", resource.index)
    if auth:
        request.add_header("Authorization", auth)
    shown = mask_url(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout_ms / 1000.0) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return True, f"{shown} answered {exc.code}"
    except Exception as exc:  # noqa: BLE001 - timeout, refused, TLS: all mean "in trouble"
        reason = getattr(exc, "reason", exc)
        return True, f"{shown} unreachable: {reason}"
    if 200 <= status < 300:
        return False, f"{shown} answered {status}"
    return True, f"{shown} answered {status}"


class HttpBreaker:
    """Checks each distinct (URL, resource headers) once per cycle, in parallel."""

    def __init__(self, max_workers: int = 16) -> None:
        self._max_workers = max_workers

    def check(self, targets: Sequence[tuple[str, float, ResourceId]]
              ) -> dict[ResourceId, tuple[bool, str]]:
        # One probe per distinct URL: the first resource's headers are sent with it.
        by_url: dict[str, tuple[float, ResourceId]] = {}
        for url, timeout_ms, rid in targets:
            by_url.setdefault(url, (timeout_ms, rid))
        workers = max(1, min(self._max_workers, len(by_url)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="breaker") as pool:
            futures = {url: pool.submit(probe, url, t, rid) for url, (t, rid) in by_url.items()}
            verdicts = {url: f.result() for url, f in futures.items()}
        for is_open, why in verdicts.values():
            if is_open:
                log.warning("circuit breaker open: %s", why)
        return {rid: verdicts[url] for url, _, rid in targets}
