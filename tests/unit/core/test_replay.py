"""The nightly tuning's replay model (core/replay.py) and AWS native's alarms
(core/native_rule.py), on cases computed by hand. That the replay equals the simulator
on whole traces is tests/unit/test_replay_matches_simulator.py."""

from __future__ import annotations

import dataclasses

import pytest

from dynamic_dynamodb.core import native_rule, replay
from dynamic_dynamodb.core.native_rule import STRICTER, NativeSettings
from dynamic_dynamodb.core.replay import DEFAULT_MODEL, serve
from dynamic_dynamodb.core.target_rule import V1
from dynamic_dynamodb.settings import DimensionPolicy

# (id, demand, capacity, bucket, expected (served, bucket after))
SERVES = [
    ("below-capacity-fills-the-bucket", 60.0, 100, 0.0, (60.0, 2400.0)),
    ("the-bucket-holds-300-s-of-capacity", 60.0, 100, 29_000.0, (60.0, 30_000.0)),
    ("above-capacity-draws-from-the-bucket", 130.0, 100, 6000.0, (130.0, 4200.0)),
    ("an-empty-bucket-throttles", 130.0, 100, 600.0, (110.0, 0.0)),
]


@pytest.mark.parametrize("demand,capacity,bucket,expected", [s[1:] for s in SERVES],
                         ids=[s[0] for s in SERVES])
def test_serve(demand: float, capacity: int, bucket: float,
               expected: tuple[float, float]) -> None:
    assert serve(demand, capacity, bucket, 300.0) == expected


@pytest.mark.parametrize("demand,expected", [([9.0], 10), ([0.0], 1), ([], 1), ([90.0], 100)],
                         ids=["ceil", "zero", "empty", "exact"])
def test_start_capacity(demand: list[float], expected: int) -> None:
    assert replay.start_capacity(demand) == expected


# -- native's alarms ---------------------------------------------------------------------
S70 = dataclasses.replace(STRICTER, target_percent=70.0)
HIGH = [80.0 * 60] * 3  # consumed Sums above 70 % of 100


# (id, settings, points (Sums), newest (exclusive), first, capacity, expected)
ALARMS = [
    ("two-high-points-scale-out", S70, HIGH, 3, 0, 100, 115),
    ("out-from-the-largest-point", S70, [90.0 * 60, 80.0 * 60], 2, 0, 100, 129),
    ("out-from-the-newest-point", NativeSettings(), [90.0 * 60, 80.0 * 60], 2, 0, 100, 115),
    ("one-high-point-is-not-enough", S70, [10.0, 80.0 * 60], 2, 0, 100, None),
    ("fresh-points-only", NativeSettings(), HIGH, 3, 2, 100, None),
    ("fifteen-low-points-scale-in", S70, [30.0 * 60] * 15, 15, 0, 100, 43),
    ("fourteen-low-points-wait", S70, [30.0 * 60] * 14, 14, 0, 100, None),
    ("scale-in-not-above-capacity", S70, [0.0] * 15, 15, 0, 1, None),
    ("within-the-band", S70, [60.0 * 60] * 15, 15, 0, 100, None),
    ("max-capacity", dataclasses.replace(S70, max_capacity=110), HIGH, 3, 0, 100, 110),
]


@pytest.mark.parametrize("settings,points,newest,first,capacity,expected",
                         [a[1:] for a in ALARMS], ids=[a[0] for a in ALARMS])
def test_native_alarm(settings: NativeSettings, points: list[float], newest: int, first: int,
                      capacity: int, expected: int | None) -> None:
    assert native_rule.alarm(settings, points, newest, first, capacity) == expected


def test_an_alarm_with_a_point_not_published_keeps_its_state() -> None:
    assert native_rule.alarm(S70, HIGH, 3, 0, 100, lambda a, b: False) is None
    assert native_rule.alarm(S70, HIGH, 3, 0, 100, lambda a, b: True) == 115


def test_native_replay_scales_out_after_two_points_and_the_lag() -> None:
    # 80 on 100 at 70 %: minutes 0 and 1 are published at minute 4 (lag 2): scale out to
    # 115 then, in force from minute 6. 80 fits 115 at 70 % (80.5): nothing more.
    got = replay.replay_native([80.0] * 10, 100, S70)

    assert got.throttled_percent == 0.0
    assert got.cost_ratio == pytest.approx((6 * 100 + 4 * 115) / 800)
    assert got.demand == 800.0


def test_native_fresh_points_wait_for_the_new_capacity() -> None:
    # A rising demand: the points measured at the old capacity, during the update and
    # CloudWatch's lag, are already above the new capacity's threshold. Counting them
    # scales out again at once; waiting for fresh points throttles more and costs less.
    ramp = [50.0] * 10 + [100.0 + 20 * k for k in range(20)]
    fresh = replay.replay_native(ramp, 100, NativeSettings(target_percent=70))
    every = replay.replay_native(ramp, 100, dataclasses.replace(
        NativeSettings(target_percent=70), fresh_points_only=False))

    assert fresh.cost_ratio < every.cost_ratio
    assert fresh.throttled_percent > every.throttled_percent


def test_native_replay_scores_from_a_minute() -> None:
    got = replay.replay_native([80.0] * 10, 100, S70, score_from=6)

    assert got.cost_ratio == pytest.approx(115 / 80)


def test_a_replay_of_no_demand() -> None:
    assert replay.replay_native([0.0] * 20, 1, S70) == replay.Outcome(0.0, float("inf"), 0.0)
    assert replay.replay_native([], 1, S70) == replay.Outcome(0.0, 0.0, 0.0)


# -- the table's decrease rule -------------------------------------------------------------
def test_a_decrease_dynamodb_would_refuse_is_not_made() -> None:
    table = replay._Table([1.0] * 200, 100, 0, 0, DEFAULT_MODEL)
    for minute, capacity in enumerate((90, 80, 70, 60)):
        table.begin(minute * 3)
        table.update(minute * 3, capacity)
    table.begin(12)
    table.update(12, 50)  # the 5th within the hour

    assert (table.capacity, table.pending_at, table.decreases) == (60, -1, 4)
    table.update(9 + 60, 50)  # an hour after the 4th
    assert (table.pending_capacity, table.decreases) == (50, 5)


def test_the_decrease_counter_starts_again_at_utc_midnight() -> None:
    table = replay._Table([1.0] * 3000, 100, 1430, 0, DEFAULT_MODEL)  # 23:50 UTC
    table.decreases, table.decrease_day, table.last_decrease = 4, 0, 5

    assert table.used_today(9) == 4
    assert table.used_today(10) == 0  # 00:00 UTC


# -- the target mode's replay ---------------------------------------------------------------
def test_mode_replay_decreases_once_a_lookback_period_is_known() -> None:
    # 50 on 100: minute k is known from minute k + 3; at minute 9 minutes 0..6 are, seven
    # (the window): v1 decreases to 50 / 0.9 = 56, in force from minute 11.
    got = replay.replay_mode([50.0] * 15, 100, V1, DimensionPolicy())

    assert got.cost_ratio == pytest.approx((11 * 100 + 4 * 56) / 750)
    assert got.throttled_percent == 0.0


def test_mode_replay_increases_on_what_it_sees() -> None:
    # 150 on 100 from minute 0: seen at minute 3, 167 in force from minute 5; the bucket
    # is empty at the start, so minutes 0..4 throttle 50 each.
    got = replay.replay_mode([150.0] * 10, 100, V1, DimensionPolicy())

    assert got.throttled_percent == pytest.approx(100 * 5 * 50 / 1500)


def test_mode_replay_holds_a_decrease_while_the_window_throttled() -> None:
    # A 2-minute surge that throttles (minutes 10, 11), then quiet: 912 from minute 15.
    # Tolerant of throttling, the rule decreases at once (445 at minute 15, 267 at 19);
    # the guard holds every decrease until the throttled minutes leave the 7-minute
    # window (minute 19). Unpaced, both reach 56 at minute 23.
    demand = [50.0] * 10 + [400.0] * 2 + [50.0] * 30
    unpaced = dataclasses.replace(V1, pace_hours=0.0)
    strict = replay.replay_mode(demand, 56, unpaced, DimensionPolicy())
    tolerant = replay.replay_mode(demand, 56, unpaced,
                                  DimensionPolicy(throttled_upper_threshold=100_000))

    assert strict.throttled_percent == tolerant.throttled_percent
    # 445 instead of 912 over minutes 17..20 (in force 2 minutes after the update).
    assert (strict.cost_ratio - tolerant.cost_ratio) * 2800 == pytest.approx(4 * (912 - 445))


def test_mode_replay_at_0_percent_decreases_only_when_allowed() -> None:
    idle = [0.0] * 30
    held = replay.replay_mode(idle, 100, V1, DimensionPolicy())
    allowed = replay.replay_mode(idle, 100, V1,
                                 DimensionPolicy(allow_scale_down_at_0_percent=True))

    assert held.cost_ratio == allowed.cost_ratio == float("inf")
    assert held.demand == 0.0
    # Compare what was provisioned through a replay that has a little demand at the end.
    some = [0.0] * 29 + [1.0]
    assert (replay.replay_mode(some, 100, V1, DimensionPolicy()).cost_ratio
            > replay.replay_mode(some, 100, V1,
                                 DimensionPolicy(allow_scale_down_at_0_percent=True)).cost_ratio)


def test_mode_replay_keeps_min_and_max() -> None:
    got = replay.replay_mode([50.0] * 30, 100, V1, DimensionPolicy(min_provisioned=80))
    capped = replay.replay_mode([150.0] * 30, 100, V1, DimensionPolicy(max_provisioned=120))

    assert got.cost_ratio == pytest.approx((11 * 100 + 19 * 80) / 1500)
    assert capped.throttled_percent > 0
