"""CloudWatch publication in the simulated table (issue 11 item 9): late minutes, lost
minutes, and how the policy reads a minute without a datapoint through the daemon's
own rule (core/minutes.py, allowance 3 minutes), on cases computed by hand. Lag 2:
minute k is normally visible from minute k + 3."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.core.types import Dimension, DimensionUsage
from dynamic_dynamodb.simulate.model import (
    NEVER,
    ModelParams,
    SimulatedTable,
    publication_schedule,
)
from dynamic_dynamodb.simulate.native import NativeSettings, NativeTargetTracking

START = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


def played(demand: list[float], minutes: int, capacity: int = 100,
           **params: object) -> SimulatedTable:
    t = SimulatedTable("t", Dimension.READS, demand, START, capacity,
                       ModelParams(**params))  # type: ignore[arg-type]
    for _ in range(minutes):
        t.begin_minute()
        t.finish_minute()
    return t


def test_default_schedule_is_the_plain_lag() -> None:
    assert publication_schedule(10, ModelParams()) is None


def test_every_minute_late_by_one() -> None:
    assert publication_schedule(4, ModelParams(late_share=1.0, late_max_minutes=1)) == [
        4, 5, 6, 7]


def test_schedule_is_seeded_and_late_by_one_to_n() -> None:
    params = ModelParams(late_share=0.3, late_max_minutes=3, gaps_per_day=20,
                         publication_seed=7)
    first = publication_schedule(20_000, params)
    assert first == publication_schedule(20_000, params)
    assert first is not None
    extra = [v - (k + 3) for k, v in enumerate(first) if v != NEVER]
    assert set(extra) == {0, 1, 2, 3}
    assert 0.27 < sum(1 for e in extra if e) / len(extra) < 0.33
    lost = sum(1 for v in first if v == NEVER)
    # 20,000 minutes = 13.9 days x 20 runs of 1-3 minutes: about 550 minutes.
    assert 350 < lost < 800
    assert first != publication_schedule(20_000, ModelParams(
        late_share=0.3, late_max_minutes=3, gaps_per_day=20, publication_seed=8))


def known_reads(t: SimulatedTable, first: int, length: int) -> tuple[float | None, ...]:
    reads = t.usage(first, length).reads
    assert isinstance(reads, DimensionUsage)
    return reads.per_minute


# (id, demand, minutes played, first, length, expected per-minute demand)
VIEWS = [
    # At minute 6, minutes 0..3 are published; minute 1 had no traffic but minute 2 has
    # a datapoint, so 1 is 0; minutes 4 and 5 are not published yet and ended 1 and 0
    # minutes ago (< the 3-minute allowance): unknown.
    ("later-point-makes-missing-zero", [5.0, 0.0, 5.0, 5.0, 5.0, 5.0], 6, 0, 6,
     (5.0, 0.0, 5.0, 5.0, None, None)),
    # Quiet from minute 2, at minute 10: no later datapoint, so only the minutes that
    # ended 3 or more minutes ago (2..6) are 0; 7..9 unknown.
    ("quiet-tail-is-unknown-within-the-allowance", [5.0, 5.0] + [0.0] * 8, 10, 0, 10,
     (5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, None, None, None)),
    # The trace does not say what the table served before it: unknown, never 0.
    ("before-the-trace-is-unknown", [5.0] * 6, 6, -2, 4, (None, None, 5.0, 5.0)),
]


@pytest.mark.parametrize("demand,minutes,first,length,expected", [v[1:] for v in VIEWS],
                         ids=[v[0] for v in VIEWS])
def test_usage_per_minute(demand: list[float], minutes: int, first: int, length: int,
                          expected: tuple[float | None, ...]) -> None:
    t = played(demand, minutes)

    assert known_reads(t, first, length) == expected


def test_late_minute_is_unknown_until_a_later_one_arrives() -> None:
    t = played([5.0] * 10, 6, late_share=1.0, late_max_minutes=1)
    # Every minute is visible from k + 4: at minute 6 minutes 0, 1 and 2 are.
    assert known_reads(t, 0, 6) == (5.0, 5.0, 5.0, None, None, None)


def test_lost_minute_reads_zero_once_a_later_one_is_published() -> None:
    t = played([5.0] * 10, 8)
    t.visible_at = [k + 3 for k in range(10)]
    t.visible_at[3] = NEVER

    # At minute 8 minutes 0..5 are due; 3 never comes and 4, 5 have datapoints.
    assert known_reads(t, 0, 7) == (5.0, 5.0, 5.0, 0.0, 5.0, 5.0, None)


def test_usage_averages_the_known_minutes_only() -> None:
    t = played([6.0, 0.0, 6.0, 6.0, 6.0, 6.0], 6)

    reads = t.usage(0, 6).reads
    assert isinstance(reads, DimensionUsage)
    assert reads.consumed == pytest.approx(18 * 60 / (4 * 60))


def test_native_alarm_waits_for_its_late_points() -> None:
    # Minutes 5 and 6 at 80 on 100 at 70 %: on time the alarm fires at minute 9; with
    # minute 6 one minute late, at minute 10.
    demand = [50.0] * 5 + [80.0] * 25
    t = SimulatedTable("t", Dimension.READS, demand, START, 100, ModelParams())
    t.visible_at = [k + 3 for k in range(len(demand))]
    t.visible_at[6] += 1
    native = NativeTargetTracking(t, NativeSettings(target_percent=70))
    for _ in demand:
        t.begin_minute()
        native.check()
        t.finish_minute()

    assert [(u.minute, u.after) for u in t.updates] == [(10, 115)]
