"""The per-call savings of aws/session.py keep botocore's answers: endpoints and timestamps."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from dynamic_dynamodb.aws.session import parse_timestamp, share_table_endpoints


class _CountingResolver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def construct_endpoint(self, operation_model: Any, call_args: Any,
                           request_context: Any) -> Any:
        self.calls.append((operation_model.name, call_args.get("TableName")))
        return f"endpoint {len(self.calls)}"


def _resolve(client: Any, operation: str, **args: Any) -> Any:
    return client._ruleset_resolver.construct_endpoint(
        operation_model=SimpleNamespace(name=operation), call_args=args, request_context={})


def test_plain_table_names_share_one_resolution_per_operation() -> None:
    resolver = _CountingResolver()
    client = SimpleNamespace(_ruleset_resolver=resolver)
    share_table_endpoints(client)

    answers = [_resolve(client, "DescribeTable", TableName=f"t{i}") for i in range(150)]
    answers.append(_resolve(client, "UpdateTable", TableName="t1"))

    assert set(answers[:150]) == {"endpoint 1"}
    assert resolver.calls == [("DescribeTable", "t0"), ("UpdateTable", "t1")]


@pytest.mark.parametrize(
    "args",
    [{"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/t1"}, {}],
    ids=["table-arn", "no-table"],
)
def test_arns_and_calls_without_a_table_are_resolved_by_botocore(args: dict[str, Any]) -> None:
    resolver = _CountingResolver()
    client = SimpleNamespace(_ruleset_resolver=resolver)
    share_table_endpoints(client)

    _resolve(client, "DescribeTable", **args)
    _resolve(client, "DescribeTable", **args)

    assert len(resolver.calls) == 2


def test_applies_to_this_botocore() -> None:
    # A botocore that renames the attribute would silently lose the saving: say so here.
    client = boto3.client("dynamodb", region_name="us-east-1",
                          endpoint_url="http://127.0.0.1:9")
    original = client._ruleset_resolver.construct_endpoint

    share_table_endpoints(client)

    assert client._ruleset_resolver.construct_endpoint != original


def test_a_client_without_the_attribute_is_left_alone() -> None:
    client = SimpleNamespace()

    share_table_endpoints(client)

    assert vars(client) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1714564800, datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)),
        (1714564800.5, datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)),
    ],
    ids=["epoch-int", "epoch-float", "iso-string"],
)
def test_timestamps_parse_to_the_same_instant(value: Any, expected: datetime) -> None:
    parsed = parse_timestamp(value)

    assert parsed == expected and parsed.utcoffset() is not None


def test_lean_getmetricdata_body_equals_botocores() -> None:
    """The lean serializer writes the same request botocore would, faster."""
    import json
    from datetime import datetime, timezone

    import botocore.serialize
    import botocore.session

    from dynamic_dynamodb.aws.fastparse import LeanSerializer
    from dynamic_dynamodb.aws.metrics import build_queries
    from dynamic_dynamodb.core.types import ResourceId

    model = botocore.session.get_session().get_service_model("cloudwatch")
    operation = model.operation_model("GetMetricData")
    # The JSON protocol's own serializer, whichever protocol this botocore resolves for
    # CloudWatch: the lean serializer only ever stands in for that one.
    inner = botocore.serialize.create_serializer("json", include_validation=False)
    queries, _ = build_queries([ResourceId("t"), ResourceId("t", "g")])
    params = {"MetricDataQueries": queries, "ScanBy": "TimestampAscending",
              "StartTime": datetime(2026, 1, 1, tzinfo=timezone.utc),
              "EndTime": datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc)}
    expected = inner.serialize_to_request(params, operation)
    lean = LeanSerializer(inner).serialize_to_request(params, operation)
    assert json.loads(lean["body"]) == json.loads(expected["body"])
    assert (lean["headers"], lean["method"], lean["url_path"]) == (
        expected["headers"], expected["method"], expected["url_path"])


def test_lean_parser_keeps_errors_to_botocore() -> None:
    import botocore.session

    from dynamic_dynamodb.aws.fastparse import LeanParserFactory

    model = botocore.session.get_session().get_service_model("dynamodb")
    shape = model.operation_model("DescribeTable").output_shape
    parser = LeanParserFactory().create_parser("json")
    ok = parser.parse({"status_code": 200, "headers": {}, "body": b'{"Table": {"TableName": "t"}}'},
                      shape)
    assert ok["Table"]["TableName"] == "t" and ok["ResponseMetadata"]["HTTPStatusCode"] == 200
    body = b'{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", ' \
        b'"message": "gone"}'
    error = parser.parse({"status_code": 400, "headers": {}, "body": body}, shape)
    assert error["Error"]["Code"] == "ResourceNotFoundException"
