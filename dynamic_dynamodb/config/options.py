"""The registry of options: one entry per option, shared by flags and INI files.

Each option is spelled as in the original (hyphens). Table options apply to
``[default_options]``, ``[table: ...]`` and ``[gsi: ...]``; the dimension-specific
ones exist once for reads and once for writes, and land in the same
``DimensionPolicy`` field of ``reads`` or ``writes``.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dynamic_dynamodb.config.windows import parse_windows
from dynamic_dynamodb.secrets import mask_value
from dynamic_dynamodb.settings import SNS_MESSAGE_TYPES, ScaleTable

Parser = Callable[[str], Any]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected a boolean (true/false, yes/no, on/off, 1/0)")


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        pass
    # The original wrote some integers as floats ("10.0"); accept whole floats only.
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("expected an integer") from None
    if not value.is_integer():
        raise ValueError("expected an integer")
    return int(value)


def parse_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("expected a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return value


def non_negative(parser: Parser) -> Parser:
    def parse(text: str) -> Any:
        value = parser(text)
        if value < 0:
            raise ValueError("must not be negative")
        return value
    return parse


def positive(parser: Parser) -> Parser:
    def parse(text: str) -> Any:
        value = parser(text)
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value
    return parse


def at_most(parser: Parser, limit: float, unit: str = "") -> Parser:
    """Upper bounds keep values within what the runtime can represent (timeouts, steps)."""
    def parse(text: str) -> Any:
        value = parser(text)
        if value > limit:
            raise ValueError(f"must be at most {limit:g}{unit}")
        return value
    return parse


# Largest step (percent or units) of an increase or decrease.
MAX_STEP = 1_000_000


def parse_unit(text: str) -> str:
    value = text.strip().lower()
    if value not in ("percent", "units"):
        raise ValueError("expected 'percent' or 'units'")
    return value


def parse_scale(text: str) -> ScaleTable:
    """A Python-literal dict such as ``{0: 0, 80: 10, 100: 100}``; never eval()."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("expected a dict such as {0: 0, 80: 10, 100: 100}") from None
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a non-empty dict such as {0: 0, 80: 10, 100: 100}")
    pairs = []
    for key, step in value.items():
        if isinstance(key, bool) or isinstance(step, bool) or \
                not isinstance(key, (int, float)) or not isinstance(step, (int, float)):
            raise ValueError("keys and values must be numbers")
        try:
            pair = (float(key), float(step))
        except OverflowError:  # an integer literal too large for a float
            raise ValueError("keys and values must be finite numbers") from None
        if not all(math.isfinite(number) for number in pair):
            raise ValueError("keys and values must be finite numbers")
        if pair[0] < 0 or pair[1] < 0:
            raise ValueError("keys and values must not be negative")
        if pair[1] > MAX_STEP:
            raise ValueError(f"steps must be at most {MAX_STEP:g}")
        pairs.append(pair)
    return tuple(sorted(pairs))


def parse_sns_types(text: str) -> frozenset[str]:
    types = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in types if t not in SNS_MESSAGE_TYPES]
    if unknown:
        raise ValueError(f"unknown message type(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(sorted(SNS_MESSAGE_TYPES))}")
    return frozenset(types)


def parse_url(text: str) -> str:
    """An http(s) URL with a host; ``user:pass@`` is allowed (basic auth)."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError("expected an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL")
    if any(ch.isspace() for ch in value):
        raise ValueError("a URL must not contain spaces")
    return value


# An SNS topic ARN: arn:<partition>:sns:<region>:<account>:<topic name>.
_SNS_ARN = re.compile(r"arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")


def parse_sns_arn(text: str) -> str:
    value = text.strip()
    if not _SNS_ARN.fullmatch(value):
        raise ValueError("expected an SNS topic ARN such as "
                         "arn:aws:sns:us-east-1:123456789012:my-topic")
    return value


# botocore's rule for region names (a DNS label), without importing botocore here.
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def parse_region(text: str) -> str:
    value = text.strip()
    if not _REGION.fullmatch(value):
        raise ValueError("expected an AWS region name such as us-east-1")
    return value


def parse_mode(text: str) -> str:
    value = text.strip().lower()
    if value not in ("threshold", "target"):
        raise ValueError("expected 'threshold' or 'target'")
    return value


def parse_log_level(text: str) -> str:
    value = text.strip().lower()
    if value not in ("debug", "info", "warning", "error", "critical"):
        raise ValueError("expected debug, info, warning, error or critical")
    return value


def parse_str(text: str) -> str:
    return text.strip()


def parse_non_empty(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


CLI = "command line"


@dataclass(frozen=True)
class Layer:
    """Raw option values from one place: a section of a file, or the command line."""

    values: Mapping[str, str]
    source: str = CLI
    section: str | None = None


@dataclass(frozen=True)
class OptionSpec:
    """One option: its name, where it lands in the model, how it parses."""

    name: str
    field: str
    parse: Parser
    dimension: str | None = None  # "reads" / "writes" for DimensionPolicy fields
    secret: bool = False
    help: str = ""


def masked(spec: OptionSpec, value: str) -> str:
    """A secret option's value as it may be shown (secrets.mask_value); others as is."""
    if not spec.secret:
        return value
    return mask_value(value, is_url=spec.field == "circuit_breaker_url")


def _dim(template: str, field: str, parse: Parser, help: str = "") -> list[OptionSpec]:
    """The reads and writes spellings of one dimension option (``{rw}``, ``{r_w}``)."""
    specs = []
    for dim, rw, r_w in (("reads", "reads", "read"), ("writes", "writes", "write")):
        specs.append(OptionSpec(template.format(rw=rw, r_w=r_w), field, parse, dim,
                                help=help.format(rw=rw)))
    return specs


_step = at_most(non_negative(parse_float), MAX_STEP)
_breaker_timeout = at_most(positive(parse_float), 600_000, " ms (10 minutes)")
_aws_timeout = at_most(positive(parse_float), 3600, " seconds")

TABLE_OPTIONS: tuple[OptionSpec, ...] = tuple(
    _dim("enable-{rw}-autoscaling", "enabled", parse_bool, "scale {rw} at all")
    + _dim("enable-{rw}-up-scaling", "up_scaling", parse_bool, "allow increases of {rw}")
    + _dim("enable-{rw}-down-scaling", "down_scaling", parse_bool, "allow decreases of {rw}")
    + _dim("{rw}-upper-threshold", "upper_threshold", non_negative(parse_float),
           "increase {rw} when consumed % is above this")
    + _dim("{rw}-lower-threshold", "lower_threshold", non_negative(parse_float),
           "decrease {rw} when consumed % is below this")
    + _dim("throttled-{rw}-upper-threshold", "throttled_upper_threshold",
           non_negative(parse_int), "increase {rw} when throttle events exceed this (0: off)")
    + _dim("increase-{rw}-with", "increase_with", _step, "")
    + _dim("decrease-{rw}-with", "decrease_with", _step, "")
    + _dim("increase-{rw}-unit", "increase_unit", parse_unit, "")
    + _dim("decrease-{rw}-unit", "decrease_unit", parse_unit, "")
    + _dim("min-provisioned-{rw}", "min_provisioned", positive(parse_int), "")
    + _dim("max-provisioned-{rw}", "max_provisioned", positive(parse_int), "")
    + _dim("num-{r_w}-checks-before-scale-down", "checks_before_scale_down",
           positive(parse_int), "")
    + _dim("num-{r_w}-checks-reset-percent", "checks_reset_percent",
           non_negative(parse_float), "")
    + _dim("allow-scaling-down-{rw}-on-0-percent", "allow_scale_down_at_0_percent",
           parse_bool, "")
    + _dim("{rw}-upper-alarm-threshold", "upper_alarm_threshold", non_negative(parse_float))
    + _dim("{rw}-lower-alarm-threshold", "lower_alarm_threshold", non_negative(parse_float))
    + _dim("increase-consumed-{rw}-unit", "increase_consumed_unit", parse_unit)
    + _dim("increase-consumed-{rw}-with", "increase_consumed_with", _step)
    + _dim("increase-consumed-{rw}-scale", "increase_consumed_scale", parse_scale)
    + _dim("increase-throttled-by-provisioned-{rw}-unit",
           "increase_throttled_by_provisioned_unit", parse_unit)
    + _dim("increase-throttled-by-provisioned-{rw}-scale",
           "increase_throttled_by_provisioned_scale", parse_scale)
    + _dim("increase-throttled-by-consumed-{rw}-unit",
           "increase_throttled_by_consumed_unit", parse_unit)
    + _dim("increase-throttled-by-consumed-{rw}-scale",
           "increase_throttled_by_consumed_scale", parse_scale)
    + _dim("decrease-consumed-{rw}-unit", "decrease_consumed_unit", parse_unit)
    + _dim("decrease-consumed-{rw}-with", "decrease_consumed_with", _step)
    + _dim("decrease-consumed-{rw}-scale", "decrease_consumed_scale", parse_scale)
    + _dim("target-{rw}-utilisation", "target_utilisation", positive(parse_float),
           "target mode: aim for this consumed % of provisioned {rw}")
    + [
        OptionSpec("scaling-mode", "scaling_mode", parse_mode,
                   help="threshold (the original's) or target"),
        OptionSpec("always-decrease-rw-together", "always_decrease_rw_together", parse_bool),
        OptionSpec("maintenance-windows", "maintenance_windows", parse_windows),
        OptionSpec("sns-topic-arn", "sns_topic_arn", parse_sns_arn),
        OptionSpec("sns-message-types", "sns_message_types", parse_sns_types),
        # CloudWatch keeps one-minute data for 15 days.
        OptionSpec("lookback-window-start", "lookback_window_start",
                   at_most(positive(parse_int), 15 * 24 * 60, " minutes (15 days)")),
        OptionSpec("lookback-period", "lookback_period",
                   at_most(positive(parse_int), 24 * 60, " minutes (a day)")),
        OptionSpec("circuit-breaker-url", "circuit_breaker_url", parse_url, secret=True),
        OptionSpec("circuit-breaker-timeout", "circuit_breaker_timeout_ms", _breaker_timeout),
        OptionSpec("circuit-breaker-freezes-increases", "breaker_freezes_increases",
                   parse_bool),
        OptionSpec("ignore-aws-autoscaling", "ignore_aws_autoscaling", parse_bool),
        OptionSpec("min-decrease-saving-percent", "decrease_plan.min_saving_percent",
                   non_negative(parse_float)),
        OptionSpec("min-decrease-saving-units", "decrease_plan.min_saving_units",
                   non_negative(parse_int)),
        OptionSpec("decrease-pacing", "decrease_plan.pacing", parse_bool),
    ]
)

GLOBAL_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("region", "region", parse_region),
    OptionSpec("profile", "profile", parse_non_empty),
    OptionSpec("check-interval", "check_interval",
               at_most(positive(parse_int), 24 * 3600, " seconds (a day)")),
    OptionSpec("circuit-breaker-url", "circuit_breaker_url", parse_url, secret=True),
    OptionSpec("circuit-breaker-timeout", "circuit_breaker_timeout_ms", _breaker_timeout),
    OptionSpec("aws-access-key-id", "aws_access_key_id", parse_non_empty, secret=True),
    # The natural spelling first (it names the field in --show-config), then the original's.
    OptionSpec("aws-secret-access-key", "aws_secret_access_key", parse_non_empty, secret=True),
    OptionSpec("aws-secret-access-key-id", "aws_secret_access_key", parse_non_empty,
               secret=True),
    OptionSpec("describe-concurrency", "describe_concurrency", positive(parse_int)),
    OptionSpec("connect-timeout", "connect_timeout", _aws_timeout),
    OptionSpec("read-timeout", "read_timeout", _aws_timeout),
    OptionSpec("max-attempts", "max_attempts", positive(parse_int)),
    OptionSpec("failures-before-error", "failures_before_error", positive(parse_int)),
)

LOGGING_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("log-level", "level", parse_log_level),
    OptionSpec("log-file", "file", parse_str),
    OptionSpec("log-config-file", "config_file", parse_str),
    OptionSpec("log-format", "format", lambda t: _choice(t, ("text", "json"))),
)


def _choice(text: str, choices: tuple[str, ...]) -> str:
    value = text.strip().lower()
    if value not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}")
    return value


def by_name(specs: tuple[OptionSpec, ...]) -> dict[str, OptionSpec]:
    return {spec.name: spec for spec in specs}
