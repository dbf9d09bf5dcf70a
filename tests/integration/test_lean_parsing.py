"""aws/fastparse.py over real HTTP: the lean paths give botocore's answers (timestamps
as tz-aware datetimes), a malformed 200 is an error the caller sees, and a CloudWatch
client in the XML ``query`` protocol (botocore before about 1.42.7) keeps botocore's
own serializer and parser and still reads metrics."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import botocore.parsers
import botocore.session
import pytest

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.fastparse import LeanSerializer, MalformedAnswer, resolved_protocol
from dynamic_dynamodb.aws.metrics import CloudWatchMetrics, build_queries
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.localaws.seed import create_table, seed_metrics
from dynamic_dynamodb.settings import GlobalConfig


def lean_clients() -> AwsClients:
    return AwsClients(GlobalConfig(max_attempts=1))


def without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def all_datetimes(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [d for v in value.values() for d in all_datetimes(v)]
    if isinstance(value, list):
        return [d for v in value for d in all_datetimes(v)]
    return [value] if isinstance(value, datetime) else []


def metric_params(now: datetime) -> dict[str, Any]:
    queries, _ = build_queries([ResourceId("orders")])
    start = now.replace(second=0, microsecond=0)
    return {"MetricDataQueries": queries, "ScanBy": "TimestampAscending",
            "StartTime": start.replace(hour=max(0, start.hour - 1)), "EndTime": start}


def test_lean_answers_equal_botocores(aws_env, dynamodb_client, cloudwatch_client):
    create_table(dynamodb_client, "orders", reads=10, writes=10, gsis=[("by-user", 5, 5)])
    dynamodb_client.update_table(TableName="orders", ProvisionedThroughput={
        "ReadCapacityUnits": 20, "WriteCapacityUnits": 10})
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=[1.0, 2.0, 3.0],
                 minutes=[3, 2, 1])
    clients = lean_clients()
    params = metric_params(datetime.now(timezone.utc))

    lean_table = clients.dynamodb.describe_table(TableName="orders")
    lean_metrics = clients.cloudwatch.get_metric_data(**params)

    assert isinstance(clients.cloudwatch._serializer, LeanSerializer) is (
        resolved_protocol(clients.cloudwatch) == "json")
    assert without_metadata(lean_table) == without_metadata(
        dynamodb_client.describe_table(TableName="orders"))
    assert without_metadata(lean_metrics) == without_metadata(
        cloudwatch_client.get_metric_data(**params))
    stamps = all_datetimes(lean_table) + all_datetimes(lean_metrics)
    assert len(stamps) >= 5  # creation, last increase, three minutes
    assert all(s.utcoffset() is not None and s.utcoffset().total_seconds() == 0
               for s in stamps)


@pytest.mark.parametrize("fault", [
    {"kind": "non_json"},
    {"kind": "non_json", "body": ""},
    {"kind": "wrong_shape"},
    {"kind": "wrong_shape", "value": 42},
    {"kind": "replace", "path": "Table.CreationDateTime", "value": "yesterday"},
    {"kind": "replace", "path": "Table.GlobalSecondaryIndexes", "value": {"a": 1}},
], ids=["html", "empty-body", "list", "number", "bad-timestamp", "object-for-list"])
def test_a_malformed_describe_table_200_is_an_error_of_that_call(aws_env, launcher,
                                                                   dynamodb_client, fault):
    create_table(dynamodb_client, "orders", reads=10, writes=10, gsis=[("by-user", 5, 5)])
    launcher.inject_fault(service="dynamodb", operation="DescribeTable", count=2, **fault)
    clients = lean_clients()

    with pytest.raises(MalformedAnswer) as caught:
        clients.dynamodb.describe_table(TableName="orders")
    assert isinstance(caught.value, botocore.parsers.ResponseParserError)
    assert "malformed DescribeTable answer" in str(caught.value)
    # The callers' translation makes it an AwsError of this call, like any bad answer.
    with pytest.raises(AwsError, match="malformed DescribeTable answer"), \
            translated("DescribeTable"):
        clients.dynamodb.describe_table(TableName="orders")


def test_a_malformed_get_metric_data_200_makes_that_batch_unknown(aws_env, launcher,
                                                                  dynamodb_client,
                                                                  cloudwatch_client):
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=5.0)
    launcher.inject_fault(service="cloudwatch", operation="GetMetricData", kind="non_json")
    metrics = CloudWatchMetrics(lean_clients())
    request = MetricRequest(ResourceId("orders"), 15, 15)
    now = datetime.now(timezone.utc)

    assert metrics.read([request], now) == {ResourceId("orders"): None}
    usage = metrics.read([request], now)[ResourceId("orders")]  # the fault is spent
    assert usage is not None and usage.reads.consumed > 0


def query_only_cloudwatch_model(data_path: Path) -> None:
    """A CloudWatch model that offers only the XML query protocol, as botocore's models
    did before about 1.42.7, where botocore looks first (``AWS_DATA_PATH``)."""
    loader = botocore.session.get_session().get_component("data_loader")
    model = loader.load_service_model("cloudwatch", "service-2")
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    version = model["metadata"]["apiVersion"]
    target = data_path / "cloudwatch" / version / "service-2.json.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(gzip.compress(json.dumps(model).encode()))


def test_query_protocol_cloudwatch_keeps_botocores_path(aws_env, cloudwatch_client, tmp_path,
                                                        monkeypatch):
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=[1.0, 2.0, 3.0],
                 consumed_write_per_second=4.0, minutes=[3, 2, 1])
    request = MetricRequest(ResourceId("orders"), 15, 15)
    now = datetime.now(timezone.utc)
    expected = CloudWatchMetrics(lean_clients()).read([request], now)
    query_only_cloudwatch_model(tmp_path)
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))

    clients = lean_clients()
    usage = CloudWatchMetrics(clients).read([request], now)

    assert resolved_protocol(clients.cloudwatch) == "query"
    assert not isinstance(clients.cloudwatch._serializer, LeanSerializer)
    assert usage == expected
    assert expected[ResourceId("orders")] is not None
    assert expected[ResourceId("orders")].reads.consumed > 0
