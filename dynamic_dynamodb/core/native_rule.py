"""AWS's native target tracking as a rule: its two CloudWatch alarms on consumed capacity.

The yardstick of the target mode's nightly tuning (core/tuning.py) and the
simulator's native model (simulate/native.py) share it. Thresholds follow the
current provisioned capacity:

* high: the last ``scale_out_points`` one-minute points all above target % of
  provisioned -> scale out to consumed / target;
* low: the last ``scale_in_points`` points all below (target - ``scale_in_gap``) %
  of provisioned -> scale in to the highest of those points / target.

It sees consumed capacity only, never throttled demand. Three details AWS does not
document are options (defaults in brackets):

* ``fresh_points_only`` [True]: after a capacity change only points measured at the
  new capacity count; False: every point counts, compared with the current thresholds.
* ``scale_out_from`` ["newest"]: scale out to the newest point / target, or ("max") to
  the largest of the points that raised the alarm.
* ``action_delay_minutes`` [0]: minutes from the alarm to the UpdateTable (the
  simulator's model only; the tuning's replay acts in the alarm's minute).

``STRICTER`` is the combination in which native scaling does best against the target
mode (benchmarks/native_variants.py): every comparison of the project uses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from dynamic_dynamodb.settings import DEFAULT_MAX_CAPACITY, MIN_CAPACITY

ScaleOutFrom = Literal["newest", "max"]


@dataclass(frozen=True)
class NativeSettings:
    target_percent: float = 70.0
    scale_out_points: int = 2
    scale_in_points: int = 15
    scale_in_gap: float = 20.0
    min_capacity: int = MIN_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY
    fresh_points_only: bool = True
    scale_out_from: ScaleOutFrom = "newest"
    action_delay_minutes: int = 0

    @property
    def variant(self) -> str:
        """The three undocumented details, in a few words."""
        points = "fresh points" if self.fresh_points_only else "all points"
        return (f"{points}, out from {self.scale_out_from}, "
                f"+{self.action_delay_minutes} min to act")


# Every point counts, scale out from the larger point, act in the alarm's minute: its
# (throttled %, cost) points at 70 % and 90 % lie furthest below the default's line on
# worldcup98 and NAB. Use with dataclasses.replace(target_percent=...).
STRICTER = NativeSettings(fresh_points_only=False, scale_out_from="max",
                          action_delay_minutes=0)


def wanted(s: NativeSettings, consumed_sum: float) -> int:
    """The capacity for a minute's consumed Sum (units x 60) at the target."""
    need = math.ceil(consumed_sum / 60.0 / (s.target_percent / 100.0) - 1e-9)
    return max(s.min_capacity, min(s.max_capacity, need))


def alarm(s: NativeSettings, points: Sequence[float], newest: int, first: int, capacity: int,
          published: Callable[[int, int], bool] | None = None) -> int | None:
    """The capacity an alarm in ALARM state asks for, if any. ``points``: consumed Sum
    per minute; ``newest``: the end (exclusive) of the points published; ``first``: the
    first point that counts; ``published(a, b)``: whether the points [a, b) are all
    published (an alarm with a late point keeps its state); None: they are."""
    high = s.target_percent / 100.0 * capacity * 60.0
    out_from = newest - s.scale_out_points
    if out_from >= first and (published is None or published(out_from, newest)) and all(
            points[k] > high for k in range(out_from, newest)):
        basis = (points[newest - 1] if s.scale_out_from == "newest"
                 else max(points[out_from:newest]))
        need = wanted(s, basis)
        return need if need > capacity else None
    low = (s.target_percent - s.scale_in_gap) / 100.0 * capacity * 60.0
    in_from = newest - s.scale_in_points
    if in_from >= first and (published is None or published(in_from, newest)) and all(
            points[k] < low for k in range(in_from, newest)):
        need = wanted(s, max(points[in_from:newest]))
        return need if need < capacity else None
    return None
