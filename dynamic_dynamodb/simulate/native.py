"""AWS's native DynamoDB auto scaling (Application Auto Scaling target tracking), as
documented, on the simulated table.

Target tracking creates two CloudWatch alarms on the consumed capacity, with
thresholds that follow the current provisioned capacity:

* high: the last ``scale_out_points`` one-minute points all above target % of
  provisioned -> scale out to the newest point's consumed / target;
* low: the last ``scale_in_points`` points all below (target - ``scale_in_gap``) %
  of provisioned -> scale in to the highest of those points / target (scale-in
  is the conservative direction).

Only points measured at the current capacity count: after a change the alarms
wait for fresh points. It sees consumed capacity only (never throttled demand)
and is subject to the table's UPDATING lag and decrease rule like any other
client: a refused decrease is simply not made.

These two readings of the documentation (fresh points; scale in from the
highest point) reproduce the issue's reference figures on WorldCup98 (see the
README's "Simulating a policy" section for the comparison).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.settings import DEFAULT_MAX_CAPACITY, MIN_CAPACITY
from dynamic_dynamodb.simulate.model import SimulatedTable


@dataclass(frozen=True)
class NativeSettings:
    target_percent: float = 70.0
    scale_out_points: int = 2
    scale_in_points: int = 15
    scale_in_gap: float = 20.0
    min_capacity: int = MIN_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY


class NativeTargetTracking:
    """Evaluates both alarms once a minute, on the points CloudWatch has published."""

    def __init__(self, table: SimulatedTable, settings: NativeSettings | None = None) -> None:
        self.table = table
        self.settings = settings or NativeSettings()
        # The first minute measured at the current capacity.
        self.fresh_from = 0

    def _wanted(self, consumed_sum: float) -> int:
        s = self.settings
        need = math.ceil(consumed_sum / 60.0 / (s.target_percent / 100.0) - 1e-9)
        return max(s.min_capacity, min(s.max_capacity, need))

    def check(self) -> None:
        table = self.table
        if table.updating:
            return
        s = self.settings
        newest = min(table.published_until(), len(table.demand))  # exclusive
        capacity = table.capacity
        points = table.consumed_sum
        high = s.target_percent / 100.0 * capacity * 60.0
        out_from = newest - s.scale_out_points
        if out_from >= self.fresh_from and all(points[k] > high for k in range(out_from, newest)):
            wanted = self._wanted(points[newest - 1])
            if wanted > capacity:
                self._update(wanted)
            return
        low = (s.target_percent - s.scale_in_gap) / 100.0 * capacity * 60.0
        in_from = newest - s.scale_in_points
        if in_from >= self.fresh_from and all(points[k] < low for k in range(in_from, newest)):
            wanted = self._wanted(max(points[in_from:newest]))
            if wanted < capacity:
                self._update(wanted)

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
