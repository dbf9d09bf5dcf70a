"""Replays of one dimension: the current capacity as recorded, the target-mode ladder,
and the idle shortcut (guarded against the real Scheduler)."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.advise.replay import (
    CONFIG,
    CURRENT,
    SIM_KEY,
    TARGET_LADDER,
    WARMUP_MINUTES,
    DimensionTask,
    config_for,
    default_target,
    native_key,
    replay_dimension,
    target_config,
    walk_ladder,
)
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.settings import GsiPolicy, ResourcePolicy
from dynamic_dynamodb.simulate.model import ModelParams
from dynamic_dynamodb.simulate.runner import DEFAULT_TABLE, run_scheduler
from dynamic_dynamodb.simulate.trace import Trace

START = datetime(2024, 5, 1, 6, tzinfo=timezone.utc)


def task(demand: list[float], recorded: list[int] | None = None, bound: float = 0.01,
         dimension: Dimension = Dimension.READS, config: object = None) -> DimensionTask:
    return DimensionTask(dimension, START, tuple(demand), (True,) * len(demand),
                         None if recorded is None else tuple(recorded),
                         config, bound)  # type: ignore[arg-type]


def test_current_follows_the_recorded_capacity_minute_by_minute() -> None:
    recorded = [5] * 30 + [20] * 30
    outcome = replay_dimension(task([10.0] * 60, recorded))
    current = outcome.get(CURRENT)
    assert current is not None
    assert list(current.provisioned) == recorded
    # The warm-up ran at 5 too, so no burst is left: 5 units/s throttled, then none.
    assert list(current.throttled[:30]) == pytest.approx([5.0] * 30)
    assert list(current.throttled[30:]) == [0.0] * 30
    assert current.updates == 1


def test_a_steady_dimension_stops_at_the_default_target() -> None:
    demand = [50.0 + 3 * math.sin(m / 37) for m in range(480)]
    outcome = replay_dimension(task(demand, [100] * 480))
    rungs = outcome.targets
    assert [r.target for r in rungs] == [default_target(Dimension.READS)]
    assert sum(rungs[0].throttled) == 0.0
    # The warm-up kept the cold start out: capacity never fell below the demand.
    assert min(rungs[0].provisioned) >= 53
    assert outcome.get(native_key(70.0)) is not None and outcome.get(CONFIG) is None


def test_sudden_bursts_try_the_default_and_the_lowest_target() -> None:
    # Bursts out of a trickle: no target follows them. (Out of complete idleness the
    # target mode holds its capacity instead: a window without a datapoint is 0 % use,
    # and allow-scaling-down-*-on-0-percent is off by default.)
    demand = [200.0 if m % 120 < 5 else 1.0 for m in range(480)]
    rungs = replay_dimension(task(demand, [200] * 480)).targets
    assert [r.target for r in rungs] == [default_target(Dimension.READS), TARGET_LADDER[-1]]
    assert all(sum(r.throttled) > 0 for r in rungs)


@pytest.mark.parametrize("within, tried", [
    ({90}, [90]),
    (set(), [90, 50]),
    ({50}, [90, 50, 80, 70, 60]),
    ({70, 60, 50}, [90, 50, 80, 70]),
    ({80, 70, 60, 50}, [90, 50, 80]),
], ids=["default-within", "none-within", "only-lowest", "seventy", "eighty"])
def test_walk_ladder(within: set[float], tried: list[float]) -> None:
    calls: list[float] = []

    def replay(target: float) -> bool:
        calls.append(target)
        return target in within

    assert walk_ladder(90.0, replay) == tried == calls


@pytest.mark.parametrize("settings", [
    {}, {"scaling-mode": "target"}, {"min-provisioned-reads": "3"},
], ids=["threshold", "target", "min-3"])
def test_an_idle_dimension_is_not_replayed_and_the_scheduler_agrees(
        settings: dict[str, str]) -> None:
    config = from_command_line(SIM_KEY, settings, {"check-interval": "60"}, {},
                               runtime={"dry_run": False})
    minimum = config.tables[0].reads.min_capacity
    outcome = replay_dimension(task([0.0] * 300, config=config))
    shortcut = outcome.get(CONFIG)
    assert shortcut is not None and set(shortcut.provisioned) == {minimum}
    # The guard: the daemon's Scheduler, started at the minimum with no demand, never
    # changes the capacity either.
    real = run_scheduler("x", Trace(START, (0.0,) * 300), config, Dimension.READS, minimum,
                         ModelParams(), DEFAULT_TABLE)
    assert set(real.table.provisioned) == {minimum} and real.table.updates == []


def test_the_ladder_stops_at_the_first_target_within_the_bound() -> None:
    demand = [200.0 if m % 120 < 5 else 0.0 for m in range(480)]
    rungs = replay_dimension(task(demand, [200] * 480, bound=100.0)).targets
    assert len(rungs) == 1


def test_a_gsi_policy_becomes_the_replayed_tables_section() -> None:
    gsi = GsiPolicy(key="^by_owner$", table_key="^orders$", scaling_mode="target",
                    lookback_period=7)
    config = config_for(target_config(None), gsi)
    (policy,) = config.tables
    assert policy.key == SIM_KEY and policy.matches(DEFAULT_TABLE)
    for f in dataclasses.fields(ResourcePolicy):
        if f.name != "key":
            assert getattr(policy, f.name) == getattr(gsi, f.name)


def test_warm_up_is_left_out_of_every_replay() -> None:
    outcome = replay_dimension(task([1.0] * (WARMUP_MINUTES + 5), [2] * (WARMUP_MINUTES + 5)))
    assert {len(r.provisioned) for r in outcome.replays} == {WARMUP_MINUTES + 5}
