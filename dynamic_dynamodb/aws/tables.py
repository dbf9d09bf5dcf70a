"""ListTables, DescribeTable and UpdateTable: the DynamoDB edge.

Every exchange is bounded (aws/paging.py): paging has a limit and refuses a token
seen before, and a stop request is honoured before each call. An answer that cannot be
read fails only its own call: the cycle for ListTables, one table for DescribeTable
(BadAnswer); an UpdateTable without a readable answer has an unknown outcome
(UpdateUnconfirmed).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from dynamic_dynamodb.aws.errors import translated
from dynamic_dynamodb.aws.paging import SPARE_PAGES, StopGuard, pages
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.core.types import (
    Decision,
    Described,
    ResourceId,
    ResourceState,
    TableState,
    UnusableResource,
)
from dynamic_dynamodb.errors import AwsError, BadAnswer, TableGone, UpdateUnconfirmed

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


# Paging limits, from what a correct answer can need. ListTables gives up to 100 names a
# page; 100,000 tables is 40 times DynamoDB's default quota per region (2,500).
# DescribeScalingPolicies gives up to 50 policies a page; 50,000 is ten per table at
# DynamoDB's default table quota with room to spare (Application Auto Scaling's own
# default is 3,000 scalable targets per service).
MAX_TABLES = 100_000
TABLES_PER_PAGE = 100
MAX_SCALING_POLICIES = 50_000
POLICIES_PER_PAGE = 50
# UpdateTable failures after which DynamoDB may have applied the update: the request
# went out and no readable answer came back.
UNKNOWN_OUTCOME = frozenset({"ReadTimeout", "ConnectionClosedError", "BadAnswer"})


class DynamoTables:
    """The boto3 implementation of TablesApi.

    Once ``stop`` is set no further ListTables, DescribeTable or DescribeScalingPolicies
    call goes out (Stopped); an UpdateTable decided before the stop is still sent (the
    table in hand is finished)."""

    def __init__(self, clients: AwsClients, stop: threading.Event | None = None) -> None:
        self._clients = clients
        self._guard = StopGuard(stop)

    def list_tables(self) -> list[str]:
        """Every table name; BadAnswer when the answer is not a list of names or its
        paging does not end (a name listed twice means the pages go round)."""
        dynamodb = self._guard.client(self._clients.dynamodb)

        def call(token: str | None) -> Any:
            if token is None:
                return dynamodb.list_tables(Limit=TABLES_PER_PAGE)
            return dynamodb.list_tables(Limit=TABLES_PER_PAGE, ExclusiveStartTableName=token)

        names: list[str] = []
        seen: set[str] = set()
        for page in pages(call, what="ListTables", token_field="LastEvaluatedTableName",
                          max_pages=math.ceil(MAX_TABLES / TABLES_PER_PAGE) + SPARE_PAGES,
                          guard=self._guard):
            found = page.get("TableNames")
            if not isinstance(found, list) or not all(isinstance(n, str) and n for n in found):
                raise BadAnswer("ListTables: the answer has no list of table names")
            again = seen.intersection(found)
            if again:
                raise BadAnswer(f"ListTables: table {min(again)!r} listed twice; "
                                f"paging stopped")
            seen.update(found)
            names.extend(found)
        return names

    def describe(self, table: str) -> TableState:
        """The table's state; TableGone when it was deleted, BadAnswer when the answer
        cannot be read (this table only)."""
        description = self.description(table)
        try:
            return parse_table(description)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.debug("DescribeTable %s: the answer could not be read", table, exc_info=True)
            raise BadAnswer(f"DescribeTable {table}: the answer could not be read "
                            f"({type(exc).__name__}: {exc})"[:300]) from None

    def description(self, table: str) -> dict[str, Any]:
        """DescribeTable's ``Table``, as AWS sent it; TableGone if there is none,
        BadAnswer if the answer has no Table object."""
        self._guard.check(f"DescribeTable {table}")
        dynamodb = self._guard.client(self._clients.dynamodb)
        try:
            with translated(f"DescribeTable {table}"):
                response = dynamodb.describe_table(TableName=table)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                raise TableGone(table) from None
            raise
        description = response.get("Table") if isinstance(response, Mapping) else None
        if not isinstance(description, dict):
            raise BadAnswer(f"DescribeTable {table}: the answer has no Table object")
        return description

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        """One UpdateTable for the table and its GSIs. DynamoDB's refusals come back as
        AwsError with its code (a decrease over the day's limit: LimitExceededException);
        what to do about them is the caller's business (core/fallback.py). When the
        request went out but no readable answer came back (a timeout, a reset
        connection, an answer without its TableDescription) the outcome is unknown:
        UpdateUnconfirmed, and the caller checks DescribeTable later."""
        request = update_request(table, decisions)
        if request is None:
            return
        what = f"UpdateTable {table}"
        try:
            with translated(what):
                response = self._clients.dynamodb_updates.update_table(**request)
        except AwsError as exc:
            if exc.code in UNKNOWN_OUTCOME:
                raise UpdateUnconfirmed(str(exc)) from None
            raise
        answer = response.get("TableDescription") if isinstance(response, Mapping) else None
        if not isinstance(answer, dict):
            raise UpdateUnconfirmed(f"{what}: the answer has no TableDescription")

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        """Tables and GSIs with an Application Auto Scaling policy (two scalers would fight)."""
        wanted = set(tables)
        managed: set[ResourceId] = set()
        autoscaling = self._guard.client(self._clients.autoscaling)

        def call(token: str | None) -> Any:
            kwargs: dict[str, Any] = {"ServiceNamespace": "dynamodb",
                                      "MaxResults": POLICIES_PER_PAGE}
            if token:
                kwargs["NextToken"] = token
            return autoscaling.describe_scaling_policies(**kwargs)

        seen: set[str] = set()
        for page in pages(call, what="DescribeScalingPolicies", token_field="NextToken",
                          max_pages=math.ceil(MAX_SCALING_POLICIES / POLICIES_PER_PAGE)
                          + SPARE_PAGES, guard=self._guard):
            policies = page.get("ScalingPolicies")
            if not isinstance(policies, list):
                raise BadAnswer("DescribeScalingPolicies: the answer has no ScalingPolicies "
                                "list")
            for policy in policies:
                arn = policy.get("PolicyARN") if isinstance(policy, dict) else None
                if isinstance(arn, str) and arn in seen:
                    raise BadAnswer("DescribeScalingPolicies: a policy listed twice; paging "
                                    "stopped")
                seen.add(str(arn))
                resource_id = policy.get("ResourceId") if isinstance(policy, dict) else None
                rid = _resource_from_scaling_id(resource_id) \
                    if isinstance(resource_id, str) else None
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
