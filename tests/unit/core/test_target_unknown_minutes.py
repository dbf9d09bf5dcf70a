"""The target mode and minutes CloudWatch has not published yet (issue 11): they are left
out, never read as 0, and no decrease comes before a lookback period of known minutes.
(The mode itself is tested in test_target_mode.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core import target
from dynamic_dynamodb.core.target import TargetState
from dynamic_dynamodb.core.types import DimensionUsage
from dynamic_dynamodb.settings import DimensionPolicy

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)
POLICY = DimensionPolicy()  # target 90 %


def window(*per_minute: float | None) -> DimensionUsage:
    known = [v for v in per_minute if v is not None]
    events = tuple(None if v is None else 0.0 for v in per_minute)
    return DimensionUsage(sum(known) / len(known), 0.0, 60 * len(per_minute),
                          tuple(per_minute), events)


def test_unpublished_minutes_are_left_out_of_the_samples() -> None:
    got = target.propose(POLICY, 112, window(100.0, 100.0, 100.0, None, None),
                         TargetState(), NOW)

    assert got.state.samples == (100.0, 100.0, 100.0)
    assert got.state.last_sample_at == NOW - timedelta(minutes=2)
    assert got.target == 112  # not dropped towards 1 by two zeros


def test_a_minute_published_later_slides_into_place() -> None:
    first = target.propose(POLICY, 112, window(1.0, 2.0, 3.0, None, None), TargetState(), NOW)
    later = target.propose(POLICY, 112, window(2.0, 3.0, 4.0, 5.0, 6.0), first.state,
                           NOW + timedelta(minutes=1))

    assert later.state.samples == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert later.state.last_sample_at == NOW + timedelta(minutes=1)


def test_samples_end_on_whole_minutes_whatever_second_the_cycle_starts() -> None:
    first = target.propose(POLICY, 112, window(1.0, 2.0, 3.0), TargetState(),
                           NOW + timedelta(seconds=59))
    later = target.propose(POLICY, 112, window(2.0, 3.0, 4.0), first.state,
                           NOW + timedelta(seconds=61))

    assert later.state.samples == (1.0, 2.0, 3.0, 4.0)


# (id, window, capacity, expected target, reason code)
WARMING = [
    ("three-known-of-five-no-decrease", (10.0, 10.0, 10.0, None, None), 100, 100,
     "too-few-known-minutes"),
    ("five-known-decreases", (10.0,) * 5, 100, 12, "target-decrease"),
    ("three-known-may-increase", (100.0, 100.0, 100.0, None, None), 50, 112,
     "target-increase"),
]


@pytest.mark.parametrize("per_minute,capacity,expected,code", [w[1:] for w in WARMING],
                         ids=[w[0] for w in WARMING])
def test_no_decrease_before_a_lookback_period_of_known_minutes(
        per_minute: tuple[float | None, ...], capacity: int, expected: int,
        code: str) -> None:
    got = target.propose(POLICY, capacity, window(*per_minute), TargetState(), NOW)

    assert (got.target, got.reason.code) == (expected, code)
    if code == "too-few-known-minutes":
        assert "3 minute(s) of demand known, a decrease needs 5" in got.reason.message


def test_known_minutes_gathered_over_cycles_allow_the_decrease() -> None:
    state = TargetState()
    targets = []
    for minute in range(3):
        got = target.propose(POLICY, 100, window(10.0, 10.0, None, None, None), state,
                             NOW + timedelta(minutes=minute))
        state = got.state
        targets.append(got.target)

    assert len(state.samples) == 4
    assert targets == [100, 100, 100]
    got = target.propose(POLICY, 100, window(10.0, 10.0, 10.0, None, None), state,
                         NOW + timedelta(minutes=3))
    assert got.target == 12  # 10.0 x 5 minutes known now
