"""aws/fastparse.py without a server: the lean parser answers as botocore's own parser
does (timestamps included), refuses what botocore would silently read as empty, and the
lean paths stay off a client that does not speak JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.config
import botocore.parsers
import botocore.serialize
import botocore.session
import pytest

from dynamic_dynamodb.aws.fastparse import (
    LeanParserFactory,
    LeanSerializer,
    MalformedAnswer,
    lean_serializer,
    resolved_protocol,
)
from dynamic_dynamodb.aws.session import parse_timestamp

T0 = 1767225600  # 2026-01-01T00:00:00Z

DESCRIBE_TABLE = {"Table": {
    "TableName": "orders", "TableStatus": "ACTIVE", "CreationDateTime": T0 - 86400.5,
    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5,
                              "NumberOfDecreasesToday": 1, "LastIncreaseDateTime": T0,
                              "LastDecreaseDateTime": T0 - 60},
    "BillingModeSummary": {"BillingMode": "PROVISIONED",
                           "LastUpdateToPayPerRequestDateTime": T0 - 3600},
    "GlobalSecondaryIndexes": [{"IndexName": "by-user", "IndexStatus": "ACTIVE",
                                "ProvisionedThroughput": {"ReadCapacityUnits": 3,
                                                          "WriteCapacityUnits": 3,
                                                          "LastDecreaseDateTime": T0 - 7}}],
}}
GET_METRIC_DATA = {"MetricDataResults": [
    {"Id": "q0_0", "Label": "ConsumedReadCapacityUnits", "StatusCode": "Complete",
     "Timestamps": [T0, T0 + 60, T0 + 120], "Values": [60.0, 120.0, 0.5]},
    {"Id": "q0_1", "Label": "ReadThrottleEvents", "StatusCode": "Complete",
     "Timestamps": [], "Values": []},
], "Messages": []}


def output_shape(service: str, operation: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation).output_shape


def answer(body: Any, status: int = 200) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {"status_code": status, "headers": {}, "body": raw}


def lean_parser(timestamp_parser: Any = None) -> Any:
    factory = LeanParserFactory()
    if timestamp_parser is not None:
        factory.set_parser_defaults(timestamp_parser=timestamp_parser)
    return factory.create_parser("json")


def botocore_parser(timestamp_parser: Any = None) -> Any:
    factory = botocore.parsers.ResponseParserFactory()
    if timestamp_parser is not None:
        factory.set_parser_defaults(timestamp_parser=timestamp_parser)
    return factory.create_parser("json")


def without_metadata(parsed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}


@pytest.mark.parametrize("timestamp_parser", [None, parse_timestamp],
                         ids=["botocore-default", "session-parser"])
@pytest.mark.parametrize(("service", "operation", "body"), [
    ("dynamodb", "DescribeTable", DESCRIBE_TABLE),
    ("cloudwatch", "GetMetricData", GET_METRIC_DATA),
], ids=["DescribeTable", "GetMetricData"])
def test_lean_answer_equals_botocores(service, operation, body, timestamp_parser):
    shape = output_shape(service, operation)

    lean = lean_parser(timestamp_parser).parse(answer(body), shape)
    slow = botocore_parser(timestamp_parser).parse(answer(body), shape)

    assert without_metadata(lean) == without_metadata(slow)
    assert lean["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_timestamps_are_tz_aware_utc_datetimes():
    table = lean_parser(parse_timestamp).parse(
        answer(DESCRIBE_TABLE), output_shape("dynamodb", "DescribeTable"))["Table"]
    metrics = lean_parser(parse_timestamp).parse(
        answer(GET_METRIC_DATA), output_shape("cloudwatch", "GetMetricData"))

    assert table["ProvisionedThroughput"]["LastIncreaseDateTime"] == datetime(
        2026, 1, 1, tzinfo=timezone.utc)
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"][
        "LastDecreaseDateTime"] == datetime(2025, 12, 31, 23, 59, 53, tzinfo=timezone.utc)
    assert table["CreationDateTime"].tzinfo is not None
    stamps = metrics["MetricDataResults"][0]["Timestamps"]
    assert [s.isoformat() for s in stamps] == [
        "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00", "2026-01-01T00:02:00+00:00"]


@pytest.mark.parametrize(("body", "detail"), [
    (b"<html>busy</html>", "the body is not JSON"),
    (b"", "the body is empty"),
    (b"\xff\xfe", "the body is not JSON"),
    (b'["unexpected"]', "a JSON list, not an object"),
    (b"null", "a JSON NoneType, not an object"),
    (b'{"Table": []}', "Table is not an object"),
    (b'{"Table": {"CreationDateTime": "soon"}}', "Table.CreationDateTime is not a timestamp"),
    (b'{"Table": {"CreationDateTime": true}}', "Table.CreationDateTime is not a timestamp"),
    (b'{"Table": {"CreationDateTime": 1e300}}', "Table.CreationDateTime is not a timestamp"),
    (b'{"Table": {"GlobalSecondaryIndexes": {"a": 1}}}', "Table.GlobalSecondaryIndexes is not"),
], ids=["html", "empty", "not-utf8", "list", "null", "table-list", "timestamp-word",
        "timestamp-bool", "timestamp-huge", "object-for-list"])
def test_a_malformed_200_raises_what_botocore_raises_for_bad_xml(body, detail):
    with pytest.raises(MalformedAnswer) as caught:
        lean_parser(parse_timestamp).parse(answer(body), output_shape("dynamodb",
                                                                      "DescribeTable"))

    assert isinstance(caught.value, botocore.parsers.ResponseParserError)
    assert str(caught.value).startswith(f"malformed DescribeTable answer: {detail}")


@pytest.mark.parametrize("body", [
    b'{"MetricDataResults": [{"Id": "a", "Timestamps": [1767225600, "x"], "Values": [1, 2]}]}',
    b'{"MetricDataResults": [{"Id": "a", "Timestamps": 5}]}',
    b'{"MetricDataResults": {"Id": "a"}}',
], ids=["one-bad-timestamp", "timestamps-number", "results-object"])
def test_a_malformed_get_metric_data_200_is_refused(body):
    with pytest.raises(MalformedAnswer, match="malformed GetMetricData answer"):
        lean_parser(parse_timestamp).parse(answer(body), output_shape("cloudwatch",
                                                                      "GetMetricData"))


def test_botocores_own_json_parser_reads_a_non_json_200_as_empty():
    # What the slow path does (a client that does not use the lean parser): no error, an
    # answer without fields. Kept as a test so that a botocore that changes it is seen.
    shape = output_shape("dynamodb", "DescribeTable")
    parsed = botocore_parser().parse(answer(b"<html>busy</html>"), shape)

    assert without_metadata(parsed) == {}


def test_errors_and_other_operations_go_to_botocore():
    parser = lean_parser()
    error = b'{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", ' \
        b'"message": "gone"}'

    parsed = parser.parse(answer(error, status=400), output_shape("dynamodb", "DescribeTable"))
    listed = parser.parse(answer(b"<html>"), output_shape("dynamodb", "ListTables"))

    assert parsed["Error"]["Code"] == "ResourceNotFoundException"
    assert without_metadata(listed) == {}


# Protocols other than JSON that this botocore has (CBOR came in 2025).
OTHER_PROTOCOLS = [p for p in ("query", "smithy-rpc-v2-cbor", "rest-json")
                   if p in botocore.parsers.PROTOCOL_PARSERS]


@pytest.mark.parametrize("protocol", OTHER_PROTOCOLS)
def test_only_a_json_parser_gets_the_fast_path(protocol):
    parser = LeanParserFactory().create_parser(protocol)

    assert type(parser._inner) is botocore.parsers.PROTOCOL_PARSERS[protocol]
    assert type(parser).__name__ == "_GuardedParser"  # not the JSON fast path


QUERY_ANSWER = b"""<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
<GetMetricDataResult><MetricDataResults><member><Id>q0_0</Id><Label>x</Label>
<Timestamps><member>2026-01-01T00:01:00Z</member></Timestamps>
<Values><member>60.0</member></Values><StatusCode>Complete</StatusCode></member>
</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>"""


@pytest.mark.parametrize(("body", "error"), [
    (b"<html><body>BODY-TEXT busy</body></html>", "KeyError"),
    (b"BODY-TEXT not even XML", "ResponseParserError"),
], ids=["html", "not-xml"])
def test_a_query_answer_botocore_cannot_read_is_malformed_without_the_body(body, error):
    # CloudWatch in the query protocol (botocore before 1.42.7): botocore's own parser,
    # whose failures on a 200 are a KeyError or a ResponseParserError quoting the body.
    parser = LeanParserFactory().create_parser("query")

    with pytest.raises(MalformedAnswer) as caught:
        parser.parse(answer(body), output_shape("cloudwatch", "GetMetricData"))

    assert str(caught.value) == (f"malformed GetMetricData answer: botocore cannot parse "
                                 f"it ({error})")


def test_a_good_query_answer_is_botocores():
    shape = output_shape("cloudwatch", "GetMetricData")

    parsed = LeanParserFactory().create_parser("query").parse(answer(QUERY_ANSWER), shape)

    result = parsed["MetricDataResults"][0]
    assert result["Timestamps"] == [datetime(2026, 1, 1, 0, 1, tzinfo=timezone.utc)]
    assert result["Values"] == [60.0]


def fake_client(protocol: str) -> Any:
    model = SimpleNamespace(metadata={"protocol": protocol})
    return SimpleNamespace(meta=SimpleNamespace(service_model=model),
                           _serializer=botocore.serialize.create_serializer(protocol, False))


@pytest.mark.parametrize("protocol", OTHER_PROTOCOLS)
def test_lean_serializer_stays_off_a_client_in_another_protocol(protocol):
    client = fake_client(protocol)
    inner = client._serializer

    assert lean_serializer(client) is False
    assert client._serializer is inner


def real_client(service: str, validate: bool = False) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                        config=botocore.config.Config(parameter_validation=validate))


def test_lean_serializer_stays_off_a_serializer_it_does_not_know():
    # botocore wraps its serializer to validate parameters; the daemon's clients don't
    # validate, and an unknown wrapper is left alone.
    client = real_client("dynamodb", validate=True)

    assert lean_serializer(client) is False


def test_cloudwatch_gets_the_lean_serializer_exactly_when_it_speaks_json():
    # JSON with this botocore since about 1.42.7; query (XML) before (`tox -e min`).
    client = real_client("cloudwatch")

    assert lean_serializer(client) is (resolved_protocol(client) == "json")


def test_lean_serializer_goes_on_a_json_client_once():
    client = real_client("dynamodb")
    assert resolved_protocol(client) == "json"

    assert lean_serializer(client) is True
    assert lean_serializer(client) is True
    assert isinstance(client._serializer, LeanSerializer)
    assert not isinstance(client._serializer._inner, LeanSerializer)


def test_lean_serializer_writes_naive_datetimes_as_utc():
    from dynamic_dynamodb.aws.fastparse import _json_default

    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the naive case is the point
    aware = datetime(2026, 1, 1, tzinfo=timezone.utc)

    assert _json_default(naive) == _json_default(aware) == T0
