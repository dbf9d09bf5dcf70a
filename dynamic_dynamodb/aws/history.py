"""Days of CloudWatch history for many tables and GSIs: batched, paged GetMetricData.

``dynamic-dynamodb advise`` reads six series per table or GSI over up to 63 days.
CloudWatch bills GetMetricData per metric requested in a call ($0.01 per 1,000), not per
datapoint, and an answer holds at most 100,800 datapoints (then a NextToken). So the
plan asks for each series once, over the whole window, and packs as many series into
a call as fit under both limits: 500 queries, and 100,800 datapoints if every period of
every series had one. A call's answer then never needs a second page, each metric is
billed once, and the number of calls is as small as those limits allow. Only a series
longer than 100,800 periods (not possible within CloudWatch's retention at these
periods, but the plan does not assume it) is split into time slices.

Pages are still followed if CloudWatch sends a NextToken, up to ``max_pages`` per call,
and a NextToken seen twice is refused: the read never loops forever. A ``stop`` event
is honoured between calls. A failed call, or an answer that cannot be parsed, fails only
the resources it asked about; a non-transient error (access denied, no credentials)
fails the whole read.

The answers are read by the daemon's rules (aws/metrics.Answers, core/minutes.py): a
series absent from the answer, not ``Complete`` after paging, or holding a negative or
non-finite value is unknown, and so is its table or GSI (``HistoryRead.failed``, with
the reason): never read as an empty series. A series that was answered without a
datapoint is empty (idle), not unknown.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.metrics import Answers
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.core.minutes import MISSING
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.errors import AwsError, DynamicDynamoDBError

log = logging.getLogger(__name__)

MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
# A planned call is expected to fit in one page; CloudWatch may still split an answer.
MAX_PAGES_PER_CALL = 50
NAMESPACE = "AWS/DynamoDB"
# DynamoDB publishes consumed capacity and throttle events per minute, everything else
# (the provisioned capacity among it) per five minutes.
PROVISIONED_PERIOD = 300


@dataclass(frozen=True)
class SeriesQuery:
    """One series of one table or GSI: a metric, a statistic and a period."""

    resource: ResourceId
    metric: str
    stat: str
    period: int


def history_queries(resource: ResourceId, period: int) -> list[SeriesQuery]:
    """The six series advise reads per table or GSI.

    Consumed capacity and throttle events as per-``period`` Sums; the provisioned
    capacity in force as the Maximum of each 5 minutes (the period DynamoDB publishes
    it at; never shorter than ``period``).
    """
    provisioned = max(period, PROVISIONED_PERIOD)
    return [
        SeriesQuery(resource, "ConsumedReadCapacityUnits", "Sum", period),
        SeriesQuery(resource, "ConsumedWriteCapacityUnits", "Sum", period),
        SeriesQuery(resource, "ReadThrottleEvents", "Sum", period),
        SeriesQuery(resource, "WriteThrottleEvents", "Sum", period),
        SeriesQuery(resource, "ProvisionedReadCapacityUnits", "Maximum", provisioned),
        SeriesQuery(resource, "ProvisionedWriteCapacityUnits", "Maximum", provisioned),
    ]


@dataclass(frozen=True)
class PlannedCall:
    """One GetMetricData call: its queries and its time range [start, end)."""

    queries: tuple[SeriesQuery, ...]
    start: datetime
    end: datetime

    def most_datapoints(self) -> int:
        seconds = (self.end - self.start).total_seconds()
        return sum(math.ceil(seconds / q.period) for q in self.queries)


def _slices(start: datetime, end: datetime, step_seconds: int) -> Iterator[tuple[datetime,
                                                                                  datetime]]:
    step = timedelta(seconds=step_seconds)
    at = start
    while at < end:
        yield at, min(end, at + step)
        at += step


def plan_calls(queries: Sequence[SeriesQuery], start: datetime, end: datetime,
               max_queries: int = MAX_QUERIES_PER_CALL,
               max_datapoints: int = MAX_DATAPOINTS_PER_CALL) -> list[PlannedCall]:
    """The calls that read ``queries`` over [start, end) within both limits.

    Time is sliced only when one series alone could exceed ``max_datapoints``; the
    slices are whole multiples of every period. Within a slice, queries are packed in
    order until the next one would break a limit.
    """
    if end <= start:
        raise ValueError("the time range is empty")
    if not queries:
        return []
    if max_queries < 1 or max_datapoints < 1:
        raise ValueError("limits must be at least 1")
    longest = max(q.period for q in queries)
    shortest = min(q.period for q in queries)
    seconds = int((end - start).total_seconds())
    slice_seconds = seconds
    if math.ceil(seconds / shortest) > max_datapoints:
        # The largest multiple of the longest period that one series fills up to the limit.
        slice_seconds = max(longest, max_datapoints * shortest // longest * longest)
    calls: list[PlannedCall] = []
    for lo, hi in _slices(start, end, slice_seconds):
        span = (hi - lo).total_seconds()
        batch: list[SeriesQuery] = []
        points = 0
        for query in queries:
            cost = math.ceil(span / query.period)
            if batch and (len(batch) >= max_queries or points + cost > max_datapoints):
                calls.append(PlannedCall(tuple(batch), lo, hi))
                batch, points = [], 0
            batch.append(query)
            points += cost
        calls.append(PlannedCall(tuple(batch), lo, hi))
    return calls


class PagingError(DynamicDynamoDBError):
    """CloudWatch's NextTokens did not end: a token came back twice, or too many pages."""


def read_pages(fetch: Callable[[str | None], Mapping[str, Any]],
               max_pages: int = MAX_PAGES_PER_CALL) -> Iterator[Mapping[str, Any]]:
    """Every page of one paged call: ``fetch(token)`` returns a page, the first with
    ``token=None``; stops at the page without a NextToken. A NextToken seen before,
    or more than ``max_pages`` pages, raises PagingError instead of looping."""
    seen: set[str] = set()
    token: str | None = None
    for _ in range(max_pages):
        page = fetch(token)
        yield page
        token = page.get("NextToken") or None
        if token is None:
            return
        if token in seen:
            raise PagingError(f"GetMetricData returned the NextToken {token[:20]!r} twice")
        seen.add(token)
    raise PagingError(f"GetMetricData still had a NextToken after {max_pages} pages")


def _dimensions(rid: ResourceId) -> list[dict[str, str]]:
    dims = [{"Name": "TableName", "Value": rid.table}]
    if rid.index is not None:
        dims.append({"Name": "GlobalSecondaryIndexName", "Value": rid.index})
    return dims


def _request_queries(queries: Sequence[SeriesQuery]) -> list[dict[str, Any]]:
    return [{
        "Id": f"q{k}",
        "MetricStat": {
            "Metric": {"Namespace": NAMESPACE, "MetricName": q.metric,
                       "Dimensions": _dimensions(q.resource)},
            "Period": q.period,
            "Stat": q.stat,
        },
        "ReturnData": True,
    } for k, q in enumerate(queries)]


# What a read returns: per series, its datapoints keyed by epoch second of the period's start.
Points = dict[int, float]


@dataclass
class HistoryRead:
    """The datapoints read, and the resources whose series could not be read (why)."""

    points: dict[SeriesQuery, Points]
    failed: dict[ResourceId, str]
    calls: int = 0
    metrics_requested: int = 0


class ReadStopped(DynamicDynamoDBError):
    """A stop was requested between two calls."""


class CloudWatchHistory:
    """Reads planned calls with boto3's CloudWatch client."""

    def __init__(self, clients: AwsClients, max_pages: int = MAX_PAGES_PER_CALL) -> None:
        self._clients = clients
        self._max_pages = max_pages

    def read(self, calls: Sequence[PlannedCall], stop: threading.Event | None = None,
             progress: Callable[[int], None] | None = None) -> HistoryRead:
        result = HistoryRead({}, {})
        for call in calls:
            if stop is not None and stop.is_set():
                raise ReadStopped("stopped before reading all of CloudWatch's history")
            wanted = [q for q in call.queries if q.resource not in result.failed]
            if wanted:
                self._read_call(PlannedCall(tuple(wanted), call.start, call.end), result)
            if progress is not None:
                progress(1)
        # A resource with one unknown series is unknown: none of its series is kept.
        result.points = {q: p for q, p in result.points.items()
                         if q.resource not in result.failed}
        return result

    def _read_call(self, call: PlannedCall, result: HistoryRead) -> None:
        queries = _request_queries(call.queries)
        # Each query its own "resource" for Answers: series(k) is query k's answer.
        answers = Answers({q["Id"]: (k, sq.metric)
                           for k, (q, sq) in enumerate(zip(queries, call.queries, strict=True))})
        request: dict[str, Any] = {
            "MetricDataQueries": queries, "StartTime": call.start, "EndTime": call.end,
            "ScanBy": "TimestampAscending", "MaxDatapoints": MAX_DATAPOINTS_PER_CALL,
        }

        def fetch(token: str | None) -> Mapping[str, Any]:
            kwargs = dict(request, NextToken=token) if token else request
            result.calls += 1
            result.metrics_requested += len(queries)
            with translated("GetMetricData"):
                answer: Mapping[str, Any] = self._clients.cloudwatch.get_metric_data(**kwargs)
            return answer

        try:
            for page in read_pages(fetch, self._max_pages):
                answers.add_page(page)
        except AwsError as exc:
            if not exc.transient:
                raise
            log.warning("history unavailable for %d series: %s", len(call.queries), exc)
            for series in call.queries:
                result.failed.setdefault(series.resource, str(exc))
            return
        except PagingError as exc:
            for series in call.queries:
                result.failed.setdefault(series.resource, str(exc))
            return
        for k, series in enumerate(call.queries):
            answer = answers.series(k).get(series.metric, MISSING)
            if answer.problem:
                result.failed.setdefault(series.resource, f"GetMetricData {series.metric}: "
                                                          f"{answer.problem}")
            else:
                result.points.setdefault(series, {}).update(answer.points)
