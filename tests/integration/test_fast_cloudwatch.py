"""fast_cloudwatch answers GetMetricData as CloudWatch (and moto) do, over botocore's
real protocol, and the daemon can read its metrics from it through
AWS_ENDPOINT_URL_CLOUDWATCH while DynamoDB is the launcher."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from dynamic_dynamodb.localaws import LauncherControl, create_table, seed_metrics
from dynamic_dynamodb.localaws.fast_cloudwatch import (
    FastCloudWatch,
    FastCloudWatchProcess,
    control_stats,
)
from dynamic_dynamodb.localaws.seed import metric_query
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import Config, GsiPolicy, TablePolicy

NO_RETRIES = BotoConfig(retries={"total_max_attempts": 1})
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def server(aws_env: dict[str, str]) -> Iterator[FastCloudWatch]:
    with FastCloudWatch() as fast:
        yield fast


def client(url: str) -> Any:
    return boto3.client("cloudwatch", endpoint_url=url, config=NO_RETRIES)


def query(qid: str, metric: str, stat: str, table: str = "t1",
          index: str | None = None) -> dict[str, Any]:
    return metric_query(table, metric, index, query_id=qid, stat=stat)


def seed(cw: Any) -> None:
    seed_metrics(cw, "t1", consumed_read_per_second=[1, 2, 3, 4, 5, 6, 7, 8],
                 read_throttles=2, minutes=range(1, 9), now=NOW)
    seed_metrics(cw, "t1", consumed_read_per_second=1, minutes=range(3, 5), now=NOW)
    seed_metrics(cw, "t1", "gsi1", consumed_write_per_second=0.5, minutes=range(1, 9),
                 now=NOW)


QUERIES = [
    query(f"q{n}_{stat.lower()}", metric, stat, "t1", index)
    for n, (metric, index) in enumerate([
        ("ConsumedReadCapacityUnits", None),
        ("ReadThrottleEvents", None),
        ("ConsumedWriteCapacityUnits", "gsi1"),  # same table, other dimension set
        ("ConsumedWriteCapacityUnits", None),  # never written: empty
    ])
    for stat in ("Sum", "Average", "SampleCount", "Minimum", "Maximum")
]


@pytest.mark.parametrize("scan_by", ["TimestampAscending", "TimestampDescending"])
def test_answers_like_moto(aws_env: dict[str, str], launcher: LauncherControl,
                           server: FastCloudWatch, scan_by: str) -> None:
    answers = []
    for url in (aws_env["AWS_ENDPOINT_URL"], server.url):
        cw = client(url)
        seed(cw)
        response = cw.get_metric_data(MetricDataQueries=QUERIES, ScanBy=scan_by,
                                      StartTime=NOW - timedelta(minutes=7),
                                      EndTime=NOW - timedelta(minutes=2))
        answers.append([(r["Id"], r["Timestamps"], r["Values"], r["StatusCode"])
                        for r in response["MetricDataResults"]])

    moto, fast = answers
    assert fast == moto
    assert fast[0][2][:3] in ([420.0, 360.0, 300.0], [240.0, 300.0, 300.0])  # not vacuous


def test_pages_when_a_response_would_exceed_max_datapoints(server: FastCloudWatch) -> None:
    cw = client(server.url)
    seed(cw)
    pages = list(cw.get_paginator("get_metric_data").paginate(
        MetricDataQueries=QUERIES[:10], StartTime=NOW - timedelta(minutes=9),
        EndTime=NOW, MaxDatapoints=10))
    one = cw.get_metric_data(MetricDataQueries=QUERIES[:10],
                             StartTime=NOW - timedelta(minutes=9), EndTime=NOW)

    assert len(pages) == 10  # 8 datapoints per query: one query per page
    assert [r for p in pages for r in p["MetricDataResults"]] == one["MetricDataResults"]


def test_gzipped_put_metric_data_is_stored(server: FastCloudWatch) -> None:
    # botocore gzips PutMetricData bodies over 10 KB.
    written = seed_metrics(client(server.url), "big", consumed_read_per_second=1.5,
                           minutes=range(1, 301), now=NOW)

    stats = server.app.stats()
    assert (written, stats["series"], stats["datapoints"]) == (300, 1, 300)


@pytest.mark.parametrize(
    ("queries", "code"),
    [
        ([query(f"q{i}", "ConsumedReadCapacityUnits", "Sum") for i in range(501)],
         "ValidationError"),
        ([query("q", "ConsumedReadCapacityUnits", "Sum")] * 2, "ValidationError"),
        ([{"Id": "e", "Expression": "SUM(METRICS())"}], "InvalidParameterValue"),
        ([query("q", "ConsumedReadCapacityUnits", "p99")], "InvalidParameterValue"),
    ],
    ids=["over-500-queries", "duplicate-ids", "metric-math", "percentile"],
)
def test_refuses_what_it_does_not_serve_with_an_aws_error(
    server: FastCloudWatch, queries: list[dict[str, Any]], code: str,
) -> None:
    with pytest.raises(ClientError) as raised:
        client(server.url).get_metric_data(MetricDataQueries=queries,
                                           StartTime=NOW - timedelta(minutes=5), EndTime=NOW)

    assert raised.value.response["Error"]["Code"] == code


def test_a_query_protocol_request_gets_a_clear_error(server: FastCloudWatch) -> None:
    request = urllib.request.Request(
        server.url + "/", data=b"Action=GetMetricData&Version=2010-08-01",
        headers={"Content-Type": "application/x-www-form-urlencoded"})

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 400
    assert "JSON protocol" in json.loads(raised.value.read())["message"]


def test_runs_as_a_child_process(aws_env: dict[str, str]) -> None:
    with FastCloudWatchProcess() as process:
        seed_metrics(client(process.url), "t1", consumed_read_per_second=1, now=NOW)
        stats = control_stats(process.url)

    assert stats["calls"] == {"PutMetricData": 1}
    assert stats["datapoints"] == 15


def test_the_daemon_reads_metrics_from_it_through_the_per_service_endpoint(
    aws_env: dict[str, str], launcher: LauncherControl, dynamodb_client: Any,
    server: FastCloudWatch, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AWS_ENDPOINT_URL (the launcher) stays set: the per-service variable must win.
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", server.url)
    create_table(dynamodb_client, "orders", 10, 10, [("by_owner", 10, 10)])
    seed_metrics(client(server.url), "orders", consumed_read_per_second=9.5,
                 consumed_write_per_second=5)
    launcher.reset(moto=False)
    config = Config(tables=(TablePolicy(key="^orders$",
                                        gsis=(GsiPolicy(key=".*", table_key="^orders$"),)),))

    report = build_scheduler(config).run_cycle()

    table = next(o for o in report.outcomes if o.resource.index is None)
    assert table.applied and table.decision is not None
    assert (table.decision.reads.target, table.decision.writes.target) == (15, 10)
    assert server.app.stats()["calls"] == {"PutMetricData": 1, "GetMetricData": 1}
    assert "cloudwatch.GetMetricData" not in launcher.calls()
