"""A pure replay of one day of demand: the target mode's nightly tuning measures its
candidates and AWS's native target tracking with it (core/tuning.py).

The physics are the simulator's default model (simulate/model.py, which serves its
minutes with ``serve`` below): a 300 s burst bucket of the current capacity (it
shrinks when capacity falls), CloudWatch showing a minute two minutes after it ends,
UpdateTable taking effect two minutes later (UPDATING meanwhile), and DynamoDB's
decrease rule (4 a UTC day, then one an hour). The daemon's side is what the
Scheduler does in target mode with its recommended settings
(settings.TARGET_MODE_DEFAULTS): a check a minute, skipped while the table is
UPDATING; the lookback window read by core/minutes.py's rules (a minute without a
datapoint is 0 once a later minute has one or the publication allowance has passed,
unknown before); the rule (core/target_rule.py) on what it learnt; min/max; and the
guards that hold a decrease in that model (throttle events in the window, a window at
0 %, DynamoDB's rule). tests/unit/test_replay_matches_simulator.py holds it equal to
the simulator on several traces.

A day is about 1,560 minutes (a warm-up before the scored day); one replay of a
candidate costs tens of milliseconds of Python, so the tuning runs one replay a
cycle (core/tuning.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dynamic_dynamodb.core import native_rule, target_rule
from dynamic_dynamodb.core.native_rule import NativeSettings
from dynamic_dynamodb.core.target_rule import Facts, Params, Trust
from dynamic_dynamodb.settings import (
    DEFAULT_PUBLICATION_ALLOWANCE_MINUTES,
    TARGET_MODE_DEFAULTS,
    DimensionPolicy,
)

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Model:
    """The simulator's default model (simulate/model.py ModelParams) and the daemon's
    recommended lookback window in target mode."""

    burst_seconds: float = 300.0
    metrics_lag: int = 2
    update_lag: int = 2
    free_decreases: int = 4
    decrease_interval: int = 60  # minutes
    allowance: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES
    window_start: int = TARGET_MODE_DEFAULTS.lookback_window_start
    window_minutes: int = TARGET_MODE_DEFAULTS.lookback_period


DEFAULT_MODEL = Model()


@dataclass(frozen=True)
class Outcome:
    """A replay's figures over its scored minutes."""

    throttled_percent: float  # of the demand
    cost_ratio: float  # provisioned capacity over the demand (x the oracle)
    demand: float  # the scored minutes' demand, units/s x minutes


def serve(demand: float, capacity: int, bucket: float,
          burst_seconds: float) -> tuple[float, float]:
    """(served, bucket after) for a minute of ``demand`` (units/s) on ``capacity``: unused
    capacity fills the bucket (at most ``burst_seconds`` of capacity), a minute above
    capacity draws from it; what is not served is throttled."""
    if demand <= capacity:
        return demand, min(bucket + (capacity - demand) * 60.0, burst_seconds * capacity)
    drawn = min((demand - capacity) * 60.0, bucket)
    return capacity + drawn / 60.0, bucket - drawn


def start_capacity(demand: Sequence[float], target_percent: float = 90.0) -> int:
    """The replays' start: the first minute's demand at ``target_percent`` (at least 1)."""
    first = demand[0] if demand else 0.0
    return max(1, -int(-first // (target_percent / 100.0)))


class _Table:
    """The replayed table: capacity, burst, the update in flight, the decrease rule and
    the per-minute record CloudWatch publishes."""

    def __init__(self, demand: Sequence[float], start: int, day_offset: int,
                 score_from: int, model: Model) -> None:
        self.demand = demand
        self.model = model
        self.capacity = max(1, start)
        self.bucket = 0.0
        self.pending_at = -1
        self.pending_capacity = 0
        self.decreases = 0
        self.decrease_day = -1
        self.last_decrease = -1
        self.last_increase = -1
        self.day_offset = day_offset
        self.score_from = score_from
        n = len(demand)
        self.consumed = [0.0] * n  # CloudWatch Sums: consumed units x 60
        self.events = [0.0] * n  # throttle events (one per throttled unit x 60)
        self.provisioned = 0.0
        self.throttled = 0.0

    def begin(self, m: int) -> bool:
        """Apply a due update; whether the table is still UPDATING."""
        if 0 <= self.pending_at <= m:
            self.capacity = self.pending_capacity
            self.pending_at = -1
            self.bucket = min(self.bucket, self.model.burst_seconds * self.capacity)
        return self.pending_at >= 0

    def used_today(self, m: int) -> int:
        day = (self.day_offset + m) // MINUTES_PER_DAY
        return self.decreases if self.decrease_day == day else 0

    def update(self, m: int, capacity: int) -> None:
        """UpdateTable now; a decrease DynamoDB would refuse is not made."""
        if capacity < self.capacity:
            used = self.used_today(m)
            if (used >= self.model.free_decreases and self.last_decrease >= 0
                    and m - self.last_decrease < self.model.decrease_interval):
                return
            self.decreases = used + 1
            self.decrease_day = (self.day_offset + m) // MINUTES_PER_DAY
            self.last_decrease = m
        else:
            self.last_increase = m
        self.pending_at, self.pending_capacity = m + self.model.update_lag, capacity

    def finish(self, m: int) -> None:
        d = self.demand[m]
        served, self.bucket = serve(d, self.capacity, self.bucket, self.model.burst_seconds)
        self.consumed[m] = served * 60.0
        self.events[m] = (d - served) * 60.0
        if m >= self.score_from:
            self.provisioned += self.capacity
            self.throttled += self.events[m]

    def outcome(self) -> Outcome:
        total = sum(self.demand[self.score_from:])
        if total <= 0:
            return Outcome(0.0, 0.0 if self.provisioned == 0 else float("inf"), 0.0)
        return Outcome(100.0 * self.throttled / 60.0 / total, self.provisioned / total, total)


def replay_native(demand: Sequence[float], start: int, settings: NativeSettings,
                  day_offset: int = 0, score_from: int = 0,
                  model: Model = DEFAULT_MODEL) -> Outcome:
    """AWS native target tracking (core/native_rule.py, acting in the alarm's minute) on
    ``demand`` (units/s per minute); ``day_offset``: the UTC minute of day of minute 0;
    the figures count the minutes from ``score_from``."""
    table = _Table(demand, start, day_offset, score_from, model)
    fresh_from = 0
    n = len(demand)
    for m in range(n):
        if not table.begin(m):
            first = fresh_from if settings.fresh_points_only else 0
            want = native_rule.alarm(settings, table.consumed, min(m - model.metrics_lag, n),
                                     first, table.capacity)
            if want is not None:
                before = table.pending_at
                table.update(m, want)
                if table.pending_at != before:
                    fresh_from = m + model.update_lag
        table.finish(m)
    return table.outcome()


def _learn_window(table: _Table, m: int, memory: list[float | None]) -> tuple[int, int, float,
                                                                              float]:
    """Write the known minutes of the daemon's lookback window at minute ``m`` (as
    core/minutes.py reads them) into ``memory``: (first, last) known minute (-1, -1 when
    none), and the window's consumed Sum and throttle events."""
    model = table.model
    lo = m - model.window_start
    hi = lo + model.window_minutes
    if lo < 0:
        lo = 0
    published_end = m - model.metrics_lag  # minutes before it are published
    consumed, events = table.consumed, table.events
    latest = -1
    for k in range(min(hi, published_end) - 1, lo - 1, -1):
        if consumed[k] > 0:
            latest = k
            break
    idle_until = m - model.allowance  # minutes before it ended the allowance ago
    first = last = -1
    consumed_sum = event_sum = 0.0
    for k in range(lo, hi):
        if k < published_end and consumed[k] > 0:
            c, e = consumed[k], events[k]
            memory[k] = c / 60.0 + e / 60.0
            consumed_sum += c
            event_sum += e
        elif latest > k or k < idle_until:
            memory[k] = 0.0
        else:
            continue
        if first < 0:
            first = k
        last = k
    return first, last, consumed_sum, event_sum


def replay_mode(demand: Sequence[float], start: int, params: Params, policy: DimensionPolicy,
                day_offset: int = 0, score_from: int = 0,
                model: Model = DEFAULT_MODEL) -> Outcome:
    """The target mode running ``params`` (no tuning) on ``demand``, as the Scheduler runs
    it in ``model`` (see the module's docstring); ``policy``: the dimension's settings
    (target utilisation, min/max, throttle threshold, decreases at 0 %)."""
    table = _Table(demand, start, day_offset, score_from, model)
    scale = policy.target_utilisation / target_rule.DESIGN_TARGET
    lowest, highest = policy.min_capacity, policy.max_capacity
    memory: list[float | None] = [None] * len(demand)
    first = newest = -1
    trust = Trust()
    for m in range(len(demand)):
        if table.begin(m):
            table.finish(m)
            continue
        known_from, known_to, consumed_sum, event_sum = _learn_window(table, m, memory)
        if known_to >= 0:
            if first < 0:
                first = known_from
            if known_to > newest:
                newest = known_to
            cap = table.capacity
            facts = Facts(m, (day_offset + m) % MINUTES_PER_DAY, cap, table.used_today(m),
                          m - table.last_decrease if table.last_decrease >= 0 else None,
                          m - table.last_increase if table.last_increase >= 0 else None)
            plan, trust = target_rule.plan(params, scale, memory, newest, first, facts, trust,
                                           model.window_minutes)
            target = max(lowest, min(highest, plan.target))
            if target > cap or (target < cap and event_sum <= policy.throttled_upper_threshold
                                and (consumed_sum > 0 or policy.allow_scale_down_at_0_percent)):
                table.update(m, target)
        table.finish(m)
    return table.outcome()
