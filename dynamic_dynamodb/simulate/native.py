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

The rule itself (both alarms, and the three details AWS does not document as
``NativeSettings`` options) is core/native_rule.py's, shared with the target mode's
nightly tuning; here it meets the simulated table: the publication of its points,
the action delay, DynamoDB's refusals. The defaults reproduce the issue's reference
figures on WorldCup98 (see the README's "Simulating a policy" section); comparisons
use the combination in which native scaling does best (``STRICTER``).
"""

from __future__ import annotations

from dynamic_dynamodb.core import native_rule
from dynamic_dynamodb.core.native_rule import STRICTER, NativeSettings, ScaleOutFrom
from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.simulate.model import SimulatedTable

__all__ = ["STRICTER", "NativeSettings", "NativeTargetTracking", "ScaleOutFrom"]


class NativeTargetTracking:
    """Evaluates both alarms once a minute, on the points CloudWatch has published."""

    def __init__(self, table: SimulatedTable, settings: NativeSettings | None = None) -> None:
        self.table = table
        self.settings = settings or NativeSettings()
        # The first minute measured at the current capacity.
        self.fresh_from = 0
        # (minute due, capacity) of an alarm's action not yet taken.
        self.pending: tuple[int, int] | None = None

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
        return native_rule.alarm(s, table.consumed_sum,
                                 min(table.published_until(), len(table.demand)),
                                 self.fresh_from if s.fresh_points_only else 0,
                                 table.capacity, self._published)

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

