"""The Scheduler's watch for changes it did not make (core/foreign.py decides what is
one): a warning naming the table, at most once per table per hour.

Two instances that scale the same table fight: each undoes the other's change and spends
DynamoDB's few daily decreases. Without a lease table (lease-table) nothing else tells
them apart, so each says what it sees.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from dynamic_dynamodb.core.foreign import Expectation, expect, unexplained_change
from dynamic_dynamodb.core.types import Decision, ResourceId, ResourceState

log = logging.getLogger("dynamic_dynamodb")

WARN_EVERY = timedelta(hours=1)
# Expectations older than this many check intervals prove nothing (a table not checked
# for a while, or a target this worker did not serve in between).
MAX_AGE_INTERVALS = 3


class ForeignChanges:
    """What each resource should look like at its next check, and when each table was
    last warned about."""

    def __init__(self) -> None:
        self._expected: dict[ResourceId, Expectation] = {}
        self._warned: dict[str, datetime] = {}

    def checked(self, states: Sequence[ResourceState], sent: Collection[Decision],
                now: datetime, check_interval: float) -> list[str]:
        """After a table's check: warn about changes it did not make since the last one,
        then expect what this check saw or ``sent``. The warnings logged."""
        by_resource = {d.resource: d for d in sent}
        max_age = timedelta(seconds=MAX_AGE_INTERVALS * check_interval)
        changes = []
        for state in states:
            change = unexplained_change(self._expected.get(state.id), state, now, max_age)
            if change is not None:
                changes.append((state.id, change))
            if state.active or state.id not in self._expected:
                self._expected[state.id] = expect(state, now, by_resource.get(state.id))
        return [self._warn(rid, change, now) for rid, change in changes
                if self._due(rid.table, now)]

    def forget(self, table: str) -> None:
        """The table's check failed (an update may have been applied or not): start over."""
        for rid in [rid for rid in self._expected if rid.table == table]:
            del self._expected[rid]

    def keep_only(self, tables: Collection[str]) -> None:
        """Drop what is kept about tables no longer managed."""
        for rid in [rid for rid in self._expected if rid.table not in tables]:
            del self._expected[rid]
        for table in [t for t in self._warned if t not in tables]:
            del self._warned[table]

    def _due(self, table: str, now: datetime) -> bool:
        last = self._warned.get(table)
        if last is not None and now - last < WARN_EVERY:
            return False
        self._warned[table] = now
        return True

    def _warn(self, rid: ResourceId, change: str, now: datetime) -> str:
        message = (f"{rid}: changed by someone else since the last check: {change}. Another "
                   f"dynamic-dynamodb (or another tool) is scaling this table too, and the "
                   f"two will fight; run one instance per table, or let the instances share "
                   f"a lease table (lease-table). Said at most once an hour per table.")
        log.warning("%s", message)
        return message
