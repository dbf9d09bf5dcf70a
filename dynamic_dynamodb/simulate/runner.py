"""Runs policies over a trace: the daemon's Scheduler, AWS's native target tracking,
and the oracle, each on its own simulated table with the same model."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.config.presets import ORIGINAL_README_SETTINGS
from dynamic_dynamodb.core.types import Dimension, ScaleEvent
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.settings import Config
from dynamic_dynamodb.simulate.model import (
    ModelParams,
    SimClock,
    SimMetrics,
    SimTables,
    SimulatedTable,
)
from dynamic_dynamodb.simulate.native import NativeSettings, NativeTargetTracking
from dynamic_dynamodb.simulate.trace import Trace

DEFAULT_TABLE = "simulated"
# The original README's example settings, for the "classic" comparison row, with the
# original's lookback window (15 to 10 minutes ago; this project defaults to 8 to 3).
CLASSIC_TABLE_SETTINGS = {
    "lookback-window-start": "15", "lookback-period": "5", **ORIGINAL_README_SETTINGS,
}
CLASSIC_GLOBAL_SETTINGS = {"check-interval": "300"}
# Progress is reported every this many simulated minutes.
PROGRESS_EVERY = 1440

Progress = Callable[[int], None]


@dataclass
class PolicyRun:
    """One policy's replay: the simulated table holds the per-minute record."""

    name: str
    table: SimulatedTable
    cycles: int = 0
    failed_cycles: int = 0
    wall_seconds: float = 0.0


class _CountingNotifier:
    """Scale events are counted, not sent: a replay must never reach SNS."""

    def __init__(self) -> None:
        self.events = 0

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        self.events += 1


def default_start_capacity(trace: Trace, target_percent: float = 70.0) -> int:
    """The first minute's demand at the target utilisation (at least 1)."""
    first = trace.demand[0] if trace.demand else 0.0
    return max(1, math.ceil(first / (target_percent / 100.0) - 1e-9))


def classic_config(table_regex: str) -> Config:
    """The original README's settings, otherwise this project's defaults."""
    return from_command_line(table_regex, CLASSIC_TABLE_SETTINGS, CLASSIC_GLOBAL_SETTINGS, {},
                             runtime={"dry_run": False})


def _new_table(trace: Trace, dimension: Dimension, start_capacity: int, params: ModelParams,
               name: str) -> SimulatedTable:
    return SimulatedTable(name, dimension, trace.demand, trace.start, start_capacity, params)


def _tick(progress: Progress | None, m: int, total: int) -> None:
    """Report progress every PROGRESS_EVERY minutes, and the rest at the last minute."""
    if progress is None:
        return
    done = m + 1
    if done % PROGRESS_EVERY == 0:
        progress(PROGRESS_EVERY)
    elif done == total:
        progress(done % PROGRESS_EVERY)


def check_due(second: int, interval: int) -> bool:
    """Whether a check falls in the minute starting at ``second`` (since the epoch).

    Checks are at the multiples of the interval, like a clock-aligned cron, so the
    result does not depend on the minute the trace happens to start at. A minute
    holds one check at most (CloudWatch has nothing finer to show).
    """
    first = -(-second // interval) * interval
    return first < second + 60


def run_scheduler(name: str, trace: Trace, config: Config, dimension: Dimension,
                  start_capacity: int, params: ModelParams, table_name: str = DEFAULT_TABLE,
                  progress: Progress | None = None) -> PolicyRun:
    """Replay ``trace`` through the daemon's Scheduler: one cycle per check interval."""
    table = _new_table(trace, dimension, start_capacity, params, table_name)
    scheduler = Scheduler(config, tables=SimTables(table), metrics=SimMetrics(table),
                          notifier=_CountingNotifier(), clock=SimClock(table), breaker=None,
                          dry_run=False)
    run = PolicyRun(name, table)
    interval = config.global_.check_interval
    epoch_minute = int(trace.start.timestamp()) // 60
    started = time.perf_counter()
    log = logging.getLogger("dynamic_dynamodb")
    saved_level = log.level
    if not log.isEnabledFor(logging.DEBUG):
        # A replay makes tens of thousands of cycles; their log lines are not the output.
        log.setLevel(logging.CRITICAL)
    try:
        for m in range(trace.minutes):
            table.begin_minute()
            if check_due((epoch_minute + m) * 60, interval):
                report = scheduler.run_cycle()
                run.cycles += 1
                run.failed_cycles += report.failed
            table.finish_minute()
            _tick(progress, m, trace.minutes)
    finally:
        log.setLevel(saved_level)
    run.wall_seconds = time.perf_counter() - started
    return run


def run_native(name: str, trace: Trace, settings: NativeSettings, dimension: Dimension,
               start_capacity: int, params: ModelParams,
               progress: Progress | None = None) -> PolicyRun:
    """Replay ``trace`` under AWS's native target tracking (evaluated every minute)."""
    table = _new_table(trace, dimension, start_capacity, params, DEFAULT_TABLE)
    native = NativeTargetTracking(table, settings)
    run = PolicyRun(name, table)
    started = time.perf_counter()
    for m in range(trace.minutes):
        table.begin_minute()
        native.check()
        table.finish_minute()
        _tick(progress, m, trace.minutes)
    run.cycles = trace.minutes
    run.wall_seconds = time.perf_counter() - started
    return run


@dataclass(frozen=True)
class PolicySpec:
    """A policy to replay: the daemon with a config, or AWS's native scaling."""

    name: str
    config: Config | None = None
    native: NativeSettings | None = None


def run_policy(spec: PolicySpec, trace: Trace, dimension: Dimension, start_capacity: int,
               params: ModelParams, table_name: str = DEFAULT_TABLE,
               progress: Progress | None = None) -> PolicyRun:
    if spec.native is not None:
        return run_native(spec.name, trace, spec.native, dimension, start_capacity, params,
                          progress)
    assert spec.config is not None
    return run_scheduler(spec.name, trace, spec.config, dimension, start_capacity, params,
                         table_name, progress)


def minute_rows(run: PolicyRun) -> list[dict[str, Any]]:
    """Per-minute rows for --output: minute, demand, provisioned, consumed, throttled."""
    t = run.table
    return [
        {"minute": m, "demand": t.demand[m], "provisioned": t.provisioned[m],
         "consumed": t.consumed_sum[m] / 60.0, "throttled": t.throttle_events[m] / 60.0}
        for m in range(len(t.demand))
    ]

