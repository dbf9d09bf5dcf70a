"""AWS native target tracking in the model: 2 points above target scale out, 15 points
20 below scale in, only points measured at the current capacity count, and the
decrease rule applies. Capacity 100, target 70 %, CloudWatch lag 2, UpdateTable lag 2:
a check at minute m sees the minutes before m - 2."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.simulate.model import ModelParams, SimulatedTable
from dynamic_dynamodb.simulate.native import NativeSettings, NativeTargetTracking

START = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


def replay(demand: list[float], capacity: int = 100, native: NativeSettings | None = None,
           **params: int) -> SimulatedTable:
    table = SimulatedTable("t", Dimension.READS, demand, START, capacity,
                           ModelParams(**params))  # type: ignore[arg-type]
    scaler = NativeTargetTracking(table, native or NativeSettings(target_percent=70))
    for _ in demand:
        table.begin_minute()
        scaler.check()
        table.finish_minute()
    return table


# (id, demand per minute, expected (minute, capacity after) of each UpdateTable)
CASES = [
    # Minutes 5 and 6 at 80 > 70 are both visible at minute 9: 80 / 0.7 -> 115.
    ("two-points-above-scale-out", [50.0] * 5 + [80.0] * 25, [(9, 115)]),
    ("one-point-above-is-not-enough", [50.0] * 5 + [80.0] + [50.0] * 24, []),
    ("exactly-at-target-is-not-above", [70.0] * 30, []),
    # Minutes 0..14 at 40 < 50 are visible at minute 17: the highest of them / 0.7 -> 58.
    ("fifteen-points-below-scale-in", [40.0] * 30, [(17, 58)]),
    # Minute 7 at 55 is not 20 points below: minutes 8..22 are, visible at minute 25.
    ("a-point-at-55-restarts-the-count", [40.0] * 7 + [55.0] + [40.0] * 22, [(25, 58)]),
    # After the scale out (in effect at minute 11) the points at 100 measured at 100
    # units do not count; minutes 11 and 12 at the new capacity do, at minute 15.
    ("only-fresh-points-count", [50.0] * 5 + [80.0] * 2 + [100.0] * 20, [(9, 115), (15, 143)]),
]


@pytest.mark.parametrize("demand,updates", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_native_rules(demand: list[float], updates: list[tuple[int, int]]) -> None:
    table = replay(demand)

    assert [(u.minute, u.after) for u in table.updates] == updates


def test_scale_out_takes_effect_two_minutes_later() -> None:
    table = replay([50.0] * 5 + [80.0] * 25)

    assert table.provisioned[9:12] == [100, 100, 115]


def test_refused_scale_in_waits_for_the_decrease_rule() -> None:
    # One free decrease: the first scale in (minute 17) goes through; the second,
    # wanted from minute 57 (minutes 40..54 at 10 < 50 % of 58), must wait until an
    # hour after the first.
    table = replay([40.0] * 40 + [10.0] * 60, free_decreases_per_day=1)

    assert [(u.minute, u.after) for u in table.updates] == [(17, 58), (77, 15)]


def test_sees_consumed_not_throttled_demand() -> None:
    # Demand 200 on capacity 10 with an empty bucket: consumed is 10 (100 %), so native
    # scales to 10 / 0.7 -> 15, not to the demand's 200 / 0.7.
    table = replay([200.0] * 12, capacity=10)

    assert table.updates[0].after == 15


# The three undocumented details, each against the default on a case computed by hand:
# (id, demand, settings, expected (minute, capacity after) of each UpdateTable).
OPTIONS = [
    # Every point counts: at minute 11 (the first ACTIVE minute at 115) the points of
    # minutes 7 and 8 (100, measured at 100 units) are above 70 % of 115 = 80.5, so
    # native scales out again at once instead of waiting for minutes 11, 12 (default:
    # minute 15, see only-fresh-points-count).
    ("all-points-count", [50.0] * 5 + [80.0] * 2 + [100.0] * 20,
     NativeSettings(target_percent=70, fresh_points_only=False), [(9, 115), (11, 143)]),
    # Scale out from the larger of the two points (90) rather than the newest (80):
    # 90 / 0.7 -> 129 instead of 80 / 0.7 -> 115.
    ("scale-out-from-the-larger-point", [50.0] * 5 + [90.0, 80.0] + [80.0] * 20,
     NativeSettings(target_percent=70, scale_out_from="max"), [(9, 129)]),
    ("scale-out-from-the-newest-point", [50.0] * 5 + [90.0, 80.0] + [80.0] * 20,
     NativeSettings(target_percent=70), [(9, 115)]),
    # One minute from alarm to action: the scale out (alarm at minute 9) is made at
    # minute 10, the scale in (alarm at 17) at 18, with the capacity computed at the alarm.
    ("one-minute-to-act-scale-out", [50.0] * 5 + [80.0] * 25,
     NativeSettings(target_percent=70, action_delay_minutes=1), [(10, 115)]),
    ("one-minute-to-act-scale-in", [40.0] * 30,
     NativeSettings(target_percent=70, action_delay_minutes=1), [(18, 58)]),
]


@pytest.mark.parametrize("demand,settings,updates", [c[1:] for c in OPTIONS],
                         ids=[c[0] for c in OPTIONS])
def test_native_options(demand: list[float], settings: NativeSettings,
                        updates: list[tuple[int, int]]) -> None:
    table = replay(demand, native=settings)

    assert [(u.minute, u.after) for u in table.updates] == updates


def test_delayed_action_takes_effect_three_minutes_after_the_alarm() -> None:
    table = replay([50.0] * 5 + [80.0] * 25,
                   native=NativeSettings(target_percent=70, action_delay_minutes=1))

    assert table.provisioned[10:13] == [100, 100, 115]
