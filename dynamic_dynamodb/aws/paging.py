"""Bounded exchanges with AWS: a page limit, no token twice, a stop honoured in between.

An answer that keeps returning a pagination token would otherwise keep a cycle busy
for ever (billed calls, no decision, a stop never served). Each paged exchange has a
limit derived from what a correct answer can need (the caller says how many pages);
a token seen before, a token that is not a string or more pages than the limit fail
the exchange as a bad answer. A stop request ends the exchange before the next call:
between pages here, and between calls and between botocore's retries through a
``before-send`` handler on the clients (``StopGuard.client``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.errors import BadAnswer, Stopped

# Room above the pages a correct answer needs: an exchange that needs more than this
# many extra pages is not paging, it is looping.
SPARE_PAGES = 3


class StopGuard:
    """The stop request as the AWS edges see it (None: never stops)."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop
        self._guarded: set[int] = set()
        self._lock = threading.Lock()

    @property
    def requested(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def check(self, what: str) -> None:
        """Raise Stopped when a stop was requested: ``what`` is not started."""
        if self.requested:
            raise Stopped(f"{what}: not sent, stop requested")

    def client(self, client: Any) -> Any:
        """``client``, refusing every HTTP attempt once a stop was requested (so a stop
        does not wait out botocore's retries of the call in hand). Registered once
        per client."""
        if self.stop is None:
            return client
        with self._lock:
            if id(client) not in self._guarded:
                self._guarded.add(id(client))
                client.meta.events.register("before-send", self._refuse)
        return client

    def _refuse(self, **_: Any) -> None:
        if self.requested:
            raise Stopped("stop requested: call not sent")


def pages(call: Callable[[str | None], Any], *, what: str, token_field: str,
          max_pages: int, guard: StopGuard) -> Iterator[Mapping[str, Any]]:
    """The answers of one paged exchange: ``call(token)`` is one AWS call (``None`` for
    the first page), ``token_field`` the answer's token. Each answer is a mapping; a
    stop request is honoured before every call."""
    seen: set[str] = set()
    token: str | None = None
    for page in range(1, max_pages + 1):
        guard.check(what if page == 1 else f"{what} page {page}")
        with translated(what):
            answer = call(token)
        if not isinstance(answer, Mapping):
            raise BadAnswer(f"{what}: the answer is a {type(answer).__name__}, not an object")
        yield answer
        next_token = answer.get(token_field)
        if next_token is None or next_token == "":
            return
        if not isinstance(next_token, str):
            raise BadAnswer(f"{what}: {token_field} is a {type(next_token).__name__}, "
                            f"not a string")
        if next_token in seen:
            raise BadAnswer(f"{what}: the same {token_field} came back twice (page {page}); "
                            f"paging stopped")
        seen.add(next_token)
        token = next_token
    raise BadAnswer(f"{what}: still paging after {max_pages} pages (a correct answer needs "
                    f"fewer); paging stopped")
