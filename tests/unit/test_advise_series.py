"""Datapoints to per-minute history: an idle minute is zero, a minute CloudWatch does
not have is a gap, minutes before the table existed are not its history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.advise.series import build_history, capacity_in_force
from dynamic_dynamodb.aws.history import Points
from dynamic_dynamodb.core.types import (
    Described,
    Dimension,
    ResourceId,
    ResourceState,
    UnusableResource,
)

START = datetime(2024, 5, 1, tzinfo=timezone.utc)
T0 = int(START.timestamp())
RID = ResourceId("orders")
MINUTES = 60


def provisioned(reads: int, writes: int, minutes: range = range(0, MINUTES, 5)
                ) -> dict[str, Points]:
    return {"ProvisionedReadCapacityUnits": {T0 + m * 60: float(reads) for m in minutes},
            "ProvisionedWriteCapacityUnits": {T0 + m * 60: float(writes) for m in minutes}}


def test_an_idle_minute_is_zero_and_demand_adds_throttled() -> None:
    series = {**provisioned(10, 5),
              "ConsumedReadCapacityUnits": {T0: 300.0, T0 + 120: 60.0},
              "ReadThrottleEvents": {T0: 120.0}}
    h = build_history(RID, series, START, MINUTES, 60, START - timedelta(days=1), False)
    assert h.covered_minutes == MINUTES and h.gaps == ()
    assert list(h.reads.demand[:3]) == [7.0, 0.0, 1.0]  # (300 + 120) / 60, idle, 60 / 60
    assert list(h.reads.consumed[:3]) == [5.0, 0.0, 1.0]
    assert h.reads.throttle_events[0] == 120.0
    assert h.reads.provisioned is not None and h.writes.provisioned is not None
    assert set(h.reads.provisioned) == {10} and set(h.writes.provisioned) == {5}
    assert not h.younger_than_window


def test_a_period_without_provisioned_capacity_is_a_gap_holding_the_minute_before() -> None:
    outage = range(20, 30)  # no datapoint at all, provisioned capacity included
    before, after = provisioned(10, 5, range(0, 20, 5)), provisioned(20, 5, range(30, 60, 5))
    series = {metric: {**before[metric], **after[metric]} for metric in before}
    series["ConsumedReadCapacityUnits"] = {T0 + m * 60: 120.0 for m in range(MINUTES)
                                           if m not in outage}
    h = build_history(RID, series, START, MINUTES, 60, None, False)
    assert h.covered_minutes == MINUTES - 10
    assert [(g.start, g.minutes) for g in h.gaps] == [(START + timedelta(minutes=20), 10)]
    assert h.covered[19] and not h.covered[20] and not h.covered[29] and h.covered[30]
    assert list(h.reads.demand[20:30]) == [2.0] * 10  # held, left out of the figures
    assert h.reads.provisioned is not None
    assert list(h.reads.provisioned[20:30]) == [10] * 10 and h.reads.provisioned[30] == 20


def test_minutes_before_the_table_existed_are_not_its_history() -> None:
    created = START + timedelta(minutes=22, seconds=30)
    series = {**provisioned(10, 5), "ConsumedReadCapacityUnits": {
        T0 + m * 60: 60.0 for m in range(MINUTES)}}  # an older table of the same name
    h = build_history(RID, series, START, MINUTES, 60, created, False)
    assert h.younger_than_window
    # Born in minute 22 (counted from 23, the first whole minute); the 5-minute period
    # of minute 23 has a provisioned datapoint at minute 20, which is the old table's,
    # yet the minute is the new table's: CloudWatch keeps one series per name.
    assert h.first == 23 and h.start == START + timedelta(minutes=23)
    assert h.minutes == MINUTES - 23 and h.gaps == ()


def test_an_on_demand_table_counts_every_minute_since_its_creation() -> None:
    series = {"ConsumedWriteCapacityUnits": {T0 + 600: 600.0}}
    h = build_history(RID, series, START, MINUTES, 60, START - timedelta(days=3), True)
    assert h.covered_minutes == MINUTES and h.gaps == ()
    assert h.writes.demand[10] == 10.0 and sum(h.writes.demand) == 10.0
    assert h.writes.provisioned is None and h.reads.provisioned is None


def test_a_provisioned_table_without_any_datapoint_has_no_data() -> None:
    h = build_history(RID, {}, START, MINUTES, 60, None, False)
    assert h.covered_minutes == 0 and h.minutes == 0
    assert [(g.start, g.minutes) for g in h.gaps] == [(START, MINUTES)]


def test_five_minute_data_spreads_each_period_over_its_minutes() -> None:
    series = {**provisioned(10, 5), "ConsumedReadCapacityUnits": {T0 + 300: 3000.0}}
    h = build_history(RID, series, START, MINUTES, 300, None, False)
    assert list(h.reads.demand[5:10]) == pytest.approx([10.0] * 5)  # 3000 / 300 s
    assert h.reads.demand[4] == 0.0 and h.reads.demand[10] == 0.0
    assert h.of(Dimension.READS) is h.reads


def described(reads: int, writes: int) -> ResourceState:
    return ResourceState(RID, "ACTIVE", reads, writes, decreases_today=0)


@pytest.mark.parametrize("state, expected", [
    (described(7, 3), (10, 3)),
    (described(7, 0), "WriteCapacityUnits 0 is below DynamoDB's minimum of 1"),
    (UnusableResource(RID, "ACTIVE", "no ProvisionedThroughput"), "no ProvisionedThroughput"),
], ids=["described", "described-0", "unusable"])
def test_a_dimension_cloudwatch_has_no_capacity_for_takes_usable_facts_only(
        state: Described, expected: tuple[int, int] | str) -> None:
    series = {"ProvisionedReadCapacityUnits": provisioned(10, 5)["ProvisionedReadCapacityUnits"]}
    h = build_history(RID, series, START, MINUTES, 60, None, False)
    assert h.covered_minutes == MINUTES and h.writes.provisioned is None
    found = capacity_in_force(h, state, on_demand=False)
    if isinstance(expected, str):
        assert isinstance(found, str)
        assert found.startswith("no ProvisionedWriteCapacityUnits in CloudWatch") \
            and expected in found
    else:
        assert not isinstance(found, str)
        assert [set(found[d] or ()) for d in Dimension] == [{expected[0]}, {expected[1]}]


def test_recorded_capacity_needs_no_facts() -> None:
    h = build_history(RID, provisioned(10, 5), START, MINUTES, 60, None, False)
    found = capacity_in_force(h, UnusableResource(RID, "ACTIVE", "no ProvisionedThroughput"),
                              on_demand=False)
    assert not isinstance(found, str) and found[Dimension.WRITES] == h.writes.provisioned


def test_an_on_demand_table_has_no_capacity_in_force() -> None:
    h = build_history(RID, {}, START, MINUTES, 60, None, True)
    assert capacity_in_force(h, described(0, 0), on_demand=True) == dict.fromkeys(Dimension)
