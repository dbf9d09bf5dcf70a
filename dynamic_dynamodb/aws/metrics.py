"""CloudWatch GetMetricData, batched across every table and GSI of a cycle.

Four queries per resource (consumed reads and writes, read and write throttle
events), Sum per 60 s, at most 500 queries per call, StartTime/EndTime on whole
minutes. A cycle makes ceil(4 x resources / 500) calls whatever the lookback windows:
see ``CloudWatchMetrics.read``. An empty series is zero use (DynamoDB publishes nothing for an idle
minute); a failed call makes every resource of that call unknown (None), and the
core makes no decision for an unknown resource.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import DimensionUsage, ResourceId, Usage
from dynamic_dynamodb.errors import AwsError

log = logging.getLogger(__name__)

MAX_QUERIES_PER_CALL = 500
# GetMetricData calls of one read in flight at once: CloudWatch allows 50 per second per
# account and region by default, shared with dashboards and alarms; 4 keeps a cycle's
# reads short without taking much of it.
MAX_CONCURRENT_BATCHES = 4
PERIOD = 60
# (metric name, field): the four series per resource.
SERIES = (
    ("ConsumedReadCapacityUnits", "reads_consumed"),
    ("ConsumedWriteCapacityUnits", "writes_consumed"),
    ("ReadThrottleEvents", "reads_throttled"),
    ("WriteThrottleEvents", "writes_throttled"),
)


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


# One series: per-minute Sums keyed by the minute's start in epoch seconds.
Series = dict[int, float]


def usage_from_series(series: dict[str, Series], start: datetime, minutes: int) -> Usage:
    """Per-minute Sums to Usage over the ``minutes`` from ``start``: consumed units/s per
    minute; a missing minute is 0, a minute outside the window is ignored."""
    seconds = minutes * PERIOD
    first = int(start.timestamp())
    stamps = range(first, first + seconds, PERIOD)

    def dim(consumed_key: str, throttled_key: str) -> DimensionUsage:
        consumed = series.get(consumed_key, {})
        throttled = series.get(throttled_key, {})
        sums = [consumed.get(t, 0.0) for t in stamps]
        throttled_per_minute = tuple(throttled.get(t, 0.0) for t in stamps)
        return DimensionUsage(
            consumed=sum(sums) / seconds,
            throttle_events=sum(throttled_per_minute),
            window_seconds=seconds,
            per_minute=tuple(value / PERIOD for value in sums),
            throttled_per_minute=throttled_per_minute,
        )

    return Usage(dim("reads_consumed", "reads_throttled"),
                 dim("writes_consumed", "writes_throttled"))


class CloudWatchMetrics:
    """The boto3 implementation of MetricsApi.

    ``max_queries_per_call`` is CloudWatch's limit; tests lower it to see batching
    with few tables.
    """

    def __init__(self, clients: AwsClients,
                 max_queries_per_call: int = MAX_QUERIES_PER_CALL) -> None:
        if not len(SERIES) <= max_queries_per_call <= MAX_QUERIES_PER_CALL:
            raise ValueError(f"max_queries_per_call must be {len(SERIES)}.."
                             f"{MAX_QUERIES_PER_CALL}")
        self._clients = clients
        self._resources_per_call = max_queries_per_call // len(SERIES)

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        # GetMetricData takes one time range per call, and resources may have different
        # lookback windows. Sorted by window, resources that share one share calls; a
        # call that straddles two windows asks for the range covering both and each
        # resource keeps its own minutes. So a cycle always makes
        # ceil(resources / resources-per-call) calls, and the extra datapoints (free:
        # CloudWatch bills per metric requested) come only in a straddling call.
        ordered = sorted(requests, key=lambda r: (r.window_start_minutes, r.window_minutes))
        result: dict[ResourceId, Usage | None] = {}
        per_call = self._resources_per_call
        batches = [ordered[k:k + per_call] for k in range(0, len(ordered), per_call)]
        if len(batches) <= 1:
            for batch in batches:
                result.update(self._read_batch(batch, now))
            return result
        # The batches are independent: read them concurrently (a 1,000-table target
        # makes 16 calls), each in a copy of this context so log lines keep naming the
        # target; a batch that raises ends the read as it did when they ran in turn.
        workers = min(MAX_CONCURRENT_BATCHES, len(batches))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="metrics") as pool:
            futures = [pool.submit(contextvars.copy_context().run, self._read_batch, batch, now)
                       for batch in batches]
            for future in futures:
                result.update(future.result())
        return result

    def _read_batch(self, batch: Sequence[MetricRequest],
                    now: datetime) -> dict[ResourceId, Usage | None]:
        windows = [r.window(now) for r in batch]
        start = min(w[0] for w in windows)
        end = max(w[1] for w in windows)
        resources = [r.resource for r in batch]
        queries, ids = build_queries(resources)
        series: list[dict[str, Series]] = [{} for _ in resources]
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
                            minute = _minute(ts)
                            points[minute] = points.get(minute, 0.0) + float(value)
                    token = response.get("NextToken")
                    if not token:
                        break
        except AwsError as exc:
            log.warning("metrics unavailable for %d resource(s): %s", len(resources), exc)
            if not exc.transient:
                raise
            return {rid: None for rid in resources}
        return {
            r.resource: None if i in failed else usage_from_series(series[i], w[0],
                                                                    r.window_minutes)
            for i, (r, w) in enumerate(zip(batch, windows, strict=True))
        }


def _minute(ts: datetime | float) -> int:
    """The start of the minute holding ``ts`` (a datetime, or epoch seconds as the
    lean parser returns them), in epoch seconds."""
    seconds = ts if isinstance(ts, (int, float)) else ts.timestamp()
    return int(seconds) // PERIOD * PERIOD
