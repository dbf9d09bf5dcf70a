"""Cross-field checks of a built configuration.

Single values are checked by their parsers (options.py); what is checked here
needs several values at once (min above max, thresholds in the wrong order, a
lookback window reaching into the future). Each check returns ``Finding``s and
never raises: the loader places every finding at the file section or command
line it came from and reports them all together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dynamic_dynamodb.config import options
from dynamic_dynamodb.settings import (
    DEFAULT_MAX_CAPACITY,
    AccountConfig,
    DimensionPolicy,
    GlobalConfig,
    ResourcePolicy,
)


@dataclass(frozen=True)
class Finding:
    """One cross-field problem; ``options`` are the option names involved, first named."""

    message: str
    options: tuple[str, ...] = ()


def _option_names() -> dict[tuple[str, str | None], str]:
    return {(spec.field, spec.dimension): spec.name for spec in options.TABLE_OPTIONS}


_NAMES = _option_names()


def option_name(field: str, dimension: str | None = None) -> str:
    """The INI spelling of a model field, e.g. ("min_provisioned", "reads")."""
    return _NAMES[(field, dimension)]


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable regular expression, or None."""
    if not pattern:
        return "an empty key matches every name; write .* if that is meant"
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    return None


def _check_dimension(dim: str, p: DimensionPolicy, threshold_mode: bool) -> list[Finding]:
    def name(field: str) -> str:
        return option_name(field, dim)

    findings = []
    min_name, max_name = name("min_provisioned"), name("max_provisioned")
    if p.min_provisioned is not None and p.max_provisioned is not None:
        if p.min_provisioned > p.max_provisioned:
            findings.append(Finding(f"{min_name} ({p.min_provisioned}) is above {max_name} "
                                    f"({p.max_provisioned})", (min_name, max_name)))
    elif p.min_provisioned is not None and p.min_provisioned > DEFAULT_MAX_CAPACITY:
        findings.append(Finding(f"{min_name} ({p.min_provisioned}) is above the default maximum "
                                f"{DEFAULT_MAX_CAPACITY} (DynamoDB's default quota); set "
                                f"{max_name} as well", (min_name,)))

    # With step tables the thresholds are not what triggers that direction.
    lower, upper = name("lower_threshold"), name("upper_threshold")
    if p.lower_threshold >= p.upper_threshold and not p.increase_consumed_scale \
            and not p.decrease_consumed_scale:
        findings.append(Finding(f"{lower} ({p.lower_threshold:g}) must be below {upper} "
                                f"({p.upper_threshold:g})", (lower, upper)))

    # Consumed % is never below 0, so a lower threshold of 0 never triggers a decrease:
    # say so rather than let the user believe decreases are configured.
    if p.lower_threshold == 0 and threshold_mode and p.enabled and p.down_scaling \
            and not p.decrease_consumed_scale:
        findings.append(Finding(f"{lower} 0 can never trigger a decrease (consumed % is never "
                                f"below 0); to turn decreases off, set "
                                f"{name('down_scaling')}: false", (lower,)))

    low_alarm, high_alarm = name("lower_alarm_threshold"), name("upper_alarm_threshold")
    if p.lower_alarm_threshold > 0 and p.upper_alarm_threshold > 0 \
            and p.lower_alarm_threshold >= p.upper_alarm_threshold:
        findings.append(Finding(f"{low_alarm} ({p.lower_alarm_threshold:g}) must be below "
                                f"{high_alarm} ({p.upper_alarm_threshold:g})",
                                (low_alarm, high_alarm)))

    target = name("target_utilisation")
    if p.target_utilisation > 100:
        findings.append(Finding(f"{target} ({p.target_utilisation:g}) must be at most 100",
                                (target,)))
    return findings


def check_resource(policy: ResourcePolicy) -> list[Finding]:
    """Every cross-field rule of one table or GSI policy."""
    threshold_mode = policy.scaling_mode == "threshold"
    findings = (_check_dimension("reads", policy.reads, threshold_mode)
                + _check_dimension("writes", policy.writes, threshold_mode))
    if policy.lookback_period > policy.lookback_window_start:
        findings.append(Finding(
            f"lookback-period ({policy.lookback_period} min) is longer than "
            f"lookback-window-start ({policy.lookback_window_start} min ago): the window would "
            f"reach into the future, where CloudWatch has no data, and look idle",
            ("lookback-period", "lookback-window-start")))
    return findings


_KEY_OPTIONS = ("aws-access-key-id", "aws-secret-access-key", "aws-secret-access-key-id")


def check_global(glob: GlobalConfig) -> list[Finding]:
    findings = []
    if (glob.aws_access_key_id is None) != (glob.aws_secret_access_key is None):
        given, missing = (("aws-access-key-id", "aws-secret-access-key")
                          if glob.aws_secret_access_key is None
                          else ("aws-secret-access-key", "aws-access-key-id"))
        findings.append(Finding(f"{given} is set but {missing} is not; give both, or neither "
                                f"to use the standard AWS credential chain",
                                (given, *(n for n in _KEY_OPTIONS if n != given))))
    if glob.lease_table is not None:
        problem = glob.lease_timing.problem()
        if problem is not None:
            findings.append(Finding(problem, ("lease-duration", "connect-timeout",
                                              "read-timeout")))
    return findings


def check_account(account: AccountConfig) -> list[Finding]:
    """An [account: NAME] section's options that only mean something with a role."""
    if account.role_arn is not None:
        return []
    return [Finding(f"{name} is set but role-arn is not: it only applies to a role assumed "
                    f"with role-arn", (name,))
            for name, path in (("external-id", "external_id"),
                               ("role-session-name", "role_session_name"))
            if path in account.origins]


def check_accounts_named(policy: ResourcePolicy, known: Sequence[str]) -> list[Finding]:
    """A section's ``accounts`` must name [account: NAME] sections."""
    unknown = sorted(policy.accounts - set(known))
    if not unknown:
        return []
    if not known:
        return [Finding(f"names account{'s' * (len(unknown) > 1)} {', '.join(unknown)}, but "
                        f"there is no [account: NAME] section", ("accounts",))]
    return [Finding(f"names account{'s' * (len(unknown) > 1)} {', '.join(unknown)}, but no "
                    f"such [account: NAME] section exists (there are: {', '.join(known)})",
                    ("accounts",))]


def check_gsi_accounts(table: ResourcePolicy, gsi: ResourcePolicy) -> list[Finding]:
    """A GSI section restricted to accounts its table's section does not apply to would
    never apply there."""
    if not table.accounts or not gsi.accounts:
        return []
    outside = sorted(gsi.accounts - table.accounts)
    if not outside:
        return []
    return [Finding(f"names account{'s' * (len(outside) > 1)} {', '.join(outside)}, where "
                    f"its table's section [table: {table.key}] does not apply (accounts: "
                    f"{', '.join(sorted(table.accounts))})", ("accounts",))]
