"""A lean response parser for the two calls a cycle makes per table.

botocore parses every JSON answer by walking its shape model field by field; for
1,000 DescribeTable answers and 16 large GetMetricData answers a cycle that walk is
a large share of the daemon's CPU. The daemon reads only plain fields of these two
answers (names, statuses, numbers, and timestamps, which the JSON protocols send
as epoch seconds), and the JSON already has them under the same names. So a
successful answer to these operations is returned as decoded JSON; every error
answer, and every other operation, goes through botocore's own parser.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import botocore.parsers

# Output shapes returned as plain JSON when the answer is a 200.
RAW_OUTPUT_SHAPES = frozenset({"DescribeTableOutput", "GetMetricDataOutput"})


class _RawJsonParser:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        if (shape is None or shape.name not in RAW_OUTPUT_SHAPES
                or response.get("status_code") != 200):
            return self._inner.parse(response, shape)
        body = response.get("body") or b"{}"
        parsed: dict[str, Any] = json.loads(body)
        headers = response.get("headers", {})
        parsed["ResponseMetadata"] = {
            "RequestId": headers.get("x-amzn-requestid", ""),
            "HTTPStatusCode": 200,
            "HTTPHeaders": headers,
        }
        return parsed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class LeanParserFactory(botocore.parsers.ResponseParserFactory):
    """botocore's factory, with the raw-JSON fast path for the JSON protocols."""

    def create_parser(self, protocol_name: str) -> Any:
        parser = super().create_parser(protocol_name)
        if protocol_name == "json":
            return _RawJsonParser(parser)
        return parser


# Inputs the daemon builds itself (plain dicts, lists, strings, numbers and UTC
# datetimes) that can go to the wire as JSON without botocore's per-field walk.
RAW_INPUT_OPERATIONS = frozenset({"GetMetricData"})


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())  # the JSON protocols' epoch seconds
    raise TypeError(f"cannot serialise {type(value).__name__}")


class LeanSerializer:
    """botocore's serializer, but a GetMetricData body (8,000 queries for 1,000 tables
    with GSIs) is written with json.dumps. The request's method, headers and target
    are still botocore's own: it serialises an empty input, and only the body is
    replaced."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def serialize_to_request(self, parameters: dict[str, Any], operation_model: Any) -> Any:
        if operation_model.name not in RAW_INPUT_OPERATIONS:
            return self._inner.serialize_to_request(parameters, operation_model)
        serialized = self._inner.serialize_to_request({}, operation_model)
        serialized["body"] = json.dumps(parameters, default=_json_default).encode("utf-8")
        return serialized

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def lean_serializer(client: Any) -> None:
    """Install LeanSerializer on a client (botocore's private attribute; left alone if
    a botocore lacks it)."""
    inner = getattr(client, "_serializer", None)
    if inner is not None and not isinstance(inner, LeanSerializer):
        client._serializer = LeanSerializer(inner)  # noqa: SLF001 - botocore has no hook
