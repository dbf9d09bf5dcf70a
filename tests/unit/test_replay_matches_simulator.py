"""The target mode's nightly tuning replays a day in core/replay.py, a pure model of
the simulator's table and of the Scheduler in target mode; its figures are only worth
choosing by if they are the simulator's. Here both run the same trace: a daily cycle
with surges, an idle hour (minutes with no datapoint) and a start in the middle of a
UTC day (the decrease counter's midnight)."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.core import replay
from dynamic_dynamodb.core.native_rule import STRICTER
from dynamic_dynamodb.core.target_rule import F1, SPIKY75, V1, Params
from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.simulate.model import ModelParams
from dynamic_dynamodb.simulate.report import summarize
from dynamic_dynamodb.simulate.runner import run_native, run_scheduler
from dynamic_dynamodb.simulate.trace import Trace

START = datetime(2024, 3, 4, 13, 37, tzinfo=timezone.utc)
MINUTES = 2160  # a day and a half: two UTC midnights' decrease counters


def _demand() -> tuple[float, ...]:
    rng = random.Random(7)
    out = []
    for m in range(MINUTES):
        level = 50 + 40 * math.sin(2 * math.pi * m / 1440)
        if rng.random() < 0.01:
            level *= 4
        if 600 <= m < 660:
            level = 0.0  # idle: CloudWatch publishes no point
        out.append(round(max(0.0, level * (1 + 0.1 * rng.gauss(0, 1))), 3))
    return tuple(out)


TRACE = Trace(START, _demand(), "replay-check")
START_CAPACITY = replay.start_capacity(TRACE.demand)
OFFSET = (START.hour * 60 + START.minute)


def _simulated(run_figures: tuple[float | None, float]) -> tuple[float, float]:
    throttled, cost = run_figures
    assert throttled is not None
    return throttled, cost


@pytest.mark.parametrize("params", [V1, F1, SPIKY75], ids=lambda p: p.name)
def test_the_modes_replay_is_the_simulators(params: Params) -> None:
    config = from_command_line("^simulated$", {"scaling-mode": "target",
                                               "target-reads-constants": params.name},
                               {}, {}, runtime={"dry_run": False})
    run = run_scheduler(params.name, TRACE, config, Dimension.READS, START_CAPACITY,
                        ModelParams())
    simulated = summarize(run, sum(TRACE.demand), Dimension.READS)
    policy = config.table_policy("simulated")
    assert policy is not None

    got = replay.replay_mode(TRACE.demand, START_CAPACITY, params, policy.reads, OFFSET)

    assert run.table.updates  # it did scale, both ways
    assert any(u.decrease for u in run.table.updates)
    assert (got.throttled_percent, got.cost_ratio) == pytest.approx(
        _simulated((simulated.throttled_percent, simulated.cost_ratio)), rel=1e-9)


@pytest.mark.parametrize("target", [70.0, 90.0])
def test_the_native_replay_is_the_simulators(target: float) -> None:
    settings = dataclasses.replace(STRICTER, target_percent=target)
    run = run_native("native", TRACE, settings, Dimension.READS, START_CAPACITY, ModelParams())
    simulated = summarize(run, sum(TRACE.demand), Dimension.READS)

    got = replay.replay_native(TRACE.demand, START_CAPACITY, settings, OFFSET)

    assert (got.throttled_percent, got.cost_ratio) == pytest.approx(
        _simulated((simulated.throttled_percent, simulated.cost_ratio)), rel=1e-9)
