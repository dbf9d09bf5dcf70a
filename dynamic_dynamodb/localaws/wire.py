"""HTTP as AWS speaks it: which operation a request is, and replies in the caller's protocol.

A :class:`Reply` is a whole response held in memory, so the launcher can inspect and
rewrite moto's answers before sending them. Errors are rendered so that botocore parses
the intended code whatever protocol the client used: JSON (``awsJson1_0``, with
DynamoDB's ``x-amz-crc32``), the query protocol (XML), and the query-compatible header
``x-amzn-query-error`` of services that moved from query to JSON.

Smithy RPCv2-CBOR is not spoken, on purpose: CloudWatch is the only service here that
offers it, and botocore never picks it for CloudWatch (botocore ranks ``json`` above
``smithy-rpc-v2-cbor``, and CloudWatch lists both; older releases used ``query``), and
moto 5.2.1 cannot parse a CBOR request anyway. A CBOR request goes to moto unrecognised.
"""

from __future__ import annotations

import binascii
import gzip
import io
import json
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]

DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810"
DYNAMODB_JSON = "application/x-amz-json-1.0"
# Signing names that differ from the service names used for faults and call counts.
SERVICE_ALIASES = {"monitoring": "cloudwatch"}
TARGET_PREFIX_SERVICES = {
    DYNAMODB_TARGET_PREFIX: "dynamodb",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# Services that moved from the query protocol to JSON keep their query error codes
# in the x-amzn-query-error header; botocore reads the code from there.
QUERY_COMPATIBLE_SERVICES = frozenset({"cloudwatch", "sns", "sqs"})


# -- replies ---------------------------------------------------------------------------
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
        return self.with_body(json.dumps(payload).encode())

    def with_body(self, body: bytes) -> Reply:
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


# -- requests --------------------------------------------------------------------------
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
    set_body(environ, bytes(body))
    return bytes(body)


def set_body(environ: WsgiEnviron, body: bytes) -> None:
    """Make ``body`` the request body the next reader (moto) sees."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


@dataclass(frozen=True)
class AwsCall:
    """Which AWS operation a request is, whatever protocol carried it."""

    service: str  # e.g. "dynamodb", "cloudwatch"
    operation: str  # e.g. "DescribeTable"
    protocol: str  # "json", "query" or "rest"
    region: str
    params: Mapping[str, Any] = field(default_factory=dict)  # JSON body, when there is one
    query_mode: bool = False  # client sent x-amzn-query-mode (query-compatible service)
    access_key: str | None = None  # the caller's access key id (SigV4 credential scope)
    account: str | None = None  # the caller's account, filled in when a fault asks for it

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"

    @property
    def table(self) -> str | None:
        name = self.params.get("TableName")
        return name if isinstance(name, str) else None


def _credential_scope(environ: WsgiEnviron) -> tuple[str | None, str | None]:
    """(region, signing name) from a SigV4 Authorization header."""
    _, region, service = _credential(environ)
    return region, service


def _credential(environ: WsgiEnviron) -> tuple[str | None, str | None, str | None]:
    """(access key id, region, signing name) from a SigV4 Authorization header."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        key, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        return None, None, None
    return key, region, service.lower()


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
    set_body(environ, plain)
    return plain


def identify_call(environ: WsgiEnviron, body: bytes) -> AwsCall | None:
    """Name the service and operation of an AWS request (None: not an AWS API call)."""
    access_key, region, service = _credential(environ)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    content_type = environ.get("CONTENT_TYPE", "")
    query_mode = "HTTP_X_AMZN_QUERY_MODE" in environ
    operation, protocol, params = "", "rest", {}
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        service = service or TARGET_PREFIX_SERVICES.get(prefix)
        protocol, params = "json", json_object(body)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation, protocol = form.get("Action", [""])[0], "query"
    if not service or not operation:
        return None
    service = SERVICE_ALIASES.get(service, service)
    return AwsCall(service, operation, protocol, region or "us-east-1", params, query_mode,
                   access_key)


def json_object(body: bytes) -> dict[str, Any]:
    """A JSON body as a dict; anything else (empty, not JSON, not an object) as ``{}``."""
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- errors in the caller's protocol ---------------------------------------------------
_DYNAMODB_TYPE_PREFIX = {
    "ThrottlingException": "com.amazon.coral.availability#",
    "ValidationException": "com.amazon.coral.validate#",
}


def _error_type(service: str, code: str) -> str:
    if service != "dynamodb":
        return code
    return _DYNAMODB_TYPE_PREFIX.get(code, "com.amazonaws.dynamodb.v20120810#") + code


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
    headers.append(("x-amzn-ErrorType", f"{code}:"))  # what rest-json parsers read
    payload = {"__type": _error_type(call.service, code), "message": message}
    body = json.dumps(payload).encode()
    if call.service == "dynamodb":
        headers.append(("x-amz-crc32", str(binascii.crc32(body))))
    return Reply(status, [*headers, ("Content-Type", DYNAMODB_JSON)], body)


def dynamodb_error(status: int, code: str, message: str) -> Reply:
    """A DynamoDB error (JSON protocol, with its checksum)."""
    return error_reply(AwsCall("dynamodb", "", "json", ""), status, code, message)
