"""The one typed, frozen configuration tree (a leaf: config/ builds it, core/ reads it).

Built once by the loader (command line and/or INI file), validated completely,
then passed explicitly to everything that needs it. Reads and writes share one
``DimensionPolicy`` type; tables and GSIs share one ``ResourcePolicy`` type.
Defaults are the original Dynamic DynamoDB's, except where the README says
otherwise (min/max optional, lookback window).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

Unit = Literal["percent", "units"]
ScalingMode = Literal["threshold", "target"]

# DynamoDB's default per-table quota; "no max" means this.
DEFAULT_MAX_CAPACITY = 40_000
MIN_CAPACITY = 1
# The largest min- or max-provisioned a configuration may name. DynamoDB's per-table
# quota is 40,000 units by default and raised on request, with no published ceiling;
# 25 times the default is beyond any raise we know of, while a larger number is far
# likelier a typo (an extra zero or two, 10^23) than a quota, and would let one bad
# decision provision and bill millions of units.
MAX_CONFIGURABLE_CAPACITY = 1_000_000
# metrics-publication-allowance: a minute without a datapoint that ended this many
# minutes ago or more is idle (0), not "not published yet" (core/minutes.py). DynamoDB's
# minutes usually arrive 1-2 minutes late; 3 is the most patient value with which the
# default window (8 to 3 minutes ago) still sees an idle table's every minute as known.
DEFAULT_PUBLICATION_ALLOWANCE_MINUTES = 3



@dataclass(frozen=True)
class ModeDefaults:
    """The settings a scaling mode was designed and measured with: the defaults of the
    options a user leaves unset (config/loader.py)."""

    check_interval: int
    lookback_window_start: int
    lookback_period: int


# The target mode's: a check a minute (it plans per minute, and an increase should land
# as soon as the demand shows), a window from 7 minutes ago up to now: the freshest
# minute CloudWatch has published is in it (usually 2-3 minutes ago), and a minute
# published up to 4 minutes late still is (core/target.py learns every known minute).
TARGET_MODE_DEFAULTS = ModeDefaults(check_interval=60, lookback_window_start=7,
                                    lookback_period=7)

# The target mode's sets of constants (core/target_rule.py CANDIDATES, in order), which
# target-*-constants may pin; "auto": the nightly tuning picks.
TARGET_CANDIDATE_NAMES = ("v1", "f1", "spiky75", "smooth")

# Where each value that is not a built-in default was set, by field path
# ("reads.upper_threshold", "lookback_window_start"): "command line" or
# "<file> [<section>]". The loader fills it; it takes no part in equality.
Origins = Mapping[str, str]


def _no_origins() -> Origins:
    return {}

SNS_MESSAGE_TYPES = frozenset(
    {"scale-up", "scale-down", "high-throughput-alarm", "low-throughput-alarm", "error"}
)

# A step table such as {0: 0, 80: 10, 100: 100}, kept as sorted (key, value) pairs.
ScaleTable = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class MaintenanceWindow:
    """A UTC time slot, in minutes after midnight; may wrap midnight (start > end)."""

    start_minute: int
    end_minute: int

    def __str__(self) -> str:
        return (
            f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}-"
            f"{self.end_minute // 60:02d}:{self.end_minute % 60:02d}"
        )


@dataclass(frozen=True)
class DimensionPolicy:
    """How one dimension (reads or writes) of a table or GSI is scaled."""

    enabled: bool = True
    up_scaling: bool = True
    down_scaling: bool = True
    upper_threshold: float = 90.0
    lower_threshold: float = 30.0
    throttled_upper_threshold: int = 0  # 0 disables the throttle trigger
    increase_with: float = 50.0
    increase_unit: Unit = "percent"
    decrease_with: float = 50.0
    decrease_unit: Unit = "percent"
    min_provisioned: int | None = None  # None: DynamoDB's minimum, 1
    max_provisioned: int | None = None  # None: DynamoDB's default quota, 40,000
    checks_before_scale_down: int = 1
    checks_reset_percent: float = 0.0
    allow_scale_down_at_0_percent: bool = False
    upper_alarm_threshold: float = 0.0  # 0 disables
    lower_alarm_threshold: float = 0.0  # 0 disables
    # Granular scaling (the original's names without the dimension).
    increase_consumed_unit: Unit | None = None
    increase_consumed_with: float | None = None
    increase_consumed_scale: ScaleTable | None = None
    increase_throttled_by_provisioned_unit: Unit | None = None
    increase_throttled_by_provisioned_scale: ScaleTable | None = None
    increase_throttled_by_consumed_unit: Unit | None = None
    increase_throttled_by_consumed_scale: ScaleTable | None = None
    decrease_consumed_unit: Unit | None = None
    decrease_consumed_with: float | None = None
    decrease_consumed_scale: ScaleTable | None = None
    # Target mode: the utilisation (percent of provisioned) to aim for. 90, not AWS's
    # usual 70: the mode's headroom comes from the trend and the burst bucket
    # (core/target.py; measured with `dynamic-dynamodb simulate`).
    target_utilisation: float = 90.0
    # Target mode: "auto" (each night the dimension replays its last day through the
    # rule's candidates and runs the best, core/tuning.py) or one candidate's name
    # (core/target_rule.py CANDIDATES), pinned.
    target_constants: str = "auto"

    @property
    def min_capacity(self) -> int:
        return max(MIN_CAPACITY, self.min_provisioned or MIN_CAPACITY)

    @property
    def max_capacity(self) -> int:
        return self.max_provisioned if self.max_provisioned is not None else DEFAULT_MAX_CAPACITY


@dataclass(frozen=True)
class DecreasePlan:
    """How the day's few decreases are spent (see core/budget.py)."""

    # A decrease must save at least this share of the current capacity...
    min_saving_percent: float = 10.0
    # ...and at least this many units, or it is not worth one of the day's decreases.
    min_saving_units: int = 1
    # Spread the quick (free) decreases over the UTC day; see core/budget.py.
    pacing: bool = True


@dataclass(frozen=True)
class ResourcePolicy:
    """Settings for a table or a GSI (the key is a regex matched from the start)."""

    key: str
    reads: DimensionPolicy = field(default_factory=DimensionPolicy)
    writes: DimensionPolicy = field(default_factory=DimensionPolicy)
    scaling_mode: ScalingMode = "threshold"
    always_decrease_rw_together: bool = False
    maintenance_windows: tuple[MaintenanceWindow, ...] = ()
    sns_topic_arn: str | None = None
    sns_message_types: frozenset[str] = frozenset()
    # Lookback window in minutes: from ``lookback_window_start`` minutes ago, for
    # ``lookback_period`` minutes. The original read 15..10 minutes ago; CloudWatch
    # publishes DynamoDB minutes within about 2-3 minutes, so 8..3 is safe and fresher.
    lookback_window_start: int = 8
    lookback_period: int = 5
    # See DEFAULT_PUBLICATION_ALLOWANCE_MINUTES.
    metrics_publication_allowance: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES
    circuit_breaker_url: str | None = None
    circuit_breaker_timeout_ms: float = 10_000.0
    # The original froze every change when the breaker was open; we only hold decreases
    # unless this is set.
    breaker_freezes_increases: bool = False
    # Manage even when an Application Auto Scaling policy exists (two scalers would fight).
    ignore_aws_autoscaling: bool = False
    decrease_plan: DecreasePlan = field(default_factory=DecreasePlan)
    # The [account: NAME] sections this section applies to; empty: every target.
    accounts: frozenset[str] = frozenset()
    origins: Origins = field(default_factory=_no_origins, compare=False, repr=False)

    def of(self, dim: str) -> DimensionPolicy:
        return self.reads if dim == "reads" else self.writes

    def matches(self, name: str) -> bool:
        return re.match(self.key, name) is not None


SectionT = TypeVar("SectionT", bound=ResourcePolicy)


@dataclass(frozen=True)
class SectionMatch(Generic[SectionT]):
    """The section that applies to a name: the first in file order whose key matches.
    ``also_matched`` holds the keys of later sections that match too (ignored)."""

    section: SectionT
    also_matched: tuple[str, ...] = ()


def first_match(sections: tuple[SectionT, ...], name: str) -> SectionMatch[SectionT] | None:
    matching = [s for s in sections if s.matches(name)]
    if not matching:
        return None
    return SectionMatch(matching[0], tuple(s.key for s in matching[1:]))


@dataclass(frozen=True)
class GsiPolicy(ResourcePolicy):
    """A ``[gsi: <regex> table: <table-key>]`` section."""

    table_key: str = ""


@dataclass(frozen=True)
class TablePolicy(ResourcePolicy):
    """A ``[table: <regex>]`` section with the GSI sections that name it."""

    gsis: tuple[GsiPolicy, ...] = ()

    def match_gsi(self, index_name: str) -> SectionMatch[GsiPolicy] | None:
        return first_match(self.gsis, index_name)

    def gsi_policy(self, index_name: str) -> GsiPolicy | None:
        """The first GSI section in file order whose key matches ``index_name``."""
        match = self.match_gsi(index_name)
        return None if match is None else match.section


@dataclass(frozen=True)
class LeaseTiming:
    """The clocks of a lease (fleet/leases.py), derived from two settings: one rule, used
    by the coordinator and by the configuration's validation.

    A worker may act on a target (send an UpdateTable) until ``validity`` seconds after
    it *sent* its last successful renewal; no other worker takes the lease before
    ``duration`` seconds after it saw that renewal, so ``margin`` seconds are left over.
    The margin covers the longest an UpdateTable checked just before the deadline may
    take to reach DynamoDB (``update_bound``: connect-timeout + read-timeout, updates
    being sent once) and at least a third of the duration for what timeouts do not bound
    (a paused process, a slow thread switch). Renewals come every ``renew_interval``, so
    one failed renewal never interrupts acting.
    """

    duration: float
    update_bound: float  # seconds one UpdateTable attempt may take

    @property
    def margin(self) -> float:
        return max(self.duration / 3, self.update_bound)

    @property
    def validity(self) -> float:
        return self.duration - self.margin

    @property
    def renew_interval(self) -> float:
        return min(self.duration / 3, self.validity / 2)

    @property
    def call_timeout(self) -> float:
        """Connect and read timeout of each lease-table call: two of them fit in half a
        renewal interval, so a round of renewals is never late because of one call."""
        return self.renew_interval / 4

    def problem(self) -> str | None:
        """Why these clocks leave too little time to act, or None. The margin may take at
        most two thirds of the duration: the duration must be at least 1.5 times the
        update bound."""
        if self.validity >= self.duration / 3 - 1e-9:
            return None
        return (f"lease-duration ({self.duration:g} s) must be at least 1.5 times "
                f"connect-timeout + read-timeout ({self.update_bound:g} s, the longest an "
                f"UpdateTable may take): a worker stops acting that long before its lease "
                f"could expire and needs a third of the lease to act; raise lease-duration "
                f"to {1.5 * self.update_bound:g} or lower the timeouts")


@dataclass(frozen=True)
class GlobalConfig:
    region: str | None = None  # None: boto3's chain (AWS_REGION, profile, ...)
    profile: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    check_interval: int = 300
    circuit_breaker_url: str | None = None
    circuit_breaker_timeout_ms: float = 10_000.0
    dry_run: bool = False
    # Concurrency and timeouts for AWS calls.
    describe_concurrency: int = 16
    # A DescribeTable answer is reused for up to this many seconds (core/polling.py).
    description_max_age: int = 900
    # A quiet table or GSI is checked every this many seconds; 0: every cycle.
    slow_check_interval: int = 900
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # None: boto3's chain decides (AWS_MAX_ATTEMPTS, the profile, or the mode's default).
    max_attempts: int | None = None
    # Repeated failures of one table before an ``error`` notification.
    failures_before_error: int = 3
    # DescribeTable calls per second of one target (account x region); None: not paced
    # without account sections, DEFAULT_DESCRIBE_RATE for [account] targets.
    describe_rate: float | None = None
    # How many targets' cycles run at once (a fleet; fleet/runner.py).
    target_concurrency: int = 16
    # Several replicas share the targets through a DynamoDB lease table (fleet/leases.py);
    # None: no coordination.
    lease_table: str | None = None
    worker_id: str | None = None  # None: host name and process id, at start-up
    lease_duration: float = 60.0
    lease_region: str | None = None  # None: the global region
    lease_profile: str | None = None  # None: the global credentials
    origins: Origins = field(default_factory=_no_origins, compare=False, repr=False)

    @property
    def lease_timing(self) -> LeaseTiming:
        return LeaseTiming(self.lease_duration, self.connect_timeout + self.read_timeout)


# DynamoDB's control plane (DescribeTable, UpdateTable, ListTables...) is throttled at
# 2,500 requests per second per account and region, shared by every tool of the
# account; an [account] target describes at most this many tables per second (2 %).
DEFAULT_DESCRIBE_RATE = 50.0
DEFAULT_ROLE_SESSION_NAME = "dynamic-dynamodb"
# The account name of the one target made of the global settings (no account sections).
DEFAULT_ACCOUNT = "default"


def target_id(account: str, region: str) -> str:
    """A target's id, ``prod/eu-west-1``: log prefixes, SNS attributes, labels, lease keys."""
    return f"{account}/{region}"


@dataclass(frozen=True)
class AccountConfig:
    """An ``[account: NAME]`` section: where and as whom its targets are reached.

    Each region of ``regions`` is one target, ``NAME/REGION``. Credentials: ``profile``
    (of the standard AWS config; it may itself assume a role), else the default ones
    ([global]'s, else boto3's chain); with ``role_arn``, that role is assumed from them.
    """

    name: str
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    regions: tuple[str, ...] = ()  # (): the global region
    describe_rate: float | None = None  # None: [global]'s, else DEFAULT_DESCRIBE_RATE
    origins: Origins = field(default_factory=_no_origins, compare=False, repr=False)


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "info"
    file: str | None = None
    config_file: str | None = None
    format: Literal["text", "json"] = "text"
    origins: Origins = field(default_factory=_no_origins, compare=False, repr=False)


@dataclass(frozen=True)
class Config:
    global_: GlobalConfig = field(default_factory=GlobalConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    tables: tuple[TablePolicy, ...] = ()
    source: str | None = None  # the config file's path, for messages and reload
    # The [account: NAME] sections, in file order; none: the global settings are the
    # one target, as before accounts existed.
    accounts: tuple[AccountConfig, ...] = ()

    @property
    def is_fleet(self) -> bool:
        """Whether the configuration names its targets ([account: NAME] sections): then
        every log line says which target it is about."""
        return bool(self.accounts)

    def match_table(self, table_name: str) -> SectionMatch[TablePolicy] | None:
        return first_match(self.tables, table_name)

    def table_policy(self, table_name: str) -> TablePolicy | None:
        """The first table section in file order whose key matches ``table_name``."""
        match = self.match_table(table_name)
        return None if match is None else match.section
