"""ListTables, DescribeTable and UpdateTable: the DynamoDB edge."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.backend import UpdateResult
from dynamic_dynamodb.core.types import (
    Decision,
    Reason,
    ResourceId,
    ResourceState,
    TableState,
)
from dynamic_dynamodb.errors import AwsError, TableGone

log = logging.getLogger(__name__)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


def _resource(rid: ResourceId, status: str, throughput: dict[str, Any]) -> ResourceState:
    return ResourceState(
        id=rid,
        status=status,
        reads=int(throughput.get("ReadCapacityUnits", 0)),
        writes=int(throughput.get("WriteCapacityUnits", 0)),
        decreases_today=int(throughput.get("NumberOfDecreasesToday", 0)),
        last_decrease=_time(throughput.get("LastDecreaseDateTime")),
        last_increase=_time(throughput.get("LastIncreaseDateTime")),
    )


def parse_table(description: dict[str, Any]) -> TableState:
    """DescribeTable's ``Table`` to a TableState (pure; tested without AWS)."""
    name = description["TableName"]
    billing = description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    table = _resource(ResourceId(name), description.get("TableStatus", "UNKNOWN"),
                      description.get("ProvisionedThroughput", {}))
    gsis = tuple(
        _resource(ResourceId(name, gsi["IndexName"]), gsi.get("IndexStatus", "UNKNOWN"),
                  gsi.get("ProvisionedThroughput", {}))
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
        return parse_table(self.description(table))

    def description(self, table: str) -> dict[str, Any]:
        """DescribeTable's ``Table``, as AWS sent it; TableGone if there is none."""
        try:
            with translated(f"DescribeTable {table}"):
                response = self._clients.dynamodb.describe_table(TableName=table)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                raise TableGone(table) from None
            raise
        found: dict[str, Any] = response["Table"]
        return found

    def _send(self, table: str, request: dict[str, Any]) -> None:
        with translated(f"UpdateTable {table}"):
            self._clients.dynamodb_updates.update_table(**request)

    def update(self, table: str, decisions: Sequence[Decision]) -> UpdateResult:
        """One UpdateTable for the table and its GSIs; if DynamoDB refuses a decrease,
        send the increases alone so a refused decrease never blocks an increase."""
        changing = tuple(d for d in decisions if d.changes)
        request = update_request(table, changing)
        if request is None:
            return UpdateResult(())
        try:
            self._send(table, request)
            return UpdateResult(changing)
        except AwsError as exc:
            if exc.code != "LimitExceededException":
                raise
            held = Reason("decrease-refused",
                          "decrease refused by DynamoDB (LimitExceededException)")
            increases = tuple(d.increases_only(held) for d in changing if d.is_increase)
            retry = update_request(table, increases)
            if retry is None:
                return UpdateResult((), "decrease refused by DynamoDB (LimitExceededException)")
            self._send(table, retry)
            return UpdateResult(increases, "decrease refused by DynamoDB; increases sent alone")

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
