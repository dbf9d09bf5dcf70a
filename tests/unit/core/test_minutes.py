"""core/minutes.py: which minutes of a CloudWatch series are known, and the usage they make.

Times are minutes after 12:00 UTC; ``now`` is the cycle's time. The publication
allowance is 3 minutes unless a case says otherwise.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core.minutes import (
    MISSING,
    SeriesAnswer,
    dimension_usage,
    known_demand,
    known_run,
    read_minutes,
    too_few_known_minutes,
)
from dynamic_dynamodb.core.types import DimensionUsage, UnknownUsage

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
NAMES = ("ConsumedReadCapacityUnits", "ReadThrottleEvents")


def at(minute: int) -> int:
    """Epoch seconds of 12:00 + ``minute``."""
    return int((NOON + timedelta(minutes=minute)).timestamp())


def points(by_minute: dict[int, float]) -> dict[int, float]:
    return {at(m): v for m, v in by_minute.items()}


def window(first: int, length: int) -> list[int]:
    return [at(m) for m in range(first, first + length)]


def now(minute: float) -> datetime:
    return NOON + timedelta(minutes=minute)


# (id, datapoints by minute, window (first, length), now (minutes), allowance,
#  consumed datapoints of the same dimension (for a throttle series), known_from, expected)
READS = [
    ("datapoints-have-their-values", {0: 60.0, 1: 120.0}, (0, 2), 10, 3, None, None,
     (60.0, 120.0)),
    ("missing-before-a-later-datapoint-is-idle", {2: 60.0}, (0, 3), 5, 3, None, None,
     (0.0, 0.0, 60.0)),
    ("missing-newest-within-the-allowance-is-not-known-yet", {0: 60.0}, (0, 3), 4.5, 3, None,
     None, (60.0, None, None)),
    ("missing-older-than-the-allowance-is-idle", {}, (0, 5), 8, 3, None, None,
     (0.0,) * 5),
    ("the-allowance-is-counted-from-the-minutes-end", {}, (0, 2), 4, 3, None, None,
     (0.0, None)),
    ("allowance-zero-reads-every-missing-minute-as-idle", {}, (0, 3), 3, 0, None, None,
     (0.0, 0.0, 0.0)),
    ("a-later-datapoint-outside-the-window-counts", {9: 60.0}, (0, 3), 5, 3, None, None,
     (0.0, 0.0, 0.0)),
    ("throttle-minute-known-when-consumed-published-at-it", {}, (0, 3), 4, 3, {1: 60.0},
     None, (0.0, 0.0, None)),
    ("throttle-minute-unknown-after-the-newest-consumed", {0: 5.0}, (0, 3), 4, 3, {0: 60.0},
     None, (5.0, None, None)),
    ("nothing-known-before-known-from", {3: 60.0}, (0, 4), 10, 3, None, 2,
     (None, None, 0.0, 60.0)),
]


@pytest.mark.parametrize("by_minute,span,minute,allowance,consumed,known_from,expected",
                         [c[1:] for c in READS], ids=[c[0] for c in READS])
def test_read_minutes(by_minute: dict[int, float], span: tuple[int, int], minute: float,
                      allowance: int, consumed: dict[int, float] | None,
                      known_from: int | None, expected: tuple[float | None, ...]) -> None:
    published = None if consumed is None else max(points(consumed))
    got = read_minutes(points(by_minute), window(*span), now(minute), allowance,
                       published_until=published,
                       known_from=None if known_from is None else at(known_from))

    assert got == expected


def usage(consumed: SeriesAnswer, throttled: SeriesAnswer, minute: float = 8,
          span: tuple[int, int] = (0, 5), allowance: int = 3):
    return dimension_usage(consumed, throttled, window(*span), now(minute), allowance, NAMES)


BUSY = SeriesAnswer(points(dict.fromkeys(range(5), 600.0)))  # 10 units/s every minute
QUIET = SeriesAnswer()

# (id, consumed series, throttle series, now (minutes), words the reason must hold)
UNKNOWN = [
    ("consumed-absent-from-the-answer", MISSING, QUIET, 8,
     "ConsumedReadCapacityUnits: missing from the answer"),
    ("consumed-not-complete", SeriesAnswer(BUSY.points, "not complete (StatusCode "
                                                        "PartialData)"), QUIET, 8,
     "ConsumedReadCapacityUnits: not complete (StatusCode PartialData)"),
    ("negative-value", SeriesAnswer({**BUSY.points, at(2): -600.0}), QUIET, 8,
     "a negative value (-600) at 12:02 UTC"),
    ("nan-value", SeriesAnswer({**BUSY.points, at(1): math.nan}), QUIET, 8,
     "a non-finite value (nan) at 12:01 UTC"),
    ("infinite-value", SeriesAnswer({at(1): math.inf}), QUIET, 8, "a non-finite value (inf)"),
    # Window 12:00-12:01 read at 12:02:30: neither minute ended 3 minutes ago.
    ("no-minute-known-yet", QUIET, QUIET, 2.5, "no minute of the window is published yet"),
]


@pytest.mark.parametrize("consumed,throttled,minute,words", [c[1:] for c in UNKNOWN],
                         ids=[c[0] for c in UNKNOWN])
def test_a_dimension_is_unknown(consumed: SeriesAnswer, throttled: SeriesAnswer,
                                minute: float, words: str) -> None:
    got = usage(consumed, throttled, minute=minute, span=(0, 2) if minute < 3 else (0, 5))

    assert isinstance(got, UnknownUsage)
    assert words in got.reason


def test_consumed_is_the_average_of_the_known_minutes_only() -> None:
    # 12:00-12:02 published (10 units/s), 12:03-12:04 not yet (within the allowance).
    got = usage(SeriesAnswer(points({0: 600.0, 1: 600.0, 2: 600.0})), QUIET, minute=5.5)

    assert isinstance(got, DimensionUsage)
    assert got.per_minute == (10.0, 10.0, 10.0, None, None)
    assert got.consumed == pytest.approx(10.0)  # not 6.0: unknown minutes are not zeros
    assert got.known_seconds == 180
    assert got.throttled_per_minute == (0.0, 0.0, 0.0, None, None)
    assert got.throttles_gap() == ""


def test_a_window_without_any_datapoint_reads_zero_use() -> None:
    got = usage(QUIET, QUIET, minute=8)

    assert isinstance(got, DimensionUsage)
    assert got.consumed == 0.0 and got.throttle_events == 0.0
    assert got.per_minute == (0.0,) * 5


# (id, throttle series, the reason the throttle events are unknown)
THROTTLES_UNKNOWN = [
    ("throttle-series-absent", MISSING, "ReadThrottleEvents: missing from the answer"),
    ("throttle-series-partial", SeriesAnswer({}, "not complete (StatusCode PartialData)"),
     "ReadThrottleEvents: not complete"),
    ("throttle-series-negative", SeriesAnswer(points({3: -5.0})),
     "ReadThrottleEvents: a negative value (-5)"),
]


@pytest.mark.parametrize("throttled,words", [c[1:] for c in THROTTLES_UNKNOWN],
                         ids=[c[0] for c in THROTTLES_UNKNOWN])
def test_unknown_throttle_events_keep_consumption_known(throttled: SeriesAnswer,
                                                        words: str) -> None:
    got = usage(BUSY, throttled)

    assert isinstance(got, DimensionUsage)
    assert got.consumed == pytest.approx(10.0)
    assert words in got.throttles_unknown
    assert words in got.throttles_gap()
    assert got.throttled_per_minute == (None,) * 5


def test_throttle_events_are_summed_over_known_minutes() -> None:
    got = usage(BUSY, SeriesAnswer(points({1: 30.0, 4: 12.0})))

    assert isinstance(got, DimensionUsage)
    assert got.throttle_events == 42.0
    assert got.throttled_per_minute == (0.0, 30.0, 0.0, 0.0, 12.0)


def test_throttle_gap_when_a_known_consumed_minute_has_unknown_throttles() -> None:
    gap = DimensionUsage(5.0, 0.0, 180, (5.0, 5.0, 5.0), (0.0, 0.0, None))

    assert "1 minute(s)" in gap.throttles_gap()


# (id, values, expected run, unknown minutes after it)
RUNS = [
    ("all-known", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0),
    ("newest-unknown", [1.0, 2.0, None, None], [1.0, 2.0], 2),
    ("oldest-unknown", [None, None, 3.0], [3.0], 0),
    ("a-hole-stops-the-run", [1.0, None, 3.0, None], [3.0], 1),
    ("nothing-known", [None, None], [], 2),
]


@pytest.mark.parametrize("values,run,after", [c[1:] for c in RUNS], ids=[c[0] for c in RUNS])
def test_known_run(values: list[float | None], run: list[float], after: int) -> None:
    assert known_run(values) == (run, after)


def test_known_demand_adds_throttled_units_and_stops_at_unknown_minutes() -> None:
    window_usage = DimensionUsage(10.0, 60.0, 240, (10.0, 10.0, 10.0, None),
                                  (0.0, 60.0, None, None))

    # 60 events in a minute are 1 unit/s; unknown throttle events count as none.
    assert known_demand(window_usage) == ([10.0, 11.0, 10.0], 1)


@pytest.mark.parametrize("known,needed,held", [(4, 5, True), (5, 5, False), (9, 5, False)],
                         ids=["fewer-held", "exactly-enough", "more"])
def test_too_few_known_minutes(known: int, needed: int, held: bool) -> None:
    reason = too_few_known_minutes(known, needed)

    assert (reason is not None) is held
    if reason is not None:
        assert reason.code == "too-few-known-minutes"
        assert f"{known} minute(s) of demand known, a decrease needs {needed}" in reason.message
