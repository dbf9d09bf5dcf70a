"""The target mode's rule for one minute: from the demand it remembers to a capacity.

Built around how DynamoDB charges and limits: increases are free and unlimited,
decreases are few (4 a UTC day, then one an hour), a table absorbs up to 300 s of
unused capacity as burst, and CloudWatch shows a minute two or three minutes late.
One rule, four sets of constants (``CANDIDATES``); the mode (core/target.py) runs one
of them and picks it each night by replaying the table's own last day through all
four (core/tuning.py). The same function decides in the daemon and in that replay
(core/replay.py), so what the tuning measures is what the daemon does.

On the known minutes of demand (consumed plus throttled units/s; a minute not known
is skipped, never read as 0), with n the newest known minute:

1. Level: the highest demand of the last ``level_minutes``.
2. Trend: the rise per minute, either over ``trend_minutes`` ("diff") or the median
   of the last ``trend_minutes`` one-minute rises ("median": a ramp rises every
   minute, a step only once, so a step is not projected), projected ``HORIZON``
   minutes ahead (the CloudWatch lag plus the UpdateTable lag) and scaled by a
   learned trust: each projection is checked ``HORIZON`` minutes later and trust
   moves towards the share of it that came true.
3. Burst floor (when ``burst_div`` > 0): the ``burst_q`` quantile of the last
   ``burst_minutes`` / ``burst_div``; traffic with frequent short surges is served
   by the burst bucket, not by chasing each surge.
4. Increase (free) to max(level / up + projected rise, floor); while the demand
   still fits, an increase under ``SMALL_INCREASE`` of the capacity waits (the
   table would be UPDATING, unable to take a big increase, for minutes).
5. No decrease unless the last ``max(MIN_KNOWN, hold_minutes, DROP_MINUTES)`` minutes,
   and a lookback period, are all known (the cold start), nor within
   ``after_increase`` minutes of an increase (its overshoot is not worth one of the
   day's decreases).
6. Drop (when ``drop`` > 0): the last ``DROP_MINUTES`` all below ``drop`` x capacity
   (a job or a spike ended) may use any decrease DynamoDB allows, to their peak /
   down.
7. Drift: to the peak of the last ``hold_minutes`` / down, if it saves at least
   ``min_saving`` of the capacity (and a unit); with ``drift_hourly`` only once an
   hour has passed since the last decrease, so the day's quick decreases are kept
   for drops; with ``pace_hours`` the n-th quick decrease of the UTC day waits until
   (n - 1) x ``pace_hours`` h unless an hour has passed since the last.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

# Minutes ahead a projected rise is placed: CloudWatch lag + UpdateTable lag, about.
HORIZON = 4
# How fast trust follows its projections' outcomes (an EWMA weight), and the most a
# projection that came true more than fully counts.
TRUST_RATE = 0.1
TRUST_CAP = 1.5
# While the demand fits, increases smaller than this share of the capacity wait.
SMALL_INCREASE = 0.1
# Known minutes before any decrease; the minutes a drop looks at.
MIN_KNOWN = 5
DROP_MINUTES = 3
# DynamoDB's decrease rule: FREE_DECREASES a UTC day, then one per DECREASE_INTERVAL
# minutes since the last (core/budget.py states it for the guards).
FREE_DECREASES = 4
DECREASE_INTERVAL = 60
# The target utilisation the candidates' ``up`` and ``down`` are stated for; another
# target-*-utilisation scales them (x target / 90, at most 1).
DESIGN_TARGET = 90.0

Trend = Literal["off", "diff", "median"]


@dataclass(frozen=True)
class Params:
    """One set of the rule's constants (a candidate of the nightly tuning)."""

    name: str
    up: float = 0.9
    down: float = 0.9
    level_minutes: int = 3
    trend: Trend = "diff"
    trend_minutes: int = 3
    burst_q: float = 0.9
    burst_minutes: int = 60
    burst_div: float = 1.5  # 0: no burst floor
    hold_minutes: int = 5
    min_saving: float = 0.1
    drop: float = 0.0  # 0: no drop rule
    drift_hourly: bool = False
    pace_hours: float = 6.0  # 0: no pacing
    after_increase: int = 0

    @property
    def needs_known(self) -> int:
        """Known minutes before the first decrease."""
        return max(MIN_KNOWN, self.hold_minutes, DROP_MINUTES)

    @property
    def memory_minutes(self) -> int:
        """The most minutes back the rule looks."""
        return max(self.level_minutes, self.trend_minutes + 2, self.hold_minutes,
                   DROP_MINUTES, self.burst_minutes if self.burst_div > 0 else 0)


# The candidates, how they were found (README, "Target mode"; benchmarks/research/):
# v1 is the first target mode's constants; f1 the optimum of a coordinate descent over
# the rule's constants on the tuning traces; spiky75 the best of a random search on
# spiky 5-minute traffic; smooth is f1 with the smaller decreases smooth traffic affords.
V1 = Params("v1")
F1 = Params("f1", up=0.95, down=0.85, level_minutes=2, trend="median", trend_minutes=7,
            burst_div=0.0, hold_minutes=10, min_saving=0.2, drop=0.3, drift_hourly=True,
            pace_hours=0.0, after_increase=10)
SPIKY75 = Params("spiky75", up=0.75, down=0.75, trend="off", burst_q=0.75, burst_div=1.25,
                 hold_minutes=15, min_saving=0.2, drop=0.4, drift_hourly=True, pace_hours=0.0,
                 after_increase=10)
SMOOTH = Params("smooth", up=0.95, down=0.9, level_minutes=2, trend="median", trend_minutes=7,
                burst_div=0.0, hold_minutes=10, min_saving=0.1, drop=0.3, drift_hourly=True,
                pace_hours=0.0, after_increase=10)
CANDIDATES: tuple[Params, ...] = (V1, F1, SPIKY75, SMOOTH)
CANDIDATE_NAMES = tuple(p.name for p in CANDIDATES)


class Trust(NamedTuple):
    """Trust in the trend and the projection waiting to be checked (none: ``at`` < 0).
    (Named tuples here: the nightly replay makes one per minute, and a frozen dataclass
    costs several times as much to build.)"""

    value: float = 1.0
    at: int = -1  # the minute the projection was made
    base: float = 0.0  # the level it started from
    rise: float = 0.0  # the rise it projected over HORIZON minutes


class Facts(NamedTuple):
    """What DynamoDB and the clock say, in minutes."""

    minute: int  # now, in minutes since the epoch
    minute_of_day: int  # UTC
    capacity: int
    decreases_used: int | None  # today's; None: not known (no decrease is planned)
    since_decrease: int | None  # minutes since the last decrease; None: none known
    since_increase: int | None  # minutes since the last increase; None: none known


class Plan(NamedTuple):
    """The rule's answer, with the numbers its reason needs (core/target.py explain)."""

    target: int
    code: str
    level: float = 0.0
    slope: float = 0.0
    trust: float = 0.0
    floor: float = 0.0
    basis: float = 0.0  # the demand a decrease was computed from
    known: int = 0  # known minutes (the cold start)...
    needed: int = 0  # ...and how many a decrease needs


def _known(d: Sequence[float | None], lo: int, hi: int) -> list[float]:
    return [v for v in d[lo:hi] if v is not None]


def _peak(d: Sequence[float | None], lo: int, hi: int) -> float:
    """The highest known value of d[lo:hi] (at least d[hi - 1] is known)."""
    return max([v for v in d[lo:hi] if v is not None])


def units(value: float) -> int:
    return math.ceil(value - 1e-9)


def _slope(p: Params, d: Sequence[float | None], n: int, first: int) -> float:
    t = p.trend_minutes
    if p.trend == "off" or n - t - 1 < first:
        return 0.0
    if p.trend == "median":
        rises = sorted(b - a for a, b in zip(d[n - t:n], d[n - t + 1:n + 1], strict=True)
                       if a is not None and b is not None)
        if not rises:
            return 0.0
        half = len(rises) // 2
        middle = rises[half] if len(rises) % 2 else (rises[half - 1] + rises[half]) / 2
        return max(0.0, middle)
    newest, oldest = d[n], d[n - t]
    if newest is None or oldest is None:
        return 0.0
    return max(0.0, (newest - oldest) / t)


def learn_trust(trust: Trust, minute: int, level: float, slope: float) -> Trust:
    """Check the pending projection if it is due; make a new one when none is pending."""
    value, at, base, rise = trust.value, trust.at, trust.base, trust.rise
    if at >= 0 and minute - at >= HORIZON:
        share = min(TRUST_CAP, max(0.0, (level - base) / rise)) if rise > 0 else 1.0
        value = (1 - TRUST_RATE) * value + TRUST_RATE * share
        at = -1
    if at < 0 and slope > 0:
        return Trust(value, minute, level, slope * HORIZON)
    if at < 0 and trust.at >= 0:
        return Trust(value)
    return trust


def may_decrease(p: Params, facts: Facts) -> str:
    """"" when DynamoDB (and the candidate's pace) allow a decrease now, else the code
    of what holds it."""
    used, since = facts.decreases_used, facts.since_decrease
    if used is None:
        return "decrease-budget-unknown"
    if used >= FREE_DECREASES:
        return "" if since is not None and since >= DECREASE_INTERVAL else "decrease-budget"
    if used == 0 or since is None or since >= DECREASE_INTERVAL or p.pace_hours <= 0:
        return ""
    opens = p.pace_hours * 60 * used
    day = facts.minute_of_day
    return "" if day >= min(opens, day - since + DECREASE_INTERVAL) else "target-paced"


def plan(p: Params, scale: float, d: Sequence[float | None], n: int, first: int, facts: Facts,
         trust: Trust, window: int = 0) -> tuple[Plan, Trust]:
    """The capacity for now. ``d``: demand per minute (None: not known), ``n`` the index
    of the newest known minute, ``first`` of the first (indices into ``d``);
    ``scale``: the target utilisation over DESIGN_TARGET; ``window``: the lookback
    period, the least known minutes before a decrease (issue 11), with the candidate's
    own ``needs_known``."""
    up = p.up * scale
    up = min(1.0, up)
    down = p.down * scale
    down = min(1.0, down)
    cap = facts.capacity
    if first < 0:
        first = 0
    end = n + 1
    lo = end - p.level_minutes
    level = _peak(d, max(first, lo), end)
    slope = _slope(p, d, n, first)
    trust = learn_trust(trust, facts.minute, level, slope)
    trusted = min(1.0, trust.value)
    floor = 0.0
    if p.burst_div > 0:
        lo = end - p.burst_minutes
        recent = sorted(_known(d, max(first, lo), end))
        floor = recent[min(len(recent) - 1, int(p.burst_q * len(recent)))] / p.burst_div
    wanted = level / up + slope * trusted * HORIZON
    need_up = units(max(floor, wanted))
    code = "target-met"
    if need_up > cap:
        if need_up > cap * (1 + SMALL_INCREASE) or level > cap:
            return Plan(need_up, "target-increase", level, slope, trusted, floor), trust
        code = "target-small-increase"
    # The cold start: the last ``needed`` minutes must all be known (a gap in what the
    # mode saw, e.g. checks missed for longer than the window, starts it over).
    needed = max(window, p.needs_known)
    lo = end - needed
    if lo < first:
        lo = first
    known = end - lo - d[lo:end].count(None)
    if known < needed:
        return Plan(cap, "too-few-known-minutes", level, slope, trusted, floor,
                    known=known, needed=needed), trust
    since_increase = facts.since_increase
    recent_increase = since_increase is not None and since_increase < p.after_increase
    budget_hold = may_decrease(p, facts)
    saving = cap * p.min_saving
    if saving < 1.0:
        saving = 1.0
    if p.drop > 0:
        lo = end - DROP_MINUTES
        low = _peak(d, max(first, lo), end)
        if low < p.drop * cap and not recent_increase:
            target = units(max(low / down, floor))
            if cap - target >= saving and not budget_hold:
                return Plan(max(1, target), "target-drop", level, slope, trusted, floor,
                            low), trust
    lo = end - p.hold_minutes
    peak = _peak(d, max(first, lo), end)
    need_down = max(1, units(max(peak / down, floor)))
    if need_down >= cap:
        return Plan(cap, code, level, slope, trusted, floor, peak), trust
    if recent_increase:
        code = "target-after-increase"
    elif cap - need_down < saving:
        code = "target-not-worth"
    elif (p.drift_hourly and facts.since_decrease is not None
          and facts.since_decrease < DECREASE_INTERVAL):
        code = "target-drift-hourly"
    elif budget_hold:
        code = budget_hold
    else:
        return Plan(need_down, "target-drift", level, slope, trusted, floor, peak), trust
    return Plan(cap, code, level, slope, trusted, floor, peak), trust
