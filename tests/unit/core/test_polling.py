"""core/polling.py: slow checks of quiet resources, when a held DescribeTable answer
may be used, the provisioned-capacity check, and the series a decision needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core import polling
from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.types import (
    Dimension,
    DimensionUsage,
    ProvisionedSeen,
    ResourceHistory,
    ResourceId,
    ResourceState,
    TableState,
    UnknownUsage,
    UnusableResource,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, TablePolicy

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
RID = ResourceId("t")
FLOOR = DimensionPolicy(min_provisioned=5)
POLICY = TablePolicy(key="^t$", reads=FLOOR, writes=FLOOR)
MONITORING = 1.728  # four series every minute, $/month


def _state(reads: int = 5, writes: int = 5, status: str = "ACTIVE") -> ResourceState:
    return ResourceState(RID, status, reads, writes)


def _use(consumed: float = 1.0, throttles: float = 0.0, gap: str = "") -> DimensionUsage:
    return DimensionUsage(consumed, throttles, 300, throttles_unknown=gap)


def _usage(reads: object = None, writes: object = None) -> Usage:
    return Usage(reads or _use(), writes or _use())  # type: ignore[arg-type]


# (id, state, policy, usage, quiet?, reason code)
QUIET_CASES = [
    ("calm-at-floor", _state(), POLICY, _usage(), True, "at-floor"),
    ("usage-failed", _state(), POLICY, None, False, "usage-unknown"),
    ("reads-unknown", _state(), POLICY, _usage(reads=UnknownUsage("x")), False,
     "usage-unknown"),
    ("throttles-unknown-never-quiet", _state(), POLICY, _usage(writes=_use(gap="missing")),
     False, "throttles-unknown"),
    ("throttled-back-at-once", _state(), POLICY, _usage(reads=_use(throttles=3)), False,
     "throttled"),
    ("high-use-back-at-once", _state(), POLICY, _usage(writes=_use(consumed=2.5)), False,
     "high-use"),  # 50 % of 5 units: at half the 90 % trigger... above 45 %
    ("just-below-half-the-trigger", _state(), POLICY, _usage(writes=_use(consumed=2.2)), True,
     "at-floor"),
    ("not-active", _state(status="UPDATING"), POLICY, _usage(), False, "not-active"),
    ("small-saving-below-cost", _state(reads=6, writes=6), POLICY, _usage(), True,
     "saving-below-cost"),
    ("saving-worth-watching", _state(reads=50, writes=50), POLICY, _usage(), False,
     "worth-watching"),
    ("down-scaling-off-counts-as-floor", _state(reads=50, writes=50),
     TablePolicy(key="^t$", reads=replace(FLOOR, down_scaling=False),
                 writes=replace(FLOOR, down_scaling=False)), _usage(), True, "at-floor"),
    ("disabled-dimension-ignored", _state(reads=50),
     TablePolicy(key="^t$", reads=replace(FLOOR, enabled=False), writes=FLOOR),
     _usage(reads=UnknownUsage("not asked")), True, "at-floor"),
    ("target-mode-trigger", _state(), replace(POLICY, scaling_mode="target"),
     _usage(reads=_use(consumed=2.4)), False, "high-use"),
]


@pytest.mark.parametrize("state,policy,usage,expected,code", [c[1:] for c in QUIET_CASES],
                         ids=[c[0] for c in QUIET_CASES])
def test_quiet(state: ResourceState, policy: TablePolicy, usage: Usage | None, expected: bool,
               code: str) -> None:
    verdict = polling.quiet(state, policy, usage, MONITORING)

    assert (verdict.yes, verdict.reason.code) == (expected, code)
    assert verdict.reason.message


def test_the_largest_saving_prices_each_dimension_down_to_its_floor() -> None:
    saving = polling.monthly_saving_at_most(_state(reads=15, writes=7), POLICY)

    assert saving == pytest.approx(10 * 0.00013 * 720 + 2 * 0.00065 * 720)


@pytest.mark.parametrize("slow,interval,every", [(900, 60, 15), (0, 60, 1), (60, 60, 1),
                                                 (300, 300, 1), (1000, 300, 3)])
def test_checks_every(slow: int, interval: int, every: int) -> None:
    assert polling.checks_every(slow, interval) == every


def test_a_quiet_resource_is_due_once_every_slow_interval() -> None:
    due = [cycle for cycle in range(1, 31) if polling.check_due(cycle, 1, 10)]

    assert due == [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                   29, 30]  # last checked in 1: due from 11 on, until checked again
    assert polling.check_due(1, None, 10)


# -- held descriptions ---------------------------------------------------------------------
TABLE = TableState(_state())

# (id, state, age in s, pending, due?, code)
DUE_CASES = [
    ("nothing-held", None, None, False, True, "not-held"),
    ("young-held-answer-reused", TABLE, 60, False, False, "held"),
    ("pending-update", TABLE, 60, True, True, "pending-update"),
    ("updating", TableState(_state(status="UPDATING")), 60, False, True, "not-settled"),
    ("unusable", TableState(UnusableResource(RID, "ACTIVE", "no ReadCapacityUnits")), 60,
     False, True, "not-settled"),
    ("within-one-interval-of-max-age", TABLE, 840, False, True, "max-age"),
    ("just-younger", TABLE, 839, False, False, "held"),
]


@pytest.mark.parametrize("state,age,pending,expected,code", [c[1:] for c in DUE_CASES],
                         ids=[c[0] for c in DUE_CASES])
def test_description_due(state: TableState | None, age: int | None, pending: bool,
                         expected: bool, code: str) -> None:
    described_at = None if age is None else NOW - timedelta(seconds=age)

    verdict = polling.description_due(state, described_at, NOW, 900, 60, pending)

    assert (verdict.yes, verdict.reason.code) == (expected, code)


def test_no_decision_rests_on_an_answer_older_than_the_max_age() -> None:
    """Cycle after cycle (60 s apart, each lasting under 60 s), the answer a decision
    uses is never older than 900 s at the moment of deciding."""
    described_at = NOW
    for cycle in range(1, 100):
        start = NOW + timedelta(seconds=60 * cycle)
        if polling.description_due(TABLE, described_at, start, 900, 60, False).yes:
            described_at = start
        assert (start + timedelta(seconds=59) - described_at).total_seconds() < 900


def test_renewals_spread_over_the_cycles() -> None:
    ages = {f"t{i}": float(i) for i in range(150)}

    early = polling.refresh_early(ages, 0, 900, 60)

    assert len(early) == 10  # 150 tables x 60 s / 900 s
    assert early[0] == "t149"  # oldest first
    # Those already due count too: floor(154 x 60 / 900) = 10, 4 of them due.
    assert polling.refresh_early(ages, 4, 900, 60) == early[:6]
    assert polling.refresh_early({"a": 1.0, "b": 2.0}, 0, 900, 60) == []  # 2 x 60 / 900
    assert polling.refresh_early(ages, 0, 60, 60) == []  # described every cycle anyway
    assert polling.refresh_early({}, 3, 900, 60) == []


SEEN_AT = int((NOW + timedelta(minutes=5)).timestamp())
BEFORE = int((NOW - timedelta(minutes=5)).timestamp())

# (id, seen, disagrees?)
PROVISIONED_CASES = [
    ("same-capacity", {RID: ProvisionedSeen(((SEEN_AT, 5.0),), ((SEEN_AT, 5.0),))}, False),
    ("changed-behind-our-back", {RID: ProvisionedSeen(((SEEN_AT, 5.0),), ((SEEN_AT, 9.0),))},
     True),
    ("period-before-the-answer-ignored", {RID: ProvisionedSeen(((BEFORE, 9.0),), ())}, False),
    ("nothing-published-tells-nothing", {RID: ProvisionedSeen()}, False),
    ("other-resource-not-held", {ResourceId("t", "g"): ProvisionedSeen(((SEEN_AT, 9.0),))},
     False),
]


@pytest.mark.parametrize("seen,expected", [c[1:] for c in PROVISIONED_CASES],
                         ids=[c[0] for c in PROVISIONED_CASES])
def test_provisioned_disagrees(seen: dict[ResourceId, ProvisionedSeen], expected: bool) -> None:
    why = polling.provisioned_disagrees(TABLE, NOW, seen)

    assert (why is not None) == expected
    if why is not None:
        assert why.code == "provisioned-changed" and "9" in why.message


def test_an_unusable_part_is_not_compared() -> None:
    table = TableState(UnusableResource(RID, "ACTIVE", "no ReadCapacityUnits"))

    assert polling.provisioned_disagrees(table, NOW, {RID: ProvisionedSeen(((SEEN_AT, 9.0),))}
                                         ) is None


# -- series -------------------------------------------------------------------------------
ALL = frozenset({(d, k) for d in Dimension for k in (polling.CONSUMED, polling.THROTTLED)})
READS = frozenset({(Dimension.READS, polling.CONSUMED), (Dimension.READS, polling.THROTTLED)})
OFF = replace(FLOOR, enabled=False)

SERIES_CASES = [
    ("both-scaled", POLICY, ALL),
    ("writes-not-scaled", TablePolicy(key="^t$", writes=OFF), READS),
    ("not-scaled-but-alarmed",
     TablePolicy(key="^t$", writes=replace(OFF, upper_alarm_threshold=80)), ALL),
    ("low-alarm-too", TablePolicy(key="^t$", writes=replace(OFF, lower_alarm_threshold=5)), ALL),
    ("nothing-scaled", TablePolicy(key="^t$", reads=OFF, writes=OFF), frozenset()),
]


@pytest.mark.parametrize("policy,expected", [c[1:] for c in SERIES_CASES],
                         ids=[c[0] for c in SERIES_CASES])
def test_needed_series(policy: TablePolicy, expected: frozenset[object]) -> None:
    assert polling.needed_series(policy) == expected


def test_a_dimension_not_asked_for_is_disabled_not_unknown() -> None:
    """No series for an unscaled dimension: its decision says disabled; the scaled one is
    decided as usual, and an unknown scaled dimension is still no decision."""
    policy = TablePolicy(key="^t$", reads=OFF)
    usage = Usage(UnknownUsage("not asked"), _use(consumed=0.5))

    decision = decide(_state(10, 10), usage, policy, ResourceHistory(), NOW)

    assert decision.reads.reason.code == "disabled"
    assert decision.reads.target == 10
    unknown = decide(_state(10, 10), Usage(UnknownUsage("x"), UnknownUsage("y")),
                     TablePolicy(key="^t$"), ResourceHistory(), NOW)
    assert unknown.writes.reason.code == "metrics-unknown" and not unknown.changes
