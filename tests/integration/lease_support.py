"""Workers on a real lease table of the local AWS, each with an access key id of its own
(so the launcher's journal says who sent each call, and a fault can cut one worker off),
and a minimal driver that acts the way a Scheduler of the fleet runner does: it asks
``may_act`` right before each UpdateTable of a target it owns.

test_leases_daemons.py runs real daemons instead of ``Driver`` and reuses the journal
and lease-table helpers here.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from dynamic_dynamodb.fleet.lease_store import owners, store_from_config
from dynamic_dynamodb.fleet.leases import LeaseCoordinator, lease_coordination
from dynamic_dynamodb.localaws import create_table
from dynamic_dynamodb.settings import GlobalConfig

log = logging.getLogger("lease-driver")

LEASE_TABLE = "dd-leases"
# Short enough for a test, long enough for moto on a busy machine: margin 2.7 s (a
# third of it; the UpdateTable bound is 1 + 1 s), acting until 5.3 s after a renewal is
# sent, a round every 2.7 s.
DURATION = 8.0
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0
# How often the driver looks at its targets (a Scheduler's cycle, much shortened).
ACT_EVERY = 0.25


def access_key(worker: str) -> str:
    return f"AKID{worker.upper()}"


def table_of(target: str) -> str:
    """The table a target's driver updates: ``acct3/us-east-1`` -> ``t-acct3``."""
    return "t-" + target.split("/")[0]


def worker_settings(worker: str, duration: float = DURATION) -> GlobalConfig:
    return GlobalConfig(region="us-east-1", aws_access_key_id=access_key(worker),
                        aws_secret_access_key="dummy", lease_table=LEASE_TABLE,
                        worker_id=worker, lease_duration=duration,
                        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                        max_attempts=1)


def make_target_tables(targets: Sequence[str]) -> None:
    client = boto3.client("dynamodb")
    for target in targets:
        create_table(client, table_of(target), reads=1, writes=1)


def lease_owners() -> dict[str, tuple[str | None, float | None]]:
    """The lease table as ``status`` shows it: target -> (owner, expires_at)."""
    return owners(store_from_config(worker_settings("observer")))


def scan_text() -> str:
    """The lease table's items, one line each (for the report of a takeover)."""
    client = boto3.client("dynamodb")
    items = client.scan(TableName=LEASE_TABLE, ConsistentRead=True)["Items"]
    lines = []
    for item in sorted(items, key=lambda i: i["lease"]["S"]):
        fields = {k: next(iter(v.values())) for k, v in item.items()}
        lines.append("  ".join(f"{k}={fields[k]}" for k in
                               ("lease", "owner", "counter", "expires_at", "duration")
                               if k in fields))
    return "\n".join(lines)


class Driver:
    """Acts on the targets a coordinator owns: for each, ``may_act`` right before an
    UpdateTable (reads + 1) signed with the worker's own access key id."""

    def __init__(self, coordinator: LeaseCoordinator, targets: Sequence[str],
                 worker: str) -> None:
        self.coordinator = coordinator
        self.targets = list(targets)
        self.client: Any = boto3.client(
            "dynamodb", aws_access_key_id=access_key(worker), aws_secret_access_key="dummy",
            config=Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                          retries={"total_max_attempts": 1}))
        self.stop = threading.Event()
        self.acted: dict[str, int] = defaultdict(int)

    def run(self) -> None:
        while not self.stop.wait(ACT_EVERY):
            for target in sorted(self.coordinator.owned(self.targets)):
                if self.stop.is_set() or not self.coordinator.may_act(target):
                    continue
                self._bump(table_of(target))
                self.acted[target] += 1

    def _bump(self, table: str) -> None:
        try:
            reads = self.client.describe_table(TableName=table)[
                "Table"]["ProvisionedThroughput"]["ReadCapacityUnits"]
            self.client.update_table(TableName=table, ProvisionedThroughput={
                "ReadCapacityUnits": reads + 1, "WriteCapacityUnits": 1})
        except Exception as exc:  # noqa: BLE001 - the journal has the call; the test judges it
            log.info("update of %s failed: %s", table, exc)


@dataclass
class Worker:
    """A coordinator (as the service runs it: ``lease_coordination``) and its driver on
    threads of this process."""

    name: str
    coordinator: LeaseCoordinator
    driver: Driver
    thread: threading.Thread
    running: ExitStack

    @classmethod
    def start(cls, name: str, targets: Sequence[str]) -> Worker:
        running = ExitStack()
        coordinator = running.enter_context(lease_coordination(worker_settings(name)))
        assert coordinator is not None
        coordinator.owned(targets)
        driver = Driver(coordinator, targets, name)
        thread = threading.Thread(target=driver.run, name=f"driver-{name}", daemon=True)
        thread.start()
        return cls(name, coordinator, driver, thread, running)

    def stop(self) -> None:
        """As the service stops: no more acting, then the leases released."""
        self.driver.stop.set()
        self.thread.join(timeout=10)
        self.running.close()


def handovers(journal: list[dict[str, Any]]) -> list[tuple[str, str, str, float]]:
    """Each change of caller in the UpdateTable calls of a table, in arrival order:
    (table, previous caller, next caller, seconds between their calls)."""
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in journal:
        if entry["operation"] == "UpdateTable" and entry["table"]:
            by_table[entry["table"]].append(entry)
    changes = []
    for table, calls in sorted(by_table.items()):
        calls.sort(key=lambda e: e["at"])
        for before, after in itertools.pairwise(calls):
            if before["access_key"] != after["access_key"]:
                changes.append((table, before["access_key"], after["access_key"],
                                after["at"] - before["at"]))
    return changes


def callers_by_table(journal: list[dict[str, Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for entry in journal:
        if entry["operation"] == "UpdateTable" and entry["table"]:
            found[entry["table"]].add(entry["access_key"])
    return dict(found)
