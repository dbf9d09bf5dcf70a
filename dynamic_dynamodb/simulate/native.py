"""AWS's native DynamoDB auto scaling (Application Auto Scaling target tracking), as
documented, on the simulated table.

Target tracking creates two CloudWatch alarms on the consumed capacity, with
thresholds that follow the current provisioned capacity:

* high: the last ``scale_out_points`` one-minute points all above target % of
  provisioned -> scale out to consumed / target;
* low: the last ``scale_in_points`` points all below (target - ``scale_in_gap``) %
  of provisioned -> scale in to the highest of those points / target (scale-in
  is the conservative direction).

It sees consumed capacity only (never throttled demand) and is subject to the
table's UPDATING lag and decrease rule like any other client: a refused decrease
is simply not made. With the model's late or lost CloudWatch minutes, an alarm
whose points are not all published keeps its state. (A minute without traffic is a
point of 0 here; real CloudWatch publishes none, and AWS documents that its scaling
then does not scale in an idle table: this model is kinder to native scaling.)

Three details are not documented by AWS; each is a ``NativeSettings`` option
(defaults in brackets):

* ``fresh_points_only`` [True]: after a capacity change, only points measured at
  the new capacity count (the alarms wait for fresh points); False: every point
  counts, compared with the thresholds of the current capacity.
* ``scale_out_from`` ["newest"]: scale out to the newest point's consumed / target,
  or ("max") to the largest of the points that raised the alarm.
* ``action_delay_minutes`` [0]: minutes from the alarm to the UpdateTable (the
  capacity is the one computed when the alarm fired; a table still UPDATING then
  delays it further). While an action is pending no alarm is evaluated.

The defaults reproduce the issue's reference figures on WorldCup98 (see the
README's "Simulating a policy" section for the comparison); the benchmark compares
against the combination in which native scaling does best (``STRICTER``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.settings import DEFAULT_MAX_CAPACITY, MIN_CAPACITY
from dynamic_dynamodb.simulate.model import SimulatedTable

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


class NativeTargetTracking:
    """Evaluates both alarms once a minute, on the points CloudWatch has published."""

    def __init__(self, table: SimulatedTable, settings: NativeSettings | None = None) -> None:
        self.table = table
        self.settings = settings or NativeSettings()
        # The first minute measured at the current capacity.
        self.fresh_from = 0
        # (minute due, capacity) of an alarm's action not yet taken.
        self.pending: tuple[int, int] | None = None

    def _wanted(self, consumed_sum: float) -> int:
        s = self.settings
        need = math.ceil(consumed_sum / 60.0 / (s.target_percent / 100.0) - 1e-9)
        return max(s.min_capacity, min(s.max_capacity, need))

    def check(self) -> None:
        table = self.table
        if self.pending is not None:
            due, delayed = self.pending
            if table.minute >= due and not table.updating:
                self.pending = None
                if delayed != table.capacity:
                    self._update(delayed)
            return
        if table.updating:
            return
        wanted = self._alarm()
        if wanted is None:
            return
        if self.settings.action_delay_minutes > 0:
            self.pending = (table.minute + self.settings.action_delay_minutes, wanted)
        else:
            self._update(wanted)

    def _alarm(self) -> int | None:
        """The capacity an alarm in ALARM state asks for now, if any."""
        table = self.table
        s = self.settings
        newest = min(table.published_until(), len(table.demand))  # exclusive
        capacity = table.capacity
        points = table.consumed_sum
        first = self.fresh_from if s.fresh_points_only else 0
        high = s.target_percent / 100.0 * capacity * 60.0
        out_from = newest - s.scale_out_points
        if out_from >= first and self._published(out_from, newest) and all(
                points[k] > high for k in range(out_from, newest)):
            basis = (points[newest - 1] if s.scale_out_from == "newest"
                     else max(points[out_from:newest]))
            wanted = self._wanted(basis)
            return wanted if wanted > capacity else None
        low = (s.target_percent - s.scale_in_gap) / 100.0 * capacity * 60.0
        in_from = newest - s.scale_in_points
        if in_from >= first and self._published(in_from, newest) and all(
                points[k] < low for k in range(in_from, newest)):
            wanted = self._wanted(max(points[in_from:newest]))
            return wanted if wanted < capacity else None
        return None

    def _published(self, first: int, end: int) -> bool:
        """Whether every point of [first, end) is published: an alarm whose newest points
        are late (or lost) keeps its state until they arrive (a lost point never does)."""
        table = self.table
        return table.visible_at is None or all(table.visible(k) for k in range(first, end))

    def _update(self, capacity: int) -> None:
        table = self.table
        reads, writes = ((capacity, table.writes) if table.dimension is Dimension.READS
                         else (table.reads, capacity))
        try:
            table.update(reads, writes)
        except AwsError as exc:
            if exc.code != "LimitExceededException":
                raise
            return
        self.fresh_from = table.minute + table.params.update_lag_minutes


# The combination in which native scaling does best against us (measured by
# benchmarks/native_variants.py on worldcup98 and NAB, at 70 % and 90 %: its points lie
# furthest below the default's line): every point counts, scale out from the larger
# point, act in the alarm's minute. Use with dataclasses.replace(target_percent=...).
STRICTER = NativeSettings(fresh_points_only=False, scale_out_from="max",
                          action_delay_minutes=0)
