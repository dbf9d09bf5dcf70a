"""A simulated DynamoDB table, its CloudWatch metrics and a simulated clock.

They implement the same interfaces as the boto3 edges (backend.TablesApi,
MetricsApi, Clock), so the Scheduler and the decision core run unchanged. Time
advances one whole minute at a time; every default below is documented in the
README ("Simulating a policy on your own traffic"):

* served = min(demand, provisioned + burst). Unused capacity (units) fills a burst
  bucket capped at ``burst_seconds`` x provisioned; a minute above provisioned
  draws from it. What is not served is throttled.
* CloudWatch shows a minute's consumed capacity and throttle events
  ``metrics_lag_minutes`` after the minute ends, and nothing for a minute without
  traffic; one throttle event per throttled capacity unit (a simplification: DynamoDB
  counts throttled requests). Optionally (``late_share``, ``gaps_per_day``; off by
  default) a seeded share of minutes is published 1..``late_max_minutes`` later
  still, and a few runs of minutes are never published (``publication_schedule``,
  ``CLOUDWATCH_LATE``). The policy reads them as the daemon reads CloudWatch
  (aws/metrics.py, core/minutes.py): a minute not published yet is unknown, not 0.
* UpdateTable takes effect ``update_lag_minutes`` later; the table is UPDATING
  meanwhile and another UpdateTable gets ResourceInUseException.
* Decreases: ``free_decreases_per_day`` per UTC day, then one per
  ``decrease_interval_seconds`` since the last; else LimitExceededException.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.aws.metrics import Series, usage_from_series
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.minutes import SeriesAnswer
from dynamic_dynamodb.core.replay import DEFAULT_MODEL
from dynamic_dynamodb.core.types import (
    Decision,
    Dimension,
    ResourceId,
    ResourceState,
    TableState,
    Usage,
)
from dynamic_dynamodb.errors import AwsError, TableGone
from dynamic_dynamodb.settings import DEFAULT_PUBLICATION_ALLOWANCE_MINUTES

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class ModelParams:
    """The simulated table's physics; each default is DynamoDB's documented behaviour
    or a close simplification of it."""

    # DynamoDB's physics is declared once, in the pure core's replay model.
    burst_seconds: float = DEFAULT_MODEL.burst_seconds
    metrics_lag_minutes: int = DEFAULT_MODEL.metrics_lag
    update_lag_minutes: int = DEFAULT_MODEL.update_lag
    free_decreases_per_day: int = DEFAULT_MODEL.free_decreases
    decrease_interval_seconds: int = DEFAULT_MODEL.decrease_interval * 60
    # The burst bucket at the start, in seconds of the start capacity (0: empty).
    initial_burst_seconds: float = 0.0
    # CloudWatch publication beyond the lag (see publication_schedule): the
    # share of minutes published 1..late_max_minutes (uniform) later than the lag; the
    # expected number a day of runs of 1..gap_max_minutes minutes never published; the
    # seed of both draws. The defaults publish every minute exactly at the lag.
    late_share: float = 0.0
    late_max_minutes: int = 3
    gaps_per_day: float = 0.0
    gap_max_minutes: int = 3
    publication_seed: int = 0


# CloudWatch publication as observed, for measuring how policies cope with it (the
# defaults of ModelParams keep the plain lag): about 1 minute in 5 one to three
# minutes later than the lag, and every other day a run of 1-3 minutes that never
# arrives. Assumptions, not measurements: CloudWatch documents neither.
CLOUDWATCH_LATE = ModelParams(late_share=0.2, late_max_minutes=3, gaps_per_day=0.5,
                              gap_max_minutes=3)
# A minute never published (a gap) becomes visible at this minute: never.
NEVER = 2 ** 62


@dataclass(frozen=True)
class UpdateRecord:
    """One UpdateTable the simulated table accepted."""

    minute: int
    before: int
    after: int
    decrease: bool


class SimulatedTable:
    """One provisioned table; ``dimension`` follows the trace, the other has no load.

    The caller drives time: ``begin_minute`` applies updates that are due, then the
    policy may look and act, then ``finish_minute`` serves the minute's demand.
    """

    def __init__(self, name: str, dimension: Dimension, demand: Sequence[float],
                 start: datetime, start_capacity: int, params: ModelParams | None = None,
                 other_capacity: int = 1) -> None:
        self.name = name
        self.id = ResourceId(name)
        self.dimension = dimension
        self.demand = demand
        self.start = start
        self.params = params or ModelParams()
        self.minute = 0
        capacity = max(1, int(start_capacity))
        self.reads, self.writes = ((capacity, other_capacity) if dimension is Dimension.READS
                                   else (other_capacity, capacity))
        self.bucket = self.params.initial_burst_seconds * capacity
        # (effective minute, reads, writes) of the update in progress.
        self.pending: tuple[int, int, int] | None = None
        self.decreases = 0
        self.decrease_day = -1
        self.last_decrease: int | None = None
        self.last_increase: int | None = None
        self.updates: list[UpdateRecord] = []
        n = len(demand)
        # Per minute of the replayed dimension: what was provisioned, the CloudWatch
        # Sum of consumed units, and throttle events.
        self.provisioned = [0] * n
        self.consumed_sum = [0.0] * n
        self.throttle_events = [0.0] * n
        # Minutes since the UTC midnight before ``start``, for the decrease rule's day.
        self._day_offset = start.hour * 60 + start.minute
        # The minute at whose start each minute's datapoints are visible (None: at the
        # lag, for every minute).
        self.visible_at = publication_schedule(n, self.params)

    # -- time --------------------------------------------------------------------------
    def time_of(self, minute: int) -> datetime:
        return self.start + timedelta(minutes=minute)

    def now(self) -> datetime:
        return self.time_of(self.minute)

    def day_of(self, minute: int) -> int:
        """The UTC day of ``minute``, counted from the trace's first day."""
        return (self._day_offset + minute) // MINUTES_PER_DAY

    @property
    def capacity(self) -> int:
        return self.reads if self.dimension is Dimension.READS else self.writes

    @property
    def updating(self) -> bool:
        return self.pending is not None

    def begin_minute(self) -> None:
        """Apply an update whose lag is over (the table is ACTIVE again)."""
        if self.pending is not None and self.pending[0] <= self.minute:
            _, self.reads, self.writes = self.pending
            self.pending = None
            self.bucket = min(self.bucket, self.params.burst_seconds * self.capacity)

    def finish_minute(self) -> None:
        """Serve this minute's demand from provisioned capacity and the burst bucket."""
        m = self.minute
        demand = self.demand[m]
        capacity = self.capacity
        if demand <= capacity:
            served = demand
            self.bucket = min(self.bucket + (capacity - demand) * 60.0,
                              self.params.burst_seconds * capacity)
        else:
            drawn = min((demand - capacity) * 60.0, self.bucket)
            self.bucket -= drawn
            served = capacity + drawn / 60.0
        self.provisioned[m] = capacity
        self.consumed_sum[m] = served * 60.0
        self.throttle_events[m] = (demand - served) * 60.0
        self.minute = m + 1

    # -- DynamoDB's rules -----------------------------------------------------------
    def decreases_today(self, minute: int) -> int:
        return self.decreases if self.decrease_day == self.day_of(minute) else 0

    def may_decrease(self, minute: int) -> bool:
        if self.decreases_today(minute) < self.params.free_decreases_per_day:
            return True
        if self.last_decrease is None:
            return True
        return (minute - self.last_decrease) * 60 >= self.params.decrease_interval_seconds

    def update(self, reads: int, writes: int) -> None:
        """UpdateTable at the current minute, with DynamoDB's errors."""
        if self.pending is not None:
            raise AwsError(f"UpdateTable {self.name}: Attempt to change a resource which is "
                           f"still in use: Table is being updated", "ResourceInUseException")
        if reads < 1 or writes < 1:
            raise AwsError(f"UpdateTable {self.name}: provisioned throughput must be at least 1",
                           "ValidationException", transient=False)
        if (reads, writes) == (self.reads, self.writes):
            raise AwsError(f"UpdateTable {self.name}: The provisioned throughput for the table "
                           f"will not change", "ValidationException", transient=False)
        m = self.minute
        decrease = reads < self.reads or writes < self.writes
        if decrease and not self.may_decrease(m):
            raise AwsError(f"UpdateTable {self.name}: Subscriber limit exceeded: Provisioned "
                           f"throughput decreases are limited within a given UTC day "
                           f"({self.decreases_today(m)} today)", "LimitExceededException")
        if decrease:
            self.decreases = self.decreases_today(m) + 1
            self.decrease_day = self.day_of(m)
            self.last_decrease = m
        if reads > self.reads or writes > self.writes:
            self.last_increase = m
        after = reads if self.dimension is Dimension.READS else writes
        self.updates.append(UpdateRecord(m, self.capacity, after, decrease))
        self.pending = (m + self.params.update_lag_minutes, reads, writes)
        self.begin_minute()  # a zero lag applies at once

    def state(self) -> TableState:
        m = self.minute
        last_decrease = None if self.last_decrease is None else self.time_of(self.last_decrease)
        last_increase = None if self.last_increase is None else self.time_of(self.last_increase)
        status = "UPDATING" if self.pending is not None else "ACTIVE"
        return TableState(ResourceState(self.id, status, self.reads, self.writes,
                                        self.decreases_today(m), last_decrease, last_increase))

    # -- CloudWatch ------------------------------------------------------------------
    def published_until(self) -> int:
        """Minutes before this index are visible in CloudWatch now, unless late or lost
        (see ``visible``)."""
        return self.minute - self.params.metrics_lag_minutes

    def visible(self, k: int) -> bool:
        """Whether minute ``k``'s datapoints (if it has any) are published by now."""
        if self.visible_at is None:
            return k < self.published_until()
        return self.visible_at[k] <= self.minute

    def usage(self, first: int, length: int,
              allowance_minutes: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES) -> Usage:
        """What GetMetricData returns for minutes [first, first + length), as aws/metrics.py
        turns it into Usage: a minute has a datapoint when it had traffic (consumed or
        throttled) and is published by now; a minute without one is idle or not known
        yet by core/minutes.py's rules. Minutes before the trace are not known: the
        traced table's history before it is not in the trace."""
        base = int(self.start.timestamp())
        consumed: Series = {}
        throttled: Series = {}
        for k in range(max(first, 0), min(first + length, len(self.demand))):
            if not self.visible(k):
                continue
            if self.consumed_sum[k] > 0:
                consumed[base + k * 60] = self.consumed_sum[k]
            if self.throttle_events[k] > 0:
                throttled[base + k * 60] = self.throttle_events[k]
        name = self.dimension.value
        idle = "writes" if self.dimension is Dimension.READS else "reads"
        series = {f"{name}_consumed": SeriesAnswer(consumed),
                  f"{name}_throttled": SeriesAnswer(throttled),
                  f"{idle}_consumed": SeriesAnswer(), f"{idle}_throttled": SeriesAnswer()}
        return usage_from_series(series, self.time_of(first), length, self.now(),
                                 allowance_minutes, known_from=self.start)


def publication_schedule(minutes: int, params: ModelParams) -> list[int] | None:
    """The minute at whose start each minute's datapoints become visible: the lag, plus
    1..late_max_minutes for a ``late_share`` of minutes, NEVER in the gaps; None when
    every minute is on time (the plain lag, computed without a list)."""
    if params.late_share <= 0 and params.gaps_per_day <= 0:
        return None
    # Two streams, so that the gaps do not move when the share of late minutes changes.
    late = random.Random(f"{params.publication_seed}-late")
    gaps = random.Random(f"{params.publication_seed}-gaps")
    on_time = 1 + params.metrics_lag_minutes
    visible = [k + on_time for k in range(minutes)]
    if params.late_share > 0:
        for k in range(minutes):
            if late.random() < params.late_share:
                visible[k] += late.randint(1, max(1, params.late_max_minutes))
    gap_chance = params.gaps_per_day / MINUTES_PER_DAY
    k = 0
    while k < minutes and gap_chance > 0:
        if gaps.random() < gap_chance:
            length = gaps.randint(1, max(1, params.gap_max_minutes))
            for j in range(k, min(minutes, k + length)):
                visible[j] = NEVER
            k += length
        k += 1
    return visible


class SimClock:
    """The table's simulated time. The simulator drives the cycles itself, so ``wait``
    reports a stop request: ``Scheduler.run`` would return after one cycle."""

    def __init__(self, table: SimulatedTable) -> None:
        self.table = table

    def now(self) -> datetime:
        return self.table.now()

    def wait(self, seconds: float) -> bool:
        return True


class SimMetrics:
    """MetricsApi over the simulated table's CloudWatch series."""

    def __init__(self, table: SimulatedTable) -> None:
        self.table = table
        self.calls = 0

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        self.calls += 1
        result: dict[ResourceId, Usage | None] = {}
        for req in requests:
            if req.resource != self.table.id:
                result[req.resource] = None
                continue
            start, _ = req.window(now)
            first = int((start - self.table.start).total_seconds() // 60)
            result[req.resource] = self.table.usage(first, req.window_minutes,
                                                    req.publication_allowance_minutes)
        return result


class SimTables:
    """TablesApi over the simulated table: what DynamoDB would answer, refusals included
    (the Scheduler's fallback after a refused decrease is core/fallback.py, as live)."""

    def __init__(self, table: SimulatedTable) -> None:
        self.table = table

    def list_tables(self) -> list[str]:
        return [self.table.name]

    def describe(self, table: str) -> TableState:
        if table != self.table.name:
            raise TableGone(table)
        return self.table.state()

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        if table != self.table.name:
            raise TableGone(table)
        if any(d.resource.is_gsi for d in decisions):
            raise AwsError(f"UpdateTable {table}: the simulated table has no GSI",
                           "ValidationException", transient=False)
        for d in decisions:
            self.table.update(d.reads.target, d.writes.target)

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        return set()
