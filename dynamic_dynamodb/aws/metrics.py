"""CloudWatch GetMetricData, batched across every table and GSI of a cycle.

Four queries per resource (consumed reads and writes, read and write throttle
events), Sum per 60 s, at most 500 queries per call, StartTime/EndTime on whole
minutes. A cycle makes ceil(4 x resources / 500) calls whatever the lookback windows:
see ``CloudWatchMetrics.read``. The answers become usage by core/minutes.py's rules:
a query absent from the answer, a series not ``Complete`` after paging, or a negative,
non-finite or non-numeric value makes its series unknown; a minute without a datapoint
is 0 only when it is known to be idle, else not known yet. A failed call makes every
resource of that call unknown (None), and the core makes no decision for an unknown
resource; so does an answer that cannot be read at all (not JSON) or paging that does
not end (aws/paging.py): one warning, that batch only.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from dynamic_dynamodb.aws.paging import SPARE_PAGES, StopGuard, pages
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.minutes import MISSING, SeriesAnswer, dimension_usage, value_problem
from dynamic_dynamodb.core.types import Dimension, DimensionReading, ResourceId, Usage
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.settings import DEFAULT_PUBLICATION_ALLOWANCE_MINUTES

log = logging.getLogger(__name__)

MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_PAGE = 100_800
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
# The series of one resource by field name ("reads_consumed", ...); a field that is
# not there was absent from the answer.
ResourceSeries = Mapping[str, SeriesAnswer]


def usage_from_series(series: ResourceSeries, start: datetime, minutes: int, now: datetime,
                      allowance_minutes: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES,
                      known_from: datetime | None = None) -> Usage:
    """The series of one resource to Usage over the ``minutes`` from ``start``, as
    CloudWatch showed them at ``now`` (core/minutes.py says which minutes are known).
    ``known_from``: nothing is known before it (the simulator's trace starts there)."""
    first = int(start.timestamp())
    stamps = range(first, first + minutes * PERIOD, PERIOD)
    origin = None if known_from is None else int(known_from.timestamp())

    def dim(dimension: Dimension) -> DimensionReading:
        metric = dimension.metric
        return dimension_usage(
            series.get(f"{dimension.value}_consumed", MISSING),
            series.get(f"{dimension.value}_throttled", MISSING),
            stamps, now, allowance_minutes,
            (f"Consumed{metric}CapacityUnits", f"{metric}ThrottleEvents"), origin)

    return Usage(dim(Dimension.READS), dim(Dimension.WRITES))


class Answers:
    """What the pages of one GetMetricData exchange said, per query: the datapoints,
    the last StatusCode, and the first value that cannot be a Sum."""

    def __init__(self, ids: Mapping[str, tuple[int, str]]) -> None:
        self._ids = ids
        self._points: dict[str, Series] = {}
        self._status: dict[str, str] = {}
        self._problems: dict[str, str] = {}

    def add_page(self, response: Mapping[str, Any]) -> None:
        results = response.get("MetricDataResults")
        for res in results if isinstance(results, list) else []:
            qid = res.get("Id") if isinstance(res, dict) else None
            if not isinstance(qid, str) or qid not in self._ids:
                log.debug("GetMetricData answered an unknown query: %r", res)
                continue
            self._status[qid] = str(res.get("StatusCode"))
            points = self._points.setdefault(qid, {})
            stamps, values = res.get("Timestamps", []), res.get("Values", [])
            if not isinstance(stamps, list) or not isinstance(values, list) \
                    or len(stamps) != len(values):
                self._problems.setdefault(qid, "Timestamps and Values do not pair up")
                continue
            for ts, raw in zip(stamps, values, strict=True):
                try:
                    minute, value = _minute(ts), _number(raw)
                except (AttributeError, TypeError, ValueError, OverflowError, OSError):
                    self._problems.setdefault(qid, f"a datapoint that is not a number "
                                                   f"({ts!r}: {raw!r})")
                    continue
                problem = value_problem(value, minute)
                if problem:
                    self._problems.setdefault(qid, problem)
                points[minute] = points.get(minute, 0.0) + value

    def series(self, index: int) -> dict[str, SeriesAnswer]:
        """The series of the resource at ``index``, by field; absent queries left out."""
        found: dict[str, SeriesAnswer] = {}
        for qid, (i, name) in self._ids.items():
            if i != index or qid not in self._status:
                continue
            status = self._status[qid]
            problem = self._problems.get(qid, "")
            if not problem and status != "Complete":
                problem = f"not complete (StatusCode {status})"
            found[name] = SeriesAnswer(self._points.get(qid, {}), problem)
        return found


class CloudWatchMetrics:
    """The boto3 implementation of MetricsApi.

    ``max_queries_per_call`` is CloudWatch's limit; tests lower it to see batching
    with few tables. Once ``stop`` is set no further call goes out (Stopped).
    """

    def __init__(self, clients: AwsClients,
                 max_queries_per_call: int = MAX_QUERIES_PER_CALL,
                 stop: threading.Event | None = None) -> None:
        if not len(SERIES) <= max_queries_per_call <= MAX_QUERIES_PER_CALL:
            raise ValueError(f"max_queries_per_call must be {len(SERIES)}.."
                             f"{MAX_QUERIES_PER_CALL}")
        self._clients = clients
        self._resources_per_call = max_queries_per_call // len(SERIES)
        self._guard = StopGuard(stop)

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
        # Each batch is bounded by its own page limit and honours the stop before every
        # call; once one raises, the batches not started yet are not started.
        workers = min(MAX_CONCURRENT_BATCHES, len(batches))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="metrics") as pool:
            futures = [pool.submit(contextvars.copy_context().run, self._read_batch, batch, now)
                       for batch in batches]
            try:
                for future in futures:
                    result.update(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return result

    def _read_batch(self, batch: Sequence[MetricRequest],
                    now: datetime) -> dict[ResourceId, Usage | None]:
        windows = [r.window(now) for r in batch]
        start = min(w[0] for w in windows)
        end = max(w[1] for w in windows)
        resources = [r.resource for r in batch]
        queries, ids = build_queries(resources)
        answers = Answers(ids)
        cloudwatch = self._guard.client(self._clients.cloudwatch)

        def call(token: str | None) -> Any:
            kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start,
                                      "EndTime": end, "ScanBy": "TimestampAscending"}
            if token:
                kwargs["NextToken"] = token
            return cloudwatch.get_metric_data(**kwargs)

        try:
            for response in pages(call, what="GetMetricData", token_field="NextToken",
                                  max_pages=max_pages(len(queries), start, end),
                                  guard=self._guard):
                answers.add_page(response)
        except AwsError as exc:
            log.warning("metrics unavailable for %d resource(s): %s", len(resources), exc)
            if not exc.transient:
                raise
            return dict.fromkeys(resources)
        return {
            r.resource: usage_from_series(answers.series(i), w[0], r.window_minutes, now,
                                          r.publication_allowance_minutes)
            for i, (r, w) in enumerate(zip(batch, windows, strict=True))
        }


def max_pages(queries: int, start: datetime, end: datetime) -> int:
    """The pages a correct GetMetricData answer can need, and a few spare: at most
    ``queries`` x minutes datapoints, CloudWatch's page holding up to 100,800."""
    minutes = max(1, math.ceil((end - start).total_seconds() / PERIOD))
    return math.ceil(queries * minutes / MAX_DATAPOINTS_PER_PAGE) + SPARE_PAGES


def _number(raw: object) -> float:
    """A datapoint's value; TypeError for anything that is not a JSON number (a string
    of digits or a bool is not a Sum)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise TypeError(f"{type(raw).__name__} is not a number")
    return float(raw)


def _minute(ts: datetime | float) -> int:
    """The start of the minute holding ``ts`` (a datetime, or epoch seconds as the
    lean parser returns them), in epoch seconds."""
    if isinstance(ts, bool):
        raise TypeError("a bool is not a time")
    seconds = ts if isinstance(ts, (int, float)) else ts.timestamp()
    return int(seconds) // PERIOD * PERIOD
