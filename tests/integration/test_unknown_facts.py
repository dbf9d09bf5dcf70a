"""Missing is not zero, end to end: the real Scheduler and boto3 edges against the local
AWS launcher, whose answer-mutation faults bend one real answer (issue 11 items 1-2).

Every case starts from a table that a clean cycle decreases (reads at 10 % of 100), bends
one answer, and checks that the cycle makes no change and says why; then a clean cycle
makes the decrease, so the fault, not the set-up, held it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.localaws.seed import create_table, seed_metrics
from dynamic_dynamodb.report import CycleReport
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import (
    Config,
    DimensionPolicy,
    GlobalConfig,
    GsiPolicy,
    TablePolicy,
)
from dynamic_dynamodb.status import as_dict, render_table

from .clitools import capacity

TABLE = ResourceId("orders")
THROUGHPUT = "Table.ProvisionedThroughput"
# Reads at 10 % of 100 want a decrease to 50; writes at 50 % stay.
DIM = DimensionPolicy(upper_threshold=90, lower_threshold=30, increase_with=50,
                      decrease_with=50, allow_scale_down_at_0_percent=True)


def config() -> Config:
    return Config(global_=GlobalConfig(check_interval=60, max_attempts=1),
                  tables=(TablePolicy(key="^orders$", reads=DIM, writes=DIM),))


def ddb(kind: str, **arguments: Any) -> dict[str, Any]:
    return {"service": "dynamodb", "operation": "DescribeTable", "kind": kind, **arguments}


def cw(kind: str, **arguments: Any) -> dict[str, Any]:
    return {"service": "cloudwatch", "operation": "GetMetricData", "kind": kind, **arguments}


@dataclass(frozen=True)
class Case:
    id: str
    faults: tuple[dict[str, Any], ...]
    # The reads' reason code, and words of the message (or of the skip).
    code: str
    words: str
    read_throttles: float = 0.0


# moto answers the four queries in the order asked: consumed reads, consumed writes,
# read throttle events, write throttle events.
READ_THROTTLES = "MetricDataResults[2]"
CASES = [
    Case("missing-provisioned-throughput", (ddb("drop", path=THROUGHPUT),), "unusable-facts",
         "DescribeTable's answer cannot be used (no ProvisionedThroughput)"),
    Case("missing-read-capacity", (ddb("drop", path=f"{THROUGHPUT}.ReadCapacityUnits"),),
         "unusable-facts", "(no ReadCapacityUnits)"),
    Case("capacity-1e30", (ddb("replace", path=f"{THROUGHPUT}.ReadCapacityUnits", value=1e30),),
         "unusable-facts", "ReadCapacityUnits 1e+30 is above the largest capacity"),
    Case("capacity-0", (ddb("replace", path=f"{THROUGHPUT}.WriteCapacityUnits", value=0),),
         "unusable-facts", "WriteCapacityUnits 0 is below DynamoDB's minimum of 1"),
    Case("missing-decrease-counter",
         (ddb("drop", path=f"{THROUGHPUT}.NumberOfDecreasesToday"),),
         "decrease-budget-unknown", "DescribeTable did not say how many decreases"),
    Case("empty-metric-data-results", (cw("empty"),), "metrics-unknown",
         "ConsumedReadCapacityUnits: missing from the answer"),
    Case("metric-data-results-dropped", (cw("drop", path="MetricDataResults"),),
         "metrics-unknown", "missing from the answer"),
    Case("negative-values", (cw("replace", path="MetricDataResults[*].Values[*]", value=-10),),
         "metrics-unknown", "a negative value (-10)"),
    Case("partial-data", (cw("partial_data"),), "metrics-unknown",
         "not complete (StatusCode PartialData)"),
    Case("missing-throttle-series-of-a-throttled-table", (cw("drop", path=READ_THROTTLES),),
         "throttles-unknown", "ReadThrottleEvents: missing from the answer",
         read_throttles=50.0),
]


def cycle(launcher: LauncherControl, faults: tuple[dict[str, Any], ...]) -> CycleReport:
    launcher.inject_faults(*faults)
    return build_scheduler(config()).run_cycle()


def reads_reason(report: CycleReport) -> tuple[str, str]:
    outcome = next(o for o in report.outcomes if o.resource == TABLE)
    assert outcome.decision is not None
    return outcome.decision.reads.reason.code, outcome.decision.reads.reason.message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_unknown_never_changes_anything(aws_env: dict[str, str], dynamodb_client: Any,
                                        cloudwatch_client: Any, launcher: LauncherControl,
                                        caplog: pytest.LogCaptureFixture, case: Case) -> None:
    create_table(dynamodb_client, "orders", reads=100, writes=100)
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=10.0,
                 consumed_write_per_second=50.0, read_throttles=case.read_throttles)
    caplog.set_level(logging.INFO, logger="dynamic_dynamodb")

    report = cycle(launcher, case.faults)

    assert capacity(dynamodb_client, "orders") == (100, 100)
    # Nothing failed: the table was skipped or held, with the reason. Skipped, or its
    # metrics unknown, it got no decision (report.NoDecision): the report is not ok.
    assert not report.failed_tables and report.error is None
    if case.code == "unusable-facts":
        assert not report.outcomes
        assert report.undecided[str(TABLE)].code == "unusable-facts"
        assert case.words in report.undecided[str(TABLE)].message
        assert case.words in caplog.text
        assert not report.ok
    else:
        code, message = reads_reason(report)
        assert code == case.code and case.words in message
        assert (str(TABLE) in report.undecided) is (code == "metrics-unknown")
        assert report.ok is (code != "metrics-unknown")
    assert "Traceback" not in caplog.text

    if case.read_throttles:
        return  # a throttled table is held either way; known, it says so
    after = build_scheduler(config()).run_cycle()
    assert capacity(dynamodb_client, "orders") == (50, 100), reads_reason(after)


def test_a_throttled_table_is_held_as_throttled_when_the_series_is_there(
        aws_env: dict[str, str], dynamodb_client: Any, cloudwatch_client: Any) -> None:
    """The counterpart of the missing throttle series: the same table, read whole."""
    create_table(dynamodb_client, "orders", reads=100, writes=100)
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=10.0,
                 consumed_write_per_second=50.0, read_throttles=50.0)

    report = build_scheduler(config()).run_cycle()

    assert capacity(dynamodb_client, "orders") == (100, 100)
    code, message = reads_reason(report)
    assert code == "throttled" and "250 throttle events" in message


def test_an_unusable_gsi_is_skipped_and_its_table_decided(
        aws_env: dict[str, str], dynamodb_client: Any, cloudwatch_client: Any,
        launcher: LauncherControl) -> None:
    create_table(dynamodb_client, "orders", reads=100, writes=100,
                 gsis=[("by_user", 100, 100)])
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=10.0,
                 consumed_write_per_second=50.0)
    seed_metrics(cloudwatch_client, "orders", "by_user", consumed_read_per_second=10.0,
                 consumed_write_per_second=50.0)
    policy = TablePolicy(key="^orders$", reads=DIM, writes=DIM,
                         gsis=(GsiPolicy(key=".*", table_key="^orders$", reads=DIM,
                                         writes=DIM),))
    launcher.inject_fault("dynamodb", "DescribeTable", "drop",
                          path="Table.GlobalSecondaryIndexes[0].ProvisionedThroughput")

    report = build_scheduler(Config(global_=GlobalConfig(check_interval=60, max_attempts=1),
                                    tables=(policy,))).run_cycle()

    assert capacity(dynamodb_client, "orders") == (50, 100)
    assert capacity(dynamodb_client, "orders", "by_user") == (100, 100)
    assert "no ProvisionedThroughput" in report.undecided["orders/by_user"].message
    assert list(report.undecided) == ["orders/by_user"]  # the table got its decision


def test_status_lists_a_skipped_table_with_the_reason(
        aws_env: dict[str, str], dynamodb_client: Any, launcher: LauncherControl) -> None:
    create_table(dynamodb_client, "orders", reads=100, writes=100)
    launcher.inject_fault("dynamodb", "DescribeTable", "drop", path=THROUGHPUT)

    report = build_scheduler(config(), dry_run=True).run_cycle()

    why = ("skipped: DescribeTable's answer cannot be used (no ProvisionedThroughput); "
           "no decision")
    assert f"orders: NO DECISION: {why}" in render_table(report).splitlines()
    assert as_dict(report)["no_decision"] == [{"target": report.target, "subject": "orders",
                                               "code": "unusable-facts", "message": why}]
