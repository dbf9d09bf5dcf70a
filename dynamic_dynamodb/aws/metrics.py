"""CloudWatch GetMetricData, batched across every table and GSI of a cycle.

Four queries per resource (consumed reads and writes, read and write throttle
events), Sum per 60 s, at most 500 queries per call, StartTime/EndTime on whole
minutes. An empty series is zero use (DynamoDB publishes nothing for an idle
minute); a failed call makes every resource of that call unknown (None), and the
core makes no decision for an unknown resource.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import DimensionUsage, ResourceId, Usage
from dynamic_dynamodb.errors import AwsError

log = logging.getLogger(__name__)

MAX_QUERIES_PER_CALL = 500
PERIOD = 60
# (metric name, field): the four series per resource.
SERIES = (
    ("ConsumedReadCapacityUnits", "reads_consumed"),
    ("ConsumedWriteCapacityUnits", "writes_consumed"),
    ("ReadThrottleEvents", "reads_throttled"),
    ("WriteThrottleEvents", "writes_throttled"),
)


def window(now: datetime, start_minutes: int, length_minutes: int) -> tuple[datetime, datetime]:
    """[start, end) on whole minutes: from ``start_minutes`` ago, ``length_minutes`` long."""
    floor = now.replace(second=0, microsecond=0)
    start = floor - timedelta(minutes=start_minutes)
    return start, start + timedelta(minutes=length_minutes)


def _dimensions(rid: ResourceId) -> list[dict[str, str]]:
    dims = [{"Name": "TableName", "Value": rid.table}]
    if rid.index is not None:
        dims.append({"Name": "GlobalSecondaryIndexName", "Value": rid.index})
    return dims


def build_queries(resources: Sequence[ResourceId]) -> tuple[list[dict[str, Any]],
                                                             dict[str, tuple[int, str]]]:
    """The MetricDataQueries for ``resources`` and a map from query id to (index, field)."""
    queries: list[dict[str, Any]] = []
    ids: dict[str, tuple[int, str]] = {}
    for i, rid in enumerate(resources):
        for j, (metric, name) in enumerate(SERIES):
            qid = f"q{i}_{j}"
            ids[qid] = (i, name)
            queries.append({
                "Id": qid,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": metric,
                               "Dimensions": _dimensions(rid)},
                    "Period": PERIOD,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            })
    return queries, ids


def usage_from_series(series: dict[str, dict[datetime, float]], start: datetime,
                      minutes: int) -> Usage:
    """Per-minute Sums to Usage: consumed units/s per minute; missing minutes are 0."""
    seconds = minutes * PERIOD
    stamps = [start + timedelta(minutes=k) for k in range(minutes)]

    def dim(consumed_key: str, throttled_key: str) -> DimensionUsage:
        consumed = series.get(consumed_key, {})
        throttled = series.get(throttled_key, {})
        per_minute = tuple(consumed.get(t, 0.0) / PERIOD for t in stamps)
        throttled_per_minute = tuple(throttled.get(t, 0.0) for t in stamps)
        return DimensionUsage(
            consumed=sum(consumed.values()) / seconds,
            throttle_events=sum(throttled.values()),
            window_seconds=seconds,
            per_minute=per_minute,
            throttled_per_minute=throttled_per_minute,
        )

    return Usage(dim("reads_consumed", "reads_throttled"),
                 dim("writes_consumed", "writes_throttled"))


class CloudWatchMetrics:
    """The boto3 implementation of MetricsApi."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        # GetMetricData has one time range per call: group resources by window.
        groups: dict[tuple[int, int], list[ResourceId]] = defaultdict(list)
        for req in requests:
            groups[(req.window_start_minutes, req.window_minutes)].append(req.resource)
        result: dict[ResourceId, Usage | None] = {}
        per_call = MAX_QUERIES_PER_CALL // len(SERIES)
        for (start_minutes, minutes), resources in groups.items():
            start, end = window(now, start_minutes, minutes)
            for k in range(0, len(resources), per_call):
                batch = resources[k:k + per_call]
                result.update(self._read_batch(batch, start, end, minutes))
        return result

    def _read_batch(self, resources: Sequence[ResourceId], start: datetime, end: datetime,
                    minutes: int) -> dict[ResourceId, Usage | None]:
        queries, ids = build_queries(resources)
        series: list[dict[str, dict[datetime, float]]] = [dict() for _ in resources]
        failed: set[int] = set()
        try:
            with translated("GetMetricData"):
                token: str | None = None
                while True:
                    kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start,
                                              "EndTime": end, "ScanBy": "TimestampAscending"}
                    if token:
                        kwargs["NextToken"] = token
                    response = self._clients.cloudwatch.get_metric_data(**kwargs)
                    for res in response.get("MetricDataResults", []):
                        index, name = ids[res["Id"]]
                        if res.get("StatusCode") in ("InternalError", "Forbidden"):
                            failed.add(index)
                        points = series[index].setdefault(name, {})
                        stamps, values = res.get("Timestamps", []), res.get("Values", [])
                        for ts, value in zip(stamps, values, strict=False):
                            points[_minute(ts)] = points.get(_minute(ts), 0.0) + float(value)
                    token = response.get("NextToken")
                    if not token:
                        break
        except AwsError as exc:
            log.warning("metrics unavailable for %d resource(s): %s", len(resources), exc)
            if not exc.transient:
                raise
            return {rid: None for rid in resources}
        return {
            rid: None if i in failed else usage_from_series(series[i], start, minutes)
            for i, rid in enumerate(resources)
        }


def _minute(ts: datetime) -> datetime:
    return ts.replace(second=0, microsecond=0)
