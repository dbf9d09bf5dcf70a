"""Property: with random traffic, random publication lateness and lost minutes, the
daemon's decision path (aws/metrics.py's translation of the answer, then decide())
never decreases below what the known minutes need, and never decides on a dimension
whose metrics are unknown. Both modes, over sequences of cycles.

The test keeps its own reference of which minutes are known (the README's rule, written
again from the raw datapoints), so it checks the code against the rule rather than
against itself:

* a minute with a published datapoint is known;
* a minute without one is known (idle) when a later minute of the window has a
  published datapoint, or when it ended the publication allowance ago or more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dynamic_dynamodb.aws.metrics import usage_from_series
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.minutes import MISSING, SeriesAnswer
from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.types import (
    Direction,
    ResourceHistory,
    ResourceId,
    ResourceState,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, ResourcePolicy

START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
NEVER = 10**9


@dataclass(frozen=True)
class World:
    """The truth: per minute, demand (units/s) and when CloudWatch publishes it."""

    demand: tuple[float, ...]
    published_at: tuple[int, ...]  # the minute at whose start it is visible; NEVER: lost
    window_start: int
    window_minutes: int
    allowance: int
    check_every: int
    # Per cycle: (consumed series missing, throttle series missing)
    broken: tuple[tuple[bool, bool], ...]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    demand = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1000)),
                           min_size=20, max_size=60))
    minutes = len(demand)
    # Usually 1-2 minutes after the minute ends, sometimes later; a few never.
    lags = draw(st.lists(st.sampled_from([1, 1, 2, 2, 2, 3, 5, 8]), min_size=minutes,
                         max_size=minutes))
    lost = draw(st.sets(st.integers(0, minutes - 1), max_size=3))
    published = tuple(NEVER if k in lost else k + 1 + lag for k, lag in enumerate(lags))
    window_minutes = draw(st.integers(1, 5))
    window_start = draw(st.integers(window_minutes, 10))
    # Cycles whose answer lacks the consumed series, or the throttle series.
    no_consumed = draw(st.sets(st.integers(0, minutes), max_size=3))
    no_throttles = draw(st.sets(st.integers(0, minutes), max_size=6))
    broken = tuple((c in no_consumed, c in no_throttles) for c in range(minutes + 1))
    return World(tuple(demand), published, window_start, window_minutes,
                 draw(st.integers(1, 6)), draw(st.integers(1, 3)), broken)


def policies() -> st.SearchStrategy[ResourcePolicy]:
    dims = st.builds(
        DimensionPolicy,
        upper_threshold=st.floats(50, 95),
        lower_threshold=st.floats(5, 45),
        decrease_with=st.floats(1, 90),
        allow_scale_down_at_0_percent=st.booleans(),
        target_utilisation=st.floats(50, 100),
    )
    return st.builds(ResourcePolicy, key=st.just("t"), reads=dims,
                     scaling_mode=st.sampled_from(["threshold", "target"]))


@dataclass(frozen=True)
class Known:
    """The window as the rule says it is known: consumed and demand (consumed plus
    throttled) units/s per minute, None when not known; and the throttled units/s of
    the minutes whose datapoints are published."""

    consumed: list[float | None]
    demand: list[float | None]
    throttled: list[float]


def reference_known(world: World, now: int, first: int, served: list[float],
                    throttled: list[float]) -> Known:
    window = range(first, first + world.window_minutes)
    visible = [k for k in window
               if 0 <= k < len(world.demand) and world.demand[k] > 0
               and world.published_at[k] <= now]
    consumed: list[float | None] = []
    demand: list[float | None] = []
    for k in window:
        if k in visible:
            consumed.append(served[k])
            demand.append(served[k] + throttled[k])
        elif any(v > k for v in visible) or now - (k + 1) >= world.allowance:
            consumed.append(0.0)
            demand.append(0.0)
        else:
            consumed.append(None)
            demand.append(None)
    return Known(consumed, demand, [throttled[k] for k in visible])


def answer(world: World, now: int, first: int, served: list[float],
           throttled: list[float], broken: tuple[bool, bool]) -> Usage:
    """What the daemon reads at minute ``now``: CloudWatch's datapoints of the window."""
    def at(k: int) -> int:
        return int((START + timedelta(minutes=k)).timestamp())

    window = [k for k in range(first, first + world.window_minutes)
              if 0 <= k < len(world.demand) and world.published_at[k] <= now]
    consumed = SeriesAnswer({at(k): served[k] * 60 for k in window if served[k] > 0})
    events = SeriesAnswer({at(k): throttled[k] * 60 for k in window if throttled[k] > 0})
    series = {"reads_consumed": MISSING if broken[0] else consumed,
              "reads_throttled": MISSING if broken[1] else events,
              "writes_consumed": SeriesAnswer(), "writes_throttled": SeriesAnswer()}
    request = MetricRequest(ResourceId("t"), world.window_start, world.window_minutes,
                            world.allowance)
    start, _ = request.window(START + timedelta(minutes=now))
    return usage_from_series(series, start, world.window_minutes,
                             START + timedelta(minutes=now), world.allowance)


# An idle table whose newest minutes are not old enough yet at the first check: the
# target mode must wait for a lookback period of known minutes (random search seldom
# lands on it).
WARMING_UP = World((0.0,) * 20, tuple(k + 2 for k in range(20)), 5, 5, 3, 1,
                   ((False, False),) * 21)


@settings(max_examples=100, deadline=None)
@given(world=worlds(), policy=policies(), capacity=st.integers(1, 2000))
@example(world=WARMING_UP, capacity=100, policy=ResourcePolicy(
    key="t", scaling_mode="target", reads=DimensionPolicy(allow_scale_down_at_0_percent=True)))
def test_no_decrease_below_what_the_known_minutes_need(world: World, policy: ResourcePolicy,
                                                       capacity: int) -> None:
    served = [0.0] * len(world.demand)
    throttled = [0.0] * len(world.demand)
    history = ResourceHistory()
    known_minutes_seen: set[int] = set()
    cycle = 0
    for now in range(len(world.demand)):
        if now % world.check_every == 0:
            first = now - world.window_start
            known = reference_known(world, now, first, served, throttled)
            broken_consumed, broken_throttles = world.broken[cycle]
            usage = answer(world, now, first, served, throttled, world.broken[cycle])
            cycle += 1
            state = ResourceState(ResourceId("t"), "ACTIVE", capacity, 1)
            d = decide(state, usage, policy, history, START + timedelta(minutes=now))
            history, reads = d.history, d.reads

            consumed = [v for v in known.consumed if v is not None]
            demand = [v for v in known.demand if v is not None]
            if broken_consumed or not consumed:
                # Unknown: no decision at all, in either direction.
                assert reads.direction is Direction.NONE
                assert reads.reason.code == "metrics-unknown"
            else:
                known_minutes_seen.update(first + i for i, v in enumerate(known.consumed)
                                          if v is not None)
            if reads.direction is Direction.DOWN:
                assert not broken_consumed and not broken_throttles
                assert sum(known.throttled) == 0
                if policy.scaling_mode == "threshold":
                    assert reads.target >= math.ceil(sum(consumed) / len(consumed) - 1e-6)
                else:
                    assert reads.target >= math.ceil(max(demand) - 1e-6)
                    assert len(known_minutes_seen) >= world.window_minutes
                if max(consumed) == 0:
                    assert policy.reads.allow_scale_down_at_0_percent
            capacity = reads.target
        # The minute is served by the capacity in force (no burst: the truth is simple).
        served[now] = min(world.demand[now], capacity)
        throttled[now] = world.demand[now] - served[now]


def test_the_property_sees_decreases() -> None:
    """The property above must not hold only because nothing ever decreases: a plain
    world (every minute published 1 minute after it ends, steady low traffic) decreases
    in both modes."""
    world = World((10.0,) * 40, tuple(k + 2 for k in range(40)), 8, 5, 3, 1,
                  ((False, False),) * 41)
    for mode in ("threshold", "target"):
        policy = ResourcePolicy(key="t", scaling_mode=mode)
        capacity, history, decreased = 100, ResourceHistory(), False
        for now in range(8, 40):
            usage = answer(world, now, now - 8, list(world.demand), [0.0] * 40,
                           (False, False))
            d = decide(ResourceState(ResourceId("t"), "ACTIVE", capacity, 1),
                       usage, policy, history, START + timedelta(minutes=now))
            history, capacity = d.history, d.reads.target
            decreased |= d.reads.direction is Direction.DOWN
        assert decreased, mode
