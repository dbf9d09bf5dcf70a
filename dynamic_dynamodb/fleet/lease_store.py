"""The lease table's DynamoDB calls: create it, read it, and change one lease with a
conditional write. Nothing here decides; fleet/leases.py does.

One item per target, keyed by the string attribute ``lease`` (the target's id, such as
``prod/eu-west-1``)::

    lease       S  the target's id (hash key)
    owner       S  the worker holding the lease; absent when free
    counter     N  incremented by every take, renewal and release: a worker that sees it
                   unchanged for a lease duration knows the owner stopped renewing
    expires_at  N  the owner's wall clock at its last renewal + the lease duration (epoch
                   seconds); for people and ``status``: no worker compares it with its
                   own clock (see leases.py on clock skew)
    duration    N  the lease duration the owner runs with, for people and ``status``

Every write is conditional: a take names the owner and counter it saw, a renewal and a
release name the owner. A failed condition is an answer (``None`` / False), not an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import botocore.exceptions

from dynamic_dynamodb.aws.errors import error_code, translated
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.settings import GlobalConfig

log = logging.getLogger(__name__)

KEY = "lease"
CONDITION_FAILED = "ConditionalCheckFailedException"
# A scan of the lease table reads at most this many pages (1 MB each: millions of leases).
MAX_SCAN_PAGES = 100


@dataclass(frozen=True)
class LeaseItem:
    """One lease as the table holds it."""

    key: str
    owner: str | None
    counter: int
    expires_at: float | None = None
    duration: float | None = None


def parse_item(item: dict[str, Any]) -> LeaseItem:
    """A DynamoDB item (attribute-value JSON) to a LeaseItem."""
    def number(name: str) -> float | None:
        value = item.get(name, {}).get("N")
        return None if value is None else float(value)

    return LeaseItem(
        key=item[KEY]["S"],
        owner=item.get("owner", {}).get("S"),
        counter=int(number("counter") or 0),
        expires_at=number("expires_at"),
        duration=number("duration"),
    )


def _n(value: float) -> dict[str, str]:
    return {"N": f"{value:.3f}".rstrip("0").rstrip(".")}


class DynamoLeaseStore:
    """The lease table ``table`` through a boto3 DynamoDB ``client``."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    # -- the table -----------------------------------------------------------------------
    def ensure_table(self, timeout: float, poll: float = 1.0,
                     sleep: Callable[[float], None] = time.sleep) -> None:
        """Create the table if it is missing (on-demand billing: nothing to pay while
        idle) and wait up to ``timeout`` seconds for it to be ACTIVE. Several workers may
        create it at once: ResourceInUseException means another one did."""
        what = f"lease table {self.table}"
        deadline = time.monotonic() + timeout
        status = self._status(what)
        if status is None:
            try:
                with translated(f"CreateTable {self.table}"):
                    self.client.create_table(
                        TableName=self.table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}])
                log.info("created the lease table %s", self.table)
            except AwsError as exc:
                if exc.code != "ResourceInUseException":
                    raise
            status = self._status(what)
        while status != "ACTIVE":
            if time.monotonic() >= deadline:
                raise AwsError(f"{what} is {status or 'missing'}, not ACTIVE, after "
                               f"{timeout:g} s", "LeaseTableNotActive")
            sleep(poll)
            status = self._status(what)

    def _status(self, what: str) -> str | None:
        try:
            with translated(f"DescribeTable {self.table}"):
                answer = self.client.describe_table(TableName=self.table)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        status: str = answer["Table"]["TableStatus"]
        return status

    # -- reading -------------------------------------------------------------------------
    def scan(self) -> list[LeaseItem]:
        """Every lease, read consistently (a take is conditioned on what was read)."""
        items: list[LeaseItem] = []
        request: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True}
        for _ in range(MAX_SCAN_PAGES):
            with translated(f"Scan {self.table}"):
                answer = self.client.scan(**request)
            items.extend(parse_item(item) for item in answer.get("Items", []))
            if not answer.get("LastEvaluatedKey"):
                return items
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        raise AwsError(f"Scan {self.table}: more than {MAX_SCAN_PAGES} pages", "TooManyPages")

    # -- conditional writes --------------------------------------------------------------
    def create(self, key: str) -> bool:
        """Add a free lease for ``key``; False when it exists already."""
        return self._write("PutItem", key, lambda: self.client.put_item(
            TableName=self.table, Item={KEY: {"S": key}, "counter": {"N": "0"}},
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": KEY})) is not None

    def take(self, seen: LeaseItem, worker: str, expires_at: float,
             duration: float) -> LeaseItem | None:
        """Make ``worker`` the owner, if the lease is still exactly as ``seen`` (same owner,
        or still free, and same counter); the lease as taken, or None."""
        if seen.owner is None:
            condition = "attribute_not_exists(#o) AND #c = :c"
            values: dict[str, Any] = {}
        else:
            condition = "#o = :old AND #c = :c"
            values = {":old": {"S": seen.owner}}
        return self._update(seen.key, condition, {":c": _n(seen.counter), ":me": {"S": worker},
                                                  **values}, expires_at, duration)

    def renew(self, key: str, worker: str, expires_at: float,
              duration: float) -> LeaseItem | None:
        """Extend ``worker``'s lease; None when it is no longer the owner."""
        return self._update(key, "#o = :me", {":me": {"S": worker}}, expires_at, duration)

    def _update(self, key: str, condition: str, values: dict[str, Any], expires_at: float,
                duration: float) -> LeaseItem | None:
        def call() -> Any:
            return self.client.update_item(
                TableName=self.table, Key={KEY: {"S": key}},
                UpdateExpression="SET #o = :me, #e = :e, #d = :d ADD #c :one",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#o": "owner", "#c": "counter", "#e": "expires_at",
                                          "#d": "duration"},
                ExpressionAttributeValues={**values, ":e": _n(expires_at), ":d": _n(duration),
                                           ":one": {"N": "1"}},
                ReturnValues="ALL_NEW")
        answer = self._write("UpdateItem", key, call)
        return None if answer is None else parse_item(answer["Attributes"])

    def release(self, key: str, worker: str) -> bool:
        """Free ``worker``'s lease (a successor may take it at once); False when it was no
        longer the owner."""
        return self._write("UpdateItem", key, lambda: self.client.update_item(
            TableName=self.table, Key={KEY: {"S": key}},
            UpdateExpression="REMOVE #o, #e ADD #c :one",
            ConditionExpression="#o = :me",
            ExpressionAttributeNames={"#o": "owner", "#c": "counter", "#e": "expires_at"},
            ExpressionAttributeValues={":me": {"S": worker}, ":one": {"N": "1"}})) is not None

    def _write(self, operation: str, key: str, call: Callable[[], Any]) -> Any:
        """The answer of a conditional write, or None when its condition failed."""
        with translated(f"{operation} {self.table} lease {key}"):
            try:
                return call()
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == CONDITION_FAILED:
                    return None
                raise


def owners(store: DynamoLeaseStore) -> dict[str, tuple[str | None, float | None]]:
    """Each target's owner and the owner's ``expires_at`` (None, None when free), for
    ``status``."""
    return {item.key: (item.owner, item.expires_at if item.owner else None)
            for item in store.scan()}


def lease_client_settings(glob: GlobalConfig) -> GlobalConfig:
    """The settings of the lease table's client: ``lease-region`` (else the global region),
    ``lease-profile`` (else the global credentials), one attempt per call (the next round
    is the retry) and timeouts that fit a renewal interval (settings.LeaseTiming)."""
    timing = glob.lease_timing
    own_profile = glob.lease_profile is not None
    return replace(
        glob,
        region=glob.lease_region or glob.region,
        profile=glob.lease_profile if own_profile else glob.profile,
        aws_access_key_id=None if own_profile else glob.aws_access_key_id,
        aws_secret_access_key=None if own_profile else glob.aws_secret_access_key,
        connect_timeout=min(glob.connect_timeout, timing.call_timeout),
        read_timeout=min(glob.read_timeout, timing.call_timeout),
        max_attempts=1,
    )


def store_from_config(glob: GlobalConfig) -> DynamoLeaseStore:
    """The lease table named by ``lease-table``, through its own client."""
    assert glob.lease_table is not None, "no lease-table configured"
    clients = AwsClients(lease_client_settings(glob))
    return DynamoLeaseStore(clients.dynamodb, glob.lease_table)
