"""The registry of options: the one declaration of every option.

Each entry says where the option is written (its section kind), where it lands in
the settings tree, how its text is parsed, what it does, its unit, where it acts
(the daemon, ``status``, ``simulate``, ``advise``) and whether it is a command-line
flag. Its default is not declared here: it is read from the settings dataclasses
(settings.py), so the two cannot drift. Everything else is generated from this
table: the INI reader's option names, the command-line flags and their ``--help``,
``--show-config``, and the example configuration (example.py).

Options are spelled as in the original (hyphens). Table options apply to
``[default_options]``, ``[table: ...]`` and ``[gsi: ...]``; the dimension-specific
ones exist once for reads and once for writes, and land in the same
``DimensionPolicy`` field of ``reads`` or ``writes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dynamic_dynamodb.config.parsers import (
    MAX_STEP,
    Parser,
    at_least,
    at_most,
    non_negative,
    parse_account_names,
    parse_bool,
    parse_external_id,
    parse_float,
    parse_int,
    parse_log_format,
    parse_log_level,
    parse_mode,
    parse_non_empty,
    parse_region,
    parse_regions,
    parse_role_arn,
    parse_scale,
    parse_session_name,
    parse_sns_arn,
    parse_sns_types,
    parse_str,
    parse_table_name,
    parse_target_constants,
    parse_unit,
    parse_url,
    positive,
)
from dynamic_dynamodb.config.windows import parse_windows
from dynamic_dynamodb.masking import mask_value
from dynamic_dynamodb.settings import (
    DEFAULT_DESCRIBE_RATE,
    DEFAULT_MAX_CAPACITY,
    MAX_CONFIGURABLE_CAPACITY,
    AccountConfig,
    GlobalConfig,
    LoggingConfig,
    ResourcePolicy,
)

Kind = Literal["global", "logging", "table", "account"]
KINDS: tuple[Kind, ...] = ("global", "logging", "table", "account")

# Where an option acts. "daemon" is the autoscaler itself (and --show-config);
# "status" runs one dry-run cycle live; "simulate" replays a trace against a model
# (no AWS, no breaker, no notifications); "advise" reads a table's CloudWatch history
# and replays it through the simulator. A subcommand offers as flags only the options
# that act there.
DAEMON = "daemon"
STATUS = "status"
SIMULATE = "simulate"
ADVISE = "advise"
PLACES = (DAEMON, STATUS, SIMULATE, ADVISE)
_EVERYWHERE = frozenset(PLACES)                  # shapes decisions wherever they are made
_AWS = frozenset({DAEMON, STATUS, ADVISE})       # reaches AWS
_LIVE = frozenset({DAEMON, STATUS})              # a guard that needs the live service
_REPLAYED = frozenset({DAEMON, SIMULATE, ADVISE})  # the cadence of cycles
_DAEMON_ONLY = frozenset({DAEMON})                # notifications, logging, error counting


@dataclass(frozen=True)
class OptionSpec:
    """One option: its name, where it lands in the settings, how it parses, what it does."""

    name: str
    kind: Kind
    field: str                    # attribute path in the settings object of ``kind``
    parse: Parser
    help: str                     # what it does, one or two sentences
    group: str                    # heading in --help and in the example configuration
    dimension: str | None = None  # "reads" / "writes" for DimensionPolicy fields
    unit: str = ""                # of the value, for --help and the example
    metavar: str = "VALUE"
    acts_in: frozenset[str] = _EVERYWHERE
    flag: bool = True             # offered on the command line
    short: str = ""               # a one-letter flag besides --name
    secret: bool = False
    unset: str = ""               # what no value means, for options without a default
    example: str = ""             # a value for the example configuration when unset
    # Reads/writes twins: (help, unit, unset) naming both, for the example configuration.
    both: tuple[str, str, str] | None = None

    @property
    def param(self) -> str:
        """The Python name of the flag's value in click's parameters."""
        return self.name.replace("-", "_")

    @property
    def path(self) -> str:
        """The field path within a policy: ``reads.upper_threshold``, ``region``."""
        return f"{self.dimension}.{self.field}" if self.dimension else self.field

    @property
    def default(self) -> Any:
        """The built-in default, read from the settings dataclasses."""
        owner: Any = _DEFAULTS[self.kind]
        if self.dimension:
            owner = owner.of(self.dimension)
        for part in self.field.split("."):
            owner = getattr(owner, part)
        return owner

    def acts(self, place: str) -> bool:
        return place in self.acts_in


_DEFAULTS: dict[str, Any] = {
    "global": GlobalConfig(),
    "logging": LoggingConfig(),
    "table": ResourcePolicy(key=""),
    "account": AccountConfig(name=""),
}


def masked(spec: OptionSpec, value: str) -> str:
    """A secret option's value as it may be shown (masking.mask_value); others as is."""
    if not spec.secret:
        return value
    return mask_value(value, is_url=spec.field == "circuit_breaker_url")


def format_value(value: Any) -> str:
    """A settings value written as an option value (the inverse of its parser)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "{" + ", ".join(f"{key:g}: {step:g}" for key, step in value) + "}"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return "" if value is None else str(value)


def has_default(spec: OptionSpec) -> bool:
    """False for options whose unset value means "none" or "use something else"."""
    return spec.default not in (None, (), frozenset())


def default_text(spec: OptionSpec, unset: str | None = None) -> str:
    """The default as --help shows it: the value, or what no value means (``unset``, by
    default the option's own)."""
    if not has_default(spec):
        return (spec.unset if unset is None else unset) or "none"
    return format_value(spec.default)


# -- value types ------------------------------------------------------------------------
_step = at_most(non_negative(parse_float), MAX_STEP)
_percent = non_negative(parse_float)
_capacity = at_most(positive(parse_int), MAX_CONFIGURABLE_CAPACITY,
                    f" capacity units ({MAX_CONFIGURABLE_CAPACITY // DEFAULT_MAX_CAPACITY} times "
                    f"DynamoDB's default per-table quota of {DEFAULT_MAX_CAPACITY}; a larger "
                    f"value is far likelier a typo than a quota)")
_breaker_timeout = at_most(positive(parse_float), 600_000, " ms (10 minutes)")
_aws_timeout = at_most(positive(parse_float), 3600, " seconds")
_BOOL = "BOOL"
_UNIT = "percent|units"
_SCALE = "{KEY: STEP, ...}"


def _nonzero_step(direction: str, switch: str) -> Parser:
    """A step of 0 can never change the capacity: say so, and how to turn it off."""
    return positive(_step, f"a step of 0 never {direction}s the capacity; to turn "
                           f"{direction}s off, set {switch}: false")


# -- groups, in the order --help and the example configuration show them -----------------
G_SWITCHES = "Switches"
G_MODE = "Scaling mode"
G_THRESHOLD = "Threshold mode"
G_LIMITS = "Limits"
G_DECREASES = "When decreases may happen"
G_GRANULAR = "Granular scaling (threshold mode)"
G_TARGET = "Target mode"
G_METRICS = "Metrics"
G_BREAKER = "Circuit breaker"
G_COEXIST = "AWS Application Auto Scaling"
G_NOTIFY = "Notifications"
G_AWS = "AWS access"
G_FLEET = "Accounts and regions"
G_CALLS = "Checks and AWS calls"
G_LEASES = "Several replicas: the lease table"
G_LOGGING = "Logging"
GROUPS = (G_SWITCHES, G_MODE, G_THRESHOLD, G_LIMITS, G_DECREASES, G_GRANULAR, G_TARGET,
          G_METRICS, G_AWS, G_FLEET, G_CALLS, G_LEASES, G_BREAKER, G_COEXIST, G_NOTIFY,
          G_LOGGING)

_DIMENSIONS = (("reads", "reads", "read"), ("writes", "writes", "write"))


def _dim(template: str, field: str, parse: Parser | None, help: str, group: str, *,
         parse_for: Callable[[str], Parser] | None = None, **extra: Any) -> list[OptionSpec]:
    """The reads and writes spellings of one dimension option.

    In the name, the help, ``unit`` and ``unset``, ``{rw}`` is "reads" or "writes" and
    ``{r_w}`` "read" or "write" (in prose: "reads / writes" for the pair), and ``{n}``
    the same within another option's name ("*" for the pair: increase-*-unit).
    ``parse_for(rw)`` builds a parser whose messages name the dimension.
    """
    both = {"rw": "reads / writes", "r_w": "read / write", "n": "*"}
    texts = (help, extra.pop("unit", ""), extra.pop("unset", ""))
    specs = []
    for dim, rw, r_w in _DIMENSIONS:
        words = {"rw": rw, "r_w": r_w, "n": rw}
        one = tuple(text.format(**words) for text in texts)
        parser = parse_for(rw) if parse_for is not None else parse
        assert parser is not None, template
        specs.append(OptionSpec(
            template.format(**words), "table", field, parser, one[0], group, dim,
            unit=one[1], unset=one[2], both=(texts[0].format(**both), texts[1].format(**both),
                                            texts[2].format(**both)), **extra))
    return specs


def _table(name: str, field: str, parse: Parser, help: str, group: str,
           **extra: Any) -> OptionSpec:
    return OptionSpec(name, "table", field, parse, help, group, **extra)


TABLE_OPTIONS: tuple[OptionSpec, ...] = tuple(
    _dim("enable-{rw}-autoscaling", "enabled", parse_bool,
         "Scale {rw} at all (alarms are still raised when off).", G_SWITCHES, metavar=_BOOL)
    + _dim("enable-{rw}-up-scaling", "up_scaling", parse_bool,
           "Allow increases of {rw}.", G_SWITCHES, metavar=_BOOL)
    + _dim("enable-{rw}-down-scaling", "down_scaling", parse_bool,
           "Allow decreases of {rw}.", G_SWITCHES, metavar=_BOOL)
    + [_table("scaling-mode", "scaling_mode", parse_mode,
              "How the capacity is chosen: threshold (the original's algorithm: the "
              "thresholds and steps below) or target (capacity for the demand a few "
              "minutes ahead at target-*-utilisation, demand being consumed plus throttled "
              "requests; it plans its own decreases and tunes itself each night; README, "
              "Target mode). In target mode an unset check-interval, lookback-window-start "
              "and lookback-period take the values it was designed for (60 s, 7, 7).",
              G_MODE,
              metavar="threshold|target")]
    + _dim("{rw}-upper-threshold", "upper_threshold", _percent,
           "Increase {rw} when the consumed capacity, as a percent of provisioned over the "
           "lookback window, is strictly above this.", G_THRESHOLD,
           unit="percent", metavar="PERCENT")
    + _dim("{rw}-lower-threshold", "lower_threshold", _percent,
           "Decrease {rw} when the consumed capacity, as a percent of provisioned over the "
           "lookback window, is strictly below this.", G_THRESHOLD,
           unit="percent", metavar="PERCENT")
    + _dim("throttled-{rw}-upper-threshold", "throttled_upper_threshold",
           non_negative(parse_int),
           "Increase {rw} when the throttle events in the lookback window exceed this "
           "number; 0 turns this trigger off. A decrease is held while there are more "
           "throttle events than this (with 0: any throttle event holds a decrease).",
           G_THRESHOLD, unit="throttle events", metavar="EVENTS")
    + _dim("increase-{rw}-with", "increase_with", None,
           "Step of an increase of {rw}; an increase in percent starts from the consumed "
           "level when that is higher. Increases round up.",
           G_THRESHOLD, unit="percent or units (increase-{n}-unit)", metavar="STEP",
           parse_for=lambda rw: _nonzero_step("increase", f"enable-{rw}-up-scaling"))
    + _dim("increase-{rw}-unit", "increase_unit", parse_unit,
           "Unit of increase-{n}-with: percent (of the current capacity) or units "
           "(capacity units).", G_THRESHOLD, metavar=_UNIT)
    + _dim("decrease-{rw}-with", "decrease_with", None,
           "Step of a decrease of {rw}. Decreases round the step down.", G_THRESHOLD,
           unit="percent or units (decrease-{n}-unit)", metavar="STEP",
           parse_for=lambda rw: _nonzero_step("decrease", f"enable-{rw}-down-scaling"))
    + _dim("decrease-{rw}-unit", "decrease_unit", parse_unit,
           "Unit of decrease-{n}-with: percent (of the current capacity) or units "
           "(capacity units).", G_THRESHOLD, metavar=_UNIT)
    + _dim("min-provisioned-{rw}", "min_provisioned", _capacity,
           "Never provision fewer {rw} than this; a table below it is raised at the next "
           "check.", G_LIMITS, unit="capacity units", metavar="UNITS",
           unset="1, DynamoDB's minimum", example="5")
    + _dim("max-provisioned-{rw}", "max_provisioned", _capacity,
           f"Never provision more {{rw}} than this (at most {MAX_CONFIGURABLE_CAPACITY}); a "
           f"table above it is lowered at the next check.", G_LIMITS,
           unit="capacity units", metavar="UNITS",
           unset=f"{DEFAULT_MAX_CAPACITY}, DynamoDB's default per-table quota",
           example="1000")
    + _dim("num-{r_w}-checks-before-scale-down", "checks_before_scale_down",
           positive(parse_int),
           "Decrease {rw} only after this many consecutive checks wanted a decrease; a "
           "check that does not want one starts the count again.", G_DECREASES,
           unit="checks", metavar="N")
    + _dim("num-{r_w}-checks-reset-percent", "checks_reset_percent", _percent,
           "With more than one check required before a decrease of {rw}, a check whose "
           "consumed % is at or above this also starts the count again; 0 turns this off.",
           G_DECREASES, unit="percent", metavar="PERCENT")
    + _dim("allow-scaling-down-{rw}-on-0-percent", "allow_scale_down_at_0_percent",
           parse_bool, "Allow decreases of {rw} when nothing at all was consumed (0 %).",
           G_DECREASES, metavar=_BOOL)
    + [
        _table("always-decrease-rw-together", "always_decrease_rw_together", parse_bool,
               "Hold a decrease of one dimension unless the other one wants a decrease too "
               "(fewer decreases; each of them lowers both).", G_DECREASES, metavar=_BOOL),
        _table("maintenance-windows", "maintenance_windows", parse_windows,
               "UTC time slots in which decreases may happen, comma-separated; a slot may "
               "wrap midnight (23:00-01:00) and includes both ends.", G_DECREASES,
               metavar="HH:MM-HH:MM,...", unset="any time",
               example="22:00-23:59,00:00-06:00"),
        _table("min-decrease-saving-percent", "decrease_plan.min_saving_percent", _percent,
               "DynamoDB allows 4 free decreases per table (and per GSI) and UTC day, then "
               "one per hour: a decrease must save at least this percent of the current "
               "capacity, or it is not worth one of them. Threshold mode (the target mode "
               "plans its own decreases).", G_DECREASES, unit="percent",
               metavar="PERCENT"),
        _table("min-decrease-saving-units", "decrease_plan.min_saving_units",
               non_negative(parse_int),
               "A decrease must also save at least this many capacity units (threshold "
               "mode).", G_DECREASES,
               unit="capacity units", metavar="UNITS"),
        _table("decrease-pacing", "decrease_plan.pacing", parse_bool,
               "Spread the free decreases over the UTC day: while the last decrease is less "
               "than an hour old, the n-th decrease of the day waits until (n - 1) x 6 h "
               "UTC. Threshold mode (the target mode plans its own decreases).",
               G_DECREASES, metavar=_BOOL),
    ]
    + _dim("increase-consumed-{rw}-unit", "increase_consumed_unit", parse_unit,
           "Unit of increase-consumed-{n}-with and of the steps of "
           "increase-consumed-{n}-scale.", G_GRANULAR, metavar=_UNIT,
           unset="increase-{n}-unit", example="percent")
    + _dim("increase-consumed-{rw}-with", "increase_consumed_with", None,
           "Step of an increase of {rw} above {n}-upper-threshold, in place of "
           "increase-{n}-with (the throttle trigger keeps increase-{n}-with).", G_GRANULAR,
           unit="percent or units (increase-consumed-{n}-unit)", metavar="STEP",
           unset="increase-{n}-with", example="50",
           parse_for=lambda rw: _nonzero_step("increase", f"enable-{rw}-up-scaling"))
    + _dim("increase-consumed-{rw}-scale", "increase_consumed_scale", parse_scale,
           "Step table of increases of {rw} by consumed % of provisioned; replaces "
           "{n}-upper-threshold.", G_GRANULAR, metavar=_SCALE,
           example="{0: 0, 80: 10, 100: 100}")
    + _dim("increase-throttled-by-provisioned-{rw}-unit",
           "increase_throttled_by_provisioned_unit", parse_unit,
           "Unit of the steps of increase-throttled-by-provisioned-{n}-scale.", G_GRANULAR,
           metavar=_UNIT, unset="increase-{n}-unit", example="percent")
    + _dim("increase-throttled-by-provisioned-{rw}-scale",
           "increase_throttled_by_provisioned_scale", parse_scale,
           "Step table of extra increases of {rw} by throttle events per second as a percent "
           "of provisioned capacity.", G_GRANULAR, metavar=_SCALE,
           example="{0: 0, 0.25: 5, 0.5: 10, 1: 20, 2: 50, 5: 100}")
    + _dim("increase-throttled-by-consumed-{rw}-unit",
           "increase_throttled_by_consumed_unit", parse_unit,
           "Unit of the steps of increase-throttled-by-consumed-{n}-scale.", G_GRANULAR,
           metavar=_UNIT, unset="increase-{n}-unit", example="percent")
    + _dim("increase-throttled-by-consumed-{rw}-scale",
           "increase_throttled_by_consumed_scale", parse_scale,
           "Step table of extra increases of {rw} by throttle events per second as a percent "
           "of consumed capacity.", G_GRANULAR, metavar=_SCALE,
           example="{0: 0, 0.25: 5, 0.5: 10, 1: 20, 2: 50, 5: 100}")
    + _dim("decrease-consumed-{rw}-unit", "decrease_consumed_unit", parse_unit,
           "Unit of decrease-consumed-{n}-with and of the steps of "
           "decrease-consumed-{n}-scale.", G_GRANULAR, metavar=_UNIT,
           unset="decrease-{n}-unit", example="percent")
    + _dim("decrease-consumed-{rw}-with", "decrease_consumed_with", None,
           "Step of a decrease of {rw} below {n}-lower-threshold, in place of "
           "decrease-{n}-with.", G_GRANULAR,
           unit="percent or units (decrease-consumed-{n}-unit)", metavar="STEP",
           unset="decrease-{n}-with", example="50",
           parse_for=lambda rw: _nonzero_step("decrease", f"enable-{rw}-down-scaling"))
    + _dim("decrease-consumed-{rw}-scale", "decrease_consumed_scale", parse_scale,
           "Step table of decreases of {rw} by consumed % of provisioned; replaces "
           "{n}-lower-threshold (also for GSIs, unlike the original).", G_GRANULAR,
           metavar=_SCALE, example="{10: 90, 25: 50}")
    + _dim("target-{rw}-utilisation", "target_utilisation", positive(parse_float),
           "Target mode: the consumed % of provisioned {rw} to aim for (at most 100).",
           G_TARGET, unit="percent", metavar="PERCENT")
    + _dim("target-{rw}-constants", "target_constants", parse_target_constants,
           "Target mode: auto (each UTC night the {rw} replay their last day through the "
           "mode's four sets of constants and AWS native at 70 and 90 %, and run the next "
           "day with the best) or one set pinned: v1, f1, spiky75 or smooth (README, Target "
           "mode).", G_TARGET, metavar="auto|v1|f1|spiky75|smooth")
    + [
        # CloudWatch keeps one-minute data for 15 days.
        _table("lookback-window-start", "lookback_window_start",
               at_most(positive(parse_int), 15 * 24 * 60, " minutes (15 days)"),
               "The CloudWatch window read each check starts this many minutes ago (the "
               "original read 15 to 10 minutes ago; DynamoDB's metrics arrive within about "
               "3 minutes, so 8 to 3 minutes ago is fresher). Unset in target mode: 7.",
               G_METRICS,
               unit="minutes ago", metavar="MINUTES"),
        _table("lookback-period", "lookback_period",
               at_most(positive(parse_int), 24 * 60, " minutes (a day)"),
               "Length of the CloudWatch window read each check; not longer than "
               "lookback-window-start, or the window would reach the future. Unset in "
               "target mode: lookback-window-start (a window up to now; 7).", G_METRICS,
               unit="minutes", metavar="MINUTES"),
        _table("metrics-publication-allowance", "metrics_publication_allowance",
               at_most(non_negative(parse_int), 60, " minutes (an hour)"),
               "DynamoDB publishes no datapoint for a minute without requests, and "
               "publishes minutes late: a minute of the window without a datapoint counts "
               "as idle (0) when a later minute has one or when it ended at least this many "
               "minutes ago; otherwise it is not known yet and left out, never read as 0. "
               "The default, 3, is the most patient with which the default window (8 to 3 "
               "minutes ago) still knows every minute of an idle table.", G_METRICS,
               unit="minutes", metavar="MINUTES"),
        _table("circuit-breaker-url", "circuit_breaker_url", parse_url,
               "Circuit breaker for these tables; overrides the global one (see [global]).",
               G_BREAKER, acts_in=_LIVE, flag=False, secret=True,
               unset="the [global] circuit-breaker-url",
               example="http://my.service.com/v1/is_up"),
        _table("circuit-breaker-timeout", "circuit_breaker_timeout_ms", _breaker_timeout,
               "Timeout of these tables' circuit-breaker request; overrides the global one.",
               G_BREAKER, unit="milliseconds", metavar="MS", acts_in=_LIVE, flag=False),
        _table("circuit-breaker-freezes-increases", "breaker_freezes_increases", parse_bool,
               "Also hold increases while the circuit breaker is open (the original held "
               "every change; by default only decreases are held).", G_BREAKER,
               metavar=_BOOL, acts_in=_LIVE),
        _table("ignore-aws-autoscaling", "ignore_aws_autoscaling", parse_bool,
               "Manage tables that have an AWS Application Auto Scaling policy too (two "
               "scalers would fight over the capacity; by default such tables are left "
               "alone).", G_COEXIST, metavar=_BOOL, acts_in=_LIVE),
        _table("accounts", "accounts", parse_account_names,
               "Apply this section only to the targets of these [account: NAME] sections, "
               "comma-separated; a table of another account is not matched by it.", G_FLEET,
               metavar="NAME,...", acts_in=_LIVE, flag=False, unset="every target",
               example="prod, staging"),
        _table("sns-topic-arn", "sns_topic_arn", parse_sns_arn,
               "SNS topic to send events to (every event is logged either way).", G_NOTIFY,
               metavar="ARN", acts_in=_DAEMON_ONLY, unset="no SNS",
               example="arn:aws:sns:us-east-1:123456789012:dynamic-dynamodb"),
        _table("sns-message-types", "sns_message_types", parse_sns_types,
               "Which events go to the SNS topic, comma-separated: scale-up, scale-down, "
               "high-throughput-alarm, low-throughput-alarm, error.", G_NOTIFY,
               metavar="TYPE,...", acts_in=_DAEMON_ONLY,
               example="scale-up, scale-down, error"),
    ]
    + _dim("{rw}-upper-alarm-threshold", "upper_alarm_threshold", _percent,
           "Raise a high-throughput-alarm event when consumed {rw} go above this percent of "
           "provisioned (once, when the state starts); 0 turns the alarm off.", G_NOTIFY,
           unit="percent", metavar="PERCENT", acts_in=_DAEMON_ONLY)
    + _dim("{rw}-lower-alarm-threshold", "lower_alarm_threshold", _percent,
           "Raise a low-throughput-alarm event when consumed {rw} go below this percent of "
           "provisioned (once, when the state starts); 0 turns the alarm off.", G_NOTIFY,
           unit="percent", metavar="PERCENT", acts_in=_DAEMON_ONLY)
)

GLOBAL_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("region", "global", "region", parse_region,
               "AWS region of the tables.", G_AWS, metavar="REGION", acts_in=_AWS, short="-r",
               unset="boto3's chain (AWS_REGION, AWS_DEFAULT_REGION, the profile's region), "
                     "then us-east-1", example="us-east-1"),
    OptionSpec("profile", "global", "profile", parse_non_empty,
               "Named profile from ~/.aws/config to use.", G_AWS, metavar="NAME",
               acts_in=_AWS, unset="boto3's standard chain", example="production"),
    OptionSpec("aws-access-key-id", "global", "aws_access_key_id", parse_non_empty,
               "AWS access key id; give it with the secret key, or neither: the standard "
               "credential chain (environment, profile, instance role) is safer than keys "
               "in a file.", G_AWS, metavar="KEY", acts_in=_AWS, secret=True,
               unset="the standard credential chain", example="AKIAIOSFODNN7EXAMPLE"),
    # The natural spelling first (it names the field in --show-config), then the original's.
    OptionSpec("aws-secret-access-key", "global", "aws_secret_access_key", parse_non_empty,
               "AWS secret access key, with aws-access-key-id; also spelled "
               "aws-secret-access-key-id (the original's spelling; give only one). Never "
               "shown by --show-config or in messages.", G_AWS, metavar="KEY", acts_in=_AWS,
               secret=True, unset="the standard credential chain",
               example="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    OptionSpec("aws-secret-access-key-id", "global", "aws_secret_access_key", parse_non_empty,
               "The original's spelling of aws-secret-access-key.", G_AWS, metavar="KEY",
               acts_in=_AWS, flag=False, secret=True, unset="the standard credential chain",
               example="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    OptionSpec("check-interval", "global", "check_interval",
               at_most(positive(parse_int), 24 * 3600, " seconds (a day)"),
               "Seconds between two checks of every table. Unset, and every table and "
               "GSI section in target mode: 60 (the target mode's design); else 300.",
               G_CALLS, unit="seconds",
               metavar="SECONDS", acts_in=_REPLAYED),
    OptionSpec("circuit-breaker-url", "global", "circuit_breaker_url", parse_url,
               "Circuit breaker for every table and GSI without one of its own: before "
               "scaling down, this URL is fetched (GET, with headers x-table-name and "
               "x-gsi-name); any answer other than 2xx, a timeout or a refused connection "
               "holds decreases (and, with circuit-breaker-freezes-increases, increases "
               "too). user:password@ in the URL is sent as basic auth and shown as "
               "user:***@.", G_BREAKER, metavar="URL", acts_in=_LIVE, secret=True,
               unset="no breaker", example="http://user:password@my.service.com/v1/is_up"),
    OptionSpec("circuit-breaker-timeout", "global", "circuit_breaker_timeout_ms",
               _breaker_timeout, "Timeout of the circuit-breaker request.", G_BREAKER,
               unit="milliseconds", metavar="MS", acts_in=_LIVE),
    OptionSpec("describe-concurrency", "global", "describe_concurrency", positive(parse_int),
               "How many tables are described at once, each check.", G_CALLS,
               unit="tables", metavar="N", acts_in=_LIVE),  # advise describes in turn
    OptionSpec("description-max-age", "global", "description_max_age",
               at_most(positive(parse_int), 24 * 3600, " seconds (a day)"),
               "Seconds a table's DescribeTable answer is reused. It is described again "
               "sooner when CloudWatch's ProvisionedRead/WriteCapacityUnits disagree with "
               "it, when it was not ACTIVE, after this process's own UpdateTable, and "
               "always right before an UpdateTable; no decision rests on an answer older "
               "than this. At most check-interval: described every cycle.",
               G_CALLS, unit="seconds", metavar="SECONDS", acts_in=_LIVE),
    OptionSpec("slow-check-interval", "global", "slow_check_interval",
               at_most(at_least(parse_int, 0, " (0 turns slow checks off)"), 24 * 3600,
                       " seconds (a day)"),
               "Seconds between two checks of a quiet table or GSI: calm at its last check "
               "(use known, below half its trigger, no throttling) and either at its "
               "min-provisioned or worth less in any decrease than its CloudWatch reads "
               "cost. Throttling or high use puts it back on check-interval at once. 0 or "
               "at most check-interval: every table every cycle.", G_CALLS, unit="seconds",
               metavar="SECONDS", acts_in=_LIVE),
    OptionSpec("connect-timeout", "global", "connect_timeout", _aws_timeout,
               "Seconds to wait for a connection to AWS.", G_CALLS, unit="seconds",
               metavar="SECONDS", acts_in=_AWS),
    OptionSpec("read-timeout", "global", "read_timeout", _aws_timeout,
               "Seconds to wait for an answer from AWS.", G_CALLS, unit="seconds",
               metavar="SECONDS", acts_in=_AWS),
    OptionSpec("max-attempts", "global", "max_attempts", positive(parse_int),
               "Attempts per AWS call, retries included (botocore's standard retry mode).",
               G_CALLS, unit="attempts", metavar="N", acts_in=_AWS,
               unset="boto3's chain (AWS_MAX_ATTEMPTS, the profile), else 3", example="5"),
    OptionSpec("describe-rate", "global", "describe_rate",
               at_most(positive(parse_float), 2500, " calls per second (DynamoDB's "
                       "control-plane limit)"),
               "DescribeTable calls per second of one target (an account in one region), "
               "and the default of each [account] section's describe-rate. DynamoDB "
               "throttles control-plane calls at 2,500 per second per account and region, "
               "shared by every tool of the account.", G_FLEET,
               unit="calls per second", metavar="RATE", acts_in=_LIVE,
               unset=f"not paced without [account] sections; {DEFAULT_DESCRIBE_RATE:g} per "
                     f"second for each [account] target", example="50"),
    OptionSpec("target-concurrency", "global", "target_concurrency",
               at_most(positive(parse_int), 1000, " targets"),
               "How many targets (an account in one region each) run their cycles at once; "
               "a target never waits for another unless more than this many are due "
               "together.", G_FLEET, unit="targets", metavar="N", acts_in=_LIVE),
    OptionSpec("failures-before-error", "global", "failures_before_error",
               positive(parse_int),
               "After this many checks in a row in which a table failed (AWS errors), an "
               "\"error\" event is logged and sent to the table's SNS topic if it subscribes "
               "to \"error\".", G_CALLS, unit="checks", metavar="N", acts_in=_DAEMON_ONLY),
    OptionSpec("lease-table", "global", "lease_table", parse_table_name,
               "Share the work with other replicas through this DynamoDB table (created on "
               "demand, on-demand billing): each target is served by one replica at a time, "
               "holding its lease, and taken over when that replica stops renewing it.",
               G_LEASES, metavar="NAME", acts_in=_LIVE, unset="no coordination",
               example="dynamic-dynamodb-leases"),
    OptionSpec("worker-id", "global", "worker_id", parse_non_empty,
               "This replica's name in the lease table; unique among the replicas.",
               G_LEASES, metavar="NAME", acts_in=_DAEMON_ONLY, unset="host name:process id",
               example="scaler-a"),
    OptionSpec("lease-duration", "global", "lease_duration",
               at_most(at_least(parse_float, 3, " seconds"), 3600, " seconds (an hour)"),
               "Seconds a lease lasts without renewal: a stopped replica's targets are taken "
               "over after about this long. It must be at least 1.5 times connect-timeout + "
               "read-timeout (a replica stops acting max(a third of it, those timeouts) "
               "before its lease could expire).", G_LEASES, unit="seconds",
               metavar="SECONDS", acts_in=_DAEMON_ONLY),
    OptionSpec("lease-region", "global", "lease_region", parse_region,
               "AWS region of the lease table.", G_LEASES, metavar="REGION", acts_in=_LIVE,
               unset="the global region", example="us-east-1"),
    OptionSpec("lease-profile", "global", "lease_profile", parse_non_empty,
               "Named profile of ~/.aws/config for the lease table's calls.", G_LEASES,
               metavar="NAME", acts_in=_LIVE, unset="the global credentials",
               example="coordination"),
)

LOGGING_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("log-level", "logging", "level", parse_log_level,
               "Log level: debug, info, warning, error or critical.", G_LOGGING,
               metavar="LEVEL", acts_in=_DAEMON_ONLY),
    OptionSpec("log-file", "logging", "file", parse_str,
               "Log file, rotated at 10 MB (5 kept).", G_LOGGING, metavar="FILE",
               acts_in=_DAEMON_ONLY, unset="stderr", example="/var/log/dynamic-dynamodb.log"),
    OptionSpec("log-config-file", "logging", "config_file", parse_str,
               "A Python logging configuration file (logging.config.fileConfig's INI "
               "format); when given, log-level, log-file and log-format are ignored.",
               G_LOGGING, metavar="FILE", acts_in=_DAEMON_ONLY,
               example="/etc/dynamic-dynamodb/logging.conf"),
    OptionSpec("log-format", "logging", "format", parse_log_format,
               "Log line format: text, or json (one object per line, for log pipelines).",
               G_LOGGING, metavar="text|json", acts_in=_DAEMON_ONLY),
)

def _account(name: str, field: str, parse: Parser, help: str, **extra: Any) -> OptionSpec:
    return OptionSpec(name, "account", field, parse, help, G_FLEET, acts_in=_LIVE,
                      flag=False, **extra)


# [account: NAME] sections: file only (each section is one account, no flags).
ACCOUNT_OPTIONS: tuple[OptionSpec, ...] = (
    _account("profile", "profile", parse_non_empty,
             "Named profile of the standard AWS config (~/.aws/config) for this account; "
             "the profile may itself assume a role (role_arn, source_profile).",
             metavar="NAME", unset="the default credentials ([global] profile or keys, "
                                   "else boto3's chain)", example="production"),
    _account("role-arn", "role_arn", parse_role_arn,
             "IAM role to assume in this account, from this section's profile or else the "
             "default credentials; the temporary credentials are refreshed before they "
             "expire.", metavar="ARN", unset="none (the credentials are used as they are)",
             example="arn:aws:iam::123456789012:role/dynamic-dynamodb"),
    _account("external-id", "external_id", parse_external_id,
             "External id the role's trust policy requires (sts:ExternalId), with role-arn.",
             metavar="ID", unset="none", example="dynamic-dynamodb-prod"),
    _account("role-session-name", "role_session_name", parse_session_name,
             "Session name of the assumed role, as CloudTrail shows it, with role-arn.",
             metavar="NAME"),
    _account("regions", "regions", parse_regions,
             "The account's regions, comma-separated: each one is a target NAME/REGION.",
             metavar="REGION,...", unset="the [global] region", example="eu-west-1, us-east-1"),
    _account("describe-rate", "describe_rate",
             at_most(positive(parse_float), 2500, " calls per second (DynamoDB's "
                     "control-plane limit)"),
             "DescribeTable calls per second of each of this account's targets (one bucket "
             "per region: DynamoDB's control-plane limit is per account and region).",
             unit="calls per second", metavar="RATE",
             unset=f"[global] describe-rate, else {DEFAULT_DESCRIBE_RATE:g}", example="50"),
)

ALL_OPTIONS: tuple[OptionSpec, ...] = (GLOBAL_OPTIONS + LOGGING_OPTIONS + TABLE_OPTIONS
                                       + ACCOUNT_OPTIONS)

OPTIONS_BY_KIND: Mapping[str, tuple[OptionSpec, ...]] = {
    "global": GLOBAL_OPTIONS, "logging": LOGGING_OPTIONS, "table": TABLE_OPTIONS,
    "account": ACCOUNT_OPTIONS}


def by_name(specs: tuple[OptionSpec, ...]) -> dict[str, OptionSpec]:
    return {spec.name: spec for spec in specs}


def flags(place: str = DAEMON) -> tuple[OptionSpec, ...]:
    """The options offered as command-line flags where ``place`` runs, in --help order."""
    order = {group: index for index, group in enumerate(GROUPS)}
    chosen = [spec for spec in ALL_OPTIONS if spec.flag and spec.acts(place)]
    return tuple(sorted(chosen, key=lambda spec: order[spec.group]))
