"""How often a table is looked at, and what is asked about it: the rules that keep a
large fleet cheap to watch (issue 14, item 4). Pure: ``now`` is a parameter.

Three rules, each returning its verdict with a Reason:

* **Slow checks** (``quiet``). A table or GSI whose largest possible saving is worth
  less than watching it is checked every ``slow-check-interval`` instead of every
  cycle: when each scaled dimension is already at its floor (``min-provisioned``, or
  it may not decrease), or when taking every dimension down to its floor would save
  less per month than the resource's GetMetricData costs per month at the normal
  interval. Only while its last check was calm: both dimensions' use known, no throttle
  event (and the throttle events known), and use below half of the dimension's
  trigger (its upper threshold, or its target utilisation in target mode). A check
  that shows anything else puts it back on the normal interval at once, so an increase
  is delayed by at most one slow interval.
* **Fresh descriptions** (``description_due``). A DescribeTable answer is reused
  while it is younger than ``description-max-age`` minus one check interval (so a
  decision never rests on one older than the max age: cycles end within their
  interval), unless the table or a GSI was not ACTIVE or unusable, an UpdateTable's
  outcome is pending, or CloudWatch's ``Provisioned*CapacityUnits`` disagree with it
  (``provisioned_disagrees``). Right before an UpdateTable the loop always describes
  again (not a rule here: it is unconditional).
* **Series** (``needed_series``). A dimension that is not scaled and raises no alarm
  needs no series; every other dimension gets both its consumed and its throttle
  series (throttles drive increases and guard decreases: unknown throttles hold
  decreases, core/policy.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dynamic_dynamodb.core.types import (
    Described,
    Dimension,
    ProvisionedSeen,
    Reason,
    ResourceId,
    ResourceState,
    TableState,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, ResourcePolicy

# Provisioned capacity, us-east-1, per unit-hour (the figures simulate/ uses too).
USD_PER_UNIT_HOUR = {Dimension.READS: 0.00013, Dimension.WRITES: 0.00065}
HOURS_PER_MONTH = 720  # 30 days, as cost.py counts a month
# Below this share of its trigger a dimension's use is calm.
CALM_SHARE_OF_TRIGGER = 0.5
# CloudWatch publishes DynamoDB's Provisioned*CapacityUnits as five-minute data.
PROVISIONED_PERIOD = 300


@dataclass(frozen=True)
class Verdict:
    """A yes/no with its reason."""

    yes: bool
    reason: Reason


# -- slow checks ----------------------------------------------------------------------
def _can_decrease(p: DimensionPolicy) -> bool:
    return p.enabled and p.down_scaling


def monthly_saving_at_most(state: ResourceState, policy: ResourcePolicy) -> float:
    """USD a month saved by taking every dimension that may decrease down to its
    floor: the most any decrease of this resource could be worth."""
    total = 0.0
    for dim in Dimension:
        p = policy.of(dim.value)
        if _can_decrease(p):
            spare = max(0, state.provisioned(dim) - p.min_capacity)
            total += spare * USD_PER_UNIT_HOUR[dim] * HOURS_PER_MONTH
    return total


def _trigger(policy: ResourcePolicy, p: DimensionPolicy) -> float:
    return p.target_utilisation if policy.scaling_mode == "target" else p.upper_threshold


def _calm(policy: ResourcePolicy, state: ResourceState, usage: Usage | None) -> Reason | None:
    """Why the last check was not calm, or None when it was."""
    if usage is None:
        return Reason("usage-unknown", "its use was not known at the last check")
    for dim in Dimension:
        p = policy.of(dim.value)
        if not p.enabled:
            continue
        use = usage.known(dim)
        if use is None:
            return Reason("usage-unknown", f"{dim.value} use was not known at the last check")
        if use.throttles_gap():
            return Reason("throttles-unknown", f"{dim.value} throttle events not known")
        if use.throttle_events > 0:
            return Reason("throttled", f"{dim.value} throttled at the last check")
        limit = _trigger(policy, p) * CALM_SHARE_OF_TRIGGER
        pct = use.consumed_percent(state.provisioned(dim))
        if pct >= limit:
            return Reason("high-use", f"{dim.value} {pct:.1f} % used (calm below {limit:g} %)")
    return None


def quiet(state: ResourceState, policy: ResourcePolicy, usage: Usage | None,
          monitoring_usd_per_month: float) -> Verdict:
    """Whether this resource may be checked only every slow interval, from its state and
    the use its last check saw; ``monitoring_usd_per_month``: what watching it at the
    normal interval costs."""
    if not state.active:
        return Verdict(False, Reason("not-active", f"status {state.status}"))
    restless = _calm(policy, state, usage)
    if restless is not None:
        return Verdict(False, restless)
    scaled = [dim for dim in Dimension if policy.of(dim.value).enabled]
    at_floor = all(not _can_decrease(policy.of(dim.value))
                   or state.provisioned(dim) <= policy.of(dim.value).min_capacity
                   for dim in scaled)
    if at_floor:
        return Verdict(True, Reason("at-floor", "calm and at its floor: no decrease possible"))
    saving = monthly_saving_at_most(state, policy)
    if saving < monitoring_usd_per_month:
        return Verdict(True, Reason(
            "saving-below-cost", f"calm; any decrease saves at most ${saving:.2f}/month, "
                                 f"less than watching it costs (${monitoring_usd_per_month:.2f}"
                                 f"/month)"))
    return Verdict(False, Reason("worth-watching", f"a decrease could save ${saving:.2f}/month"))


def checks_every(slow_check_interval: int, check_interval: int) -> int:
    """Cycles between two checks of a quiet resource (1: slow checks off)."""
    if slow_check_interval <= check_interval:
        return 1
    return max(1, slow_check_interval // check_interval)


def check_due(cycle: int, last_checked: int | None, every: int) -> bool:
    """Whether a quiet resource last checked in cycle ``last_checked`` is due in ``cycle``."""
    return last_checked is None or cycle - last_checked >= every


# -- fresh descriptions ---------------------------------------------------------------
def _usable_and_active(resource: Described) -> bool:
    return isinstance(resource, ResourceState) and resource.active


def description_due(state: TableState | None, described_at: datetime | None, now: datetime,
                    max_age: int, check_interval: int, pending_update: bool) -> Verdict:
    """Whether the table must be described this cycle rather than its held description
    reused (see the module's doc for the rule)."""
    if state is None or described_at is None:
        return Verdict(True, Reason("not-held", "no description held"))
    if pending_update:
        return Verdict(True, Reason("pending-update", "an UpdateTable's outcome is pending"))
    if not all(_usable_and_active(resource) for resource in state.resources):
        return Verdict(True, Reason("not-settled", "not every part was ACTIVE and readable"))
    age = (now - described_at).total_seconds()
    if age >= max_age - check_interval:
        return Verdict(True, Reason("max-age", f"description {age:.0f} s old (max age "
                                               f"{max_age} s, less one check interval)"))
    return Verdict(False, Reason("held", f"description {age:.0f} s old"))


def refresh_early(ages: Mapping[str, float], due: int, max_age: int,
                  check_interval: int) -> list[str]:
    """Held descriptions to renew this cycle although not due yet, oldest first, so that
    renewals spread over the cycles instead of all falling due in the same one: in
    all, ``floor(tables x check_interval / max_age)`` a cycle, less those already due
    (rounded down: a few tables are simply renewed when due)."""
    if max_age <= check_interval or not ages:
        return []
    share = math.floor((len(ages) + due) * check_interval / max_age)
    wanted = max(0, share - due)
    return sorted(ages, key=lambda name: (-ages[name], name))[:wanted]


def provisioned_disagrees(state: TableState, described_at: datetime,
                          seen: Mapping[ResourceId, ProvisionedSeen]) -> Reason | None:
    """Why CloudWatch's provisioned capacity contradicts the held description, or None:
    a datapoint of a period that started at or after the description was read whose
    average is not the held capacity (a change made since, by someone else)."""
    since = described_at.timestamp()
    for resource in state.resources:
        if not isinstance(resource, ResourceState) or resource.id not in seen:
            continue
        for dim in Dimension:
            for start, value in seen[resource.id].of(dim):
                if start >= since and value != resource.provisioned(dim):
                    return Reason("provisioned-changed",
                                  f"{resource.id} {dim.value}: CloudWatch shows {value:g} "
                                  f"provisioned, the held description {resource.provisioned(dim)}")
    return None


# -- series ---------------------------------------------------------------------------
CONSUMED = "consumed"
THROTTLED = "throttled"


def needed_series(policy: ResourcePolicy) -> frozenset[tuple[Dimension, str]]:
    """The (dimension, series) a decision on this resource needs."""
    wanted: set[tuple[Dimension, str]] = set()
    for dim in Dimension:
        p = policy.of(dim.value)
        if p.enabled or p.upper_alarm_threshold > 0 or p.lower_alarm_threshold > 0:
            wanted.update({(dim, CONSUMED), (dim, THROTTLED)})
    return frozenset(wanted)

