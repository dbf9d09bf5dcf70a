"""Fault injection: the next N calls of an operation (or every call) misbehave.

Inject with ``POST /_launcher/faults`` (client: ``LauncherControl.inject_fault``), a JSON
object::

    {"service": "dynamodb", "operation": "DescribeTable", "kind": "drop",
     "path": "Table.ProvisionedThroughput", "count": 1, "table": "orders"}

Common fields: ``service`` (``dynamodb``, ``cloudwatch`` or its signing name
``monitoring``, ``sns``, ``application-autoscaling``...), ``operation`` (``*``: any),
``count`` (calls to affect; ``-1``: every call until cleared; default 1), ``table``
(only requests whose ``TableName`` is this; requests without one never match),
``account`` (only calls made with credentials of this account, as moto maps access keys
to accounts: an assumed role's keys to the role's account, any other key to moto's
default account 123456789012), ``region`` (only calls signed for this region),
``access_key`` (only requests signed with this access key id: one caller among several,
e.g. one worker cut off from a table the others still reach).

Kinds that answer in moto's place (moto never sees the call):

* ``internal_error``: HTTP 500 (``InternalServerError``, CloudWatch ``InternalServiceError``);
* ``throttling``: 400 ``ThrottlingException`` (CloudWatch ``Throttling``);
* ``provisioned_throughput_exceeded``: 400 ``ProvisionedThroughputExceededException``;
* ``error``: your own ``code``, ``status`` and ``message`` (these three also override the
  defaults of the kinds above);
* ``hang``: no answer for ``seconds`` (wall clock), then an internal error: a call that
  timed out and was *not* applied.

Kinds that act before moto answers: ``delete_table`` deletes ``table`` (required), then
moto serves the call (DescribeTable answers ResourceNotFoundException).

Answer mutations: moto answers (with the launcher's DynamoDB rules: an UpdateTable is
applied), then the answer is changed, so the rest of it stays real. They change 2xx
JSON answers only; a path mutation of an XML (query protocol) answer gets HTTP 500 with
a message saying so. Paths: see :mod:`dynamic_dynamodb.localaws.jsonpath`
(``MetricDataResults[*].Values[*]``).

* ``drop`` (``path``): remove a field or list element, e.g. ``Table.ProvisionedThroughput``;
* ``replace`` (``path``, ``value``: any JSON, null included): set it (a missing last key
  is added), e.g. ``Table.ProvisionedThroughput.ReadCapacityUnits`` = ``1e30``;
* ``empty`` (``path`` optional): empty the lists/objects at ``path``; without a path,
  every top-level list (``TableNames``, ``MetricDataResults``, ``ScalingPolicies``...);
* ``partial_data``: every ``MetricDataResults[*].StatusCode`` becomes ``PartialData``;
* ``endless_token`` (``token``: ``new``, default, or ``same``): the answer carries a
  pagination token (``LastEvaluatedTableName`` for ListTables, else ``NextToken``), new on
  every answer or always the same. A request that sends back a token the launcher made up
  is served as a first page, so paging never ends while the fault lasts;
* ``non_json``: status and headers stay, the body becomes ``body`` (default: an HTML
  error page);
* ``wrong_shape``: the body becomes the JSON ``value`` (default ``["unexpected"]``: a list
  where an object is expected);
* ``delay`` (``seconds``): answer only after ``seconds`` (wall clock): an UpdateTable
  applied, then timed out on the client's side.

Matching: per call, the first armed fault of an answering or acting kind is spent, then
every armed mutation that matches is spent and applied in injection order (so
``partial_data`` and ``endless_token`` can be combined). A call answered by an error or
a hang spends no mutation. Each fault counts in ``applied`` the calls it changed (a
mutation whose path matched nothing does not count).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dynamic_dynamodb.localaws.jsonpath import PathError, parse_path
from dynamic_dynamodb.localaws.wire import SERVICE_ALIASES, AwsCall, Reply, error_reply

ERROR_KINDS = ("internal_error", "throttling", "provisioned_throughput_exceeded", "error")
BEFORE_KINDS = (*ERROR_KINDS, "hang", "delete_table")
MUTATION_KINDS = (
    "drop",
    "replace",
    "empty",
    "partial_data",
    "endless_token",
    "non_json",
    "wrong_shape",
    "delay",
)
FAULT_KINDS = (*BEFORE_KINDS, *MUTATION_KINDS)
TOKEN_MODES = ("new", "same")

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
    account: str | None = None
    region: str | None = None
    access_key: str | None = None
    code: str | None = None
    status: int | None = None
    message: str | None = None
    path: str | None = None
    value: Any = None
    seconds: float | None = None
    token: str = "new"
    body: str | None = None
    applied: int = 0  # calls this fault changed
    tokens_issued: int = field(default=0, repr=False)

    @classmethod
    def from_json(cls, fault_id: int, data: Mapping[str, Any]) -> Fault:
        kind = data.get("kind", "internal_error")
        if kind not in FAULT_KINDS:
            raise ControlError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if not data.get("service") or not data.get("operation"):
            raise ControlError("a fault needs 'service' and 'operation'")
        _check_kind_arguments(kind, data)
        service = str(data["service"]).lower()
        return cls(
            id=fault_id,
            service=SERVICE_ALIASES.get(service, service),
            operation=str(data["operation"]),
            kind=kind,
            remaining=int(data.get("count", 1)),
            table=data.get("table"),
            account=None if data.get("account") is None else str(data["account"]),
            region=data.get("region"),
            access_key=data.get("access_key"),
            code=data.get("code"),
            status=None if data.get("status") is None else int(data["status"]),
            message=data.get("message"),
            path=data.get("path"),
            value=data.get("value"),
            seconds=None if data.get("seconds") is None else float(data["seconds"]),
            token=data.get("token") or "new",
            body=data.get("body"),
        )

    @property
    def is_mutation(self) -> bool:
        return self.kind in MUTATION_KINDS

    def matches(self, call: AwsCall) -> bool:
        return (
            self.remaining != 0
            and self.service == call.service
            and self.operation in ("*", call.operation)
            and (self.table is None or self.table == call.table)
            and (self.account is None or self.account == call.account)
            and (self.region is None or self.region == call.region)
            and (self.access_key is None or self.access_key == call.access_key)
        )

    def consume(self) -> None:
        if self.remaining > 0:
            self.remaining -= 1

    def reply(self, call: AwsCall) -> Reply:
        """The AWS error this fault answers with (error kinds and ``hang``)."""
        kind = "internal_error" if self.kind == "hang" else self.kind
        status, code, message = _FAULT_ERRORS.get(
            (call.service, kind),
            _FAULT_ERRORS.get(("*", kind), _FAULT_ERRORS[("*", "error")]),
        )
        return error_reply(call, self.status or status, self.code or code, self.message or message)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "operation": self.operation,
            "kind": self.kind,
            "remaining": self.remaining,
            "table": self.table,
            "account": self.account,
            "region": self.region,
            "access_key": self.access_key,
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "path": self.path,
            "value": self.value,
            "seconds": self.seconds,
            "token": self.token,
            "body": self.body,
            "applied": self.applied,
        }


def _check_kind_arguments(kind: str, data: Mapping[str, Any]) -> None:
    if kind == "delete_table" and not data.get("table"):
        raise ControlError("kind 'delete_table' needs 'table'")
    if kind in ("drop", "replace") and not data.get("path"):
        raise ControlError(f"kind {kind!r} needs 'path'")
    if kind == "replace" and "value" not in data:
        raise ControlError("kind 'replace' needs 'value' (any JSON, null included)")
    if data.get("path"):
        try:
            parse_path(str(data["path"]))
        except PathError as exc:
            raise ControlError(str(exc)) from None
    if kind in ("delay", "hang"):
        seconds = data.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
            raise ControlError(f"kind {kind!r} needs 'seconds' > 0")
    if kind == "endless_token" and (data.get("token") or "new") not in TOKEN_MODES:
        raise ControlError(f"'token' must be one of {TOKEN_MODES}")


@dataclass(frozen=True)
class FaultPlan:
    """What the armed faults do to one call: at most one before moto, mutations after."""

    before: Fault | None = None
    mutations: tuple[Fault, ...] = ()


class FaultBook:
    """The armed faults, in the order they were injected, and the last ones spent."""

    def __init__(self, keep_spent: int = 100) -> None:
        self._faults: list[Fault] = []
        self._spent: deque[Fault] = deque(maxlen=keep_spent)
        self._ids = 0

    def add(self, data: Mapping[str, Any]) -> Fault:
        self._ids += 1
        fault = Fault.from_json(self._ids, data)
        self._faults.append(fault)
        return fault

    def take(self, call: AwsCall) -> FaultPlan:
        """Spend on ``call`` the faults that apply to it (see the module's docstring)."""
        matching = [f for f in self._faults if f.matches(call)]
        before = next((f for f in matching if not f.is_mutation), None)
        answers = before is not None and before.kind != "delete_table"
        mutations = () if answers else tuple(f for f in matching if f.is_mutation)
        for fault in (before, *mutations):
            if fault is not None:
                fault.consume()
                if fault.remaining == 0:
                    self._spent.append(fault)
        self._faults = [f for f in self._faults if f.remaining != 0]
        return FaultPlan(before, mutations)

    def wants_account(self) -> bool:
        """Whether an armed fault matches on the caller's account (worth looking up)."""
        return any(fault.account is not None for fault in self._faults)

    def clear(self) -> None:
        self._faults.clear()
        self._spent.clear()

    def armed(self) -> list[Fault]:
        return list(self._faults)

    def spent(self) -> list[Fault]:
        """Faults used up (``count`` reached), oldest first; their ``applied`` still grows
        while the calls that spent them finish."""
        return list(self._spent)
