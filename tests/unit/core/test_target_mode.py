"""The target scaling mode (core/target.py): demand samples, level, trend and its
learned trust, the burst floor, small increases, decreases; and through decide()."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core import target
from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.target import Projection, TargetState
from dynamic_dynamodb.core.types import (
    DimensionUsage,
    ResourceHistory,
    ResourceId,
    ResourceState,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, ResourcePolicy

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


def usage(demand: list[float], throttled: list[float] | None = None) -> DimensionUsage:
    """A window whose minutes consumed ``demand`` units/s (and throttled events)."""
    events = throttled or [0.0] * len(demand)
    seconds = 60 * len(demand)
    return DimensionUsage(sum(demand) * 60 / seconds, sum(events), seconds, tuple(demand),
                          tuple(events))


def test_demand_is_consumed_plus_throttled_units() -> None:
    window = usage([10.0, 20.0], throttled=[60.0, 0.0])  # 60 events in a minute = 1 unit/s

    assert target.window_demand(window) == [11.0, 20.0]


def test_demand_without_per_minute_series_is_the_window_average() -> None:
    window = DimensionUsage(consumed=10.0, throttle_events=600.0, window_seconds=300)

    assert target.window_demand(window) == [12.0]


def _state(samples: tuple[float, ...], minutes_ago: int) -> TargetState:
    return TargetState(samples=samples, last_sample_at=NOW - timedelta(minutes=minutes_ago))


# (id, remembered samples, minutes since the last cycle, window, expected samples)
MERGES = [
    ("first-cycle", None, 0, [1.0, 2.0, 3.0], (1.0, 2.0, 3.0)),
    ("slides-one-minute", (1.0, 2.0, 3.0), 1, [2.0, 3.0, 4.0], (1.0, 2.0, 3.0, 4.0)),
    ("late-data-replaces", (1.0, 2.0, 0.0), 1, [2.0, 3.0, 4.0], (1.0, 2.0, 3.0, 4.0)),
    ("gap-longer-than-window", (1.0, 2.0), 5, [7.0, 8.0], (1.0, 2.0, 7.0, 8.0)),
    ("same-minute-again", (1.0, 2.0, 3.0), 0, [2.0, 9.0], (1.0, 2.0, 9.0)),
]


@pytest.mark.parametrize("old,ago,window,expected", [m[1:] for m in MERGES],
                         ids=[m[0] for m in MERGES])
def test_merge_samples(old: tuple[float, ...] | None, ago: int, window: list[float],
                       expected: tuple[float, ...]) -> None:
    state = TargetState() if old is None else _state(old, ago)

    assert target.merge_samples(state, window, NOW) == expected


def test_merge_keeps_an_hour() -> None:
    merged = target.merge_samples(TargetState(), [1.0] * 100, NOW)

    assert len(merged) == target.KEEP_MINUTES


P90 = DimensionPolicy(target_utilisation=90)
P100 = DimensionPolicy(target_utilisation=100)
# An hour with short surges: its 90th percentile is 90, so the floor is 90 / 1.5 = 60.
SURGES = [20.0] * 6 + [90.0] * 6 + [20.0] * 48

# (id, policy, current capacity, window demand, throttled events, expected target, code)
PROPOSALS = [
    ("fits", P90, 100, [90.0] * 5, None, 100, "target-met"),
    ("level-above-target", P90, 100, [100.0] * 5, None, 112, "target-increase"),
    ("small-increase-waits-while-demand-fits", P90, 100, [95.0] * 5, None, 100, "target-met"),
    ("small-increase-goes-when-demand-exceeds", P100, 100, [101.0] * 5, None, 101,
     "target-increase"),
    ("throttled-demand-counts", P90, 100, [100.0] * 5, [600.0] * 5, 123, "target-increase"),
    # Rise over the last 3 minutes 30 / 3 = 10 per minute, 4 minutes ahead: 130 / 0.9 + 40.
    ("trend-projected", P90, 100, [100.0, 100.0, 100.0, 100.0, 130.0], None, 185,
     "target-increase"),
    ("burst-floor", P90, 40, SURGES, None, 60, "target-increase"),
    ("decrease-to-recent-peak", P90, 100, [50.0] * 5, None, 56, "target-decrease"),
    ("decrease-keeps-5-minute-peak", P90, 100, [80.0, 50.0, 50.0, 50.0, 50.0], None, 89,
     "target-decrease"),
    ("decrease-not-below-burst-floor", P90, 100, SURGES, None, 60, "target-decrease"),
]


@pytest.mark.parametrize("p,current,demand,throttled,expected,code",
                         [c[1:] for c in PROPOSALS], ids=[c[0] for c in PROPOSALS])
def test_propose(p: DimensionPolicy, current: int, demand: list[float],
                 throttled: list[float] | None, expected: int, code: str) -> None:
    proposal = target.propose(p, current, usage(demand, throttled), TargetState(), NOW)

    assert (proposal.target, proposal.reason.code) == (expected, code)
    assert proposal.reason.message  # every decision says why


def test_a_projection_that_did_not_come_true_lowers_trust() -> None:
    # Four minutes ago the trend projected +40 from 100; demand stayed at 100.
    state = TargetState(
        samples=(100.0,) * 10, last_sample_at=NOW - timedelta(minutes=1), trend_trust=1.0,
        projection=Projection(at_minute=NOW.timestamp() / 60 - 4, base=100.0, rise=40.0))

    proposal = target.propose(P90, 100, usage([100.0] * 5), state, NOW)

    assert proposal.state.trend_trust == pytest.approx(0.9)
    assert proposal.state.projection is None


def test_a_trusted_less_trend_projects_less() -> None:
    rising = usage([100.0, 100.0, 100.0, 100.0, 130.0])
    distrust = TargetState(trend_trust=0.5)

    trusted = target.propose(P90, 100, rising, TargetState(), NOW).target
    halved = target.propose(P90, 100, rising, distrust, NOW).target

    assert (trusted, halved) == (185, 165)  # 144.4 + 40 and 144.4 + 20


def test_a_rise_records_a_projection_to_check() -> None:
    proposal = target.propose(P90, 100, usage([100.0, 100.0, 100.0, 100.0, 130.0]),
                              TargetState(), NOW)

    assert proposal.state.projection is not None
    assert proposal.state.projection.rise == pytest.approx(40.0)
    assert proposal.state.projection.base == pytest.approx(130.0)
    assert proposal.state.samples[-1] == 130.0
    assert proposal.state.last_sample_at == NOW


def _decide(state: ResourceState, demand: list[float]) -> tuple[int, str]:
    policy = ResourcePolicy(key="t", reads=P90, writes=P90, scaling_mode="target")
    window = usage(demand)
    decision = decide(state, Usage(window, usage([0.5] * 5)), policy, ResourceHistory(), NOW)
    return decision.reads.target, decision.reads.reason.code


def test_through_decide_an_increase() -> None:
    state = ResourceState(ResourceId("t"), "ACTIVE", 100, 1)

    assert _decide(state, [100.0] * 5) == (112, "target-increase")


def test_through_decide_a_decrease_waits_for_the_budget() -> None:
    # 4 decreases today, the last 10 minutes ago: DynamoDB allows none for 50 minutes.
    state = ResourceState(ResourceId("t"), "ACTIVE", 100, 1, decreases_today=4,
                          last_decrease=NOW - timedelta(minutes=10))

    assert _decide(state, [50.0] * 5) == (100, "decrease-budget")
