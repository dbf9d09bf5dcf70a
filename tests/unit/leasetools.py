"""An in-memory lease table with DynamoDB's conditional-write semantics, and a fake clock,
for coordinator tests without a server (the integration tests use the real calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.fleet.lease_store import LeaseItem

T = TypeVar("T")


@dataclass
class FakeClock:
    """Seconds since the test started; every worker's monotonic clock reads it."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeLeaseTable:
    """The lease table's items; each call may take ``latency`` seconds of ``clock`` time,
    half before it is applied and half after (so a request's send, its effect and its
    answer happen at three different times)."""

    clock: FakeClock
    items: dict[str, LeaseItem] = field(default_factory=dict)
    latency: float = 0.0
    created: int = 0

    def apply(self, change: Callable[[], T]) -> T:
        self.clock.advance(self.latency / 2)
        result = change()
        self.clock.advance(self.latency / 2)
        return result


@dataclass
class FakeLeaseStore:
    """One worker's view of a FakeLeaseTable; ``cut_off`` makes every call fail as a
    timeout would (nothing applied)."""

    table: FakeLeaseTable
    cut_off: bool = False
    calls: list[str] = field(default_factory=list)

    def _check(self, operation: str) -> None:
        self.calls.append(operation)
        if self.cut_off:
            self.table.clock.advance(1.0)
            raise AwsError(f"{operation}: timed out", "ReadTimeout")

    def ensure_table(self, timeout: float) -> None:
        self._check("ensure_table")

    def scan(self) -> list[LeaseItem]:
        self._check("scan")
        return self.table.apply(lambda: sorted(self.table.items.values(), key=lambda i: i.key))

    def create(self, key: str) -> bool:
        self._check("create")

        def change() -> bool:
            if key in self.table.items:
                return False
            self.table.items[key] = LeaseItem(key, None, 0)
            self.table.created += 1
            return True
        return self.table.apply(change)

    def take(self, seen: LeaseItem, worker: str, expires_at: float,
             duration: float) -> LeaseItem | None:
        self._check("take")

        def change() -> LeaseItem | None:
            now = self.table.items.get(seen.key)
            if now is None or (now.owner, now.counter) != (seen.owner, seen.counter):
                return None
            return self._set(replace(now, owner=worker, counter=now.counter + 1,
                                     expires_at=expires_at, duration=duration))
        return self.table.apply(change)

    def renew(self, key: str, worker: str, expires_at: float,
              duration: float) -> LeaseItem | None:
        self._check("renew")

        def change() -> LeaseItem | None:
            now = self.table.items.get(key)
            if now is None or now.owner != worker:
                return None
            return self._set(replace(now, counter=now.counter + 1, expires_at=expires_at,
                                     duration=duration))
        return self.table.apply(change)

    def release(self, key: str, worker: str) -> bool:
        self._check("release")

        def change() -> bool:
            now = self.table.items.get(key)
            if now is None or now.owner != worker:
                return False
            self._set(replace(now, owner=None, counter=now.counter + 1, expires_at=None))
            return True
        return self.table.apply(change)

    def _set(self, item: LeaseItem) -> LeaseItem:
        self.table.items[item.key] = item
        return item
