"""The command line: flags to configuration, subcommands, and exit codes (only here).

Exit codes: 0 ok; 1 runtime failure (AWS unreachable, a table failed in
``--run-once``, daemon control failed); 2 usage or configuration error.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from dynamic_dynamodb import __version__
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import (
    EXIT_OK,
    EXIT_RUNTIME,
    EXIT_USAGE,
    AwsError,
    ConfigError,
    DynamicDynamoDBError,
)
from dynamic_dynamodb.settings import Config

# Table options offered as flags: the original's, plus the newer scaling ones.
TABLE_FLAGS = [
    f"{opt}"
    for rw, r_w in (("reads", "read"), ("writes", "write"))
    for opt in (
        f"{rw}-upper-threshold", f"{rw}-lower-threshold", f"throttled-{rw}-upper-threshold",
        f"increase-{rw}-with", f"decrease-{rw}-with", f"increase-{rw}-unit",
        f"decrease-{rw}-unit", f"min-provisioned-{rw}", f"max-provisioned-{rw}",
        f"num-{r_w}-checks-before-scale-down", f"num-{r_w}-checks-reset-percent",
        f"allow-scaling-down-{rw}-on-0-percent", f"target-{rw}-utilisation",
    )
] + ["scaling-mode", "maintenance-windows", "always-decrease-rw-together",
     "lookback-window-start", "lookback-period", "sns-topic-arn", "sns-message-types"]
GLOBAL_FLAGS = ["region", "profile", "check-interval", "aws-access-key-id",
                "aws-secret-access-key", "circuit-breaker-url", "circuit-breaker-timeout",
                "describe-concurrency", "connect-timeout", "read-timeout", "max-attempts"]
LOGGING_FLAGS = ["log-level", "log-file", "log-config-file", "log-format"]

_SHORT = {"region": "-r", "table-name": "-t", "config": "-c"}


def _param(name: str) -> str:
    return name.replace("-", "_")


def config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The flags that build a configuration (shared by the daemon, status and simulate)."""
    for name in reversed(TABLE_FLAGS + GLOBAL_FLAGS + LOGGING_FLAGS):
        decls = [f"--{name}"] + ([_SHORT[name]] if name in _SHORT else [])
        fn = click.option(*decls, _param(name), metavar="VALUE", default=None,
                          help=f"see example-config.conf: {name}")(fn)
    fn = click.option("--table-name", "-t", "table_name", metavar="REGEX",
                      help="table(s) to manage: a regex matched from the start of the name; "
                           "replaces the config file's tables")(fn)
    fn = click.option("--config", "-c", "config_file", metavar="FILE",
                      type=click.Path(dir_okay=False),
                      help="INI configuration file (the original's format)")(fn)
    return fn


def build_config(params: dict[str, Any], **runtime: Any) -> Config:
    def pick(names: list[str]) -> dict[str, str]:
        return {n: str(params[_param(n)]) for n in names if params.get(_param(n)) is not None}

    return from_command_line(
        params.get("table_name"), pick(TABLE_FLAGS), pick(GLOBAL_FLAGS), pick(LOGGING_FLAGS),
        runtime=runtime, config_file=params.get("config_file"))


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@config_options
@click.option("--dry-run", is_flag=True, help="log what would change; change nothing")
@click.option("--run-once", is_flag=True, help="one cycle, then exit (0 if every table "
                                               "was handled)")
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
@click.version_option(__version__, "--version", prog_name="dynamic-dynamodb")
@click.pass_context
def cli(ctx: click.Context, **params: Any) -> int:
    """Keep DynamoDB tables' provisioned capacity matched to their load.

    Without a subcommand, runs the autoscaler: every check interval it reads the
    consumed and throttled capacity of each matching table (and GSI) from
    CloudWatch, decides, and calls UpdateTable.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = params
        return EXIT_OK
    if params["daemon"] in ("stop",):
        from dynamic_dynamodb import daemon

        return daemon.stop(params["pid_file_dir"], params["instance"])
    config = build_config(params, dry_run=params["dry_run"])
    if params["show_config"]:
        from dynamic_dynamodb.config.show import show_config

        click.echo(show_config(config))
        return EXIT_OK
    if params["daemon"]:
        from dynamic_dynamodb import daemon

        return daemon.control(params["daemon"], config, params)
    return run_foreground(config, params["run_once"], params.get("metrics_port"),
                          load_config=lambda: build_config(params, dry_run=params["dry_run"]))


def run_foreground(config: Config, run_once: bool, metrics_port: int | None = None,
                   stop: threading.Event | None = None,
                   load_config: Callable[[], Config] | None = None) -> int:
    """Run the Scheduler in this process until SIGTERM/SIGINT (or one cycle).

    SIGHUP calls ``load_config`` between cycles and swaps the result in when valid.
    """
    from dynamic_dynamodb.service import serve

    return serve(config, run_once=run_once, metrics_port=metrics_port,
                 load_config=load_config, stop=stop)


@cli.command()
@config_options
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.pass_context
def status(ctx: click.Context, as_json: bool, **params: Any) -> int:
    """Show each managed table and GSI, live from AWS: provisioned and consumed
    capacity, utilisation, what the next cycle would do and why, and the decreases
    left today. Runs one dry-run cycle: changes nothing, notifies nobody.
    """
    from dynamic_dynamodb.status import run_status

    merged = {**(ctx.obj or {}), **{k: v for k, v in params.items() if v is not None}}
    return run_status(build_config(merged, dry_run=True), as_json)


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
@config_options
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
@click.pass_context
def simulate(ctx: click.Context, trace: str, step: int, scale: float, dimension: str,
             start_capacity: int | None, sim_table: str, compare: bool, native_target: float,
             burst_seconds: float, metrics_lag: int, update_lag: int, as_json: bool,
             output: str | None, plot: str | None, plot_start_day: float,
             plot_days: float | None, quiet: bool, **params: Any) -> int:
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
    options = SimulateOptions(
        trace=trace, step=step, scale=scale, dimension=Dimension(dimension),
        start_capacity=start_capacity, compare=compare, native_target=native_target,
        table=sim_table, as_json=as_json, output=output, plot=plot,
        plot_start_day=plot_start_day, plot_days=plot_days, quiet=quiet,
        model=ModelParams(burst_seconds=burst_seconds, metrics_lag_minutes=metrics_lag,
                          update_lag_minutes=update_lag))
    return run_simulate(config, options)


@cli.command()
@config_options
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
    from dynamic_dynamodb.advise.command import AdviseOptions, run_advise

    merged = {**(ctx.obj or {}), **{k: v for k, v in params.items() if v is not None}}
    pattern = merged.get("table_name")
    # -t selects tables. "This configuration" is the --config file's sections (-t does
    # not replace them here), or the table flags given for every selected table.
    if merged.get("config_file") is not None:
        config, managed = build_config({**merged, "table_name": None}, dry_run=True), True
    else:
        managed = any(merged.get(_param(n)) is not None for n in TABLE_FLAGS)
        config = build_config({**merged, "table_name": pattern or ".*"}, dry_run=True)
    options = AdviseOptions(
        days=days, table_regex=pattern, as_json=as_json,
        output_dir=output_dir, price_file=price_file, write_config=write_config_file,
        max_throttled_percent=max_throttled_percent, native_target=native_target, yes=yes,
        confirm_above=confirm_above, jobs=jobs, quiet=quiet)
    return run_advise(config if managed else None, config.global_, options)


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
    except AwsError as exc:
        click.echo(f"error: {exc}", err=True)
        code = EXIT_RUNTIME
    except DynamicDynamoDBError as exc:
        click.echo(f"error: {exc}", err=True)
        code = EXIT_RUNTIME
    except KeyboardInterrupt:
        code = EXIT_OK
    sys.exit(code if isinstance(code, int) else EXIT_OK)
