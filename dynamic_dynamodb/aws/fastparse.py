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
