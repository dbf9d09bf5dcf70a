"""Fault injection: the next N calls of an operation (or every call) misbehave.

A :class:`Fault` names a service, an operation (``*``: any) and optionally a table; the
first armed fault that matches a call is spent on it. Kinds: ``internal_error``,
``throttling``, ``provisioned_throughput_exceeded`` and ``error`` (your own code, status
and message) answer with that AWS error instead of moto; ``delete_table`` deletes the
table right before moto serves the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dynamic_dynamodb.localaws.wire import SERVICE_ALIASES, AwsCall, Reply, error_reply

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


class FaultBook:
    """The armed faults, in the order they were injected."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = 0

    def add(self, data: Mapping[str, Any]) -> Fault:
        self._ids += 1
        fault = Fault.from_json(self._ids, data)
        self._faults.append(fault)
        return fault

    def take(self, call: AwsCall) -> Fault | None:
        """Spend the first armed fault that matches ``call`` on it."""
        fault = next((f for f in self._faults if f.matches(call)), None)
        if fault is not None:
            fault.consume()
            self._faults = [f for f in self._faults if f.remaining != 0]
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def armed(self) -> list[Fault]:
        return list(self._faults)
