"""How many AWS calls one cycle makes, counted by operation, against the launcher.

For N tables with one GSI each, a cycle makes: the ListTables pages, one DescribeTable
per table (its GSIs come with it), ceil(4 x resources / 500) GetMetricData calls
whatever the lookback windows, UpdateTable only for a table whose capacity changes,
and DescribeScalingPolicies on the first cycle (then hourly, or when a table appears).
Counts come from the daemon's CallCounter (botocore's before-call event) and are
checked against what the server received.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import boto3
import pytest

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.localaws import LauncherControl, create_table, seed_metrics
from dynamic_dynamodb.localaws.fast_cloudwatch import FastCloudWatch
from dynamic_dynamodb.loop import Scheduler, SystemClock
from dynamic_dynamodb.notify import LogNotifier
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import Config, GlobalConfig, GsiPolicy, TablePolicy

GSI = "by_owner"
CAPACITY = 10
LIST = "dynamodb.ListTables"
DESCRIBE = "dynamodb.DescribeTable"
UPDATE = "dynamodb.UpdateTable"
METRICS = "cloudwatch.GetMetricData"
SCALING_POLICIES = "application-autoscaling.DescribeScalingPolicies"


def section(key: str, window_start: int = 8) -> TablePolicy:
    return TablePolicy(key=key, lookback_window_start=window_start,
                       gsis=(GsiPolicy(key=".*", table_key=key,
                                       lookback_window_start=window_start),))


def make_tables(ddb: Any, cw: Any, names: Iterable[str], hot: Iterable[str] = ()) -> None:
    """Tables with one GSI, all at 50 % use; the ``hot`` ones read at 95 % (an increase)."""
    hot = set(hot)
    for name in names:
        create_table(ddb, name, CAPACITY, CAPACITY, [(GSI, CAPACITY, CAPACITY)])
        reads = CAPACITY * (0.95 if name in hot else 0.5)
        seed_metrics(cw, name, consumed_read_per_second=reads,
                     consumed_write_per_second=CAPACITY * 0.5)
        seed_metrics(cw, name, GSI, consumed_read_per_second=CAPACITY * 0.5,
                     consumed_write_per_second=CAPACITY * 0.5)


def wired(config: Config, max_queries_per_call: int) -> Scheduler:
    """The daemon's real edges, with GetMetricData batches made small."""
    clients = AwsClients(config.global_)
    return Scheduler(config, DynamoTables(clients),
                     CloudWatchMetrics(clients, max_queries_per_call), LogNotifier(),
                     SystemClock(), call_counts=clients.calls.take)


def names(count: int) -> list[str]:
    return [f"t{i:02d}" for i in range(count)]


@pytest.mark.parametrize(
    ("sections", "max_queries", "expected_metric_calls"),
    [
        ((section("^t"),), 500, 1),
        ((section("^t"),), 40, 3),  # 24 resources x 4 queries / 40 per call
        # Two lookback windows: still ceil(96 / 40); grouping by window would need 4.
        ((section("^t0[0-5]", 8), section("^t", 10)), 40, 3),
    ],
    ids=["one-call", "small-batches", "two-windows-share-calls"],
)
def test_one_cycle_makes_the_minimum_of_calls(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    cloudwatch_client: Any, sections: tuple[TablePolicy, ...], max_queries: int,
    expected_metric_calls: int,
) -> None:
    make_tables(dynamodb_client, cloudwatch_client, names(12), hot=["t00", "t05", "t09"])
    launcher.reset(moto=False)  # count the cycle's calls only
    scheduler = wired(Config(tables=sections), max_queries)

    report = scheduler.run_cycle()

    assert report.ok, report.failed_tables
    assert len(report.outcomes) == 24
    assert sorted(str(o.resource) for o in report.outcomes if o.applied) == [
        "t00", "t05", "t09"]
    assert report.calls == {LIST: 1, DESCRIBE: 12, METRICS: expected_metric_calls,
                            UPDATE: 3, SCALING_POLICIES: 1}
    assert launcher.calls() == report.calls  # what the server saw: no hidden calls


def test_a_shared_call_keeps_each_resource_to_its_own_window(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    cloudwatch_client: Any,
) -> None:
    # Load 10-14 minutes ago only: inside t01's window (13..11 minutes ago), outside
    # t00's (8..4). A minute boundary passing before the cycle shifts both by one.
    for name in ("t00", "t01"):
        create_table(dynamodb_client, name, CAPACITY, CAPACITY)
        seed_metrics(cloudwatch_client, name, consumed_read_per_second=CAPACITY * 0.95,
                     minutes=range(10, 15))
    sections = (TablePolicy(key="^t00$", lookback_window_start=8, lookback_period=5),
                TablePolicy(key="^t01$", lookback_window_start=13, lookback_period=3))

    report = wired(Config(tables=sections), 40).run_cycle()

    usage = {str(o.resource): o.usage.reads.consumed for o in report.outcomes if o.usage}
    assert usage == {"t00": 0.0, "t01": pytest.approx(9.5)}
    assert [str(o.resource) for o in report.outcomes if o.applied] == ["t01"]
    assert report.calls[METRICS] == 1


@pytest.fixture
def fast_cloudwatch(aws_env: dict[str, str],
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[FastCloudWatch]:
    """CloudWatch from fast_cloudwatch (moto's scans every datapoint per query), reached
    through AWS_ENDPOINT_URL_CLOUDWATCH; DynamoDB stays on the launcher."""
    with FastCloudWatch() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", server.url)
        yield server


def test_126_resources_need_two_get_metric_data_calls(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    fast_cloudwatch: FastCloudWatch,
) -> None:
    # 63 tables + 63 GSIs = 126 resources = 504 queries: one over a call's 500.
    make_tables(dynamodb_client, boto3.client("cloudwatch"), names(63))
    scheduler = build_scheduler(Config(tables=(section("^t"),)))

    first = scheduler.run_cycle()
    second = scheduler.run_cycle()

    assert first.ok and len(first.outcomes) == 126
    assert first.calls == {LIST: 1, DESCRIBE: 63, METRICS: 2, SCALING_POLICIES: 1}
    # A later cycle: no scaling-policy read, nothing to change.
    assert second.calls == {LIST: 1, DESCRIBE: 63, METRICS: 2}
    served = fast_cloudwatch.app.stats()
    assert (served["calls"]["GetMetricData"], served["max_queries_per_call"]) == (4, 500)


def test_tables_created_and_deleted_between_cycles_are_picked_up(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    cloudwatch_client: Any,
) -> None:
    make_tables(dynamodb_client, cloudwatch_client, ["t00", "t01", "t02"])
    scheduler = build_scheduler(Config(tables=(section("^t"),)))
    first = scheduler.run_cycle()

    dynamodb_client.delete_table(TableName="t00")
    make_tables(dynamodb_client, cloudwatch_client, ["t03"])
    second = scheduler.run_cycle()

    def resources(report: Any) -> list[str]:
        return sorted(str(o.resource) for o in report.outcomes)

    assert resources(first) == ["t00", "t00/by_owner", "t01", "t01/by_owner", "t02",
                                "t02/by_owner"]
    assert resources(second) == ["t01", "t01/by_owner", "t02", "t02/by_owner", "t03",
                                 "t03/by_owner"]
    assert second.ok
    # The table list is read afresh every cycle; a new table re-reads scaling policies.
    assert second.calls == {LIST: 1, DESCRIBE: 3, METRICS: 1, SCALING_POLICIES: 1}
    assert not any(rid.table == "t00" for rid in scheduler.history)


def test_a_table_deleted_during_the_cycle_is_skipped_not_failed(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    cloudwatch_client: Any,
) -> None:
    make_tables(dynamodb_client, cloudwatch_client, ["t00", "t01"])
    # Deleted after ListTables, right before its DescribeTable is served.
    launcher.inject_fault("dynamodb", "DescribeTable", "delete_table", table="t00")
    scheduler = build_scheduler(Config(tables=(section("^t"),)))

    report = scheduler.run_cycle()

    assert report.ok
    assert sorted(str(o.resource) for o in report.outcomes) == ["t01", "t01/by_owner"]
    assert scheduler.failures == {}


def test_retries_are_counted_apart_from_calls(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    cloudwatch_client: Any,
) -> None:
    make_tables(dynamodb_client, cloudwatch_client, ["t00", "t01"])
    launcher.reset(moto=False)
    launcher.inject_fault("dynamodb", "DescribeTable", "internal_error", table="t01")
    clients = AwsClients(GlobalConfig(max_attempts=2))

    tables = DynamoTables(clients)
    for name in ("t00", "t01"):
        tables.describe(name)

    assert clients.calls.take() == {DESCRIBE: 2}  # calls the daemon made
    assert clients.calls.retry_totals() == {DESCRIBE: 1}  # one of them needed a retry
    assert launcher.calls() == {DESCRIBE: 3}  # HTTP requests the server answered
