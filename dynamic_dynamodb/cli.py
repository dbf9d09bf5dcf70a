"""The command line: flags to configuration, subcommands, and exit codes (only here).

Exit codes: 0 ok; 1 runtime failure (AWS unreachable, a matched table or GSI got no
decision in ``--run-once`` or ``status``, no table matched, daemon control failed); 2
usage or configuration error. The README's table is the reference (EXIT_CODES_HELP is
its short form, in ``--help``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from dynamic_dynamodb import __version__
from dynamic_dynamodb.cli_options import (
    GroupedHelpGroup,
    build_config,
    config_options,
    example_config_option,
)
from dynamic_dynamodb.config import options
from dynamic_dynamodb.errors import (
    EXIT_OK,
    EXIT_RUNTIME,
    EXIT_USAGE,
    AwsError,
    ConfigError,
    DynamicDynamoDBError,
)
from dynamic_dynamodb.service.errors import StartFailed, StillRunning
from dynamic_dynamodb.settings import Config

EXIT_CODES_HELP = (
    "Exit codes: 0 ok (with --run-once and status: every matched table and GSI got a "
    "decision); 1 runtime failure (AWS unreachable; with --run-once and status also a "
    "table that failed, metrics or facts unknown, ListTables failing or answering "
    "nonsense, no table matching the configured names); 2 usage or configuration error."
)

if TYPE_CHECKING:  # imported where used: --help and --version stay quick
    from dynamic_dynamodb.loop import CycleReport
    from dynamic_dynamodb.service.daemon import PidFile
    from dynamic_dynamodb.service.options import DaemonOptions, ServiceOptions


@click.group(cls=GroupedHelpGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100},
             epilog=EXIT_CODES_HELP)
@config_options(options.DAEMON)
@click.option("--dry-run", is_flag=True, help="log what would change; change nothing")
@click.option("--run-once", is_flag=True, help="one cycle, then exit (0 if every matched "
                                               "table and GSI got a decision, else 1)")
@click.option("--show-config", is_flag=True, help="print the effective configuration as JSON "
                                                  "(secrets masked) and exit")
@click.option("--daemon", type=click.Choice(["start", "stop", "restart", "foreground", "fg"]),
              help="run as a daemon")
@click.option("--instance", default="default", show_default=True,
              help="daemon instance name (pid file dynamic-dynamodb.<instance>.pid)")
@click.option("--pid-file-dir", default="/tmp", show_default=True, type=click.Path(),
              help="directory of the daemon's pid file")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None,
              help="serve Prometheus metrics on this port (needs prometheus-client)")
@example_config_option
@click.version_option(__version__, "--version", prog_name="dynamic-dynamodb")
@click.pass_context
def cli(ctx: click.Context, **params: Any) -> int:
    """Keep DynamoDB tables' provisioned capacity matched to their load.

    Without a subcommand, runs the autoscaler: every check interval it reads the
    consumed and throttled capacity of each matching table (and GSI) from
    CloudWatch, decides, and calls UpdateTable.
    """
    _refuse_conflicting_actions(ctx, params)
    if ctx.invoked_subcommand is not None:
        ctx.obj = params
        return EXIT_OK
    from dynamic_dynamodb.service.options import DaemonOptions, ServiceOptions

    action = params["daemon"]
    daemon_options = DaemonOptions(params["instance"], params["pid_file_dir"], ServiceOptions(
        run_once=params["run_once"], metrics_port=params["metrics_port"]))
    if action == "stop":
        return stop_daemon(daemon_options)
    if action in ("start", "restart") and params["config_file"]:
        # The daemon works in /: SIGHUP must read the file the caller named.
        params = dict(params, config_file=os.path.abspath(params["config_file"]))

    def load_config() -> Config:
        """The configuration from these flags and file: now, and again on SIGHUP."""
        return build_config(params, dry_run=params["dry_run"])

    config = load_config()
    if params["show_config"]:
        from dynamic_dynamodb.config.show import show_config
        from dynamic_dynamodb.cost import estimate_for_config, section_costs
        from dynamic_dynamodb.fleet.sessions import default_region
        from dynamic_dynamodb.fleet.targets import plan_targets

        # Each account in each region, as it will be served (regions not configured
        # are resolved from the local AWS configuration; nothing is called).
        targets = [{"target": target.id, "tables": [table.key for table in target.config.tables],
                    "monitoring_cost": section_costs(target.config)}
                   for target in plan_targets(config, default_region)]
        click.echo(show_config(config, {"cost_estimate": estimate_for_config(config),
                                        "targets": targets}))
        return EXIT_OK
    if action == "restart":
        # The new configuration was built first: a broken one leaves the daemon alone.
        stop_daemon(daemon_options)  # raises when the running one cannot be stopped
        return start_daemon(config, load_config, daemon_options)
    if action == "start":
        return start_daemon(config, load_config, daemon_options)
    if action in ("foreground", "fg"):
        return run_daemon_foreground(config, load_config, daemon_options)
    return run_foreground(config, load_config, daemon_options.service)


def _refuse_conflicting_actions(ctx: click.Context, params: dict[str, Any]) -> None:
    """Flags that each ask for something different are a usage error, not a guess."""
    action = params["daemon"]
    if ctx.invoked_subcommand is not None:
        given = [flag for flag, value in (("--show-config", params["show_config"]),
                                          (f"--daemon {action}", action),
                                          ("--run-once", params["run_once"])) if value]
        if given:
            raise click.UsageError(f"{given[0]} cannot be combined with the "
                                   f"{ctx.invoked_subcommand} command", ctx)
        return
    if params["show_config"] and (action or params["run_once"]):
        other = f"--daemon {action}" if action else "--run-once"
        raise click.UsageError(f"--show-config cannot be combined with {other}: it prints "
                               f"the configuration and exits", ctx)
    if params["run_once"] and action in ("start", "restart"):
        raise click.UsageError("--run-once cannot be combined with --daemon start or restart "
                               "(use --daemon foreground --run-once)", ctx)
    if params["run_once"] and action == "stop":
        raise click.UsageError("--run-once cannot be combined with --daemon stop", ctx)


def _run_result(report: CycleReport, options: ServiceOptions) -> int:
    """A run ends 0 when stopped; ``--run-once`` ends 1, saying why, unless every matched
    table and GSI got a decision."""
    if not options.run_once or report.ok:
        return EXIT_OK
    from dynamic_dynamodb.report import run_once_failed

    click.echo(f"error: {run_once_failed(report)}", err=True)
    return EXIT_RUNTIME


def run_foreground(config: Config, load_config: Callable[[], Config],
                   options: ServiceOptions) -> int:
    """Run the Scheduler in this process until SIGTERM/SIGINT (or one cycle).

    SIGHUP calls ``load_config`` before the next cycle and swaps the result in when valid.
    """
    from dynamic_dynamodb.service.wiring import serve

    return _run_result(serve(config, options, load_config=load_config), options)


# -- --daemon: what happened, said here ---------------------------------------------
def stop_daemon(options: DaemonOptions, timeout: float | None = None) -> int:
    """``--daemon stop`` (and restart's first half): says what it did."""
    from dynamic_dynamodb.service import daemon
    from dynamic_dynamodb.service.daemon import StopOutcome

    name = options.name
    try:
        stopped = daemon.stop(options) if timeout is None else daemon.stop(options, timeout)
    except StillRunning as exc:
        _say_sigkill(name, exc.pid, exc.timeout)
        raise
    pid = stopped.pid or "?"
    if stopped.outcome is StopOutcome.NOT_RUNNING:
        click.echo(f"{name} is not running (no pid file {stopped.path})")
    elif stopped.outcome is StopOutcome.STALE:
        click.echo(f"{name} is not running; removed the stale pid file {stopped.path} "
                   f"(pid {pid} is gone)")
    elif stopped.outcome is StopOutcome.STOPPED:
        click.echo(f"{name} stopped (pid {pid})")
    else:
        _say_sigkill(name, pid, stopped.timeout)
        click.echo(f"{name} killed (pid {pid})")
    return EXIT_OK


def _say_sigkill(name: str, pid: int | str, timeout: float) -> None:
    click.echo(f"{name} (pid {pid}) did not stop within {timeout:g} s of SIGTERM; sending "
               f"SIGKILL", err=True)


def _free_pid_file(options: DaemonOptions) -> PidFile:
    from dynamic_dynamodb.service import daemon

    pid_file = daemon.free_pid_file(options)
    if pid_file.removed_stale:
        click.echo(f"removed a stale pid file {pid_file.path} (pid "
                   f"{pid_file.stale_pid or '?'} is not running)",
                   err=True)
    return pid_file


def start_daemon(config: Config, load_config: Callable[[], Config],
                 options: DaemonOptions) -> int:
    """``--daemon start``: returns once the daemon has run its first cycle."""
    from dynamic_dynamodb.service import daemon

    pid_file = _free_pid_file(options)
    if not config.logging.file and not config.logging.config_file:
        click.echo("warning: no --log-file or --log-config-file: the daemon's log is "
                   "discarded", err=True)
    started = daemon.start(pid_file, config, load_config, options.service)
    if started.status is None:
        click.echo(f"{options.name} started (pid {started.pid}) but has not finished its "
                   f"first cycle within {started.waited:g} s; see its log", err=True)
        return EXIT_OK
    click.echo(f"{options.name} started: pid {started.pid}, pid file {started.path}; "
               f"{started.status}")
    if started.first_cycle_error:
        click.echo(f"warning: the first cycle failed and will be retried: "
                   f"{started.first_cycle_error}", err=True)
    for table, why in started.failed_tables.items():
        click.echo(f"warning: {table}: {why}", err=True)
    return EXIT_OK


def run_daemon_foreground(config: Config, load_config: Callable[[], Config],
                          options: DaemonOptions) -> int:
    """``--daemon foreground``: this process, the instance's pid lock, the daemon's signals."""
    from dynamic_dynamodb.service import daemon

    pid_file = _free_pid_file(options)
    report = daemon.foreground(pid_file, config, load_config, options.service)
    return _run_result(report, options.service)


@cli.command(epilog=EXIT_CODES_HELP)
@config_options(options.STATUS)
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.pass_context
def status(ctx: click.Context, as_json: bool, **params: Any) -> int:
    """Show each managed table and GSI, live from AWS: provisioned and consumed
    capacity, utilisation, what the next cycle would do and why, and the decreases
    left today. Runs one dry-run cycle: changes nothing, notifies nobody.
    """
    from dynamic_dynamodb.status import (
        as_dict,
        lease_owners,
        render_leases,
        render_table,
        status_report,
    )

    merged = {**(ctx.obj or {}), **{k: v for k, v in params.items() if v is not None}}
    # A cycle that fails as a whole (AWS unreachable, no credentials) raises: main()
    # says so once and exits 1; a table that failed is shown in the output.
    config = build_config(merged, dry_run=True)
    report = status_report(config)
    lease_table = config.global_.lease_table
    owners = lease_owners(config) if lease_table else None
    if as_json:
        click.echo(json.dumps(as_dict(report, owners), indent=2))
    else:
        click.echo(render_table(report, owners))
        if lease_table and owners is not None:
            click.echo(render_leases(lease_table, owners, time.time()))
    return EXIT_OK if report.ok else EXIT_RUNTIME


@cli.command()
@click.option("--minutes", default=60, show_default=True, type=click.IntRange(5, 24 * 60),
              help="minutes of simulated load to replay")
@click.option("--speed", default=0.05, show_default=True, type=click.FloatRange(0, 60),
              help="wall seconds per simulated minute")
def demo(minutes: int, speed: float) -> int:
    """Run the real loop against a local AWS API (no AWS account needed).

    Starts a local DynamoDB/CloudWatch server in-process, creates a table, feeds it
    a load curve in accelerated time, and prints each decision.
    """
    from dynamic_dynamodb.demo import run_demo

    return run_demo(minutes=minutes, speed=speed)


@cli.command()
@config_options(options.SIMULATE)
@click.argument("trace", type=click.Path(exists=True, dir_okay=False))
@click.option("--step", default=1, show_default=True, type=click.IntRange(1, 1440),
              help="minutes between rows (a row holds its value for each minute it covers)")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="demand in units/s = value / 60 x SCALE")
@click.option("--dimension", type=click.Choice(["reads", "writes"]), default="reads",
              show_default=True, help="the dimension the trace loads (the other has none)")
@click.option("--start-capacity", type=click.IntRange(1), default=None,
              help="provisioned at the start [default: first minute's demand at the target]")
@click.option("--table", "sim_table", default="simulated", show_default=True,
              help="name of the simulated table (what --config's sections must match)")
@click.option("--compare", is_flag=True,
              help="also run AWS native target tracking and the classic settings")
@click.option("--native-target", default=70.0, show_default=True,
              type=click.FloatRange(20, 90), help="AWS native target utilisation, percent")
@click.option("--burst-seconds", default=300.0, show_default=True, type=click.FloatRange(0),
              help="model: seconds of unused capacity the burst bucket holds")
@click.option("--metrics-lag", default=2, show_default=True, type=click.IntRange(0, 60),
              help="model: minutes after a minute ends before CloudWatch shows it")
@click.option("--update-lag", default=2, show_default=True, type=click.IntRange(0, 60),
              help="model: minutes an UpdateTable takes (the table is UPDATING meanwhile)")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--output", type=click.Path(dir_okay=False),
              help="write minute,demand,provisioned,consumed,throttled to this CSV")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="draw demand and provisioned capacity to this PNG (needs [plot] extra)")
@click.option("--plot-start-day", default=0.0, type=click.FloatRange(0),
              help="first day of the trace to plot")
@click.option("--plot-days", default=None, type=click.FloatRange(0, min_open=True),
              help="days to plot [default: all]")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar")
@click.option("--gaps", type=click.Choice(["hold", "zero", "interpolate"]), default="hold",
              show_default=True,
              help="a minute without a row is missing data: hold the last value, read it "
                   "as no load, or interpolate")
@click.option("--sweep", is_flag=True,
              help="run AWS native at 40..90 % and the target mode at 70..100 %: a table, "
                   "and with --plot the frontier (throttled % against cost)")
@click.pass_context
def simulate(ctx: click.Context, trace: str, step: int, scale: float, dimension: str,
             start_capacity: int | None, sim_table: str, compare: bool, native_target: float,
             burst_seconds: float, metrics_lag: int, update_lag: int, as_json: bool,
             output: str | None, plot: str | None, plot_start_day: float,
             plot_days: float | None, quiet: bool, gaps: str, sweep: bool,
             **params: Any) -> int:
    """Replay a load trace (CSV, last column = load per row) through the daemon's own
    decision code against a simulated table, and report throttling and cost.

    With --compare, AWS's native auto scaling and the classic settings run on the
    same trace and model, next to on-demand and provisioned-for-the-peak costs.
    """
    from dynamic_dynamodb.core.types import Dimension
    from dynamic_dynamodb.simulate.command import SimulateOptions, run_simulate, table_regex
    from dynamic_dynamodb.simulate.model import ModelParams

    merged = {**(ctx.obj or {}), **{k: v for k, v in params.items() if v is not None}}
    config = build_config(table_regex(merged, sim_table), dry_run=False)

    def in_target_mode(percent: float) -> Config:
        """This configuration in target mode at ``percent`` (--sweep)."""
        return build_config(table_regex({
            **merged, "scaling_mode": "target", "target_reads_utilisation": percent,
            "target_writes_utilisation": percent}, sim_table), dry_run=False)

    options = SimulateOptions(
        trace=trace, step=step, scale=scale, dimension=Dimension(dimension),
        start_capacity=start_capacity, compare=compare, native_target=native_target,
        table=sim_table, as_json=as_json, output=output, plot=plot,
        plot_start_day=plot_start_day, plot_days=plot_days, quiet=quiet,
        gaps=gaps, sweep=sweep,  # type: ignore[arg-type]  # click checked the choice
        model=ModelParams(burst_seconds=burst_seconds, metrics_lag_minutes=metrics_lag,
                          update_lag_minutes=update_lag))
    return run_simulate(config, options, in_target_mode)


@cli.command()
@config_options(options.ADVISE)
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 63),
              help="days of history to read: 1-minute data up to 15, 5-minute data beyond")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="write a CSV and a plot per table here (plots need the [plot] extra)")
@click.option("--price-file", type=click.Path(dir_okay=False),
              help="JSON prices for another region, a discount or reserved capacity "
                   "(README: Advice) [default: us-east-1 list prices]")
@click.option("--write-config", "write_config_file", type=click.Path(dir_okay=False),
              help="write the advised settings as a config file the daemon loads")
@click.option("--max-throttled-percent", default=0.01, show_default=True,
              type=click.FloatRange(0, 100),
              help="throttling (percent of demand) a provisioned setting may add")
@click.option("--native-target", default=70.0, show_default=True,
              type=click.FloatRange(20, 90), help="AWS native target utilisation, percent")
@click.option("--yes", "-y", is_flag=True, help="do not ask before a costly read")
@click.option("--confirm-above", default=0.10, show_default=True,
              type=click.FloatRange(0), help="ask before reading CloudWatch history "
                                             "that costs at least this many dollars")
@click.option("--jobs", type=click.IntRange(1), default=None,
              help="replays run in parallel [default: the number of CPUs]")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar or cost line")
@click.pass_context
def advise(ctx: click.Context, days: int, as_json: bool, output_dir: str | None,
           price_file: str | None, write_config_file: str | None,
           max_throttled_percent: float, native_target: float, yes: bool,
           confirm_above: float, jobs: int | None, quiet: bool, **params: Any) -> int:
    """Advise, table by table, on-demand or provisioned and how to scale it, from
    each table's own CloudWatch history.

    Reads consumed, throttled and provisioned capacity per minute for the last
    --days days (of the tables -t matches; without -t, those --config manages, or every
    table), and replays each table and GSI through the simulator: as provisioned now,
    under this configuration (--config's sections, or the table flags given), the
    target mode and AWS native scaling; and prices on-demand.
    """
    from dynamic_dynamodb.advise.command import AdviseOptions, publication_allowance, run_advise

    merged = {**(ctx.obj or {}), **{k: v for k, v in params.items() if v is not None}}
    pattern = merged.get("table_name")
    # -t selects tables. "This configuration" is the --config file's sections (-t does
    # not replace them here), or the table flags given for every selected table.
    if merged.get("config_file") is not None:
        config, managed = build_config({**merged, "table_name": None}, dry_run=True), True
    else:
        managed = any(merged.get(spec.param) is not None
                      for spec in options.flags(options.ADVISE) if spec.kind == "table")
        config = build_config({**merged, "table_name": pattern or ".*"}, dry_run=True)
    advice = AdviseOptions(
        days=days, table_regex=pattern, as_json=as_json,
        output_dir=output_dir, price_file=price_file, write_config=write_config_file,
        max_throttled_percent=max_throttled_percent, native_target=native_target, yes=yes,
        confirm_above=confirm_above, jobs=jobs, quiet=quiet,
        publication_allowance_minutes=publication_allowance(config))
    return run_advise(config if managed else None, config.global_, advice)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps every error to one clear line and an exit code."""
    try:
        code = cli.main(args=argv, prog_name="dynamic-dynamodb", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        code = EXIT_RUNTIME
    except ConfigError as exc:
        click.echo(exc.report(), err=True)
        code = EXIT_USAGE
    except StartFailed as exc:  # the daemon's own report; its configuration: exit 2
        click.echo(f"error: {exc}", err=True)
        code = EXIT_USAGE if exc.config_error else EXIT_RUNTIME
    except AwsError as exc:
        click.echo(f"error: {exc}", err=True)
        code = EXIT_RUNTIME
    except DynamicDynamoDBError as exc:
        click.echo(f"error: {exc}", err=True)
        code = EXIT_RUNTIME
    except KeyboardInterrupt:
        code = EXIT_OK
    sys.exit(code if isinstance(code, int) else EXIT_OK)
