"""Replays one dimension of a table or GSI through the simulator, under each policy.

The same code path as ``dynamic-dynamodb simulate``: the daemon's Scheduler (this
configuration, and the target mode) and AWS's native target tracking run on
``simulate``'s SimulatedTable with its default model; every replay goes through
``simulate()`` here. Besides them:

* **current**: the capacity the table actually had, minute by minute, as CloudWatch
  recorded it (``run_recorded``: a driver like ``runner.run_native`` that calls
  ``SimulatedTable.update`` whenever the recorded capacity changes; the change applies
  at once and DynamoDB's decrease limit is not applied again, since the recorded
  changes already obeyed it). Its throttling is measured in the same model as the
  others', so the comparison is like for like.
* The **target mode** runs with the settings the README recommends for it (a check a
  minute, the freshest lookback window) and the target utilisation of its defaults. If
  that throttles more than the bound, lower targets are tried (``TARGET_LADDER``,
  ``walk_ladder``): the highest one within the bound is the cheapest that is.

Every replay starts ``WARMUP_MINUTES`` before the window, on the window's first hour
played backwards, so that a policy is not judged on its start-up (a cold Scheduler sees
no history and an empty burst bucket); the warm-up is left out of every figure.

A dimension with no demand at all is not replayed: every policy holds its minimum
capacity (a policy never increases capacity without demand; a unit test guards it).
"""

from __future__ import annotations

import dataclasses
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.advise.pricing import MINUTES_PER_MONTH, Prices
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.settings import Config, ResourcePolicy, TablePolicy
from dynamic_dynamodb.simulate.model import ModelParams, SimulatedTable
from dynamic_dynamodb.simulate.native import NativeSettings
from dynamic_dynamodb.simulate.runner import (
    DEFAULT_TABLE,
    PolicyRun,
    default_start_capacity,
    run_native,
    run_scheduler,
)
from dynamic_dynamodb.simulate.trace import Trace

# The target mode's recommended settings (README, "The target scaling mode").
TARGET_TABLE_SETTINGS = {"scaling-mode": "target", "lookback-window-start": "7",
                         "lookback-period": "5"}
TARGET_GLOBAL_SETTINGS = {"check-interval": "60"}
# Target utilisations tried, below the default one, when the default throttles too much.
TARGET_LADDER = (80.0, 70.0, 60.0, 50.0)
# Minutes replayed before the window, and left out of the figures.
WARMUP_MINUTES = 60
# The replayed table's name, and a section key that matches exactly it.
SIM_KEY = f"^{re.escape(DEFAULT_TABLE)}$"

CURRENT = "current"
CONFIG = "config"


def target_key(target: float) -> str:
    return f"target-{target:g}"


def native_key(target: float) -> str:
    return f"native-{target:g}"


@dataclass(frozen=True)
class Replay:
    """What one policy provisioned and throttled, per replayed minute."""

    key: str
    label: str
    provisioned: array[int]
    throttled: array[float]  # units/s not served
    updates: int = 0
    decreases: int = 0
    target: float | None = None  # the target utilisation of a target-mode rung


@dataclass(frozen=True)
class Figures:
    """A policy's cost and throttling over the minutes with data, scaled to a month."""

    dollars_per_month: float
    throttled_percent: float
    throttled_units: float


@dataclass(frozen=True)
class DimensionTask:
    """Everything one dimension's replays need (picklable, for a process pool)."""

    dimension: Dimension
    start: datetime
    demand: Sequence[float]  # an array, or a tuple
    covered: tuple[bool, ...]
    recorded: Sequence[int] | None  # the current policy's capacity; None: on-demand
    config: Config | None  # this configuration, for the replayed resource; None: unmanaged
    max_throttled_percent: float
    native_target: float = 70.0
    model: ModelParams = dataclasses.field(default_factory=ModelParams)


@dataclass(frozen=True)
class DimensionOutcome:
    dimension: Dimension
    replays: tuple[Replay, ...]

    def get(self, key: str) -> Replay | None:
        return next((r for r in self.replays if r.key == key), None)

    @property
    def targets(self) -> list[Replay]:
        return [r for r in self.replays if r.target is not None]


# -- figures ------------------------------------------------------------------------
def covered_sum(values: Sequence[float], covered: Sequence[bool]) -> float:
    return sum(v for v, c in zip(values, covered, strict=True) if c)


def per_month(amount: float, covered_minutes: int) -> float:
    """An amount over ``covered_minutes`` minutes, scaled to a 730-hour month."""
    return amount * MINUTES_PER_MONTH / covered_minutes if covered_minutes else 0.0


def figures(replay: Replay, demand: Sequence[float], covered: Sequence[bool],
            prices: Prices, dimension: Dimension) -> Figures:
    minutes = sum(covered)
    unit_minutes = covered_sum(replay.provisioned, covered)
    dollars = unit_minutes / 60.0 * prices.unit_hour(dimension)
    throttled = covered_sum(replay.throttled, covered)
    wanted = covered_sum(demand, covered)
    return Figures(per_month(dollars, minutes),
                   100.0 * throttled / wanted if wanted > 0 else 0.0,
                   throttled * 60.0)


# -- policies ------------------------------------------------------------------------
def _trace(task: DimensionTask) -> Trace:
    return Trace(task.start, tuple(task.demand), "CloudWatch")


def _from_run(key: str, label: str, run: PolicyRun, skip: int,
              target: float | None = None) -> Replay:
    """The run's record without its first ``skip`` (warm-up) minutes."""
    table = run.table
    updates = [u for u in table.updates if u.minute >= skip]
    return Replay(key, label, array("l", table.provisioned[skip:]),
                  array("d", (e / 60.0 for e in table.throttle_events[skip:])), len(updates),
                  sum(u.decrease for u in updates), target)


def warmed(task: DimensionTask) -> tuple[DimensionTask, int]:
    """``task`` with a warm-up before it: its first minutes mirrored (not covered)."""
    w = min(WARMUP_MINUTES, len(task.demand))
    recorded = None
    if task.recorded is not None:
        recorded = [*task.recorded[:w][::-1], *task.recorded]
    return dataclasses.replace(task, start=task.start - timedelta(minutes=w),
                               demand=[*task.demand[:w][::-1], *task.demand],
                               covered=(False,) * w + task.covered, recorded=recorded), w


@dataclass(frozen=True)
class Recorded:
    """The capacity a table had, minute by minute: replayed as it was."""

    capacity: Sequence[int]


# What a replay replays: the daemon's Scheduler with a configuration, AWS's native
# target tracking, or the capacity recorded.
Policy = Config | NativeSettings | Recorded


def run_recorded(trace: Trace, dimension: Dimension, capacity: Sequence[int],
                 params: ModelParams) -> PolicyRun:
    """Replay ``trace`` with the capacity the table had each minute (``capacity``)."""
    model = dataclasses.replace(params, update_lag_minutes=0,
                                free_decreases_per_day=len(capacity) + 1)
    table = SimulatedTable(DEFAULT_TABLE, dimension, trace.demand, trace.start, capacity[0],
                           model)
    for m in range(trace.minutes):
        table.begin_minute()
        wanted = max(1, capacity[m])
        if wanted != table.capacity:
            reads, writes = ((wanted, table.writes) if dimension is Dimension.READS
                             else (table.reads, wanted))
            table.update(reads, writes)
        table.finish_minute()
    return PolicyRun("current", table, cycles=trace.minutes)


def simulate(policy: Policy, label: str, trace: Trace, dimension: Dimension,
             start_capacity: int, model: ModelParams) -> PolicyRun:
    """One replay on the simulator. Every replay advise makes goes through here: the
    one place to switch to another replay path of the simulator."""
    if isinstance(policy, Recorded):
        return run_recorded(trace, dimension, policy.capacity, model)
    if isinstance(policy, NativeSettings):
        return run_native(label, trace, policy, dimension, start_capacity, model)
    return run_scheduler(label, trace, policy, dimension, start_capacity, model,
                         DEFAULT_TABLE)


def config_for(config: Config, policy: ResourcePolicy) -> Config:
    """``config`` with ``policy`` (a table's or a GSI's) as the replayed table's section."""
    shared = {f.name: getattr(policy, f.name) for f in dataclasses.fields(ResourcePolicy)}
    shared["key"] = SIM_KEY
    return dataclasses.replace(config, tables=(TablePolicy(**shared),))


def target_config(target: float | None) -> Config:
    """The target mode's recommended settings; ``target`` None keeps its default target."""
    table = dict(TARGET_TABLE_SETTINGS)
    if target is not None:
        table.update({"target-reads-utilisation": f"{target:g}",
                      "target-writes-utilisation": f"{target:g}"})
    return from_command_line(SIM_KEY, table, TARGET_GLOBAL_SETTINGS, {},
                             runtime={"dry_run": False})


def default_target(dimension: Dimension) -> float:
    policy = target_config(None).tables[0]
    return policy.of(dimension.value).target_utilisation


def config_label(config: Config) -> str:
    policy = config.tables[0]
    return (f"your configuration ({policy.scaling_mode} mode, check every "
            f"{config.global_.check_interval} s)")


def _idle(key: str, label: str, minutes: int, capacity: int,
          target: float | None = None) -> Replay:
    return Replay(key, label, array("l", [max(1, capacity)]) * minutes,
                  array("d", [0.0]) * minutes, target=target)


def _scheduler(task: DimensionTask, skip: int, key: str, label: str, config: Config,
               target: float | None = None) -> Replay:
    policy = config.tables[0].of(task.dimension.value)
    trace = _trace(task)
    if not any(d > 0 for d in task.demand):
        floor = policy.min_capacity if policy.enabled else 1
        return _idle(key, label, trace.minutes - skip, floor, target)
    start = max(policy.min_capacity, default_start_capacity(trace, policy.target_utilisation))
    run = simulate(config, label, trace, task.dimension, start, task.model)
    return _from_run(key, label, run, skip, target)


def _throttled_percent(replay: Replay, task: DimensionTask) -> float:
    wanted = covered_sum(task.demand, task.covered)
    throttled = covered_sum(replay.throttled, task.covered)
    return 100.0 * throttled / wanted if wanted > 0 else 0.0


def walk_ladder(first: float, within: Callable[[float], bool]) -> list[float]:
    """Try target utilisations with ``within(t)`` (which replays ``t`` and says whether
    it throttles within the bound), in this order, and return those tried.

    The default first; if it throttles more than the bound, the lowest next (less
    throttling costs more capacity: if the lowest is not within the bound, none is, and
    the walk ends); else the ones in between, highest first, until one is. For traffic
    no target can follow, that is two replays instead of every rung.
    """
    tried = [first]
    if within(first):
        return tried
    lower = [t for t in TARGET_LADDER if t < first]
    if not lower:
        return tried
    tried.append(lower[-1])
    if not within(lower[-1]):
        return tried
    for target in lower[:-1]:
        tried.append(target)
        if within(target):
            break
    return tried


def replay_dimension(task: DimensionTask) -> DimensionOutcome:
    """Every policy's replay of one dimension (a top-level function: a process pool can
    run it). The replays cover the task's minutes, the warm-up left out."""
    original = task
    task, skip = warmed(task)
    trace = _trace(task)
    replays: list[Replay] = []
    if task.recorded is not None:
        label = "current provisioned capacity"
        run = simulate(Recorded(task.recorded), label, trace, task.dimension,
                       task.recorded[0], task.model)
        replays.append(_from_run(CURRENT, label, run, skip))
    if task.config is not None:
        replays.append(_scheduler(task, skip, CONFIG, config_label(task.config), task.config))
    def rung(target: float) -> bool:
        """Replay the target mode at ``target``; whether it stays within the bound."""
        replay = _scheduler(task, skip, target_key(target), f"target mode {target:g} %",
                            target_config(target), target)
        replays.append(replay)
        return _throttled_percent(replay, original) <= task.max_throttled_percent

    walk_ladder(default_target(task.dimension), rung)
    native = NativeSettings(target_percent=task.native_target)
    key, label = native_key(task.native_target), f"AWS native {task.native_target:g} %"
    if any(d > 0 for d in task.demand):
        start = default_start_capacity(trace, task.native_target)
        replays.append(_from_run(key, label, simulate(native, label, trace, task.dimension,
                                                      start, task.model), skip))
    else:
        replays.append(_idle(key, label, trace.minutes - skip, native.min_capacity))
    return DimensionOutcome(task.dimension, tuple(replays))
