"""aws/pacing.py: the token bucket that keeps a target's DescribeTable calls under its
rate, on a fake clock (nothing sleeps)."""

from __future__ import annotations

import threading

import botocore.hooks
import pytest

from dynamic_dynamodb.aws.pacing import DESCRIBE_EVENT, TokenBucket, pace_describes


class FakeTime:
    """A monotonic clock that moves only when something waits on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(round(seconds, 6))
        self.now += seconds
        return False


def test_a_burst_of_one_seconds_worth_goes_at_once_then_one_per_interval():
    time = FakeTime()
    bucket = TokenBucket(10, clock=time.clock, wait=time.wait)

    for _ in range(13):
        bucket.take()

    assert time.waits == [0.1, 0.1, 0.1]
    assert time.now == pytest.approx(100.3)


def test_tokens_saved_while_idle_are_capped_at_the_burst():
    time = FakeTime()
    bucket = TokenBucket(2, burst=3, clock=time.clock, wait=time.wait)
    for _ in range(3):
        bucket.take()

    time.now += 3600  # an hour idle saves 3 tokens, not 7,200
    for _ in range(4):
        bucket.take()

    assert time.waits == [0.5]


def test_concurrent_callers_each_reserve_their_own_slot():
    """Reservations queue: the n-th caller past the burst waits n / rate, whoever asks."""
    time = FakeTime()
    bucket = TokenBucket(4, burst=1, clock=time.clock, wait=time.wait)

    delays = [bucket.reserve() for _ in range(5)]  # all at the same instant

    assert delays == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_rate_must_be_positive():
    with pytest.raises(ValueError, match="greater than 0"):
        TokenBucket(0)


def test_every_describe_table_attempt_takes_a_token_and_nothing_else_does():
    events = botocore.hooks.HierarchicalEmitter()
    time = FakeTime()
    bucket = TokenBucket(1, clock=time.clock, wait=time.wait)
    pace_describes(events, bucket)

    answers = [events.emit(DESCRIBE_EVENT, request=None) for _ in range(3)]
    events.emit("before-send.dynamodb.UpdateTable", request=None)
    events.emit("before-send.cloudwatch.GetMetricData", request=None)

    assert time.waits == [1.0, 1.0]
    # The handler never answers in the call's place.
    assert all(response is None for answer in answers for _, response in answer)


def test_a_stop_ends_the_wait():
    stop = threading.Event()
    stop.set()
    bucket = TokenBucket(0.001, burst=1, wait=stop.wait)  # a token every 1,000 s

    bucket.take()
    bucket.take()  # would wait 1,000 s; the stop lets it through at once
