"""Candidate target-mode policies for the research (a ``lean.Candidate``).

Mutable and research-shaped on purpose (speed): the daemon's version will be pure,
with its state in the core's typed per-mode state. Every answer carries a reason.

Per minute, on the demand CloudWatch shows (None = not known yet, never 0):

1. Level: the highest demand of the last ``level_minutes`` known minutes.
2. Trend: the rise per minute over the last 3 known minutes, projected ``horizon``
   minutes ahead, scaled by a trust learned from how past projections came out.
3. Floors that may raise capacity, never lower it:
   * burst floor: the ``burst_q`` quantile of the last ``burst_minutes`` / ``burst_div``;
   * seasonal floor: the highest demand of the coming ``season_ahead`` minutes (plus
     ``season_before`` before) at the same time on each of ``season_days`` earlier days
     (in 5-minute buckets), the smallest of them (a pattern seen every time), at the
     increase target.
4. Increase (free) to max(level / up_target + projected rise, floors); an increase of
   less than ``small_increase`` of the capacity waits while the demand fits.
5. Decrease, only with at least ``hold_minutes`` known minutes: to max(peak of the last
   ``hold_minutes`` / down_target, floors), if it saves at least ``min_saving`` of the
   capacity, DynamoDB allows it, and the pace allows it (the n-th quick decrease of
   the UTC day waits until (n-1) x ``pace_hours`` h unless an hour has passed since the
   last one).
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lean import Facts  # noqa: E402

FREE_DECREASES = 4
DECREASE_INTERVAL = 60  # minutes


@dataclass(frozen=True)
class Params:
    up_target: float = 0.9
    down_target: float = 0.9
    level_minutes: int = 3
    # "max" or "mean" of the level minutes (the burst bucket absorbs minute-to-minute
    # noise, so the mean with headroom may be enough).
    level_stat: str = "max"
    # With level_stat "q": this quantile of the level minutes (0 = the lowest: only a
    # rise that lasted the whole window counts), and a guard on the newest minutes:
    # capacity at least their peak / peak_div (0 = no guard).
    level_q: float = 1.0
    peak_div: float = 0.0
    # Minutes over which the rise is measured (2-minute means at both ends when > 3).
    trend_minutes: int = 3
    # "diff": the rise over trend_minutes; "median": the median of the last
    # trend_minutes one-minute rises (a ramp rises every minute, a step only once).
    trend_mode: str = "diff"
    # The decrease basis: the highest minute of the hold window (1.0) or a quantile.
    hold_q: float = 1.0
    horizon: float = 4.0
    trust_rate: float = 0.1
    use_trend: bool = True
    burst_q: float = 0.9
    burst_minutes: int = 60
    burst_div: float = 1.5
    hold_minutes: int = 5
    min_saving: float = 0.1
    pace_hours: float = 6.0
    small_increase: float = 0.1
    # Seasonal floor: lags in minutes (1440 = yesterday, 10080 = last week, 60 = the
    # last hour); the floor is the smallest of the lags' peaks.
    season_lags: tuple[int, ...] = ()
    season_ahead: int = 30
    season_before: int = 0
    # A decrease must also save this share of the last day's highest need (peak /
    # down_target), so that the day's few quick decreases go to the large drops.
    day_saving: float = 0.0
    # A decrease waits while the demand is still falling: the last 2 minutes must be at
    # least this share of the hold window's peak (0: never waits).
    settle: float = 0.0
    # No decrease within this many minutes of our last increase (its overshoot is not
    # worth one of the day's decreases).
    after_increase: int = 0
    # Two kinds of decrease. A drop: the last ``drop_minutes`` all below ``drop_ratio``
    # of the capacity (the end of a job or a spike) may use any decrease DynamoDB
    # allows. A drift (the hold-window rule above) waits, when ``drift_hourly``, until
    # an hour has passed since the last decrease, so the quick decreases of the day
    # are kept for drops.
    drop_ratio: float = 0.0
    drop_minutes: int = 3
    drift_hourly: bool = False
    # The burst floor forgets the minutes before the last drop (the end of a job is a
    # new regime, not a surge to keep capacity for).
    floor_since_drop: bool = False
    # Minutes of known demand before any decrease (the cold start): at least hold_minutes.
    min_known: int = 5

    def key(self) -> str:
        """The constants that differ from the defaults (bump the prefix when the code
        changes what a constant does)."""
        default = asdict(Params())
        return "v2:" + ",".join(f"{k}={v}" for k, v in sorted(asdict(self).items())
                                if default[k] != v)


@dataclass
class _Trust:
    trust: float = 1.0
    pending_at: int = -1
    base: float = 0.0
    rise: float = 0.0


@dataclass
class V2:
    p: Params = field(default_factory=Params)
    window: int = 10

    def __post_init__(self) -> None:
        self.d: list[float | None] = []
        self.newest = -1
        self.first_known = -1
        self.buckets: list[float] = []  # per 5 minutes: the highest demand
        self.trust = _Trust()
        self.last_increase = -10**9
        self.drop_from = -1  # the first minute of the last drop seen
        self.last_reason = ""

    # -- what is known ----------------------------------------------------------------
    def _learn(self, m: int, view: list[float | None]) -> None:
        d = self.d
        first = m - self.window
        if len(d) < m:
            d.extend([None] * (m - len(d)))
        for i, v in enumerate(view):
            if v is not None and first + i >= 0:
                self.know(first + i, v)

    def know(self, k: int, v: float) -> None:
        """Minute ``k``'s demand is ``v`` (a later reading of a minute replaces an
        earlier one: CloudWatch completes late minutes)."""
        d = self.d
        if len(d) <= k:
            d.extend([None] * (k + 1 - len(d)))
        d[k] = v
        if self.first_known < 0:
            self.first_known = k
        if k > self.newest:
            self.newest = k
        b = k // 5
        buckets = self.buckets
        if len(buckets) <= b:
            buckets.extend([0.0] * (b + 1 - len(buckets)))
        # A corrected (late) minute can only raise its bucket: a bucket is a peak.
        if v > buckets[b]:
            buckets[b] = v

    def _span(self, n: int, minutes: int) -> list[float]:
        lo = max(self.first_known, n - minutes + 1)
        return self.d[lo:n + 1]  # type: ignore[return-value]  # all known, see module

    # -- floors -----------------------------------------------------------------------
    def _burst_floor(self, n: int) -> float:
        p = self.p
        if p.burst_div <= 0:
            return 0.0
        minutes = p.burst_minutes
        if p.floor_since_drop and self.drop_from >= 0:
            minutes = min(minutes, n - self.drop_from + 1)
        span = sorted(self._span(n, minutes))
        return span[min(len(span) - 1, int(p.burst_q * len(span)))] / p.burst_div

    def _seasonal(self, m: int) -> float:
        """The smallest, over season_days, of the highest demand in the coming
        minutes at the same time of those days."""
        p = self.p
        if not p.season_lags:
            return 0.0
        lo, hi = m + 2 - p.season_before, m + 2 + p.season_ahead
        buckets = self.buckets
        seen = []
        for lag in p.season_lags:
            a, b = (lo - lag) // 5, (hi - lag) // 5
            if a < self.first_known // 5 + 1 or b >= len(buckets):
                return 0.0  # not that much history yet
            seen.append(max(buckets[a:b + 1]))
        return min(seen)

    # -- the decision -----------------------------------------------------------------
    def check(self, facts: Facts, view: list[float | None]) -> tuple[int, str] | None:
        self._learn(facts.minute, view)
        return self.decide(facts)

    def decide(self, facts: Facts) -> tuple[int, str] | None:
        m = facts.minute
        n = self.newest
        if n < 0:
            return None
        p = self.p
        d = self.d
        cap = facts.capacity
        if (p.floor_since_drop and p.drop_ratio > 0
                and n - p.drop_minutes + 1 >= self.first_known
                and max(self._span(n, p.drop_minutes)) < p.drop_ratio * cap):
            self.drop_from = n - p.drop_minutes + 1
        recent = self._span(n, p.level_minutes)
        if p.level_stat == "max":
            level = max(recent)
        elif p.level_stat == "mean":
            level = sum(recent) / len(recent)
        else:
            ordered = sorted(recent)
            level = ordered[min(len(ordered) - 1, int(p.level_q * len(ordered)))]
        guard = max(self._span(n, 3)) / p.peak_div if p.peak_div > 0 else 0.0
        slope = 0.0
        t = p.trend_minutes
        if p.use_trend and n - t - 1 >= self.first_known:
            if p.trend_mode == "median":
                rises = sorted(d[k] - d[k - 1]  # type: ignore[operator]
                               for k in range(n - t + 1, n + 1))
                middle = rises[t // 2] if t % 2 else (rises[t // 2 - 1] + rises[t // 2]) / 2
                slope = max(0.0, middle)
            elif t <= 3:
                slope = max(0.0, (d[n] - d[n - t]) / t)  # type: ignore[operator]
            else:
                slope = max(0.0, (d[n] + d[n - 1] - d[n - t] - d[n - t - 1])  # type: ignore[operator]
                            / (2.0 * t))
        trust = self._learn_trust(m, level, slope)
        rise = slope * trust * p.horizon
        burst = self._burst_floor(n)
        season = self._seasonal(m) / p.up_target
        up = max(level / p.up_target + rise, guard)
        need_up = math.ceil(max(up, burst, season) - 1e-9)
        small = need_up <= cap * (1 + p.small_increase) and level <= cap
        if need_up > cap and not small:
            why = ("seasonal floor" if season >= max(up, burst) else
                   "burst floor" if burst >= up else "level + trend")
            self.last_increase = m
            return need_up, f"increase: {why}"
        known = n - self.first_known + 1
        if known < max(p.min_known, p.hold_minutes, p.drop_minutes):
            return None
        if p.drop_ratio > 0:
            low = max(self._span(n, p.drop_minutes))
            if low < p.drop_ratio * cap and m - self.last_increase >= p.after_increase:
                target = math.ceil(max(low / p.down_target, burst, season) - 1e-9)
                if cap - target >= max(1.0, cap * p.min_saving) and self._may_decrease(facts):
                    return max(1, target), "decrease: a drop"
        hold = self._span(n, p.hold_minutes)
        if p.hold_q >= 1.0:
            peak = max(hold)
        else:
            hold = sorted(hold)
            peak = hold[min(len(hold) - 1, int(p.hold_q * len(hold)))]
        if p.settle > 0 and max(self._span(n, 2)) < p.settle * peak:
            return None
        if m - self.last_increase < p.after_increase:
            return None
        need_down = math.ceil(max(peak / p.down_target, burst, season) - 1e-9)
        if need_down >= cap or cap - need_down < max(1.0, cap * p.min_saving):
            return None
        if p.day_saving > 0:
            b0 = max(self.first_known // 5, (n - 1440) // 5)
            day_need = max(self.buckets[b0:n // 5 + 1]) / p.down_target
            if cap - need_down < p.day_saving * day_need:
                return None
        if p.drift_hourly and facts.last_decrease is not None and (
                m - facts.last_decrease < DECREASE_INTERVAL):
            return None
        if not self._may_decrease(facts):
            return None
        return max(1, need_down), "decrease: peak of the hold window"

    def _learn_trust(self, m: int, level: float, slope: float) -> float:
        t = self.trust
        p = self.p
        if t.pending_at >= 0 and m - t.pending_at >= p.horizon:
            share = min(1.5, max(0.0, (level - t.base) / t.rise)) if t.rise > 0 else 1.0
            t.trust = (1 - p.trust_rate) * t.trust + p.trust_rate * share
            t.pending_at = -1
        if t.pending_at < 0 and slope > 0:
            t.pending_at, t.base, t.rise = m, level, slope * p.horizon
        return min(1.0, t.trust)

    def _may_decrease(self, facts: Facts) -> bool:
        used = facts.decreases_today
        last = facts.last_decrease
        m = facts.minute
        since = None if last is None else m - last
        if used >= FREE_DECREASES:
            return since is None or since >= DECREASE_INTERVAL
        if used == 0 or since is None or since >= DECREASE_INTERVAL:
            return True
        opens = self.p.pace_hours * 60 * used
        return facts.minute_of_day >= min(opens, facts.minute_of_day - since + DECREASE_INTERVAL)
