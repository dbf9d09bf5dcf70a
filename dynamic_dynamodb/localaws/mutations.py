"""Answer mutations: turn a real answer into a real-looking bad one (see ``faults``).

moto (with the launcher's DynamoDB rules) answers first; :func:`mutate` then edits that
answer, so everything the fault does not touch stays real.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from dynamic_dynamodb.localaws import jsonpath
from dynamic_dynamodb.localaws.faults import Fault
from dynamic_dynamodb.localaws.wire import (
    AwsCall,
    Reply,
    WsgiEnviron,
    error_reply,
    json_object,
    set_body,
)

# Every token the launcher makes up starts so; a request that carries one back is served
# as a first page (moto does not know the token).
TOKEN_PREFIX = "launcher-endless-"
DEFAULT_NON_JSON_BODY = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1></body></html>"
)
DEFAULT_WRONG_SHAPE: Any = ["unexpected"]
# (answer field, request field) of the pagination token, by operation.
_TOKEN_FIELDS = {"ListTables": ("LastEvaluatedTableName", "ExclusiveStartTableName")}
_DEFAULT_TOKEN_FIELDS = ("NextToken", "NextToken")


def token_fields(operation: str) -> tuple[str, str]:
    return _TOKEN_FIELDS.get(operation, _DEFAULT_TOKEN_FIELDS)


def forget_made_up_token(environ: WsgiEnviron, call: AwsCall, body: bytes) -> bytes:
    """Drop from a JSON request a pagination token the launcher made up, so moto serves
    the first page instead of refusing a token it never issued."""
    if call.protocol != "json":
        return body
    request_field = token_fields(call.operation)[1]
    params = json_object(body)
    token = params.get(request_field)
    if not (isinstance(token, str) and token.startswith(TOKEN_PREFIX)):
        return body
    del params[request_field]
    plain = json.dumps(params).encode()
    set_body(environ, plain)
    return plain


def mutate(call: AwsCall, reply: Reply, faults: Iterable[Fault]) -> tuple[Reply, float]:
    """``reply`` changed by each fault in turn (2xx answers only), and how many seconds
    to hold it back before sending (the caller sleeps, holding no lock)."""
    delay = 0.0
    for fault in faults:
        if not 200 <= reply.status < 300:
            break
        if fault.kind == "delay":
            # The answer is ready (an UpdateTable is applied): only its delivery is late.
            delay += fault.seconds or 0.0
            fault.applied += 1
            continue
        reply = _apply(call, reply, fault)
    return reply, delay


def _apply(call: AwsCall, reply: Reply, fault: Fault) -> Reply:
    if fault.kind == "non_json":
        fault.applied += 1
        body = DEFAULT_NON_JSON_BODY if fault.body is None else fault.body
        return reply.with_body(body.encode())
    if fault.kind == "wrong_shape":
        fault.applied += 1
        return reply.with_json(DEFAULT_WRONG_SHAPE if fault.value is None else fault.value)
    try:
        document = reply.json()
    except ValueError:
        message = f"launcher: fault {fault.id} ({fault.kind}) needs a JSON answer; "
        message += f"{call.key} answered {reply.header('Content-Type') or 'something else'}"
        return error_reply(call, 500, "LauncherMutationError", message)
    if _edit(call, document, fault):
        fault.applied += 1
    return reply.with_json(document)


def _edit(call: AwsCall, document: Any, fault: Fault) -> int:
    """Change ``document`` in place; the number of places changed."""
    if fault.kind == "drop":
        return jsonpath.drop(document, fault.path or "")
    if fault.kind == "replace":
        return jsonpath.put(document, fault.path or "", fault.value)
    if fault.kind == "empty":
        return jsonpath.empty(document, fault.path)
    if fault.kind == "partial_data":
        return jsonpath.put(document, "MetricDataResults[*].StatusCode", "PartialData")
    if fault.kind == "endless_token" and isinstance(document, dict):
        fault.tokens_issued += 1
        suffix = "" if fault.token == "same" else f"-{fault.tokens_issued}"
        document[token_fields(call.operation)[0]] = f"{TOKEN_PREFIX}{fault.id}{suffix}"
        return 1
    return 0
