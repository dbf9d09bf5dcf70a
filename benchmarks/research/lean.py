"""Lean replays for the policy research: a per-minute loop over SimulatedTable.

The Scheduler path (benchmarks/simulate_policies.py) lists, describes and logs every
cycle; a search needs thousands of replays, so these loops keep only what changes a
figure:

* ``run_core``: the daemon's own decision (``core.policy.decide``) and update path
  (``SimTables.update``: one UpdateTable, increases alone when a decrease is refused)
  on the simulated table, one cycle per check interval. It must give the Scheduler's
  figures exactly (``python benchmarks/research/lean.py --verify``).
* ``run_candidate``: a research policy (``Candidate``) that is shown, each minute, the
  last ``window`` minutes of demand as CloudWatch shows them (None = not known yet)
  and the table's facts, and answers a capacity and a reason.

Both report (throttled % of demand, cost x oracle) like simulate/report.py.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from dynamic_dynamodb.backend import MetricRequest  # noqa: E402
from dynamic_dynamodb.core.policy import decide  # noqa: E402
from dynamic_dynamodb.core.types import Dimension, DimensionUsage, ResourceHistory  # noqa: E402
from dynamic_dynamodb.errors import AwsError  # noqa: E402
from dynamic_dynamodb.settings import Config  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams, SimTables, SimulatedTable  # noqa: E402
from dynamic_dynamodb.simulate.runner import DEFAULT_TABLE, check_due  # noqa: E402
from dynamic_dynamodb.simulate.trace import Trace  # noqa: E402


@dataclass(frozen=True)
class Figures:
    throttled_percent: float
    cost_ratio: float
    decreases: int
    updates: int
    seconds: float = 0.0


def figures(table: SimulatedTable, seconds: float = 0.0) -> Figures:
    demand = sum(table.demand)
    throttled = sum(table.throttle_events) / 60.0
    return Figures(100.0 * throttled / demand if demand else 0.0,
                   sum(table.provisioned) / demand if demand else float("inf"),
                   sum(u.decrease for u in table.updates), len(table.updates), seconds)


def start_capacity(trace: Trace, target_percent: float = 90.0) -> int:
    """The benchmark's start: the first minute's demand at 90 % (at least 1)."""
    first = trace.demand[0] if trace.demand else 0.0
    return max(1, -int(-first // (target_percent / 100.0)))


def run_core(trace: Trace, config: Config, params: ModelParams | None = None,
             start: int | None = None) -> SimulatedTable:
    """The daemon's decide() and update path, one cycle per check interval."""
    params = params or ModelParams()
    table = SimulatedTable(DEFAULT_TABLE, Dimension.READS, trace.demand, trace.start,
                           start if start is not None else start_capacity(trace), params)
    tables = SimTables(table)
    policy = config.table_policy(DEFAULT_TABLE)
    assert policy is not None
    interval = config.global_.check_interval
    epoch_minute = int(trace.start.timestamp()) // 60
    history = ResourceHistory()
    for m in range(trace.minutes):
        table.begin_minute()
        if check_due((epoch_minute + m) * 60, interval):
            now = table.now()
            first, _ = MetricRequest(table.id, policy.lookback_window_start,
                                     policy.lookback_period).window(now)
            usage = table.usage(int((first - table.start).total_seconds() // 60),
                                policy.lookback_period)
            decision = decide(table.state().table, usage, policy, history, now)
            history = decision.history
            if decision.changes:
                tables.update(table.name, [decision])
        table.finish_minute()
    return table


@dataclass(frozen=True)
class Facts:
    """What DescribeTable and the clock tell a policy at a check."""

    minute: int  # minutes since the trace's start
    minute_of_day: int  # UTC
    capacity: int
    decreases_today: int
    last_decrease: int | None  # minute index, or None
    updating: bool


class Candidate(Protocol):
    """A research policy. ``check`` sees the last ``window`` minutes of demand ending
    ``metrics_lag`` minutes ago... as CloudWatch shows them now (oldest first; None for
    a minute not known yet) and answers a capacity and a reason (None: no change).
    It is called every minute, also while the table is UPDATING (it may learn, but
    its answer is ignored then)."""

    window: int

    def check(self, facts: Facts, view: list[float | None]) -> tuple[int, str] | None: ...


def demand_view(table: SimulatedTable, first: int, length: int) -> list[float | None]:
    """Demand (consumed + throttled units/s) of minutes [first, first + length) as the
    daemon reads CloudWatch now (core/minutes.py): None for a minute not known yet."""
    usage = table.usage(first, length).reads
    if not isinstance(usage, DimensionUsage):
        return [None] * length
    return [None if c is None else c + (t or 0.0) / 60.0
            for c, t in zip(usage.per_minute, usage.throttled_per_minute, strict=True)]


def run_candidate(trace: Trace, policy: Candidate, params: ModelParams | None = None,
                  start: int | None = None) -> SimulatedTable:
    params = params or ModelParams()
    table = SimulatedTable(DEFAULT_TABLE, Dimension.READS, trace.demand, trace.start,
                           start if start is not None else start_capacity(trace), params)
    day_offset = trace.start.hour * 60 + trace.start.minute
    window = policy.window
    for m in range(trace.minutes):
        table.begin_minute()
        updating = table.pending is not None
        facts = Facts(m, (day_offset + m) % 1440, table.capacity, table.decreases_today(m),
                      table.last_decrease, updating)
        answer = policy.check(facts, demand_view(table, m - window, window))
        if answer is not None and not updating and answer[0] != table.capacity:
            try:
                table.update(answer[0], table.writes)
            except AwsError as exc:
                if exc.code != "LimitExceededException":
                    raise
        table.finish_minute()
    return table


def _verify() -> int:
    """The lean core path against the Scheduler, for the current target mode."""
    import corpus

    from dynamic_dynamodb.config.loader import from_command_line
    from dynamic_dynamodb.simulate.report import oracle_unit_minutes, summarize
    from dynamic_dynamodb.simulate.runner import PolicySpec, run_policy

    config = from_command_line(f"^{DEFAULT_TABLE}$", {"scaling-mode": "target",
                                                      "lookback-window-start": "7",
                                                      "lookback-period": "5"},
                               {"check-interval": "60"}, {}, runtime={"dry_run": False})
    worst = 0.0
    for case in corpus.cases():
        trace = corpus.load(case)
        started = time.perf_counter()
        lean = figures(run_core(trace, config), time.perf_counter() - started)
        started = time.perf_counter()
        real = run_policy(PolicySpec("target", config=config), trace, Dimension.READS,
                          start_capacity(trace), ModelParams())
        slow = time.perf_counter() - started
        s = summarize(real, oracle_unit_minutes(trace), Dimension.READS)
        diff = max(abs(lean.throttled_percent - (s.throttled_percent or 0.0)),
                   abs(lean.cost_ratio - s.cost_ratio))
        worst = max(worst, diff)
        print(f"{case.name:18} lean {lean.throttled_percent:.4f} % {lean.cost_ratio:.3f}x "
              f"({lean.seconds:.1f} s)  scheduler {s.throttled_percent or 0:.4f} % "
              f"{s.cost_ratio:.3f}x ({slow:.1f} s)", flush=True)
    print(f"largest difference: {worst:.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__" and "--verify" in sys.argv:
    sys.exit(_verify())
