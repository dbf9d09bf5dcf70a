"""The option registry is the one declaration of each option: the flags, their --help,
the subcommands' flag sets and the example configuration all come from it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dynamic_dynamodb.cli import cli
from dynamic_dynamodb.cli_options import flag_help
from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.options import OptionSpec

# The flags of the original and of every release so far: they must keep working.
COMPATIBLE_FLAGS = [
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
     "lookback-window-start", "lookback-period", "sns-topic-arn", "sns-message-types",
     "region", "profile", "check-interval", "aws-access-key-id", "aws-secret-access-key",
     "circuit-breaker-url", "circuit-breaker-timeout", "describe-concurrency",
     "connect-timeout", "read-timeout", "max-attempts",
     "log-level", "log-file", "log-config-file", "log-format"]

SPEC_IDS = [f"{spec.kind}.{spec.name}" for spec in options.ALL_OPTIONS]


def help_text(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def offered_flags(*args: str) -> set[str]:
    """Every --flag named in a command's help."""
    return set(re.findall(r"--([a-z0-9-]+)", help_text(*args)))


@pytest.mark.parametrize("spec", options.ALL_OPTIONS, ids=SPEC_IDS)
def test_every_option_says_what_it_does(spec: OptionSpec) -> None:
    assert len(spec.help) > 20 and spec.help.endswith(".")
    assert spec.group in options.GROUPS
    assert spec.acts_in and spec.acts_in <= set(options.PLACES)
    assert options.DAEMON in spec.acts_in


@pytest.mark.parametrize("spec", options.ALL_OPTIONS, ids=SPEC_IDS)
def test_the_default_comes_from_the_settings_and_reads_back(spec: OptionSpec) -> None:
    """The written default parses to the settings default; an option without one has an
    example value that parses, and says what no value means."""
    if options.has_default(spec):
        assert spec.parse(options.format_value(spec.default)) == spec.default
    else:
        assert spec.example
        spec.parse(spec.example)


def test_names_and_flag_parameters_are_unique() -> None:
    for kind, specs in options.OPTIONS_BY_KIND.items():
        names = [spec.name for spec in specs]
        assert len(names) == len(set(names)), kind
    params = [spec.param for spec in options.flags()]
    assert len(params) == len(set(params))


def test_reads_and_writes_twins_share_defaults_and_places() -> None:
    table = options.TABLE_OPTIONS
    reads = {spec.field: spec for spec in table if spec.dimension == "reads"}
    writes = {spec.field: spec for spec in table if spec.dimension == "writes"}
    assert reads.keys() == writes.keys()
    for field, spec in reads.items():
        twin = writes[field]
        assert (spec.default, spec.acts_in, spec.flag, spec.group) == (
            twin.default, twin.acts_in, twin.flag, twin.group), field


@pytest.mark.parametrize("name", COMPATIBLE_FLAGS)
def test_existing_flags_keep_their_names(name: str) -> None:
    assert name in {spec.name for spec in options.flags()}


def test_main_help_shows_what_each_flag_does_its_unit_and_default() -> None:
    text = " ".join(help_text().split())

    assert "see example-config.conf" not in text
    assert "--check-interval SECONDS Seconds between two checks of every table. Unset, " \
           "and every table and GSI section in target mode: 60 (the target mode's design); " \
           "else 300. [seconds; default: 300]" in text
    assert "--reads-upper-threshold, --writes-upper-threshold PERCENT Increase reads / " \
           "writes when the consumed capacity" in text
    assert "[percent; default: 90]" in text
    assert "--max-provisioned-reads, --max-provisioned-writes UNITS" in text
    assert "default: 40000, DynamoDB's default per-table quota" in text
    for spec in options.flags():
        assert f"--{spec.name}" in text


def test_flag_help_of_each_flag_names_its_default() -> None:
    for spec in options.flags():
        assert f"default: {options.default_text(spec)}]" in flag_help(spec)


def test_help_is_grouped() -> None:
    headings = [line[:-1] for line in help_text().splitlines()
                if line.endswith(":") and not line.startswith(" ")]

    assert headings == ["Options", *options.GROUPS, "Commands"]


@pytest.mark.parametrize("place", [options.SIMULATE, options.STATUS])
def test_a_subcommand_offers_the_flags_that_act_there(place: str) -> None:
    offered = offered_flags(place)

    for spec in options.flags():
        assert (spec.name in offered) == spec.acts(place), spec.name


def test_simulate_offers_scaling_options_not_aws_logging_or_notifications() -> None:
    offered = offered_flags("simulate")

    assert {"reads-upper-threshold", "scaling-mode", "check-interval", "lookback-period",
            "maintenance-windows", "target-writes-utilisation"} <= offered
    assert not {"region", "profile", "aws-access-key-id", "log-file", "log-level",
                "circuit-breaker-url", "sns-topic-arn", "reads-upper-alarm-threshold",
                "daemon", "failures-before-error", "connect-timeout"} & offered


def test_status_offers_aws_access_and_table_options_not_daemon_or_logging() -> None:
    offered = offered_flags("status")

    assert {"region", "profile", "aws-access-key-id", "aws-secret-access-key",
            "reads-upper-threshold", "circuit-breaker-url", "ignore-aws-autoscaling"} <= offered
    assert not {"log-file", "log-config-file", "log-level", "daemon", "pid-file-dir",
                "check-interval", "sns-topic-arn", "failures-before-error"} & offered


def test_a_flag_that_does_not_act_in_a_subcommand_is_refused() -> None:
    result = CliRunner().invoke(cli, ["simulate", "trace.csv", "--region", "eu-west-1"])

    assert result.exit_code == 2
    assert "No such option" in result.output and "--region" in result.output
