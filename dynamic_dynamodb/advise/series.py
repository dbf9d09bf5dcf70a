"""CloudWatch datapoints to per-minute history, with gaps told apart from idle minutes.

DynamoDB publishes no consumed-capacity datapoint for a minute without traffic: such a
minute is zero traffic. But CloudWatch also has nothing for minutes before the table
existed, or during an outage of its metrics; those minutes are unknown, not zero. They
are told apart so:

* Minutes before the table's ``CreationDateTime`` are not the table's (an older table
  of the same name, or nothing): they are left out, and the table is reported as
  younger than the window.
* A provisioned table's provisioned capacity is published every 5 minutes whether or
  not there is traffic. A 5-minute period with no provisioned datapoint (for either
  dimension) is a **gap**: CloudWatch has nothing for it (an outage, or the table was
  on-demand then). An idle minute inside a period with a provisioned datapoint is zero.
* An on-demand table publishes no provisioned capacity, so nothing tells an outage from
  idleness: every minute since its creation counts as data, idle when empty.

Gap minutes are left out of every figure (costs and throttling are over the minutes
with data, then scaled to a month). The replay needs a continuous clock, so a gap holds
the demand and the provisioned capacity of the minute before it.

With 5-minute data (more than 15 days) each minute of a 5-minute period gets the
period's average: spikes shorter than 5 minutes are smoothed away.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.aws.history import PROVISIONED_PERIOD, Points, SeriesQuery
from dynamic_dynamodb.core.scope import capacity_problem
from dynamic_dynamodb.core.types import Described, Dimension, ResourceId, UnusableResource

MINUTE = 60


@dataclass(frozen=True)
class Gap:
    """Minutes CloudWatch has nothing for, from ``start``."""

    start: datetime
    minutes: int

    def text(self) -> str:
        end = self.start + timedelta(minutes=self.minutes)
        return f"{self.start:%m-%d %H:%M}-{end:%m-%d %H:%M}"


@dataclass(frozen=True)
class DimensionHistory:
    """One dimension of a table or GSI, per replayed minute."""

    dimension: Dimension
    # Arrays, not tuples: days of minutes for a fleet of tables take a tenth of the memory.
    demand: array[float]  # units/s: consumed plus throttled
    consumed: array[float]  # units/s as recorded (0 in a gap)
    throttle_events: array[float]  # per minute as recorded (0 in a gap)
    # The provisioned capacity in force (held through gaps); None when the resource
    # had none recorded in the window (an on-demand table).
    provisioned: array[int] | None

    @property
    def has_demand(self) -> bool:
        return any(d > 0 for d in self.demand)


@dataclass(frozen=True)
class ResourceHistory:
    resource: ResourceId
    window_start: datetime
    window_minutes: int
    resolution: int  # seconds per datapoint of consumed capacity: 60 or 300
    first: int  # the first replayed minute, counted from window_start
    covered: tuple[bool, ...]  # per replayed minute: CloudWatch has it
    reads: DimensionHistory
    writes: DimensionHistory
    created: datetime | None
    gaps: tuple[Gap, ...]

    @property
    def start(self) -> datetime:
        return self.window_start + timedelta(minutes=self.first)

    @property
    def minutes(self) -> int:
        return len(self.covered)

    @property
    def covered_minutes(self) -> int:
        return sum(self.covered)

    @property
    def gap_minutes(self) -> int:
        return sum(g.minutes for g in self.gaps)

    @property
    def younger_than_window(self) -> bool:
        return self.created is not None and self.created > self.window_start

    def of(self, dimension: Dimension) -> DimensionHistory:
        return self.reads if dimension is Dimension.READS else self.writes


def by_resource(points: Mapping[SeriesQuery, Points]) -> dict[ResourceId, dict[str, Points]]:
    """The datapoints read, grouped: resource -> metric name -> points."""
    grouped: dict[ResourceId, dict[str, Points]] = {}
    for query, values in points.items():
        grouped.setdefault(query.resource, {})[query.metric] = values
    return grouped


def _held(values: Sequence[float | None], first_known: float) -> list[float]:
    """Unknown values (None) take the last known one; leading ones the first known."""
    out: list[float] = []
    last = first_known
    for v in values:
        if v is not None:
            last = v
        out.append(last)
    return out


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first index, length) of each run of True."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def build_history(resource: ResourceId, series: Mapping[str, Points],
                  window_start: datetime, window_minutes: int, resolution: int,
                  created: datetime | None, on_demand: bool) -> ResourceHistory:
    """Per-minute history of ``resource`` over the window, from its series' datapoints
    (metric name -> points keyed by the epoch second a period starts at)."""
    t0 = int(window_start.timestamp())
    n = window_minutes
    born = 0
    if created is not None:
        born = max(0, min(n, math.ceil((created.timestamp() - t0) / MINUTE)))
    period_of = [t0 + (m * MINUTE) // resolution * resolution for m in range(n)]
    share = MINUTE / resolution  # of a period's Sum that falls in one minute
    prov_bucket = [t0 + (m * MINUTE) // PROVISIONED_PERIOD * PROVISIONED_PERIOD
                   for m in range(n)]
    prov_series = {
        dim: series.get(f"Provisioned{dim.metric}CapacityUnits", {})
        for dim in Dimension
    }
    if on_demand:
        covered_all = [m >= born for m in range(n)]
    else:
        covered_all = [m >= born and any(prov_bucket[m] in prov_series[d] for d in Dimension)
                       for m in range(n)]
    first = next((m for m in range(n) if covered_all[m]), n)
    covered = covered_all[first:]
    gaps = tuple(Gap(window_start + timedelta(minutes=born + i), length)
                 for i, length in _runs([not c for c in covered_all[born:]]))

    def dimension(dim: Dimension) -> DimensionHistory:
        consumed_s = series.get(f"Consumed{dim.metric}CapacityUnits", {})
        throttled_s = series.get(f"{dim.metric}ThrottleEvents", {})
        consumed: list[float] = []
        events: list[float] = []
        demand_known: list[float | None] = []
        for m in range(first, n):
            if covered_all[m]:
                c = consumed_s.get(period_of[m], 0.0) * share
                e = throttled_s.get(period_of[m], 0.0) * share
                consumed.append(c / MINUTE)
                events.append(e)
                demand_known.append((c + e) / MINUTE)
            else:
                consumed.append(0.0)
                events.append(0.0)
                demand_known.append(None)
        capacity_s = prov_series[dim]
        recorded: list[float | None] = [
            capacity_s.get(prov_bucket[m]) if covered_all[m] else None for m in range(first, n)]
        known = [v for v in recorded if v is not None]
        provisioned = None
        if known:
            provisioned = array("l", (max(1, round(v)) for v in _held(recorded, known[0])))
        first_demand = next((d for d in demand_known if d is not None), 0.0)
        return DimensionHistory(dim, array("d", _held(demand_known, first_demand)),
                                array("d", consumed), array("d", events), provisioned)

    return ResourceHistory(resource, window_start, n, resolution, first, tuple(covered),
                           dimension(Dimension.READS), dimension(Dimension.WRITES), created,
                           gaps)


def capacity_in_force(history: ResourceHistory, state: Described, on_demand: bool
                      ) -> dict[Dimension, Sequence[int] | None] | str:
    """The capacity in force each replayed minute, per dimension (None: on-demand), or
    why it is not known. CloudWatch's record comes first; a dimension it recorded none
    for in the window takes today's capacity, but only from DescribeTable numbers that
    can be used (core/scope.py): a capacity is never made up."""
    if on_demand:
        return dict.fromkeys(Dimension)
    found: dict[Dimension, Sequence[int] | None] = {}
    for dim in Dimension:
        series: Sequence[int] | None = history.of(dim).provisioned
        if series is None:
            if isinstance(state, UnusableResource):
                problem = state.reason
            else:
                problem = capacity_problem(state)
                series = (state.provisioned(dim),) * history.minutes
            if problem:
                return (f"no Provisioned{dim.metric}CapacityUnits in CloudWatch, and "
                        f"DescribeTable's answer cannot be used ({problem})")
        found[dim] = series
    return found
