"""ListTables, DescribeTable and UpdateTable: the DynamoDB edge."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.core.types import (
    Decision,
    Described,
    ResourceId,
    ResourceState,
    TableState,
    UnusableResource,
)
from dynamic_dynamodb.errors import AwsError, TableGone

log = logging.getLogger(__name__)


def _time(value: Any) -> datetime | None:
    """A DescribeTable timestamp (a datetime, or epoch seconds from the lean parser);
    ValueError when it is neither."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a time: {value!r}")
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"not a time: {value!r}") from exc


def _whole(value: Any) -> int | None:
    """A JSON number that is a whole number, as an int; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _capacity(throughput: dict[str, Any], name: str) -> int | str:
    """The capacity number ``name``, or why there is none (missing is never 0)."""
    if name not in throughput:
        return f"no {name}"
    units = _whole(throughput[name])
    return f"{name} {throughput[name]!r} is not a whole number" if units is None else units


def _decreases(throughput: dict[str, Any]) -> tuple[int | None, datetime | None]:
    """NumberOfDecreasesToday and LastDecreaseDateTime; the counter is None (unknown:
    no decrease, core/policy.py) when it is missing or unreadable, or when the time of
    the last decrease is there but unreadable."""
    count = _whole(throughput.get("NumberOfDecreasesToday"))
    if count is not None and count < 0:
        count = None
    try:
        last = _time(throughput.get("LastDecreaseDateTime"))
    except ValueError:
        return None, None
    return count, last


def _resource(rid: ResourceId, status: Any, throughput: Any) -> Described:
    """One table or GSI; an UnusableResource when a capacity number is missing or not a
    whole number (core/scope.py checks the range and says why it is skipped)."""
    status_text = "UNKNOWN" if status is None else str(status)
    if not isinstance(throughput, dict):
        return UnusableResource(rid, status_text, "no ProvisionedThroughput")
    reads = _capacity(throughput, "ReadCapacityUnits")
    writes = _capacity(throughput, "WriteCapacityUnits")
    if isinstance(reads, str) or isinstance(writes, str):
        problems = [p for p in (reads, writes) if isinstance(p, str)]
        return UnusableResource(rid, status_text, ", ".join(problems))
    decreases_today, last_decrease = _decreases(throughput)
    try:
        last_increase = _time(throughput.get("LastIncreaseDateTime"))
    except ValueError:
        last_increase = None  # only reported, never used to allow anything
    return ResourceState(
        id=rid,
        status=status_text,
        reads=reads,
        writes=writes,
        decreases_today=decreases_today,
        last_decrease=last_decrease,
        last_increase=last_increase,
    )


def parse_table(description: dict[str, Any]) -> TableState:
    """DescribeTable's ``Table`` to a TableState (pure; tested without AWS). A number
    the answer lacks stays unknown: it is never read as 0."""
    name = description["TableName"]
    billing = description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    table = _resource(ResourceId(name), description.get("TableStatus"),
                      description.get("ProvisionedThroughput"))
    gsis = tuple(
        _resource(ResourceId(name, gsi["IndexName"]), gsi.get("IndexStatus"),
                  gsi.get("ProvisionedThroughput"))
        for gsi in description.get("GlobalSecondaryIndexes", []) or []
    )
    return TableState(table, gsis, billing)


def update_request(table: str, decisions: Sequence[Decision]) -> dict[str, Any] | None:
    """The UpdateTable parameters for the decisions that change something, or None."""
    request: dict[str, Any] = {"TableName": table}
    gsi_updates = []
    for d in decisions:
        if not d.changes:
            continue
        throughput = {"ReadCapacityUnits": d.reads.target, "WriteCapacityUnits": d.writes.target}
        if d.resource.index is None:
            request["ProvisionedThroughput"] = throughput
        else:
            gsi_updates.append({"Update": {"IndexName": d.resource.index,
                                           "ProvisionedThroughput": throughput}})
    if gsi_updates:
        request["GlobalSecondaryIndexUpdates"] = gsi_updates
    return request if len(request) > 1 else None


class DynamoTables:
    """The boto3 implementation of TablesApi."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def list_tables(self) -> list[str]:
        names: list[str] = []
        with translated("ListTables"):
            paginator = self._clients.dynamodb.get_paginator("list_tables")
            for page in paginator.paginate():
                names.extend(page.get("TableNames", []))
        return names

    def describe(self, table: str) -> TableState:
        try:
            with translated(f"DescribeTable {table}"):
                response = self._clients.dynamodb.describe_table(TableName=table)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                raise TableGone(table) from None
            raise
        return parse_table(response["Table"])

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        """One UpdateTable for the table and its GSIs. DynamoDB's refusals come back as
        AwsError with its code (a decrease over the day's limit: LimitExceededException);
        what to do about them is the caller's business (core/fallback.py)."""
        request = update_request(table, decisions)
        if request is None:
            return
        with translated(f"UpdateTable {table}"):
            self._clients.dynamodb_updates.update_table(**request)

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        """Tables and GSIs with an Application Auto Scaling policy (two scalers would fight)."""
        wanted = set(tables)
        managed: set[ResourceId] = set()
        with translated("DescribeScalingPolicies"):
            paginator = self._clients.autoscaling.get_paginator("describe_scaling_policies")
            for page in paginator.paginate(ServiceNamespace="dynamodb"):
                for policy in page.get("ScalingPolicies", []):
                    rid = _resource_from_scaling_id(policy.get("ResourceId", ""))
                    if rid is not None and rid.table in wanted:
                        managed.add(rid)
        return managed


def _resource_from_scaling_id(resource_id: str) -> ResourceId | None:
    """``table/T`` or ``table/T/index/I`` to a ResourceId."""
    parts = resource_id.split("/")
    if len(parts) == 2 and parts[0] == "table":
        return ResourceId(parts[1])
    if len(parts) == 4 and parts[0] == "table" and parts[2] == "index":
        return ResourceId(parts[1], parts[3])
    return None
