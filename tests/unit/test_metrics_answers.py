"""aws/metrics.py's translation of GetMetricData pages into usage (no AWS call: the pages
are what botocore hands back; the exchange itself is tested against the local AWS in
tests/integration/test_unknown_facts.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dynamic_dynamodb.aws.metrics import Answers, build_queries, usage_from_series
from dynamic_dynamodb.core.types import DimensionUsage, ResourceId, UnknownUsage, Usage

START = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
NOW = START + timedelta(minutes=8)  # the window 12:00-12:04 is old enough to be known
STAMPS = [START + timedelta(minutes=m) for m in range(5)]
QUERY_IDS = {"reads_consumed": "q0_0", "writes_consumed": "q0_1", "reads_throttled": "q0_2",
             "writes_throttled": "q0_3"}


def result(field: str, values: list[Any], status: str = "Complete",
           stamps: list[Any] | None = None) -> dict[str, Any]:
    return {"Id": QUERY_IDS[field], "StatusCode": status,
            "Timestamps": STAMPS[:len(values)] if stamps is None else stamps,
            "Values": values}


def complete(**overrides: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A complete answer: 10 reads/s and 5 writes/s every minute, nothing throttled (no
    throttle datapoint, as DynamoDB publishes); ``overrides`` replace or (None) drop a
    field's result."""
    results = {
        "reads_consumed": result("reads_consumed", [600.0] * 5),
        "writes_consumed": result("writes_consumed", [300.0] * 5),
        "reads_throttled": result("reads_throttled", []),
        "writes_throttled": result("writes_throttled", []),
    }
    results.update(overrides)
    return [r for r in results.values() if r is not None]


def translate(*pages: dict[str, Any]) -> Usage:
    _, ids = build_queries([ResourceId("t")])
    answers = Answers(ids)
    for page in pages:
        answers.add_page(page)
    return usage_from_series(answers.series(0), START, 5, NOW)


def test_a_complete_answer_is_known_usage() -> None:
    got = translate({"MetricDataResults": complete()})

    assert isinstance(got.reads, DimensionUsage) and isinstance(got.writes, DimensionUsage)
    assert got.reads.consumed == pytest.approx(10.0)
    assert got.writes.consumed == pytest.approx(5.0)
    assert got.reads.throttle_events == 0.0 and got.reads.throttles_gap() == ""


# (id, pages, the reads' reason must hold these words)
READS_UNKNOWN = [
    ("query-absent", [{"MetricDataResults": complete(reads_consumed=None)}],
     "ConsumedReadCapacityUnits: missing from the answer"),
    ("no-results-at-all", [{}], "ConsumedReadCapacityUnits: missing from the answer"),
    ("results-not-a-list", [{"MetricDataResults": {"Unexpected": True}}],
     "missing from the answer"),
    ("empty-results", [{"MetricDataResults": []}], "missing from the answer"),
    ("partial-data-left-after-paging",
     [{"MetricDataResults": complete(reads_consumed=result("reads_consumed", [600.0] * 3,
                                                           "PartialData"))}],
     "not complete (StatusCode PartialData)"),
    ("internal-error-status",
     [{"MetricDataResults": complete(reads_consumed=result("reads_consumed", [],
                                                           "InternalError"))}],
     "not complete (StatusCode InternalError)"),
    ("negative-values",
     [{"MetricDataResults": complete(reads_consumed=result("reads_consumed", [-10.0] * 5))}],
     "a negative value (-10) at 12:00 UTC"),
    ("negative-hidden-in-a-sum",
     [{"MetricDataResults": complete(
         reads_consumed=result("reads_consumed", [-10.0, 20.0], stamps=STAMPS[:1] * 2))}],
     "a negative value (-10)"),
    ("nan-value",
     [{"MetricDataResults": complete(reads_consumed=result("reads_consumed", [math.nan]))}],
     "a non-finite value"),
    ("value-not-a-number",
     [{"MetricDataResults": complete(reads_consumed=result("reads_consumed", ["lots"]))}],
     "a datapoint that is not a number"),
    ("timestamps-and-values-do-not-pair",
     [{"MetricDataResults": complete(
         reads_consumed=result("reads_consumed", [600.0] * 5, stamps=STAMPS[:3]))}],
     "Timestamps and Values do not pair up"),
]


WHOLE = {"no-results-at-all", "results-not-a-list", "empty-results"}


@pytest.mark.parametrize("case_id,pages,words", READS_UNKNOWN,
                         ids=[c[0] for c in READS_UNKNOWN])
def test_reads_unknown(case_id: str, pages: list[dict[str, Any]], words: str) -> None:
    got = translate(*pages)

    assert isinstance(got.reads, UnknownUsage)
    assert words in got.reads.reason
    assert isinstance(got.writes, UnknownUsage if case_id in WHOLE else DimensionUsage)


def test_partial_data_completed_on_a_later_page_is_known() -> None:
    first = {"MetricDataResults": complete(
        reads_consumed=result("reads_consumed", [600.0] * 3, "PartialData")),
        "NextToken": "more"}
    second = {"MetricDataResults": [result("reads_consumed", [600.0] * 2,
                                           stamps=STAMPS[3:])]}

    got = translate(first, second)

    assert isinstance(got.reads, DimensionUsage)
    assert got.reads.per_minute == (10.0,) * 5


# (id, the read throttle series' result, words of the reason decreases are held)
THROTTLES_UNKNOWN = [
    ("throttle-series-absent", None, "ReadThrottleEvents: missing from the answer"),
    ("throttle-series-partial", result("reads_throttled", [], "PartialData"),
     "ReadThrottleEvents: not complete"),
    ("throttle-series-negative", result("reads_throttled", [-3.0]),
     "ReadThrottleEvents: a negative value (-3)"),
]


@pytest.mark.parametrize("throttled,words", [c[1:] for c in THROTTLES_UNKNOWN],
                         ids=[c[0] for c in THROTTLES_UNKNOWN])
def test_unknown_throttle_series(throttled: dict[str, Any] | None, words: str) -> None:
    got = translate({"MetricDataResults": complete(reads_throttled=throttled)})

    assert isinstance(got.reads, DimensionUsage)
    assert got.reads.consumed == pytest.approx(10.0)
    assert words in got.reads.throttles_gap()
    assert isinstance(got.writes, DimensionUsage) and got.writes.throttles_gap() == ""


def test_an_answer_for_a_query_never_asked_is_ignored() -> None:
    got = translate({"MetricDataResults": [*complete(), {"Id": "nope", "Values": [-1]}]})

    assert isinstance(got.reads, DimensionUsage)


def test_epoch_seconds_from_the_lean_parser_are_minutes_too() -> None:
    stamps = [stamp.timestamp() for stamp in STAMPS]
    got = translate({"MetricDataResults": complete(
        reads_consumed=result("reads_consumed", [600.0] * 5, stamps=stamps))})

    assert isinstance(got.reads, DimensionUsage)
    assert got.reads.per_minute == (10.0,) * 5
