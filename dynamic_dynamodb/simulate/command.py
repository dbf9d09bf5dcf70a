"""``dynamic-dynamodb simulate``: read the trace, run the policies, print and save.

cli.py parses the flags and builds the configuration exactly as the daemon does;
everything after that is here.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.errors import EXIT_OK
from dynamic_dynamodb.settings import Config
from dynamic_dynamodb.simulate import report, sweep
from dynamic_dynamodb.simulate.model import ModelParams
from dynamic_dynamodb.simulate.native import NativeSettings
from dynamic_dynamodb.simulate.plot import PlotUnavailable, plot_runs, require_matplotlib
from dynamic_dynamodb.simulate.runner import (
    PolicySpec,
    classic_config,
    default_start_capacity,
    run_policy,
)
from dynamic_dynamodb.simulate.trace import GapFill, Trace, TraceError, read_trace


@dataclass(frozen=True)
class SimulateOptions:
    trace: str
    step: int = 1
    scale: float = 1.0
    dimension: Dimension = Dimension.READS
    start_capacity: int | None = None
    compare: bool = False
    native_target: float = 70.0
    table: str = "simulated"
    as_json: bool = False
    output: str | None = None
    plot: str | None = None
    plot_start_day: float = 0.0
    plot_days: float | None = None
    quiet: bool = False
    gaps: GapFill = "hold"
    sweep: bool = False
    model: ModelParams = ModelParams()  # noqa: RUF009 - frozen, so one shared default is safe


def table_regex(params: dict[str, Any], table: str) -> dict[str, Any]:
    """Without --table-name or --config, the configuration manages the simulated table."""
    if params.get("table_name") is None and params.get("config_file") is None:
        return {**params, "table_name": f"^{re.escape(table)}$"}
    return params


def policy_name(config: Config, table: str) -> str:
    policy = config.table_policy(table)
    assert policy is not None
    mode = policy.scaling_mode
    return f"this configuration ({mode} mode, check every {config.global_.check_interval} s)"


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled:
        yield None
        return
    with click.progressbar(length=total, label="simulating", file=sys.stderr,
                           show_eta=True) as bar:
        yield bar.update


def _describe(trace: Trace, options: SimulateOptions) -> list[str]:
    demand = trace.demand
    mean = sum(demand) / len(demand)
    m = options.model
    return [
        f"trace: {trace.source}: {trace.minutes:,} minutes ({trace.minutes / 1440:.1f} days) "
        f"from {trace.start:%Y-%m-%d %H:%M} UTC; {options.dimension.value} demand mean "
        f"{mean:,.1f}, peak {max(demand):,.1f} units/s (--step {options.step}, "
        f"--scale {options.scale:g})",
        f"gaps: {trace.filled:,} minute(s) without a row, filled: {GAP_WORDS[trace.gaps]} "
        f"(--gaps)",
        f"model: burst {m.burst_seconds:g} s, CloudWatch lag {m.metrics_lag_minutes} min, "
        f"UpdateTable lag {m.update_lag_minutes} min, decreases {m.free_decreases_per_day} "
        f"free per UTC day then one per {m.decrease_interval_seconds} s",
    ]


GAP_WORDS = {"hold": "each holds the last value before it", "zero": "no load",
             "interpolate": "a straight line between the values either side"}

# What --plot can write (matplotlib picks the format from the name).
PLOT_FORMATS = (".png", ".svg", ".pdf")


def check_writable(path: str, flag: str) -> None:
    """Refuse, before a long run, an output file that cannot be created."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise click.BadParameter(f"folder {folder} does not exist", param_hint=flag)
    if os.path.isdir(path):
        raise click.BadParameter(f"{path} is a folder", param_hint=flag)
    target = path if os.path.exists(path) else folder
    if not os.access(target, os.W_OK):
        raise click.BadParameter(f"cannot write {path}: permission denied", param_hint=flag)


def check_outputs(options: SimulateOptions) -> None:
    """Output paths and the plot's format, checked before the trace is even read."""
    if options.output:
        check_writable(options.output, "--output")
    if options.plot:
        if not options.plot.lower().endswith(PLOT_FORMATS):
            raise click.BadParameter(
                f"{options.plot}: a plot is written as PNG, SVG or PDF; name the file "
                f"{', '.join(PLOT_FORMATS[:-1])} or {PLOT_FORMATS[-1]}", param_hint="--plot")
        check_writable(options.plot, "--plot")
        try:
            require_matplotlib()
        except PlotUnavailable as exc:
            raise click.UsageError(str(exc)) from None


def check_plot_window(trace: Trace, options: SimulateOptions) -> None:
    """A plot that would start after the trace ends would be empty: say so instead."""
    if options.plot and options.plot_start_day * 1440 >= trace.minutes:
        raise click.BadParameter(
            f"day {options.plot_start_day:g} is past the end of the trace, which is "
            f"{trace.minutes / 1440:.2f} days long", param_hint="--plot-start-day")


def _write(what: Callable[[], None], path: str) -> None:
    """Write an output after the run; a failure now (disk full) is one message, exit 1."""
    try:
        what()
    except OSError as exc:
        raise click.FileError(path, exc.strerror or str(exc)) from None


def run_simulate(config: Config, options: SimulateOptions,
                 configure: sweep.Configure | None = None) -> int:
    """The whole command after the configuration is built; returns the exit code.
    ``configure``: the configuration in target mode at a target utilisation (--sweep)."""
    policy = config.table_policy(options.table)
    if policy is None:
        raise click.UsageError(
            f"the configuration manages no table named {options.table!r}: name the simulated "
            f"table with --table so that a [table: ...] section (or --table-name) matches it")
    if options.sweep and (options.compare or options.output):
        raise click.UsageError("--sweep runs its own policies: it takes neither --compare "
                               "nor --output")
    check_outputs(options)
    try:
        trace = read_trace(options.trace, options.step, options.scale, options.gaps)
    except TraceError as exc:
        raise click.BadParameter(str(exc), param_hint="TRACE") from None
    check_plot_window(trace, options)
    if options.sweep:
        assert configure is not None
        return _run_sweep(trace, options, configure)

    target = policy.of(options.dimension.value).target_utilisation
    start = options.start_capacity or default_start_capacity(trace, target)
    specs = [PolicySpec(policy_name(config, options.table), config=config)]
    if options.compare:
        specs += [
            PolicySpec(f"AWS native target tracking {options.native_target:g} %",
                       native=NativeSettings(target_percent=options.native_target)),
            PolicySpec("classic (original README settings)",
                       config=classic_config(f"^{re.escape(options.table)}$")),
        ]

    show_progress = not options.quiet and sys.stderr.isatty() and trace.minutes >= 10_000
    runs = []
    with _progress(trace.minutes * len(specs), show_progress) as tick:
        for spec in specs:
            runs.append(run_policy(spec, trace, options.dimension, start, options.model,
                                   options.table, tick))

    oracle = report.oracle_unit_minutes(trace)
    rows = [report.summarize(r, oracle, options.dimension) for r in runs]
    if options.compare:
        rows += report.reference_rows(trace, options.dimension)[1:]
    if options.as_json:
        click.echo(report.to_json(trace, options.dimension, rows, {
            "start_capacity": start, "model": asdict(options.model),
            "gaps": {"fill": trace.gaps, "filled_minutes": trace.filled}}))
    else:
        for line in _describe(trace, options):
            click.echo(line)
        click.echo(f"start capacity: {start}; cost x oracle = provisioned capacity over a "
                   f"table that provisions exactly the demand every minute")
        click.echo("")
        click.echo(report.table_text(rows))
        failed = sum(r.failed_cycles for r in runs)
        if failed:
            click.echo(f"\n{failed} cycle(s) had a failed table (e.g. ResourceInUseException "
                       f"while UPDATING); the Scheduler retried them next cycle")

    if options.output:
        output = options.output
        _write(lambda: report.write_csv(runs[0], output), output)
    if options.plot:
        first = int(options.plot_start_day * 1440)
        minutes = None if options.plot_days is None else int(options.plot_days * 1440)
        title = (f"{Path(trace.source).name} (--step {options.step}, --scale "
                 f"{options.scale:g}): {rows[0].policy}: throttled "
                 f"{rows[0].throttled_percent or 0:.4f} % of demand, cost "
                 f"{rows[0].cost_ratio:.3f} x oracle")
        plot = options.plot
        _write(lambda: plot_runs(runs[:2], plot, title=title, first_minute=first,
                                 minutes=minutes), plot)
    return EXIT_OK


def _run_sweep(trace: Trace, options: SimulateOptions, configure: sweep.Configure) -> int:
    """--sweep: native at 40..90 % and the target mode at several targets, a table and
    (--plot) the frontier."""
    start = options.start_capacity or default_start_capacity(trace, 90.0)
    runs = len(sweep.NATIVE_TARGETS) + len(sweep.MODE_TARGETS)
    show_progress = not options.quiet and sys.stderr.isatty() and trace.minutes >= 10_000
    with _progress(trace.minutes * runs, show_progress) as tick:
        points = sweep.run_sweep(trace, configure, options.dimension, start, options.model,
                                 options.table, tick)
    if options.as_json:
        click.echo(report.to_json(trace, options.dimension, [p.summary for p in points], {
            "start_capacity": start, "model": asdict(options.model),
            "gaps": {"fill": trace.gaps, "filled_minutes": trace.filled},
            "sweep": [{"family": p.family, "target_percent": p.target} for p in points]}))
    else:
        for line in _describe(trace, options):
            click.echo(line)
        click.echo(f"start capacity: {start}; AWS native in its stricter variant (every "
                   f"point counts, out from the larger point, no delay); the target mode "
                   f"with this configuration at each target")
        click.echo("")
        click.echo(sweep.table_text(points))
    if options.plot:
        plot = options.plot
        title = (f"{Path(trace.source).name} (--step {options.step}, --scale "
                 f"{options.scale:g}): throttling against cost")
        _write(lambda: sweep.plot_frontier(points, plot, title), plot)
    return EXIT_OK
