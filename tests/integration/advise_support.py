"""A local AWS with days of DynamoDB history, for ``advise``'s tests and benchmark.

DynamoDB is the project's launcher (moto plus DynamoDB's rules), run in this process so
that a table's creation time can be set in the past: moto stamps a new table with the
current time, and ``advise`` leaves out history older than its table. CloudWatch is
``fast_cloudwatch`` (moto's CloudWatch scans every stored datapoint per query: days of
minutes would take minutes to read back). Both are real HTTP servers on 127.0.0.1,
reached through ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_CLOUDWATCH`` as a user would.

History is written as DynamoDB publishes it: consumed capacity (per-minute Sum) and
throttle events each minute with traffic, nothing for an idle minute, and the
provisioned capacity of a provisioned table every 5 minutes.

Every import of the local-AWS package (``dynamic_dynamodb.localaws``) is here.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from dynamic_dynamodb.localaws import LocalAws, create_table, isolated_environ
from dynamic_dynamodb.localaws.fast_cloudwatch import (
    FastCloudWatch,
    FastCloudWatchProcess,
    control_stats,
)
from dynamic_dynamodb.localaws.seed import dimensions

NAMESPACE = "AWS/DynamoDB"
PUT_BATCH = 1000
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"

# Loopback never goes through a proxy the environment may name.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

__all__ = ["History", "LocalFleet", "control_stats"]


@dataclass
class History:
    """Per-minute history of one table or GSI, oldest minute first, ending at ``end``.

    ``reads``/``writes``: consumed units per second; ``*_throttles``: throttle events
    per minute; ``provisioned``: (reads, writes) in force, or None for on-demand.
    """

    reads: Sequence[float]
    writes: Sequence[float] = ()
    read_throttles: Sequence[float] = ()
    write_throttles: Sequence[float] = ()
    provisioned: tuple[int, int] | None = None
    # Minutes (indexes) for which CloudWatch has nothing at all: an outage.
    outage: range = field(default_factory=lambda: range(0))


def _datum(metric: str, table: str, index: str | None, stamp: datetime,
           value: float) -> dict[str, Any]:
    return {"MetricName": metric, "Dimensions": dimensions(table, index), "Timestamp": stamp,
            "Value": value, "Unit": "Count"}


def history_data(table: str, index: str | None, history: History,
                 end: datetime) -> list[dict[str, Any]]:
    """The datapoints DynamoDB would have published for ``history``."""
    minutes = len(history.reads)
    first = end - timedelta(minutes=minutes)
    data = []
    series = [("ConsumedReadCapacityUnits", history.reads, 60.0),
              ("ConsumedWriteCapacityUnits", history.writes, 60.0),
              ("ReadThrottleEvents", history.read_throttles, 1.0),
              ("WriteThrottleEvents", history.write_throttles, 1.0)]
    for m in range(minutes):
        if m in history.outage:
            continue
        stamp = first + timedelta(minutes=m)
        for metric, values, scale in series:
            value = values[m] * scale if m < len(values) else 0.0
            if value:
                data.append(_datum(metric, table, index, stamp, value))
        if history.provisioned is not None and stamp.minute % 5 == 0:
            reads, writes = history.provisioned
            data.append(_datum("ProvisionedReadCapacityUnits", table, index, stamp, reads))
            data.append(_datum("ProvisionedWriteCapacityUnits", table, index, stamp, writes))
    return data


class LocalFleet:
    """The launcher (in this process) and fast_cloudwatch, with helpers to make tables
    that existed for days and to write their history."""

    def __init__(self, scratch: Path, cloudwatch_process: bool = False) -> None:
        """``cloudwatch_process``: run fast_cloudwatch as a child process (its memory and
        CPU apart from this one's), not in a thread."""
        self.aws = LocalAws()
        self.cloudwatch: FastCloudWatch | FastCloudWatchProcess = (
            FastCloudWatchProcess() if cloudwatch_process else FastCloudWatch())
        self.scratch = scratch
        self.env: dict[str, str] = {}

    def __enter__(self) -> LocalFleet:
        self.aws.start()
        self.cloudwatch.start()
        self.env = isolated_environ(os.environ, self.aws.url, self.scratch)
        self.env["AWS_ENDPOINT_URL_CLOUDWATCH"] = self.cloudwatch.url
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cloudwatch.stop()
        self.aws.stop()

    def client(self, service: str) -> Any:
        url = self.cloudwatch.url if service == "cloudwatch" else self.aws.url
        return boto3.client(service, endpoint_url=url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def make_table(self, name: str, created: datetime, reads: int = 5, writes: int = 5,
                   gsis: Sequence[tuple[str, int, int]] = (),
                   billing_mode: str = "PROVISIONED") -> None:
        """Create a table whose CreationDateTime is ``created``.

        moto stamps a table with the time it is created; this sets the stamp of the
        in-process server's table, as the launcher's control API sets other state."""
        from moto.dynamodb.models import dynamodb_backends

        create_table(self.client("dynamodb"), name, reads, writes, gsis, billing_mode)
        table = dynamodb_backends[ACCOUNT][REGION].tables[name]
        table.created_at = created.astimezone(timezone.utc).replace(tzinfo=None)

    def write_history(self, table: str, history: History, end: datetime,
                      index: str | None = None, raw: bool = False) -> int:
        """PutMetricData the history (``raw``: JSON bodies written here rather than by
        botocore, whose serializer would make seeding days of a fleet take minutes)."""
        data = history_data(table, index, history, end)
        cw = None if raw else self.client("cloudwatch")
        for start in range(0, len(data), PUT_BATCH):
            batch = data[start:start + PUT_BATCH]
            if cw is not None:
                cw.put_metric_data(Namespace=NAMESPACE, MetricData=batch)
            else:
                self._post("PutMetricData", {"Namespace": NAMESPACE, "MetricData": batch})
        return len(data)

    def _post(self, operation: str, body: dict[str, Any]) -> None:
        payload = json.dumps(body, default=lambda t: t.timestamp()).encode()
        request = urllib.request.Request(
            self.cloudwatch.url + "/", data=payload, method="POST",
            headers={"Content-Type": "application/x-amz-json-1.0",
                     "X-Amz-Target": f"GraniteServiceVersion20100801.{operation}"})
        with _DIRECT.open(request, timeout=60) as reply:
            reply.read()

    def stats(self) -> dict[str, Any]:
        return control_stats(self.cloudwatch.url)
