"""advise's history read, missing is not zero: the real boto3 edge against the local AWS
launcher, whose answer-mutation faults bend one GetMetricData answer (issue 11's rules).

Two tables with an hour of history, read in one call each. The first call's answer is
bent: its table is unknown, with the reason, and never read as an empty (idle) series;
the second table is read as usual: a bad answer fails only its own call.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def cw(kind: str, **arguments: Any) -> dict[str, Any]:
    return {"service": "cloudwatch", "operation": "GetMetricData", "kind": kind, **arguments}


@dataclass(frozen=True)
class Case:
    id: str
    faults: tuple[dict[str, Any], ...]
    words: str  # of the bent table's reason


# moto answers the queries in the order asked: history_queries' order, consumed reads first.
CASES = [
    Case("no-results", (cw("empty"),), "ConsumedReadCapacityUnits: missing from the answer"),
    Case("results-dropped", (cw("drop", path="MetricDataResults"),),
         "missing from the answer"),
    Case("one-series-dropped", (cw("drop", path="MetricDataResults[0]"),),
         "ConsumedReadCapacityUnits: missing from the answer"),
    Case("negative-values", (cw("replace", path="MetricDataResults[*].Values[*]", value=-10),),
         "a negative value (-10)"),
    Case("not-a-number", (cw("replace", path="MetricDataResults[0].Values[0]", value="x"),),
         "a datapoint that is not a number"),
    Case("partial-data", (cw("partial_data"),), "not complete (StatusCode PartialData)"),
    Case("not-json", (cw("non_json"),), "GetMetricData"),
    Case("wrong-shape", (cw("wrong_shape"),), "GetMetricData"),
    Case("same-token-twice", (cw("endless_token", token="same", count=2),), "twice"),
]


def read(now: datetime) -> HistoryRead:
    end = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    queries = history_queries(BENT, 60) + history_queries(CLEAN, 60)
    calls = plan_calls(queries, end - timedelta(minutes=MINUTES), end, max_queries=6)
    assert [{q.resource for q in c.queries} for c in calls] == [{BENT}, {CLEAN}]
    return CloudWatchHistory(AwsClients(GlobalConfig(max_attempts=1))).read(calls)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bent_answer_makes_its_table_unknown_and_no_other(
        aws_env: dict[str, str], cloudwatch_client: Any, launcher: LauncherControl,
        case: Case) -> None:
    now = datetime.now(timezone.utc)
    for table in (BENT, CLEAN):
        seed_metrics(cloudwatch_client, table.table, consumed_read_per_second=10.0,
                     minutes=range(2, MINUTES), now=now)
    launcher.inject_faults(*case.faults)

    result = read(now)

    assert set(result.failed) == {BENT}
    assert case.words in result.failed[BENT]
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
