"""From CloudWatch's per-minute datapoints to usage: missing is not zero.

DynamoDB publishes a datapoint for a minute only when that minute had requests (a
throttle series only when something was throttled), and publishes it late: usually
one or two minutes after the minute ends, sometimes more. So a minute without a
datapoint is either idle or not published yet. The rules (README, "How it decides" >
Metrics), shared by the AWS edge (aws/metrics.py) and the simulator:

* A series that cannot be used is unknown as a whole: absent from the answer, not
  ``Complete`` after paging, or holding a negative or non-finite value. Consumed
  capacity unknown: the dimension is unknown (no decision). Throttle events unknown:
  the dimension may not decrease (core/policy.py's guard).
* A minute with a datapoint has its value.
* A minute without one counts as 0 when a later minute of the same series has a
  datapoint, or when it ended at least the publication allowance ago
  (``metrics-publication-allowance``); otherwise it is not known yet: None, never 0.
* A throttle minute without a datapoint is also 0 when the consumed series of the
  same dimension has a datapoint at or after that minute: DynamoDB publishes both
  together, and publishes no throttle datapoint when nothing was throttled.
* Consumed is the average over the known minutes; a dimension with no known minute
  is unknown. A window whose known minutes have no datapoint at all reads 0 % use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from dynamic_dynamodb.core.types import DimensionReading, DimensionUsage, Reason, UnknownUsage

PERIOD = 60


@dataclass(frozen=True)
class SeriesAnswer:
    """One CloudWatch series as answered: the Sum of each minute that has a datapoint,
    keyed by the minute's start in epoch seconds; or why the series cannot be used."""

    points: Mapping[int, float] = field(default_factory=dict)
    problem: str = ""


MISSING = SeriesAnswer(problem="missing from the answer")


def _clock(stamp: int) -> str:
    return f"{datetime.fromtimestamp(stamp, tz=timezone.utc):%H:%M} UTC"


def value_problem(value: float, stamp: int) -> str:
    """Why a datapoint's value cannot be a Sum of capacity units or events, or ""."""
    if not math.isfinite(value):
        return f"a non-finite value ({value}) at {_clock(stamp)}"
    if value < 0:
        return f"a negative value ({value:g}) at {_clock(stamp)}"
    return ""


def series_problem(series: SeriesAnswer) -> str:
    """Why ``series`` cannot be used, or ""."""
    if series.problem:
        return series.problem
    for stamp, value in sorted(series.points.items()):
        problem = value_problem(value, stamp)
        if problem:
            return problem
    return ""


def window_start(now: datetime, minutes_ago: int) -> datetime:
    """The first minute of a lookback window starting ``minutes_ago`` whole minutes
    before ``now`` (the metrics request and the modes share this rule)."""
    return now.replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)


def read_minutes(points: Mapping[int, float], stamps: Sequence[int], now: datetime,
                 allowance_minutes: int, *, published_until: int | None = None,
                 known_from: int | None = None) -> tuple[float | None, ...]:
    """The Sum of each minute of ``stamps`` (minute starts, epoch seconds), 0 for a
    minute known to be idle, None for one not known yet.

    ``published_until``: the newest minute of another series published with this one
    (a throttle series' consumed series) that has a datapoint; a minute at or before it
    is published. ``known_from``: minutes before it are not known at all (the
    simulator's trace starts there).
    """
    latest = max(points, default=None)
    now_s = now.timestamp()
    allowance_s = allowance_minutes * PERIOD
    out: list[float | None] = []
    for stamp in stamps:
        value = points.get(stamp)
        if value is not None:
            out.append(value)
        elif known_from is not None and stamp < known_from:
            out.append(None)
        elif ((latest is not None and latest > stamp)
              or (published_until is not None and published_until >= stamp)
              or now_s - (stamp + PERIOD) >= allowance_s):
            out.append(0.0)
        else:
            out.append(None)
    return tuple(out)


def dimension_usage(consumed: SeriesAnswer, throttled: SeriesAnswer, stamps: Sequence[int],
                    now: datetime, allowance_minutes: int, names: tuple[str, str],
                    known_from: int | None = None) -> DimensionReading:
    """One dimension's usage over the minutes ``stamps`` from its consumed and throttle
    series (``names``: the two metric names, for the reasons)."""
    consumed_name, throttled_name = names
    problem = series_problem(consumed)
    if problem:
        return UnknownUsage(f"{consumed_name}: {problem}")
    sums = read_minutes(consumed.points, stamps, now, allowance_minutes,
                        known_from=known_from)
    known = [value for value in sums if value is not None]
    if not known:
        return UnknownUsage(f"{consumed_name}: no minute of the window is published yet")

    throttles_unknown = series_problem(throttled)
    if throttles_unknown:
        events: tuple[float | None, ...] = (None,) * len(stamps)
        throttles_unknown = f"{throttled_name}: {throttles_unknown}"
    else:
        events = read_minutes(throttled.points, stamps, now, allowance_minutes,
                              published_until=max(consumed.points, default=None),
                              known_from=known_from)
    return DimensionUsage(
        consumed=sum(known) / (len(known) * PERIOD),
        throttle_events=sum(value for value in events if value is not None),
        window_seconds=len(stamps) * PERIOD,
        per_minute=tuple(None if value is None else value / PERIOD for value in sums),
        throttled_per_minute=events,
        throttles_unknown=throttles_unknown,
    )


def known_run(values: Sequence[float | None]) -> tuple[list[float], int]:
    """The newest run of known values (oldest first) and how many minutes after it are
    not known yet. Unknown minutes of a window are its newest ones (a minute before a
    published one is known) or, in a simulation, the ones before its trace; the run
    stops at the first unknown minute going back, so nothing unknown is read as a
    value."""
    end = len(values)
    while end > 0 and values[end - 1] is None:
        end -= 1
    start = end
    while start > 0 and values[start - 1] is not None:
        start -= 1
    run = [value for value in values[start:end] if value is not None]
    return run, len(values) - end


def known_demand(usage: DimensionUsage) -> tuple[list[float], int]:
    """Demand (consumed plus throttled units/s) of the newest run of known minutes of
    the window, oldest first, and how many minutes after it are not known yet. A minute
    whose throttle events are unknown counts its consumption only (a lower bound: the
    guards hold decreases while throttle events are unknown)."""
    if not usage.per_minute:
        return [usage.consumed + usage.throttle_events / max(usage.known_seconds, 1)], 0
    throttled = usage.throttled_per_minute
    demand: list[float | None] = []
    for i, consumed in enumerate(usage.per_minute):
        events = throttled[i] if i < len(throttled) else 0.0
        demand.append(None if consumed is None else consumed + (events or 0.0) / PERIOD)
    return known_run(demand)


def too_few_known_minutes(known: int, needed: int) -> Reason | None:
    """Why a decrease must wait while fewer than ``needed`` minutes (a lookback period)
    of demand are known, or None."""
    if known >= needed:
        return None
    return Reason("too-few-known-minutes", f"decrease held: {known} minute(s) of demand "
                                           f"known, a decrease needs {needed} (a lookback "
                                           f"period)")
