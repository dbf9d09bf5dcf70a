"""Held DescribeTable answers on the local AWS (real HTTP, the launcher's moto): a cycle
describes only what it must (core/polling.py), an UpdateTable always follows a fresh
DescribeTable, and a capacity changed behind the daemon's back is picked up through
CloudWatch's ProvisionedReadCapacityUnits or at the max age. What the server received
(its journal) is what is asserted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.localaws import LauncherControl, create_table, seed_metrics
from dynamic_dynamodb.localaws.clock import SteppedClock
from dynamic_dynamodb.loop import Scheduler, SystemClock
from dynamic_dynamodb.notify import LogNotifier
from dynamic_dynamodb.report import CycleReport
from dynamic_dynamodb.settings import Config, GlobalConfig, TablePolicy

from .clitools import capacity

TABLES = ("h-a", "h-b", "h-c")
CAPACITY = 10
MAX_AGE = 900


def scheduler(clock: Any) -> Scheduler:
    config = Config(global_=GlobalConfig(check_interval=60, description_max_age=MAX_AGE,
                                         slow_check_interval=0),
                    tables=(TablePolicy(key="^h-"),))
    clients = AwsClients(config.global_)
    return Scheduler(config, DynamoTables(clients), CloudWatchMetrics(clients), LogNotifier(),
                     clock, call_counts=clients.calls.take)


def make_tables(ddb: Any, cw: Any, now: datetime | None = None) -> None:
    for name in TABLES:
        create_table(ddb, name, CAPACITY, CAPACITY)
        seed_metrics(cw, name, consumed_read_per_second=CAPACITY * 0.5,
                     consumed_write_per_second=CAPACITY * 0.5, now=now)


def described(launcher: LauncherControl) -> list[str]:
    return [call["table"] for call in launcher.journal(operation="DescribeTable")]


def cycle(sched: Scheduler, launcher: LauncherControl) -> tuple[CycleReport, list[str]]:
    before = len(described(launcher))
    report = sched.run_cycle()
    assert report.error is None and not report.failed_tables, report.problems()
    return report, described(launcher)[before:]


def test_unchanged_tables_are_not_described_again_and_an_update_follows_a_describe(
        aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
        cloudwatch_client: Any) -> None:
    make_tables(dynamodb_client, cloudwatch_client)
    sched = scheduler(SystemClock())

    first, first_described = cycle(sched, launcher)
    assert sorted(first_described) == sorted(TABLES)
    second, second_described = cycle(sched, launcher)
    assert second_described == []  # nothing changed: the held answers serve
    assert (second.described, second.held) == (0, 3)
    assert all(o.decision is not None and not o.decision.changes for o in second.outcomes)

    # h-b runs hot: the decision on the held answer is made again on a fresh one, and
    # the UpdateTable comes right after that DescribeTable.
    seed_metrics(cloudwatch_client, "h-b", consumed_read_per_second=CAPACITY * 0.95)
    third, third_described = cycle(sched, launcher)
    assert third_described == ["h-b"]
    journal = [(c["operation"], c.get("table")) for c in launcher.journal()
               if c["operation"] in ("DescribeTable", "UpdateTable")]
    assert journal[-2:] == [("DescribeTable", "h-b"), ("UpdateTable", "h-b")]
    assert capacity(dynamodb_client, "h-b")[0] > CAPACITY
    assert [o.resource.table for o in third.outcomes if o.applied] == ["h-b"]

    # After its own UpdateTable the table is UPDATING and its counters changed: the next
    # cycle describes it; the others are still held.
    _, fourth_described = cycle(sched, launcher)
    assert fourth_described == ["h-b"]


def test_a_change_behind_its_back_is_seen_in_cloudwatch_or_at_the_max_age(
        aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
        cloudwatch_client: Any) -> None:
    start = datetime.now(timezone.utc).replace(second=10, microsecond=0) - timedelta(hours=1)
    clock = SteppedClock(start)
    make_tables(dynamodb_client, cloudwatch_client, now=start)
    sched = scheduler(clock)
    _, first_described = cycle(sched, launcher)
    assert sorted(first_described) == sorted(TABLES)

    # Another tool raises h-c's reads; CloudWatch's five-minute provisioned data shows
    # it in a period that began after the daemon's DescribeTable.
    dynamodb_client.update_table(TableName="h-c", ProvisionedThroughput={
        "ReadCapacityUnits": 25, "WriteCapacityUnits": CAPACITY})
    changed_at = start + timedelta(minutes=6)
    for name, reads in (("h-a", CAPACITY), ("h-c", 25)):
        for metric, value in (("ProvisionedReadCapacityUnits", reads),
                              ("ProvisionedWriteCapacityUnits", CAPACITY)):
            cloudwatch_client.put_metric_data(Namespace="AWS/DynamoDB", MetricData=[{
                "MetricName": metric, "Dimensions": [{"Name": "TableName", "Value": name}],
                "Timestamp": changed_at, "Value": value}])
    clock.at = start + timedelta(minutes=10)
    seed_metrics(cloudwatch_client, "h-c", consumed_read_per_second=25 * 0.5,
                 consumed_write_per_second=CAPACITY * 0.5, now=clock.at)  # 50 %: no change
    report, second_described = cycle(sched, launcher)
    assert second_described == ["h-c"]  # h-a's provisioned data agrees, h-b has none
    outcome = next(o for o in report.outcomes if o.resource.table == "h-c")
    assert outcome.state is not None and outcome.state.reads == 25
    assert outcome.decision is not None and not outcome.decision.changes

    # Within one check interval of the max age every held answer is renewed, whatever
    # CloudWatch says (here: nothing, for minutes without data).
    clock.at = start + timedelta(seconds=MAX_AGE - 60)
    _, third_described = cycle(sched, launcher)
    assert sorted(third_described) == ["h-a", "h-b"]  # h-c was described 5 minutes ago
