"""aws/tables.py's parse_table: DescribeTable's answer as said; a number it lacks stays
unknown, never 0 (core/scope.py then refuses the resource with the reason)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from dynamic_dynamodb.aws.tables import parse_table
from dynamic_dynamodb.core.types import ResourceState, UnusableResource

LAST = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def described(throughput: Any = "default", **table: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"TableName": "t", "TableStatus": "ACTIVE", **table}
    if throughput == "default":
        throughput = {"ReadCapacityUnits": 100, "WriteCapacityUnits": 50,
                      "NumberOfDecreasesToday": 2, "LastDecreaseDateTime": LAST}
    if throughput is not None:
        answer["ProvisionedThroughput"] = throughput
    return answer


def throughput(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"ReadCapacityUnits": 100, "WriteCapacityUnits": 50,
                            "NumberOfDecreasesToday": 0}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


# (id, ProvisionedThroughput, the reason the table is unusable)
UNUSABLE = [
    ("no-provisioned-throughput", None, "no ProvisionedThroughput"),
    ("throughput-not-an-object", ["unexpected"], "no ProvisionedThroughput"),
    ("no-read-capacity", throughput(ReadCapacityUnits=None), "no ReadCapacityUnits"),
    ("no-capacity-at-all", throughput(ReadCapacityUnits=None, WriteCapacityUnits=None),
     "no ReadCapacityUnits, no WriteCapacityUnits"),
    ("fractional-capacity", throughput(WriteCapacityUnits=10.5),
     "WriteCapacityUnits 10.5 is not a whole number"),
    ("capacity-as-text", throughput(ReadCapacityUnits="100"),
     "ReadCapacityUnits '100' is not a whole number"),
    ("capacity-null", throughput(ReadCapacityUnits=None) | {"ReadCapacityUnits": None},
     "ReadCapacityUnits None is not a whole number"),
    ("capacity-boolean", throughput(ReadCapacityUnits=True),
     "ReadCapacityUnits True is not a whole number"),
    ("capacity-infinite", throughput(ReadCapacityUnits=float("inf")),
     "ReadCapacityUnits inf is not a whole number"),
]


@pytest.mark.parametrize("answer,why", [c[1:] for c in UNUSABLE], ids=[c[0] for c in UNUSABLE])
def test_a_missing_or_unreadable_capacity_is_never_a_number(answer: Any, why: str) -> None:
    table = parse_table(described(answer)).table

    assert isinstance(table, UnusableResource)
    assert table.reason == why
    assert table.status == "ACTIVE"


def test_a_gsi_without_throughput_is_unusable_and_the_table_is_not() -> None:
    answer = described(GlobalSecondaryIndexes=[
        {"IndexName": "by_owner", "IndexStatus": "ACTIVE"},
        {"IndexName": "by_date", "IndexStatus": "ACTIVE",
         "ProvisionedThroughput": throughput(ReadCapacityUnits=5, WriteCapacityUnits=5)},
    ])

    state = parse_table(answer)

    assert isinstance(state.table, ResourceState)
    assert isinstance(state.gsis[0], UnusableResource)
    assert state.gsis[0].reason == "no ProvisionedThroughput"
    assert isinstance(state.gsis[1], ResourceState) and state.gsis[1].reads == 5


def test_an_absurd_capacity_is_kept_as_said_for_scope_to_refuse() -> None:
    table = parse_table(described(throughput(ReadCapacityUnits=1e30))).table

    assert isinstance(table, ResourceState)
    assert table.reads == int(1e30)  # never clipped to a quota: core/scope.py refuses it


# (id, ProvisionedThroughput, NumberOfDecreasesToday read, LastDecreaseDateTime read)
BUDGET = [
    ("counter-and-time", throughput(NumberOfDecreasesToday=2, LastDecreaseDateTime=LAST),
     2, LAST),
    ("epoch-seconds-time", throughput(NumberOfDecreasesToday=1,
                                      LastDecreaseDateTime=LAST.timestamp()), 1, LAST),
    ("never-decreased", throughput(NumberOfDecreasesToday=0), 0, None),
    ("counter-missing-is-unknown", throughput(NumberOfDecreasesToday=None), None, None),
    ("counter-negative-is-unknown", throughput(NumberOfDecreasesToday=-1), None, None),
    ("counter-fractional-is-unknown", throughput(NumberOfDecreasesToday=1.5), None, None),
    ("unreadable-time-makes-the-counter-unknown",
     throughput(NumberOfDecreasesToday=1, LastDecreaseDateTime="yesterday"), None, None),
]


@pytest.mark.parametrize("answer,count,last", [c[1:] for c in BUDGET], ids=[c[0] for c in BUDGET])
def test_the_decrease_counter(answer: dict[str, Any], count: int | None,
                              last: datetime | None) -> None:
    table = parse_table(described(answer)).table

    assert isinstance(table, ResourceState)
    assert (table.decreases_today, table.last_decrease) == (count, last)


@pytest.mark.parametrize("status,expected", [(None, "UNKNOWN"), ("UPDATING", "UPDATING")],
                         ids=["null-status", "updating"])
def test_status(status: Any, expected: str) -> None:
    table = parse_table(described(TableStatus=status)).table

    assert table.status == expected
