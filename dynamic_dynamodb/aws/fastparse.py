"""A lean response parser and request serializer for the two calls a cycle makes per table.

botocore parses every JSON answer by walking its shape model field by field; for
1,000 DescribeTable answers and 16 large GetMetricData answers a cycle that walk is
a large share of the daemon's CPU. The daemon reads only plain fields of these two
answers, and the JSON already has them under the same names. So a successful answer
to these operations is decoded with ``json.loads``, and only its timestamps are
converted, as botocore would (the paths to them come from the output shape, once).
Every error answer and every other operation goes through botocore's own parser.

Only where it is safe:

* The fast paths apply to the JSON protocol only. The parser factory is asked for
  the protocol botocore resolved for the client (``json`` for DynamoDB; for CloudWatch
  ``json`` since botocore 1.42.7 or so, ``query`` (XML) before it), and only a JSON
  parser is wrapped; the serializer is replaced only on a client whose resolved
  protocol is ``json`` and whose serializer is botocore's JSON one. Anything else keeps
  botocore's own path.
* A 200 answer to these two whose body is not a JSON object, or whose timestamps
  are not timestamps, raises :class:`MalformedAnswer`, a
  ``botocore.parsers.ResponseParserError`` (what botocore raises for an XML answer it
  cannot parse) that is also a ``BotoCoreError``, so the callers' translation turns it
  into an AwsError for that call alone. botocore's own JSON parser is more lenient: an
  empty body or one that is not JSON becomes an empty answer (``{}``, no error), and
  that stays so for the other operations. Where botocore's parser (any protocol, any
  operation) fails on a 2xx answer, with ResponseParserError, KeyError or
  AttributeError, that too becomes MalformedAnswer, without the body in its text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import botocore.exceptions
import botocore.parsers
import botocore.serialize
import botocore.utils

# Output shapes returned as decoded JSON when the answer is a 200 (only DynamoDB and
# CloudWatch use these names; this module's clients speak to no other JSON service
# with them).
RAW_OUTPUT_SHAPES = frozenset({"DescribeTableOutput", "GetMetricDataOutput"})

TimestampParser = Callable[[Any], datetime]


class MalformedAnswer(botocore.exceptions.BotoCoreError,
                      botocore.parsers.ResponseParserError):
    """A 200 answer that cannot be what the operation returns."""

    fmt = "malformed {operation} answer: {detail}"


# The timestamp fields of an output shape, as a tree: a structure is a dict of member
# name -> subtree, a list is ("[]", subtree), a map is ("{}", subtree), a timestamp
# is TIMESTAMP. Members with no timestamp below them are left out.
TIMESTAMP = "timestamp"
_Tree = Any


def timestamp_tree(shape: Any, seen: frozenset[str] = frozenset()) -> _Tree | None:
    """Where ``shape`` holds timestamps, or None if it holds none."""
    if shape.type_name == "timestamp":
        return TIMESTAMP
    if shape.name in seen:  # a recursive shape: its timestamps are found once already
        return None
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        found = {name: tree for name, member in shape.members.items()
                 if (tree := timestamp_tree(member, seen)) is not None}
        return found or None
    if shape.type_name == "list":
        inner = timestamp_tree(shape.member, seen)
        return None if inner is None else ("[]", inner)
    if shape.type_name == "map":
        inner = timestamp_tree(shape.value, seen)
        return None if inner is None else ("{}", inner)
    return None


class _Malformed(Exception):
    """A misfit at a place in the answer; the place is filled in on the way out, so
    that the walk builds no path strings while all is well."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []

    def at(self, step: str) -> _Malformed:
        self.path.insert(0, step)
        return self

    @property
    def detail(self) -> str:
        return f"{''.join(self.path).lstrip('.')} {self.problem}"


class _Timestamps:
    """The answer's timestamps, each parsed once: GetMetricData repeats the same minutes
    in every series (16 answers of 500 series a cycle for 1,000 tables), and a datetime
    is immutable, so one object per distinct value is shared."""

    def __init__(self, parse: TimestampParser) -> None:
        self._parse = parse
        self._seen: dict[Any, datetime] = {}

    def one(self, value: Any) -> datetime:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Malformed("is not a timestamp")
        found = self._seen.get(value)
        if found is None:
            try:
                found = self._seen[value] = self._parse(value)
            except (ValueError, TypeError, OverflowError, OSError) as exc:
                raise _Malformed(f"is not a timestamp ({type(exc).__name__})") from None
        return found

    def many(self, values: list[Any]) -> list[datetime]:
        """A list of timestamps: one C-level pass when every value was seen before
        (all but the first series of a GetMetricData answer)."""
        found = list(map(self._seen.get, values))
        if None in found:  # new values: each checked and parsed once
            return [self.one(value) for value in values]
        # (JSON ``true`` equals a seen 1 and reads as it: no harm, it is 1970.)
        return found  # type: ignore[return-value]  # no None in it


def _convert(value: Any, tree: _Tree, stamps: _Timestamps) -> Any:
    """``value`` with the timestamps ``tree`` names turned into datetimes."""
    if value is None:
        return None
    if isinstance(tree, str):  # TIMESTAMP
        return stamps.one(value)
    if isinstance(tree, dict):
        if not isinstance(value, dict):
            raise _Malformed("is not an object")
        for name, subtree in tree.items():
            if name in value:
                try:
                    value[name] = _convert(value[name], subtree, stamps)
                except _Malformed as exc:
                    raise exc.at(f".{name}") from None
        return value
    kind, inner = tree
    if kind == "[]":
        if not isinstance(value, list):
            raise _Malformed("is not a list")
        if isinstance(inner, str):
            try:
                return stamps.many(value)
            except (_Malformed, TypeError):  # TypeError: an unhashable item
                pass  # found again below, with its position
        converted = []
        for i, item in enumerate(value):
            try:
                converted.append(_convert(item, inner, stamps))
            except _Malformed as exc:
                raise exc.at(f"[{i}]") from None
        return converted
    if not isinstance(value, dict):
        raise _Malformed("is not an object")
    for key, item in value.items():
        try:
            value[key] = _convert(item, inner, stamps)
        except _Malformed as exc:
            raise exc.at(f".{key}") from None
    return value


def _operation(shape: Any) -> str:
    name = getattr(shape, "name", None) or "the"
    for suffix in ("Output", "Response", "Result"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class _GuardedParser:
    """botocore's parser for one protocol, but a 2xx answer it fails on (botocore's XML
    parsers raise ResponseParserError, KeyError or AttributeError on a malformed body,
    its JSON parser AttributeError on a list) raises MalformedAnswer, whose text names
    the operation and the exception's type and never quotes the body."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        if not 200 <= (response.get("status_code") or 0) < 300:
            return self._inner.parse(response, shape)
        try:
            return self._inner.parse(response, shape)
        except MalformedAnswer:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever botocore raised, the answer is bad
            raise MalformedAnswer(operation=_operation(shape),
                                  detail=f"botocore cannot parse it "
                                         f"({type(exc).__name__})") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _RawJsonParser(_GuardedParser):
    def __init__(self, inner: Any, parse_timestamp: TimestampParser,
                 trees: dict[str, _Tree | None]) -> None:
        super().__init__(inner)
        self._parse_timestamp = parse_timestamp
        self._trees = trees

    def parse(self, response: dict[str, Any], shape: Any) -> Any:
        if (shape is None or shape.name not in RAW_OUTPUT_SHAPES
                or response.get("status_code") != 200):
            return super().parse(response, shape)
        operation = _operation(shape)
        body = response.get("body") or b""
        if not body.strip():  # botocore's parser: an answer without any field
            raise MalformedAnswer(operation=operation, detail="the body is empty")
        try:
            parsed = json.loads(body)
        except ValueError:  # UnicodeDecodeError included
            raise MalformedAnswer(operation=operation, detail="the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise MalformedAnswer(operation=operation,
                                  detail=f"a JSON {type(parsed).__name__}, not an object")
        if shape.name not in self._trees:
            self._trees[shape.name] = timestamp_tree(shape)
        tree = self._trees[shape.name]
        if tree is not None:
            try:
                _convert(parsed, tree, _Timestamps(self._parse_timestamp))
            except _Malformed as exc:
                raise MalformedAnswer(operation=operation, detail=exc.detail) from None
        headers = response.get("headers", {})
        parsed["ResponseMetadata"] = {
            "RequestId": headers.get("x-amzn-requestid", ""),
            "HTTPStatusCode": 200,
            "HTTPHeaders": headers,
        }
        return parsed


class LeanParserFactory(botocore.parsers.ResponseParserFactory):
    """botocore's factory, with the raw-JSON fast path for the JSON protocol, and
    MalformedAnswer for a 2xx answer that botocore's parser of any protocol fails on.

    botocore asks it for a parser for each answer, naming the protocol it resolved for
    the client (``json``, ``query``, ``smithy-rpc-v2-cbor``...): the fast path is
    only ever put in front of a JSON parser."""

    def __init__(self) -> None:
        super().__init__()
        self._timestamp_parser: TimestampParser = botocore.utils.parse_timestamp
        # Timestamp trees by output shape, shared by every parser this factory makes
        # (botocore makes one per answer; walking a shape model costs more than the
        # answer's conversion).
        self._trees: dict[str, _Tree | None] = {}

    def set_parser_defaults(self, **kwargs: Any) -> None:
        super().set_parser_defaults(**kwargs)
        if kwargs.get("timestamp_parser") is not None:
            self._timestamp_parser = kwargs["timestamp_parser"]

    def create_parser(self, protocol_name: str) -> Any:
        parser = super().create_parser(protocol_name)
        if protocol_name == "json":
            return _RawJsonParser(parser, self._timestamp_parser, self._trees)
        return _GuardedParser(parser)


# Inputs the daemon builds itself (plain dicts, lists, strings, numbers and UTC
# datetimes) that can go to the wire as JSON without botocore's per-field walk.
RAW_INPUT_OPERATIONS = frozenset({"GetMetricData"})


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # botocore reads a naive datetime as UTC
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())  # the JSON protocol's epoch seconds
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


def resolved_protocol(client: Any) -> str | None:
    """The wire protocol botocore chose for ``client``: ``resolved_protocol`` where the
    service model has it (botocore picks one of the model's ``protocols``), else the
    model's single ``protocol`` (older botocore); None if neither can be read."""
    model = client.meta.service_model
    try:
        found = getattr(model, "resolved_protocol", None) or model.metadata.get("protocol")
    except Exception:  # noqa: BLE001 - botocore supports none of the service's protocols
        return None
    return found if isinstance(found, str) else None


def lean_serializer(client: Any) -> bool:
    """Install LeanSerializer on a client whose resolved protocol is JSON; whether it
    was installed. A client in another protocol (CloudWatch speaks XML ``query`` with
    botocore before about 1.42.7), or a botocore without the private ``_serializer``
    attribute, keeps botocore's own serializer."""
    inner = getattr(client, "_serializer", None)
    if isinstance(inner, LeanSerializer):
        return True
    if (inner is None or resolved_protocol(client) != "json"
            or not isinstance(inner, botocore.serialize.JSONSerializer)):
        return False
    client._serializer = LeanSerializer(inner)  # noqa: SLF001 - botocore has no hook
    return True
