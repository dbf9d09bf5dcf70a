"""``dynamic-dynamodb advise``: list, describe, estimate, read, replay, advise, print.

cli.py parses the flags and builds the configuration as the daemon does; everything
after that is here.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from dynamic_dynamodb.advise import render
from dynamic_dynamodb.advise.pricing import PriceFileError, Prices, load_price_file
from dynamic_dynamodb.advise.recommend import (
    ResourceAdvice,
    TableAdvice,
    advise_dimension,
    advise_table,
    config_wins,
)
from dynamic_dynamodb.advise.replay import (
    DimensionOutcome,
    DimensionTask,
    config_for,
    replay_dimension,
)
from dynamic_dynamodb.advise.series import (
    ResourceHistory,
    build_history,
    by_resource,
    capacity_in_force,
)
from dynamic_dynamodb.aws.history import (
    PROVISIONED_PERIOD,
    CloudWatchHistory,
    HistoryRead,
    history_queries,
    plan_calls,
)
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.table_facts import TableFacts, TableInventory
from dynamic_dynamodb.core.types import Described, Dimension, ResourceId
from dynamic_dynamodb.errors import EXIT_OK, EXIT_RUNTIME, DynamicDynamoDBError
from dynamic_dynamodb.settings import (
    DEFAULT_PUBLICATION_ALLOWANCE_MINUTES,
    Config,
    GlobalConfig,
    LoggingConfig,
)

# CloudWatch keeps 1-minute data for 15 days and 5-minute data for 63 days.
ONE_MINUTE_DAYS = 15
MAX_DAYS = 63


class AdviseInterrupted(DynamicDynamoDBError):
    """Ctrl-C (or a stop) before the advice was complete."""


@dataclass(frozen=True)
class AdviseOptions:
    days: int = 14
    table_regex: str | None = None
    as_json: bool = False
    output_dir: str | None = None
    price_file: str | None = None
    write_config: str | None = None
    max_throttled_percent: float = 0.01
    native_target: float = 70.0
    yes: bool = False
    confirm_above: float = 0.10
    jobs: int | None = None
    quiet: bool = False
    # metrics-publication-allowance (the largest of the configuration's sections): the
    # window read ends at least this long ago.
    publication_allowance_minutes: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES


def publication_allowance(config: Config) -> int:
    """The largest metrics-publication-allowance of the configuration's sections."""
    return max((policy.metrics_publication_allowance
                for table in config.tables for policy in (table, *table.gsis)),
               default=DEFAULT_PUBLICATION_ALLOWANCE_MINUTES)


@dataclass(frozen=True)
class Window:
    """The minutes read: [start, end), on whole 5-minute boundaries."""

    start: datetime
    end: datetime
    resolution: int  # seconds: 60 up to 15 days, 300 beyond

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60

    @property
    def days(self) -> float:
        return self.minutes / 1440


def advice_window(now: datetime, days: int,
                  allowance_minutes: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES) -> Window:
    """The last ``days`` days up to the 5-minute period before the current one, or
    earlier: every minute of the window ended at least ``allowance_minutes`` ago
    (metrics-publication-allowance), so a minute without a datapoint is idle, never a
    minute not published yet (core/minutes.py)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    latest = int(now.timestamp()) - max(allowance_minutes * 60, PROVISIONED_PERIOD)
    epoch = min(int(now.timestamp()) // PROVISIONED_PERIOD - 1,
                latest // PROVISIONED_PERIOD) * PROVISIONED_PERIOD
    end = datetime.fromtimestamp(epoch, timezone.utc)
    return Window(end - timedelta(days=days), end, 60 if days <= ONE_MINUTE_DAYS else 300)


@dataclass
class AdviceRun:
    """Everything the outputs need."""

    window: Window
    prices: Prices
    options: AdviseOptions
    region: str
    tables: list[TableAdvice] = field(default_factory=list)
    histories: dict[ResourceId, ResourceHistory] = field(default_factory=dict)
    outcomes: dict[tuple[ResourceId, Dimension], DimensionOutcome] = field(
        default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    no_data: list[str] = field(default_factory=list)
    planned_calls: int = 0
    planned_metrics: int = 0
    calls: int = 0
    metrics_requested: int = 0
    config_source: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase

    @property
    def advice_dollars(self) -> float:
        return self.prices.metrics(self.metrics_requested)


@contextmanager
def _progress(label: str, total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled or total == 0:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _resources(facts: TableFacts) -> list[Described]:
    return [facts.state.table, *facts.state.gsis]


def _confirm(run: AdviceRun, options: AdviseOptions, tables: int, gsis: int) -> None:
    dollars = run.prices.metrics(run.planned_metrics)
    line = (f"advise: {tables} table(s) and {gsis} GSI(s), {run.window.days:g} days of "
            f"{run.window.resolution // 60}-minute data: {run.planned_calls:,} GetMetricData "
            f"call(s), {run.planned_metrics:,} metrics, about ${dollars:,.4f} of CloudWatch "
            f"at ${run.prices.get_metric_data_per_1000_metrics:g} per 1,000 metrics")
    if not options.quiet:
        click.echo(line, err=True)
    if options.yes or dollars < options.confirm_above:
        return
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise click.UsageError(f"{line}; that is over --confirm-above "
                               f"${options.confirm_above:g}: pass --yes to go ahead")
    click.confirm("go ahead?", abort=True, err=True)


def _config_policy(config: Config | None, rid: ResourceId) -> Config | None:
    """This configuration for the replayed resource, or None if it does not scale it."""
    if config is None:
        return None
    table = config.table_policy(rid.table)
    if table is None:
        return None
    if rid.index is None:
        return config_for(config, table)
    gsi = table.gsi_policy(rid.index)
    return None if gsi is None else config_for(config, gsi)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle: it stops the pool; workers print nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _replay_pool(jobs: int) -> Iterator[Any]:
    """Worker processes for the replays (None for one job). Made first, so that the
    forked workers do not carry a copy of the history read later."""
    if jobs <= 1:
        yield None
        return
    pool = multiprocessing.Pool(jobs, initializer=_ignore_sigint)
    try:
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()  # a Ctrl-C or a failed replay: stop the others at once
        raise
    finally:
        pool.join()


def _run_tasks(tasks: Sequence[DimensionTask], pool: Any,
               progress: Callable[[int], None] | None) -> list[DimensionOutcome]:
    """Each task's replays, in order; in the pool's workers when there is a pool."""
    outcomes = (map(replay_dimension, tasks) if pool is None or len(tasks) <= 1
                else pool.imap(replay_dimension, tasks))
    results: list[DimensionOutcome] = []
    for outcome in outcomes:
        results.append(outcome)
        if progress:
            progress(1)
    return results


@dataclass
class Pending:
    """A table to advise: the parts with data (each with its history and the capacity in
    force), and the parts left out, with why."""

    facts: TableFacts
    parts: list[tuple[ResourceId, ResourceHistory]] = field(default_factory=list)
    left_out: dict[ResourceId, str] = field(default_factory=dict)


NO_DATA = "no CloudWatch data in the window"


def _tasks(run: AdviceRun, rid: ResourceId, history: ResourceHistory,
           recorded: dict[Dimension, Sequence[int] | None],
           config: Config | None) -> list[DimensionTask]:
    policy_config = _config_policy(config, rid)
    return [DimensionTask(dim, history.start, history.of(dim).demand, history.covered,
                          recorded[dim], policy_config, run.options.max_throttled_percent,
                          run.options.native_target)
            for dim in Dimension]


def _describe(run: AdviceRun, inventory: TableInventory, config: Config | None,
              show: bool) -> list[TableFacts]:
    started = time.perf_counter()
    pattern = run.options.table_regex
    names = inventory.names(pattern)
    if pattern is None and config is not None:
        names = [n for n in names if config.table_policy(n) is not None]
    with _progress("describing tables", len(names), show) as tick:
        facts, run.failed = inventory.describe_all(names, tick)
    run.seconds["describe"] = time.perf_counter() - started
    return facts


def _read(run: AdviceRun, clients: AwsClients, facts: Sequence[TableFacts],
          stop: threading.Event | None, show: bool) -> HistoryRead:
    """Plan, say what it costs (ask if it is a lot), and read."""
    window = run.window
    queries = [q for f in facts for s in _resources(f)
               for q in history_queries(s.id, window.resolution)]
    calls = plan_calls(queries, window.start, window.end) if queries else []
    run.planned_calls = len(calls)
    run.planned_metrics = sum(len(c.queries) for c in calls)
    _confirm(run, run.options, len(facts), sum(len(f.state.gsis) for f in facts))
    started = time.perf_counter()
    with _progress("reading CloudWatch", len(calls), show) as tick:
        read = CloudWatchHistory(clients).read(calls, stop, tick)
    run.seconds["read"] = time.perf_counter() - started
    run.calls, run.metrics_requested = read.calls, read.metrics_requested
    return read


def _prepare(run: AdviceRun, facts: Sequence[TableFacts], read: HistoryRead,
             config: Config | None) -> tuple[list[Pending], list[DimensionTask]]:
    """Each table's history, and the replays it needs."""
    points = by_resource(read.points)
    pending: list[Pending] = []
    tasks: list[DimensionTask] = []
    window = run.window
    for f in facts:
        failed = [f"{s.id}: {read.failed[s.id]}" for s in _resources(f) if s.id in read.failed]
        if failed:
            run.failed[f.name] = "; ".join(failed)
            continue
        table = Pending(f)
        table_tasks: list[DimensionTask] = []
        for state in _resources(f):
            history = build_history(state.id, points.get(state.id, {}), window.start,
                                    window.minutes, window.resolution, f.created, f.on_demand)
            recorded = (capacity_in_force(history, state, f.on_demand)
                        if history.covered_minutes else NO_DATA)
            if isinstance(recorded, str):
                table.left_out[state.id] = recorded
                continue
            table.parts.append((state.id, history))
            table_tasks.extend(_tasks(run, state.id, history, recorded, config))
        why = table.left_out.get(f.state.table.id)
        if why == NO_DATA:
            run.no_data.append(f.name)  # the table itself has no data: nothing to advise
        elif why is not None:
            run.failed[f.name] = f"{f.state.table.id}: {why}"
        else:
            run.histories.update(table.parts)
            tasks.extend(table_tasks)
            pending.append(table)
    return pending, tasks


def _advise(run: AdviceRun, pending: Sequence[Pending],
            outcomes: Sequence[DimensionOutcome]) -> None:
    """The advice per table, from its replays (in the order of the tasks)."""
    bound = run.options.max_throttled_percent
    remaining = iter(outcomes)
    for table in pending:
        f = table.facts
        advice = []
        for rid, history in table.parts:
            dims = {}
            for dim in Dimension:
                outcome = next(remaining)
                run.outcomes[(rid, dim)] = outcome
                dims[dim] = advise_dimension(history, history.of(dim), outcome, run.prices,
                                             bound, f.on_demand)
            reads, writes = dims[Dimension.READS], dims[Dimension.WRITES]
            advice.append(ResourceAdvice(rid, history, reads, writes,
                                         config_wins(reads, writes, bound)))
        advised = advise_table(f.name, f.billing_mode, advice, bound)
        missing = [f"{rid}: {why}: left out" for rid, why in table.left_out.items()]
        run.tables.append(replace(advised, notes=advised.notes + tuple(missing)))


def gather(config: Config | None, global_config: GlobalConfig, options: AdviseOptions,
           prices: Prices, now: datetime | None = None,
           stop: threading.Event | None = None) -> AdviceRun:
    """List, describe, read, replay and advise; no output."""
    with _replay_pool(options.jobs or os.cpu_count() or 1) as pool:
        clients = AwsClients(global_config)
        window = advice_window(now or datetime.now(timezone.utc), options.days,
                               options.publication_allowance_minutes)
        run = AdviceRun(window, prices, options, clients.region,
                        config_source=config.source if config else None)
        show = not options.quiet and sys.stderr.isatty()
        facts = _describe(run, TableInventory(clients), config, show)
        pending, tasks = _prepare(run, facts, _read(run, clients, facts, stop, show), config)
        started = time.perf_counter()
        with _progress("replaying", len(tasks), show) as tick:
            outcomes = _run_tasks(tasks, pool, tick)
        run.seconds["replay"] = time.perf_counter() - started
        _advise(run, pending, outcomes)
    return run


def prices_for(options: AdviseOptions) -> Prices:
    if options.price_file is None:
        return Prices()
    try:
        return load_price_file(options.price_file)
    except PriceFileError as exc:
        raise click.UsageError(str(exc)) from None


def run_advise(config: Config | None, global_config: GlobalConfig,
               options: AdviseOptions) -> int:
    """The whole command after the configuration is built; returns the exit code."""
    from dynamic_dynamodb.logsetup import setup_logging

    prices = prices_for(options)
    if options.output_dir:
        from dynamic_dynamodb.simulate.plot import PlotUnavailable, require_matplotlib

        try:
            require_matplotlib()
        except PlotUnavailable:
            raise click.UsageError("--output-dir draws plots with matplotlib: pip install "
                                   "'dynamic-dynamodb[plot]'") from None
    setup_logging(LoggingConfig(level="warning"))
    try:
        run = gather(config, global_config, options, prices)
    except KeyboardInterrupt:
        raise AdviseInterrupted("interrupted: no advice") from None
    if options.as_json:
        click.echo(render.to_json(run))
    else:
        click.echo(render.table_text(run))
    if options.output_dir:
        from dynamic_dynamodb.advise.files import write_output_dir

        write_output_dir(run, options.output_dir)
    if options.write_config:
        from dynamic_dynamodb.advise.files import write_config

        if not write_config(run, options.write_config):
            click.echo(f"warning: {options.write_config} manages no table (no table is "
                       f"advised provisioned with the target mode): the daemon will not "
                       f"start with it alone", err=True)
    return EXIT_RUNTIME if run.failed else EXIT_OK
