"""advise's history read, missing is not zero: the real boto3 edge against the local AWS
launcher, whose answer-mutation faults bend one GetMetricData answer (issue 11's rules).

Two tables with an hour of history, read in one call each. The first call's answer is
bent: its table is unknown, with the reason, and never read as an empty (idle) series;
the second table is read as usual: a bad answer fails only its own call.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dynamic_dynamodb.aws.history import CloudWatchHistory, HistoryRead, history_queries, plan_calls
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.localaws.seed import seed_metrics
from dynamic_dynamodb.settings import GlobalConfig

BENT, CLEAN = ResourceId("bent"), ResourceId("clean")
MINUTES = 60


GET_METRIC_DATA = {"service": "cloudwatch", "operation": "GetMetricData"}

# (the fault that bends the first call's answer, words of the bent table's reason). moto
# answers the queries in the order asked: history_queries' order, consumed reads first.
CASES = {
    "no-results": ({"kind": "empty"}, "ConsumedReadCapacityUnits: missing from the answer"),
    "results-dropped": ({"kind": "drop", "path": "MetricDataResults"},
                        "missing from the answer"),
    "one-series-dropped": ({"kind": "drop", "path": "MetricDataResults[0]"},
                           "ConsumedReadCapacityUnits: missing from the answer"),
    "negative-values": ({"kind": "replace", "path": "MetricDataResults[*].Values[*]",
                         "value": -10}, "a negative value (-10)"),
    "not-a-number": ({"kind": "replace", "path": "MetricDataResults[0].Values[0]",
                      "value": "x"}, "a datapoint that is not a number"),
    "partial-data": ({"kind": "partial_data"}, "not complete (StatusCode PartialData)"),
    "not-json": ({"kind": "non_json"}, "GetMetricData"),
    "wrong-shape": ({"kind": "wrong_shape"}, "GetMetricData"),
    "same-token-twice": ({"kind": "endless_token", "token": "same", "count": 2}, "twice"),
}


def read(now: datetime) -> HistoryRead:
    end = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    queries = history_queries(BENT, 60) + history_queries(CLEAN, 60)
    calls = plan_calls(queries, end - timedelta(minutes=MINUTES), end, max_queries=6)
    assert [{q.resource for q in c.queries} for c in calls] == [{BENT}, {CLEAN}]
    return CloudWatchHistory(AwsClients(GlobalConfig(max_attempts=1))).read(calls)


@pytest.mark.parametrize("fault, words", CASES.values(), ids=CASES.keys())
def test_a_bent_answer_makes_its_table_unknown_and_no_other(
        aws_env: dict[str, str], cloudwatch_client: Any, launcher: LauncherControl,
        fault: dict[str, Any], words: str) -> None:
    now = datetime.now(timezone.utc)
    for table in (BENT, CLEAN):
        seed_metrics(cloudwatch_client, table.table, consumed_read_per_second=10.0,
                     minutes=range(2, MINUTES), now=now)
    launcher.inject_faults({**GET_METRIC_DATA, **fault})

    result = read(now)

    assert set(result.failed) == {BENT}
    assert words in result.failed[BENT]
    assert not any(q.resource == BENT for q in result.points)  # unknown, not empty
    clean = {q.metric: points for q, points in result.points.items() if q.resource == CLEAN}
    assert len(clean["ConsumedReadCapacityUnits"]) == MINUTES - 2
    assert set(clean["ConsumedReadCapacityUnits"].values()) == {600.0}
    # Answered without a datapoint: idle, not unknown.
    assert clean["ConsumedWriteCapacityUnits"] == {}


def test_a_clean_answer_reads_both(aws_env: dict[str, str], cloudwatch_client: Any,
                                   launcher: LauncherControl) -> None:
    now = datetime.now(timezone.utc)
    for table in (BENT, CLEAN):
        seed_metrics(cloudwatch_client, table.table, consumed_read_per_second=10.0,
                     minutes=range(2, MINUTES), now=now)
    result = read(now)
    assert not result.failed and result.calls == 2
    assert {q.resource for q in result.points} == {BENT, CLEAN}
