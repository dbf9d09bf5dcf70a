"""Bounded exchanges (aws/paging.py): a page limit, no token twice, a stop honoured
before every call; and the limits the edges derive from what a correct answer needs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from dynamic_dynamodb.aws import metrics
from dynamic_dynamodb.aws.paging import SPARE_PAGES, StopGuard, pages
from dynamic_dynamodb.errors import BadAnswer, Stopped


def answers(*pages_: Any) -> Callable[[str | None], Any]:
    """A call that answers the given pages in turn (the last one for ever), recording the
    tokens it was sent."""
    sent: list[str | None] = []

    def call(token: str | None) -> Any:
        sent.append(token)
        return pages_[min(len(sent), len(pages_)) - 1]

    call.sent = sent  # type: ignore[attr-defined]
    return call


def endless_new_tokens() -> Callable[[str | None], Any]:
    sent: list[str | None] = []

    def call(token: str | None) -> Any:
        sent.append(token)
        return {"Items": [], "NextToken": f"t{len(sent)}"}

    call.sent = sent  # type: ignore[attr-defined]
    return call


def run(call: Callable[[str | None], Any], max_pages: int = 5,
        guard: StopGuard | None = None) -> list[Any]:
    return list(pages(call, what="Op", token_field="NextToken", max_pages=max_pages,
                      guard=guard or StopGuard()))


def test_pages_follow_the_token_until_it_ends() -> None:
    call = answers({"NextToken": "a"}, {"NextToken": "b"}, {"Items": [1]})
    assert run(call) == [{"NextToken": "a"}, {"NextToken": "b"}, {"Items": [1]}]
    assert call.sent == [None, "a", "b"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("call,message", [
    (lambda: endless_new_tokens(), "Op: still paging after 5 pages"),
    (lambda: answers({"NextToken": "same"}), "Op: the same NextToken came back twice (page 2)"),
    (lambda: answers({"NextToken": "a"}, {"NextToken": "b"}, {"NextToken": "a"}),
     "Op: the same NextToken came back twice (page 3)"),
    (lambda: answers(["unexpected"]), "Op: the answer is a list, not an object"),
    (lambda: answers({"NextToken": 7}), "Op: NextToken is a int, not a string"),
], ids=["endless-new-tokens", "same-token", "token-seen-before", "not-an-object",
        "token-not-a-string"])
def test_paging_that_does_not_end_or_cannot_be_read_is_a_bad_answer(
        call: Callable[[], Callable[[str | None], Any]], message: str) -> None:
    fn = call()
    with pytest.raises(BadAnswer) as raised:
        run(fn)
    assert str(raised.value).startswith(message)
    assert raised.value.code == "BadAnswer" and raised.value.transient
    assert len(fn.sent) <= 5  # type: ignore[attr-defined]


def test_an_empty_token_ends_paging() -> None:
    assert run(answers({"NextToken": ""})) == [{"NextToken": ""}]


def test_a_stop_is_honoured_before_the_next_page() -> None:
    stop = threading.Event()
    call = endless_new_tokens()
    seen = []

    def read_pages() -> None:
        for page in pages(call, what="Op", token_field="NextToken", max_pages=100,
                          guard=StopGuard(stop)):
            seen.append(page)
            if len(seen) == 2:
                stop.set()

    with pytest.raises(Stopped, match="Op page 3: not sent, stop requested"):
        read_pages()
    assert len(call.sent) == 2  # type: ignore[attr-defined]


def test_a_guarded_client_sends_nothing_once_stopped() -> None:
    """Between calls and between botocore's retries: the before-send hook refuses."""
    stop = threading.Event()
    guard = StopGuard(stop)
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="y", endpoint_url="http://127.0.0.1:9")
    assert guard.client(client) is guard.client(client)  # registered once
    stop.set()
    with pytest.raises(Stopped):
        client.list_tables()


# -- the limits: derived from what a correct answer can need -----------------------------
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("queries,minutes,needed", [
    (4, 5, 1),  # one table, five minutes: 20 datapoints
    (500, 15, 1),  # 7,500 datapoints
    (500, 202, 2),  # 101,000 datapoints: just over one page
    (500, 60 * 24, 8),  # a day of minutes: 720,000 datapoints
], ids=["one-table", "full-batch", "just-over-a-page", "a-day"])
def test_get_metric_data_pages_are_what_the_datapoints_need_and_a_few(
        queries: int, minutes: int, needed: int) -> None:
    end = START + timedelta(minutes=minutes)
    assert metrics.max_pages(queries, START, end) == needed + SPARE_PAGES

