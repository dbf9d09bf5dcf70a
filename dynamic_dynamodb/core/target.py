"""Target mode: provision for the demand a few minutes ahead, spend decreases sparingly.

Built around how DynamoDB charges and limits: increases are free and unlimited,
decreases are few (4 a UTC day, then one an hour), a table absorbs up to 300 s of
unused capacity as burst, and what we see in CloudWatch is minutes old. Per
dimension, every cycle:

1. Demand, not consumption: each minute's consumed capacity plus its throttled
   units (throttle events / 60), so a throttled table does not look quiet. The
   per-minute samples are kept in ``TargetState.samples`` (the newest
   data of each window replaces what an earlier cycle saw of the same minutes).
2. Level: the highest demand of the last 3 minutes.
3. Trend: the rise per minute over the last 3 minutes, projected ``HORIZON``
   minutes ahead (the metrics lag plus the UpdateTable lag: what we set now is
   what serves then). The projection is scaled by a learned trust in [0, 1]: each
   projection is checked ``HORIZON`` minutes later and trust moves towards the
   share of the projected rise that came true. Ramps (a match kicking off, a sale)
   keep it high; steps and blips that fall back (noisy traffic) bring it down,
   so noise is not chased with capacity that then waits an hour to come down.
4. Burst floor: traffic with frequent short surges is served by the burst bucket,
   not by chasing them (a surge is over before an increase lands). A table that
   keeps its bucket full serves up to twice its capacity for 5 minutes, so
   capacity never drops below the 90th percentile of the last hour's demand
   divided by ``BURST_FLOOR_FACTOR`` (1.5, a margin below 2).
5. Increase (free) to max(level / target utilisation + projected rise, burst
   floor) when that is above the current capacity; while the demand still fits,
   an increase under ``SMALL_INCREASE`` of the capacity waits (an update leaves
   the table UPDATING, unable to take a big increase, for minutes).
6. Decrease to max(peak of the last ``DECREASE_HOLD_MINUTES`` / target, burst
   floor); the policy's guards then decide whether the saving is worth one of the
   day's decreases and whether the budget allows it (core/budget.py).

The recommended settings are a check every 60 s and a lookback window ending at
the freshest minute CloudWatch has published (lookback-window-start 7,
lookback-period 5: the 5 minutes ending 2 minutes ago), at the default target of
90 %: headroom comes from the burst bucket and the trend, not from a low target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.core import minutes
from dynamic_dynamodb.core.types import DimensionUsage, Proposal, Reason
from dynamic_dynamodb.settings import DimensionPolicy

# Minutes of demand samples remembered (the longest look back below).
KEEP_MINUTES = 60
# Minutes whose highest demand is the level.
LEVEL_MINUTES = 3
# Minutes over which the rise per minute is measured.
TREND_MINUTES = 3
# Minutes ahead the trend is projected: CloudWatch lag + UpdateTable lag, about.
HORIZON = 4
# How fast trust in the trend follows the outcomes of its projections (EWMA weight).
TRUST_RATE = 0.1
# A projection that came true more than fully counts this much at most.
TRUST_CAP = 1.5
# Burst floor: this percentile of the last hour's demand, divided by the factor.
BURST_FLOOR_PERCENTILE = 90
BURST_FLOOR_FACTOR = 1.5
# While demand fits, increases smaller than this share of the capacity wait.
SMALL_INCREASE = 0.1
# A decrease goes to the peak demand of this many minutes (at the target).
DECREASE_HOLD_MINUTES = 5


@dataclass(frozen=True)
class Projection:
    """A projected rise, checked ``HORIZON`` minutes later to learn trust in the trend."""

    at_minute: float  # when it was made, in minutes since the epoch
    base: float  # the level (units/s) it started from
    rise: float  # the rise (units/s) it projected over HORIZON minutes


@dataclass(frozen=True)
class TargetState:
    """What the target mode remembers about one dimension."""

    # Demand samples (units/s per minute, newest last), at most KEEP_MINUTES.
    samples: tuple[float, ...] = ()
    # When the newest sample was taken, to slide the next window over them.
    last_sample_at: datetime | None = None
    # Trust in the trend, learned from the projections' outcomes (may exceed 1 up to
    # TRUST_CAP while it learns; it is used capped at 1).
    trend_trust: float = 1.0
    # The projection waiting to be checked, if any.
    projection: Projection | None = None


def window_demand(usage: DimensionUsage) -> list[float]:
    """Demand (units/s) of each known minute of the window: consumed plus throttled
    units (core/minutes.py: a minute not published yet is left out, never 0)."""
    return minutes.known_demand(usage)[0]


def merge_samples(state: TargetState, window: list[float],
                  now: datetime) -> tuple[float, ...]:
    """The remembered samples with this window's: the window slides by the minutes
    since the last cycle, and its values replace what was seen of the same minutes
    (CloudWatch may complete a minute late)."""
    old = state.samples
    if state.last_sample_at is None or not old:
        return tuple(window[-KEEP_MINUTES:])
    elapsed = int((now - state.last_sample_at).total_seconds() // 60)
    overlap = len(window) - max(elapsed, 0)
    if overlap <= 0:
        merged = (*old, *window)
    else:
        merged = (*old[:max(0, len(old) - overlap)], *window)
    return merged[-KEEP_MINUTES:]


def _percentile(values: tuple[float, ...], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(percent / 100.0 * len(ordered)))]


def _learn_trust(state: TargetState, level: float, slope: float,
                 minute: float) -> tuple[float, Projection | None]:
    """Trust in the trend after checking the pending projection if it is due, and the
    projection to check next (a new one is made when none is pending)."""
    trust = state.trend_trust
    pending = state.projection
    if pending is not None and minute - pending.at_minute >= HORIZON:
        came = level - pending.base
        share = min(TRUST_CAP, max(0.0, came / pending.rise)) if pending.rise > 0 else 1.0
        trust = (1 - TRUST_RATE) * trust + TRUST_RATE * share
        pending = None
    if pending is None and slope > 0:
        pending = Projection(minute, level, slope * HORIZON)
    return trust, pending


def _units(value: float) -> int:
    return math.ceil(value - 1e-9)


def propose(p: DimensionPolicy, current: int, usage: DimensionUsage, state: TargetState,
            now: datetime) -> Proposal[TargetState]:
    # Issue 11: the samples end at the newest known minute, not at ``now`` (on whole
    # minutes, as the window is, so that a cycle starting a few seconds early or late
    # slides them by the right number of minutes).
    window, unknown_after = minutes.known_demand(usage)
    known_until = now.replace(second=0, microsecond=0) - timedelta(minutes=unknown_after)
    samples = merge_samples(state, window, known_until)
    level = max(samples[-LEVEL_MINUTES:])
    span = min(TREND_MINUTES, len(samples) - 1)
    slope = max(0.0, (samples[-1] - samples[-1 - span]) / span) if span > 0 else 0.0
    learned, projection = _learn_trust(state, level, slope, now.timestamp() / 60.0)
    state = TargetState(samples, known_until, learned, projection)
    trust = min(1.0, learned)

    ratio = p.target_utilisation / 100.0
    target = f"{p.target_utilisation:g} %"
    rise = slope * trust * HORIZON
    floor_demand = _percentile(samples, BURST_FLOOR_PERCENTILE)
    floor = floor_demand / BURST_FLOOR_FACTOR
    floor_why = (f"burst floor: {BURST_FLOOR_PERCENTILE}th percentile of the last "
                 f"{len(samples)} min {floor_demand:.1f} units/s / {BURST_FLOOR_FACTOR:g}")

    # Headroom (the target) on what is there now; the projected rise on top as is.
    wanted = level / ratio + rise
    need_up = _units(max(wanted, floor))
    # A small increase while the demand still fits would leave the table UPDATING
    # (unable to take a big increase) for minutes, for little gain.
    small = need_up <= current * (1 + SMALL_INCREASE) and level <= current
    if need_up > current and not small:
        if floor > wanted:
            why = f"{floor_why} needs {need_up}"
        else:
            why = (f"demand {level:.1f} units/s at {target} needs {level / ratio:.1f}, plus "
                   f"{rise:.1f} rising {slope:.1f}/min over {HORIZON} min (trend trust "
                   f"{trust:.2f}): {need_up}")
        return Proposal(need_up, Reason("target-increase", why), state)

    peak = max(samples[-DECREASE_HOLD_MINUTES:])
    need_down = _units(max(peak / ratio, floor))
    # Issue 11: no decrease before a lookback period of minutes is known.
    warming = minutes.too_few_known_minutes(
        len(samples), min(usage.window_seconds // 60, KEEP_MINUTES))
    if need_down < current and warming is not None:
        return Proposal(current, warming, state)
    if need_down < current:
        if floor > peak / ratio:
            why = f"{floor_why} needs {need_down}"
        else:
            why = (f"peak demand of the last {DECREASE_HOLD_MINUTES} min {peak:.1f} units/s "
                   f"needs {need_down} at {target}")
        return Proposal(need_down, Reason("target-decrease", why), state)
    return Proposal(current, Reason("target-met", f"demand {level:.1f} units/s fits {current} "
                                                  f"at {target}"), state)
