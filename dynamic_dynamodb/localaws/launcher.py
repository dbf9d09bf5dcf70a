"""A local AWS-API server for tests: moto's server plus DynamoDB's real UpdateTable rules.

moto applies UpdateTable at once, never reports UPDATING and does not limit decreases.
:class:`LauncherApp` is a WSGI middleware in front of moto's server app that adds:

* DynamoDB's decrease rule per table and per GSI and UTC day (4 free decreases, then one
  per 3600 s since the last one); a request over the limit anywhere is refused whole with
  ``LimitExceededException`` and changes nothing;
* ``ValidationException`` for a throughput update that changes nothing;
* an UPDATING window (``update_delay``) during which UpdateTable gets ``ResourceInUseException``;
* ``NumberOfDecreasesToday``/``LastDecreaseDateTime``/``LastIncreaseDateTime`` in DescribeTable;
* a fake, settable clock, fault injection and a reset, through a JSON control API under
  ``/_launcher/`` (client: :class:`dynamic_dynamodb.localaws.control.LauncherControl`).

Run it with ``python -m dynamic_dynamodb.localaws.launcher --port 0``: it prints its URL on
one line of stdout and serves until SIGTERM. In-process: :class:`LocalAws`; as a child
process: :class:`LauncherProcess`.

moto and werkzeug are imported inside functions only, so importing this module is cheap and
works without the ``demo``/``test`` extras.
"""

from __future__ import annotations

import argparse
import binascii
import gzip
import io
import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from dynamic_dynamodb.localaws.control import CONTROL_PREFIX, LauncherControl
from dynamic_dynamodb.localaws.serving import serve_until_signalled, stop_process

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]

# DynamoDB's documented decrease rule and default per-table quota.
FREE_DECREASES_PER_DAY = 4
DECREASE_INTERVAL_S = 3600.0
DEFAULT_MAX_CAPACITY = 40_000

DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810"
DYNAMODB_JSON = "application/x-amz-json-1.0"
# Signing names that differ from the service names used for faults and call counts.
SERVICE_ALIASES = {"monitoring": "cloudwatch"}
TARGET_PREFIX_SERVICES = {
    DYNAMODB_TARGET_PREFIX: "dynamodb",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# Services that moved from the query protocol to JSON/CBOR keep their query error codes
# in the x-amzn-query-error header; botocore reads the code from there.
QUERY_COMPATIBLE_SERVICES = frozenset({"cloudwatch", "sns", "sqs"})


# --------------------------------------------------------------------------------------
# Clock
# --------------------------------------------------------------------------------------
class LauncherClock:
    """The wall clock, shifted or frozen on demand, so tests can cross UTC midnight."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        return self._frozen if self._frozen is not None else self._wall() + self._offset

    def set(self, now: float, frozen: bool = False) -> None:
        self._frozen = now if frozen else None
        self._offset = 0.0 if frozen else now - self._wall()

    def advance(self, seconds: float) -> None:
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def reset(self) -> None:
        self._offset, self._frozen = 0.0, None

    @property
    def frozen(self) -> bool:
        return self._frozen is not None


# A LauncherClock, or a wall clock (epoch seconds) for a LauncherClock to shift and freeze.
ClockLike = LauncherClock | Callable[[], float]


def as_launcher_clock(clock: ClockLike | None) -> LauncherClock:
    if isinstance(clock, LauncherClock):
        return clock
    return LauncherClock(clock or time.time)


def utc_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, timezone.utc).date()


def _next_utc_midnight(epoch: float) -> float:
    day = utc_day(epoch) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _human_utc(epoch: float) -> str:
    # The wording DynamoDB uses in its LimitExceededException message.
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%A, %B %d, %Y %I:%M:%S %p UTC")


# --------------------------------------------------------------------------------------
# Per-resource bookkeeping and the decrease rule
# --------------------------------------------------------------------------------------
ResourceKey = tuple[str, str, str | None]  # (region, table, index or None for the table)


@dataclass
class ResourceBook:
    """What DynamoDB remembers about one table or GSI's throughput changes."""

    decreases: int = 0
    day: date | None = None  # the UTC day ``decreases`` counts for
    last_decrease: float | None = None
    last_increase: float | None = None
    updating_until: float = 0.0

    def decreases_today(self, now: float) -> int:
        return self.decreases if self.day == utc_day(now) else 0

    def may_decrease(self, now: float) -> bool:
        if self.decreases_today(now) < FREE_DECREASES_PER_DAY or self.last_decrease is None:
            return True
        return now - self.last_decrease >= DECREASE_INTERVAL_S

    def next_decrease_at(self, now: float) -> float:
        if self.may_decrease(now) or self.last_decrease is None:
            return now
        return min(self.last_decrease + DECREASE_INTERVAL_S, _next_utc_midnight(now))

    def is_updating(self, now: float) -> bool:
        return now < self.updating_until

    def record(self, change: ThroughputChange, now: float) -> None:
        if change.is_decrease:
            self.decreases = self.decreases_today(now) + 1
            self.day = utc_day(now)
            self.last_decrease = now
        if change.is_increase:
            self.last_increase = now

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "decreases_today": self.decreases_today(now),
            "last_decrease": self.last_decrease,
            "last_increase": self.last_increase,
            "updating": self.is_updating(now),
            "updating_until": self.updating_until,
        }


@dataclass(frozen=True)
class ThroughputChange:
    """One resource's requested capacity next to its current capacity."""

    index: str | None  # None: the table itself
    old: tuple[int, int]  # (reads, writes)
    new: tuple[int, int]

    @property
    def is_decrease(self) -> bool:
        # Lowering reads and writes in one call is one decrease.
        return self.new[0] < self.old[0] or self.new[1] < self.old[1]

    @property
    def is_increase(self) -> bool:
        return self.new[0] > self.old[0] or self.new[1] > self.old[1]

    @property
    def is_noop(self) -> bool:
        return self.new == self.old


def _capacity(throughput: Mapping[str, Any] | None) -> tuple[int, int]:
    throughput = throughput or {}
    return int(throughput.get("ReadCapacityUnits", 0)), int(throughput.get("WriteCapacityUnits", 0))


def requested_changes(
    params: Mapping[str, Any], table: Mapping[str, Any]
) -> list[ThroughputChange]:
    """The throughput changes an UpdateTable request asks for, against DescribeTable's Table."""
    if params.get("BillingMode") == "PAY_PER_REQUEST":
        return []  # switching to on-demand: no provisioned capacity to compare
    changes = []
    if "ProvisionedThroughput" in params:
        old = _capacity(table.get("ProvisionedThroughput"))
        changes.append(ThroughputChange(None, old, _capacity(params["ProvisionedThroughput"])))
    current_gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    for item in params.get("GlobalSecondaryIndexUpdates", []):
        update = item.get("Update") or {}
        gsi = current_gsis.get(update.get("IndexName", ""))
        if gsi is None or "ProvisionedThroughput" not in update:
            continue  # an unknown index: moto answers with its own error
        old = _capacity(gsi.get("ProvisionedThroughput"))
        changes.append(
            ThroughputChange(update["IndexName"], old, _capacity(update["ProvisionedThroughput"]))
        )
    return changes


# --------------------------------------------------------------------------------------
# HTTP plumbing: replies, requests, protocols
# --------------------------------------------------------------------------------------
@dataclass
class Reply:
    """A complete HTTP response, so it can be inspected and rewritten before sending."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)

    def with_json(self, payload: Any) -> Reply:
        body = json.dumps(payload).encode()
        headers = [(k, v) for k, v in self.headers if k.lower() != "x-amz-crc32"]
        if self.header("x-amz-crc32") is not None:
            # botocore verifies DynamoDB's body checksum: recompute it for the new body.
            headers.append(("x-amz-crc32", str(binascii.crc32(body))))
        return replace(self, headers=headers, body=body)

    def send(self, start_response: StartResponse) -> list[bytes]:
        skip = {"content-length", "transfer-encoding"}
        headers = [(k, v) for k, v in self.headers if k.lower() not in skip]
        headers.append(("Content-Length", str(len(self.body))))
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        start_response(f"{self.status} {phrase}", headers)
        return [self.body]


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def capture(app: WsgiApp, environ: WsgiEnviron) -> Reply:
    """Call a WSGI app and collect its whole response."""
    seen: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, list(headers)
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Reply(int(seen["status"].split()[0]), seen["headers"], b"".join(chunks))


def read_body(environ: WsgiEnviron) -> bytes:
    """Read the request body and put it back so moto can read it again."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()  # chunked upload: the server ends the stream for us
    else:
        return b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


@dataclass(frozen=True)
class AwsCall:
    """Which AWS operation a request is, whatever protocol carried it."""

    service: str  # e.g. "dynamodb", "cloudwatch"
    operation: str  # e.g. "DescribeTable"
    protocol: str  # "json", "cbor", "query" or "rest"
    region: str
    params: Mapping[str, Any] = field(default_factory=dict)  # JSON body, when there is one
    query_mode: bool = False  # client sent x-amzn-query-mode (query-compatible service)

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"

    @property
    def table(self) -> str | None:
        name = self.params.get("TableName")
        return name if isinstance(name, str) else None


def _credential_scope(environ: WsgiEnviron) -> tuple[str | None, str | None]:
    """(region, signing name) from a SigV4 Authorization header."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        _, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        return None, None
    return region, service.lower()


def inflate_body(environ: WsgiEnviron, body: bytes) -> bytes:
    """Hand moto a plain body when botocore gzipped it (large CloudWatch PutMetricData).

    moto 5.2.1's server decompresses such bodies twice and answers HTTP 500; S3 is left
    alone because moto handles its content encodings itself.
    """
    if "gzip" not in environ.get("HTTP_CONTENT_ENCODING", ""):
        return body
    if _credential_scope(environ)[1] == "s3":
        return body
    try:
        plain = gzip.decompress(body)
    except OSError:
        return body  # not really gzip: let moto answer
    del environ["HTTP_CONTENT_ENCODING"]
    environ["wsgi.input"] = io.BytesIO(plain)
    environ["CONTENT_LENGTH"] = str(len(plain))
    return plain


def identify_call(environ: WsgiEnviron, body: bytes) -> AwsCall | None:
    """Name the service and operation of an AWS request (None: not an AWS API call)."""
    region, service = _credential_scope(environ)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    path = environ.get("PATH_INFO", "")
    content_type = environ.get("CONTENT_TYPE", "")
    query_mode = "HTTP_X_AMZN_QUERY_MODE" in environ
    operation, protocol, params = "", "rest", {}
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        service = service or TARGET_PREFIX_SERVICES.get(prefix)
        protocol, params = "json", _json_object(body)
    elif environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor" and "/operation/" in path:
        operation, protocol = path.rsplit("/operation/", 1)[1].strip("/"), "cbor"
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation, protocol = form.get("Action", [""])[0], "query"
    if not service or not operation:
        return None
    service = SERVICE_ALIASES.get(service, service)
    return AwsCall(service, operation, protocol, region or "us-east-1", params, query_mode)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- error rendering in the caller's protocol ------------------------------------------
_DYNAMODB_TYPE_PREFIX = {
    "ThrottlingException": "com.amazon.coral.availability#",
    "ValidationException": "com.amazon.coral.validate#",
}


def _error_type(service: str, code: str) -> str:
    if service != "dynamodb":
        return code
    return _DYNAMODB_TYPE_PREFIX.get(code, "com.amazonaws.dynamodb.v20120810#") + code


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for extra, size in ((24, 1), (25, 2), (26, 4)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | extra]) + length.to_bytes(size, "big")
    raise ValueError("CBOR item too long")


def cbor_text_map(values: Mapping[str, str]) -> bytes:
    """Encode a flat str→str map as CBOR: all an RPCv2-CBOR error body needs."""
    out = bytearray(_cbor_head(5, len(values)))
    for key, value in values.items():
        for text in (key, value):
            raw = text.encode()
            out += _cbor_head(3, len(raw)) + raw
    return bytes(out)


def error_reply(call: AwsCall, status: int, code: str, message: str) -> Reply:
    """An AWS error that botocore parses as ``code`` for the protocol the client used."""
    fault = "Sender" if status < 500 else "Receiver"
    headers = [("x-amzn-RequestId", str(uuid.uuid4()))]
    if call.query_mode or call.service in QUERY_COMPATIBLE_SERVICES:
        headers.append(("x-amzn-query-error", f"{code};{fault}"))
    if call.protocol == "query":
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{fault}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{headers[0][1]}</RequestId></ErrorResponse>"
        ).encode()
        return Reply(status, [*headers, ("Content-Type", "text/xml")], body)
    if call.protocol == "cbor":
        body = cbor_text_map({"__type": code, "message": message})
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        return Reply(status, headers, body)
    headers.append(("x-amzn-ErrorType", f"{code}:"))  # what rest-json parsers read
    payload = {"__type": _error_type(call.service, code), "message": message}
    body = json.dumps(payload).encode()
    if call.service == "dynamodb":
        headers.append(("x-amz-crc32", str(binascii.crc32(body))))
    return Reply(status, [*headers, ("Content-Type", DYNAMODB_JSON)], body)


# --------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------
FAULT_KINDS = (
    "internal_error",
    "throttling",
    "provisioned_throughput_exceeded",
    "delete_table",
    "error",
)

# (status, code, message) per (service, kind); "*" is any other service.
_FAULT_ERRORS: dict[tuple[str, str], tuple[int, str, str]] = {
    ("dynamodb", "internal_error"): (500, "InternalServerError", "Internal server error"),
    ("dynamodb", "throttling"): (
        400,
        "ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
    ("dynamodb", "provisioned_throughput_exceeded"): (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    ("cloudwatch", "internal_error"): (500, "InternalServiceError", "Internal service error"),
    ("cloudwatch", "throttling"): (400, "Throttling", "Rate exceeded"),
    ("*", "internal_error"): (500, "InternalFailure", "Internal failure (injected)"),
    ("*", "throttling"): (400, "ThrottlingException", "Rate exceeded"),
    ("*", "provisioned_throughput_exceeded"): (
        400,
        "ProvisionedThroughputExceededException",
        "Rate exceeded",
    ),
    ("*", "error"): (400, "InjectedFault", "Injected fault"),
}


class ControlError(ValueError):
    """A control API request with bad arguments (answered with HTTP 400)."""


@dataclass
class Fault:
    """The next ``remaining`` calls matching service/operation(/table) misbehave."""

    id: int
    service: str
    operation: str  # "*" matches any operation
    kind: str
    remaining: int  # -1: until cleared
    table: str | None = None
    code: str | None = None
    status: int | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, fault_id: int, data: Mapping[str, Any]) -> Fault:
        kind = data.get("kind", "internal_error")
        if kind not in FAULT_KINDS:
            raise ControlError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if kind == "delete_table" and not data.get("table"):
            raise ControlError("kind 'delete_table' needs 'table'")
        if not data.get("service") or not data.get("operation"):
            raise ControlError("a fault needs 'service' and 'operation'")
        service = str(data["service"]).lower()
        return cls(
            id=fault_id,
            service=SERVICE_ALIASES.get(service, service),
            operation=str(data["operation"]),
            kind=kind,
            remaining=int(data.get("count", 1)),
            table=data.get("table"),
            code=data.get("code"),
            status=None if data.get("status") is None else int(data["status"]),
            message=data.get("message"),
        )

    def matches(self, call: AwsCall) -> bool:
        return (
            self.remaining != 0
            and self.service == call.service
            and self.operation in ("*", call.operation)
            and (self.table is None or self.table == call.table)
        )

    def consume(self) -> None:
        if self.remaining > 0:
            self.remaining -= 1

    def reply(self, call: AwsCall) -> Reply:
        status, code, message = _FAULT_ERRORS.get(
            (call.service, self.kind),
            _FAULT_ERRORS.get(("*", self.kind), _FAULT_ERRORS[("*", "error")]),
        )
        return error_reply(call, self.status or status, self.code or code, self.message or message)


# --------------------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------------------
def _dynamodb_error(status: int, code: str, message: str) -> Reply:
    return error_reply(AwsCall("dynamodb", "", "json", ""), status, code, message)


class LauncherApp:
    """WSGI middleware: DynamoDB's UpdateTable semantics, faults and a control API on moto."""

    def __init__(
        self,
        inner: WsgiApp,
        *,
        clock: LauncherClock | None = None,
        update_delay: float = 0.0,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
    ) -> None:
        self._inner = inner
        self.clock = clock or LauncherClock()
        self.default_update_delay = update_delay
        self.update_delay = update_delay
        self.max_capacity = max_capacity
        # One lock for all bookkeeping; UpdateTable holds it from check to commit so two
        # concurrent updates cannot both spend the last allowed decrease.
        self._lock = threading.RLock()
        self._books: dict[ResourceKey, ResourceBook] = {}
        self._faults: list[Fault] = []
        self._fault_ids = 0
        self._calls: Counter[str] = Counter()

    # -- entry point ---------------------------------------------------------------------
    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        body = read_body(environ)
        if path.startswith(CONTROL_PREFIX + "/"):
            route = path[len(CONTROL_PREFIX) + 1 :]
            return self._control(environ, route, body).send(start_response)
        body = inflate_body(environ, body)
        call = identify_call(environ, body)
        reply = self._intercept(environ, call, body) if call else None
        if reply is None:
            return self._inner(environ, start_response)
        return reply.send(start_response)

    def _intercept(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply | None:
        """A reply of our own, or None to let moto answer unchanged."""
        fault = self._take_fault(call)
        if fault is not None and fault.kind != "delete_table":
            return fault.reply(call)
        if fault is not None and fault.table:
            self._delete_table(environ, call.region, fault.table)
        if call.service != "dynamodb":
            return None
        if call.operation == "UpdateTable":
            return self._update_table(environ, call, body)
        if call.operation == "DescribeTable":
            return self._describe_table(environ, call, body)
        if call.operation in ("CreateTable", "DeleteTable") and call.table:
            self._forget(call.region, call.table)  # a new table with an old name starts fresh
        return None

    def _take_fault(self, call: AwsCall) -> Fault | None:
        with self._lock:
            self._calls[call.key] += 1
            fault = next((f for f in self._faults if f.matches(call)), None)
            if fault is not None:
                fault.consume()
                self._faults = [f for f in self._faults if f.remaining != 0]
            return fault

    # -- moto sub-requests ---------------------------------------------------------------
    def _forward(self, environ: WsgiEnviron, body: bytes) -> Reply:
        environ["wsgi.input"] = io.BytesIO(body)
        return capture(self._inner, environ)

    def _dynamodb(self, environ: WsgiEnviron, region: str, operation: str, payload: Any) -> Reply:
        """Call moto's DynamoDB directly, in the caller's account and region."""
        from werkzeug.test import EnvironBuilder

        # moto routes on the SigV4 scope and does not check signatures.
        auth: str = environ.get("HTTP_AUTHORIZATION") or (
            f"AWS4-HMAC-SHA256 Credential=testing/20200101/{region}/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
        headers: dict[str, str] = {
            "Authorization": auth,
            "X-Amz-Target": f"{DYNAMODB_TARGET_PREFIX}.{operation}",
            "Content-Type": DYNAMODB_JSON,
        }
        builder = EnvironBuilder(
            path="/", method="POST", headers=list(headers.items()), data=json.dumps(payload)
        )
        try:
            return capture(self._inner, builder.get_environ())
        finally:
            builder.close()

    def _describe_raw(self, environ: WsgiEnviron, region: str, table: str) -> dict[str, Any] | None:
        reply = self._dynamodb(environ, region, "DescribeTable", {"TableName": table})
        return reply.json().get("Table") if reply.status == 200 else None

    def _delete_table(self, environ: WsgiEnviron, region: str, table: str) -> None:
        self._dynamodb(environ, region, "DeleteTable", {"TableName": table})
        self._forget(region, table)

    def _reset_moto(self) -> None:
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(path="/moto-api/reset", method="POST")
        try:
            capture(self._inner, builder.get_environ())
        finally:
            builder.close()

    # -- DynamoDB semantics --------------------------------------------------------------
    def _book(self, region: str, table: str, index: str | None) -> ResourceBook:
        return self._books.setdefault((region, table, index), ResourceBook())

    def _forget(self, region: str, table: str) -> None:
        with self._lock:
            for key in [k for k in self._books if k[:2] == (region, table)]:
                del self._books[key]

    def _table_busy(self, region: str, table: str, now: float) -> bool:
        return any(
            book.is_updating(now) for key, book in self._books.items() if key[:2] == (region, table)
        )

    def _describe_table(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply:
        reply = self._forward(environ, body)
        if reply.status != 200:
            return reply
        payload = reply.json()
        self._decorate(call.region, payload.get("Table", {}))
        return reply.with_json(payload)

    def _update_table(self, environ: WsgiEnviron, call: AwsCall, body: bytes) -> Reply | None:
        name = call.table
        if name is None:
            return None  # malformed: moto answers
        with self._lock:
            now = self.clock.now()
            if self._table_busy(call.region, name, now):
                return _dynamodb_error(
                    400,
                    "ResourceInUseException",
                    f"Attempt to change a resource which is still in use: "
                    f"Table is being updated: {name}",
                )
            table = self._describe_raw(environ, call.region, name)
            if table is None:
                return self._forward(environ, body)  # moto's ResourceNotFoundException
            changes = requested_changes(call.params, table)
            refusal = self._refusal(call.region, name, changes, now)
            if refusal is not None:
                return refusal
            reply = self._forward(environ, body)
            if reply.status != 200:
                return reply
            self._commit(call.region, name, changes, now)
            payload = reply.json()
            self._decorate(call.region, payload.get("TableDescription", {}))
            return reply.with_json(payload)

    def _refusal(
        self, region: str, table: str, changes: list[ThroughputChange], now: float
    ) -> Reply | None:
        """DynamoDB's answer when the request must be refused whole, else None."""
        for change in changes:
            if change.is_noop:
                return _dynamodb_error(400, "ValidationException", _noop_message(change))
        for change in changes:
            if max(change.new) > self.max_capacity:
                return _dynamodb_error(
                    400, "LimitExceededException", self._quota_message(table, change)
                )
        for change in changes:
            book = self._books.get((region, table, change.index), ResourceBook())
            if change.is_decrease and not book.may_decrease(now):
                return _dynamodb_error(400, "LimitExceededException", _decrease_message(book, now))
        return None

    def _quota_message(self, table: str, change: ThroughputChange) -> str:
        what = f"index {change.index} of table {table}" if change.index else f"table {table}"
        return (
            f"Subscriber limit exceeded: Provisioned throughput for {what} cannot exceed "
            f"{self.max_capacity} read or write capacity units (account quota)."
        )

    def _commit(self, region: str, table: str, changes: list[ThroughputChange], now: float) -> None:
        """Record a successful update: counters, timestamps and the UPDATING window."""
        until = now + self.update_delay
        # Any successful UpdateTable makes the table UPDATING, throughput change or not.
        self._book(region, table, None).updating_until = until
        for change in changes:
            book = self._book(region, table, change.index)
            book.record(change, now)
            book.updating_until = until

    def _decorate(self, region: str, table: dict[str, Any]) -> None:
        """Put the launcher's status and decrease bookkeeping into a moto TableDescription."""
        name = table.get("TableName", "")
        with self._lock:
            now = self.clock.now()
            busy = False
            for gsi in table.get("GlobalSecondaryIndexes", []):
                book = self._books.get((region, name, gsi.get("IndexName")))
                _fill_throughput(gsi.get("ProvisionedThroughput"), book, now)
                updating = book is not None and book.is_updating(now)
                if updating and gsi.get("IndexStatus") == "ACTIVE":
                    gsi["IndexStatus"], busy = "UPDATING", True
            book = self._books.get((region, name, None))
            _fill_throughput(table.get("ProvisionedThroughput"), book, now)
            busy = busy or (book is not None and book.is_updating(now))
            if busy and table.get("TableStatus") == "ACTIVE":
                table["TableStatus"] = "UPDATING"

    # -- control API ---------------------------------------------------------------------
    def _control(self, environ: WsgiEnviron, route: str, body: bytes) -> Reply:
        method = environ.get("REQUEST_METHOD", "GET")
        handler = self._routes().get((method, route.strip("/")))
        if handler is None:
            return json_reply(404, {"error": f"no control route {method} /{route}"})
        query_string = environ.get("QUERY_STRING", "")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(query_string).items()}
        try:
            data = _json_object(body) if body else {}
            with self._lock:
                return json_reply(200, handler({**query, **data}))
        except (ControlError, TypeError, ValueError, KeyError) as exc:
            return json_reply(400, {"error": f"{type(exc).__name__}: {exc}"})

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        return {
            ("GET", "health"): lambda _: {"ok": True},
            ("GET", "state"): lambda _: self.state(),
            ("GET", "calls"): lambda _: dict(self._calls),
            ("POST", "reset"): self._control_reset,
            ("GET", "time"): lambda _: {"now": self.clock.now(), "frozen": self.clock.frozen},
            ("POST", "time"): self._control_time,
            ("POST", "update-delay"): self._control_update_delay,
            ("GET", "resource"): self._control_get_resource,
            ("POST", "resource"): self._control_set_resource,
            ("GET", "faults"): lambda _: [asdict(f) for f in self._faults],
            ("POST", "faults"): self._control_add_fault,
            ("DELETE", "faults"): self._control_clear_faults,
        }

    def state(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "now": now,
            "frozen": self.clock.frozen,
            "update_delay": self.update_delay,
            "max_capacity": self.max_capacity,
            "faults": [asdict(f) for f in self._faults],
            "calls": dict(self._calls),
            "resources": [
                {"region": r, "table": t, "index": i, **book.to_json(now)}
                for (r, t, i), book in self._books.items()
            ],
        }

    def reset(self, moto: bool = True) -> None:
        """Back to the state at start-up (and an empty moto, unless ``moto`` is False)."""
        with self._lock:
            self._books.clear()
            self._faults.clear()
            self._calls.clear()
            self.clock.reset()
            self.update_delay = self.default_update_delay
        if moto:
            self._reset_moto()

    def _control_reset(self, data: dict[str, Any]) -> Any:
        self.reset(moto=bool(data.get("moto", True)))
        return {"ok": True}

    def _control_time(self, data: dict[str, Any]) -> Any:
        if data.get("real"):
            self.clock.reset()
        if data.get("now") is not None:
            self.clock.set(float(data["now"]), frozen=bool(data.get("frozen", False)))
        if data.get("advance") is not None:
            self.clock.advance(float(data["advance"]))
        return {"now": self.clock.now(), "frozen": self.clock.frozen}

    def _control_update_delay(self, data: dict[str, Any]) -> Any:
        seconds = float(data["seconds"])
        if seconds < 0:
            raise ControlError("update delay must be >= 0")
        self.update_delay = seconds
        return {"update_delay": seconds}

    def _resource_key(self, data: dict[str, Any]) -> ResourceKey:
        if not data.get("table"):
            raise ControlError("'table' is required")
        return str(data.get("region") or "us-east-1"), str(data["table"]), data.get("index") or None

    def _control_get_resource(self, data: dict[str, Any]) -> Any:
        book = self._books.get(self._resource_key(data), ResourceBook())
        return book.to_json(self.clock.now())

    def _control_set_resource(self, data: dict[str, Any]) -> Any:
        key, now = self._resource_key(data), self.clock.now()
        book = self._book(*key)
        if data.get("decreases_today") is not None:
            book.decreases, book.day = int(data["decreases_today"]), utc_day(now)
        if data.get("last_decrease") is not None:
            book.last_decrease = float(data["last_decrease"])
        if data.get("last_increase") is not None:
            book.last_increase = float(data["last_increase"])
        return book.to_json(now)

    def _control_add_fault(self, data: dict[str, Any]) -> Any:
        self._fault_ids += 1
        fault = Fault.from_json(self._fault_ids, data)
        self._faults.append(fault)
        return asdict(fault)

    def _control_clear_faults(self, _: dict[str, Any]) -> Any:
        self._faults.clear()
        return {"ok": True}


def _fill_throughput(
    throughput: dict[str, Any] | None, book: ResourceBook | None, now: float
) -> None:
    if throughput is None:
        return
    throughput["NumberOfDecreasesToday"] = book.decreases_today(now) if book else 0
    # Epoch seconds as floats, as the real JSON API sends them.
    if book is not None and book.last_decrease is not None:
        throughput["LastDecreaseDateTime"] = book.last_decrease
    if book is not None and book.last_increase is not None:
        throughput["LastIncreaseDateTime"] = book.last_increase


def _noop_message(change: ThroughputChange) -> str:
    what, owner = (f"index {change.index}", "index") if change.index else ("table", "table")
    (old_r, old_w), (new_r, new_w) = change.old, change.new
    return (
        f"The provisioned throughput for the {what} will not change. The requested value equals "
        f"the current value. Current ReadCapacityUnits provisioned for the {owner}: {old_r}. "
        f"Requested ReadCapacityUnits: {new_r}. Current WriteCapacityUnits provisioned for the "
        f"{owner}: {old_w}. Requested WriteCapacityUnits: {new_w}. Refer to the Amazon DynamoDB "
        "Developer Guide for current limits and how to increase them."
    )


def _decrease_message(book: ResourceBook, now: float) -> str:
    last = book.last_decrease if book.last_decrease is not None else now
    return (
        "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given "
        f"UTC day. After the first {FREE_DECREASES_PER_DAY} decreases, each subsequent decrease "
        f"in the same UTC day can be performed at most once every {int(DECREASE_INTERVAL_S)} "
        f"seconds. Number of decreases today: {book.decreases_today(now)}. Last decrease at "
        f"{_human_utc(last)}. Next decrease can be made at {_human_utc(book.next_decrease_at(now))}"
    )


def build_app(
    *,
    update_delay: float = 0.0,
    clock: ClockLike | None = None,
    max_capacity: int = DEFAULT_MAX_CAPACITY,
) -> LauncherApp:
    """moto's multi-service server app wrapped in the launcher (imports moto now)."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    inner = DomainDispatcherApplication(create_backend_app)
    return LauncherApp(
        inner,
        clock=as_launcher_clock(clock),
        update_delay=update_delay,
        max_capacity=max_capacity,
    )


# --------------------------------------------------------------------------------------
# Running it: in a thread, as a child process, or as ``python -m``
# --------------------------------------------------------------------------------------
def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _request_handler(verbose: bool) -> type[WSGIRequestHandler]:
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        # One log line per request drowns test output; errors are still logged.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if verbose:
                super().log_request(code, size)

    return QuietHandler


def make_launcher_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    update_delay: float = 0.0,
    clock: ClockLike | None = None,
    max_capacity: int = DEFAULT_MAX_CAPACITY,
    verbose: bool = False,
) -> tuple[BaseWSGIServer, LauncherApp]:
    """A bound, threaded werkzeug server (not yet serving) and its launcher app."""
    from werkzeug.serving import make_server

    app = build_app(update_delay=update_delay, clock=clock, max_capacity=max_capacity)
    server = make_server(host, port, app, threaded=True, request_handler=_request_handler(verbose))
    return server, app


class LocalAws:
    """The launcher in a background thread of this process (moto state is per process)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        update_delay: float = 0.0,
        clock: ClockLike | None = None,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        verbose: bool = False,
    ) -> None:
        self.host, self.port = host, port
        self._options: dict[str, Any] = {
            "update_delay": update_delay,
            "clock": clock,
            "max_capacity": max_capacity,
            "verbose": verbose,
        }
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app: LauncherApp | None = None

    def start(self) -> LocalAws:
        self._server, self.app = make_launcher_server(self.host, self.port, **self._options)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-aws", daemon=True
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalAws is not started")
        return _url(self.host, self._server.server_port)

    @property
    def control(self) -> LauncherControl:
        return LauncherControl(self.url)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _package_root() -> str:
    """The directory that holds ``dynamic_dynamodb``, for a child's PYTHONPATH."""
    return str(Path(__file__).resolve().parents[2])


class LauncherProcess:
    """``python -m dynamic_dynamodb.localaws.launcher`` as a child process."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        update_delay: float = 0.0,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        self.command = [
            python, "-m", "dynamic_dynamodb.localaws.launcher",
            "--host", host, "--port", str(port),
            "--update-delay", str(update_delay), "--max-capacity", str(max_capacity),
        ]  # fmt: skip
        self._env = dict(os.environ if env is None else env)
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._url: str | None = None

    def _child_env(self) -> dict[str, str]:
        env = dict(self._env)
        # The package need not be installed: let the child import it from this checkout.
        paths = [_package_root(), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> LauncherProcess:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self._child_env(),
            text=True,
        )
        try:
            self._url = self._read_url(time.monotonic() + self.startup_timeout)
            self._wait_ready(time.monotonic() + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _read_url(self, deadline: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.1):
                    line = self._proc.stdout.readline().strip()
                    if line.startswith("http"):
                        return line
                    if not line and self._proc.poll() is not None:
                        break
        raise RuntimeError(f"launcher did not print its URL: {self.stderr_tail()}")

    def _wait_ready(self, deadline: float) -> None:
        control = LauncherControl(self.url, timeout=2.0)
        while time.monotonic() < deadline:
            if control.health():
                return
            if self._proc is not None and self._proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"launcher at {self.url} never became ready: {self.stderr_tail()}")

    def stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("LauncherProcess is not started")
        return self._url

    @property
    def control(self) -> LauncherControl:
        return LauncherControl(self.url)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is not None:
            stop_process(self._proc, timeout)
        if self._stderr is not None:
            self._stderr.close()
        self._proc = self._stderr = None

    def __enter__(self) -> LauncherProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def aws_env_vars(
    url: str | None, scratch_dir: str | os.PathLike[str], region: str = "us-east-1"
) -> dict[str, str]:
    """Variables that point boto3 (and the CLI) at ``url`` with dummy credentials.

    AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name files that do not exist in
    ``scratch_dir``, so no profile of the machine running the tests can leak in. With
    ``url=None`` there is no endpoint: a stray call fails instead of reaching AWS.
    """
    scratch = Path(scratch_dir)
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Loopback must never go through a proxy configured for the internet.
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }
    if url is not None:
        env["AWS_ENDPOINT_URL"] = url
    return env


def isolated_environ(
    base: Mapping[str, str],
    url: str | None,
    scratch_dir: str | os.PathLike[str],
    region: str = "us-east-1",
) -> dict[str, str]:
    """``base`` without any AWS_* variable (profiles, tokens, per-service endpoints, retry
    settings...), plus :func:`aws_env_vars`: a complete environment for a child process."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(aws_env_vars(url, scratch_dir, region))
    return env


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dynamic_dynamodb.localaws.launcher",
        description="Local AWS API (moto) with DynamoDB's UpdateTable rules, for tests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--update-delay", type=float, default=0.0, help="seconds UPDATING")
    parser.add_argument("--max-capacity", type=int, default=DEFAULT_MAX_CAPACITY)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    server, _ = make_launcher_server(
        args.host,
        args.port,
        update_delay=args.update_delay,
        max_capacity=args.max_capacity,
        verbose=args.verbose,
    )
    return serve_until_signalled(server, _url(args.host, server.server_port))


if __name__ == "__main__":
    sys.exit(main())
