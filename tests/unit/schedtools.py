"""In-memory edges and a fake clock for Scheduler tests: what AWS would say, no AWS.

Tables are described by ``FakeTables.tables``; usage is stated as percent of the
provisioned capacity per resource; faults are set per edge. Every call the Scheduler
makes is recorded, so a test can state what was sent and what was asked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import (
    Decision,
    DimensionUsage,
    ResourceId,
    ResourceState,
    ScaleEvent,
    TableState,
    Usage,
)
from dynamic_dynamodb.errors import AwsError, TableGone

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=timezone.utc)
WINDOW_MINUTES = 5


def table(name: str, reads: int = 10, writes: int = 10, *gsis: str, status: str = "ACTIVE",
          billing: str = "PROVISIONED") -> TableState:
    """A table with ``gsis`` (each 10/10, ACTIVE)."""
    return TableState(ResourceState(ResourceId(name), status, reads, writes),
                      tuple(ResourceState(ResourceId(name, g), "ACTIVE", 10, 10) for g in gsis),
                      billing)


def rid(text: str) -> ResourceId:
    """``t`` or ``t/index`` to a ResourceId."""
    name, _, index = text.partition("/")
    return ResourceId(name, index or None)


# One update as sent: the table, then (resource, reads, writes) per decision in it.
Sent = tuple[str, tuple[tuple[str, int, int], ...]]


@dataclass
class FakeTables:
    """TablesApi in memory. ``refuse_decreases`` answers any update with a decrease as
    DynamoDB does when its budget is spent; ``on_update`` runs after each accepted one."""

    tables: list[TableState]
    describe_errors: dict[str, AwsError] = field(default_factory=dict)
    update_error: AwsError | None = None
    refuse_decreases: bool = False
    managed: set[ResourceId] = field(default_factory=set)
    autoscaling_error: AwsError | None = None
    on_update: Callable[[], None] | None = None
    sent: list[Sent] = field(default_factory=list)
    autoscaling_calls: int = 0

    def list_tables(self) -> list[str]:
        return [t.name for t in self.tables]

    def describe(self, name: str) -> TableState:
        if name in self.describe_errors:
            raise self.describe_errors[name]
        for t in self.tables:
            if t.name == name:
                return t
        raise TableGone(name)

    def update(self, name: str, decisions: Sequence[Decision]) -> None:
        if self.update_error is not None:
            raise self.update_error
        if self.refuse_decreases and any(d.is_decrease for d in decisions):
            raise AwsError(f"UpdateTable {name}: LimitExceededException: decreases spent",
                           "LimitExceededException")
        self.sent.append((name, tuple((str(d.resource), d.reads.target, d.writes.target)
                                      for d in decisions)))
        if self.on_update is not None:
            self.on_update()

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        self.autoscaling_calls += 1
        if self.autoscaling_error is not None:
            raise self.autoscaling_error
        return {r for r in self.managed if r.table in tables}


@dataclass
class FakeMetrics:
    """MetricsApi in memory: ``used`` maps ``t`` or ``t/index`` to (reads %, writes %) of
    the provisioned capacity given in ``provisioned`` (default 50 % of 10 units);
    ``unknown`` resources read as None; ``error`` fails the whole read."""

    used: dict[str, tuple[float, float]] = field(default_factory=dict)
    provisioned: dict[str, tuple[int, int]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    error: AwsError | None = None
    asked: list[str] = field(default_factory=list)

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        self.asked = [str(r.resource) for r in requests]
        if self.error is not None:
            raise self.error
        result: dict[ResourceId, Usage | None] = {}
        for request in requests:
            key = str(request.resource)
            if key in self.unknown:
                result[request.resource] = None
                continue
            reads_pct, writes_pct = self.used.get(key, (50.0, 50.0))
            reads, writes = self.provisioned.get(key, (10, 10))
            result[request.resource] = Usage(_used(reads_pct, reads), _used(writes_pct, writes))
        return result


def _used(percent: float, provisioned: int) -> DimensionUsage:
    consumed = percent * provisioned / 100.0
    return DimensionUsage(consumed, 0.0, WINDOW_MINUTES * 60, (consumed,) * WINDOW_MINUTES,
                          (0.0,) * WINDOW_MINUTES)


@dataclass
class FakeNotifier:
    events: list[tuple[str, str]] = field(default_factory=list)

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        self.events.append((event.kind, str(event.resource)))


@dataclass
class FakeBreaker:
    """Open for the resources in ``open_for``."""

    open_for: set[str] = field(default_factory=set)

    def check(self, targets: Sequence[tuple[str, float, ResourceId]]
              ) -> dict[ResourceId, tuple[bool, str]]:
        return {r: (str(r) in self.open_for, "http://breaker answered 503")
                for _, _, r in targets}


@dataclass
class FakeClock:
    """Time stands still until the Scheduler waits; a wait moves it on and ends the run
    after ``cycles`` cycles (or at once when ``stop`` is set)."""

    now_at: datetime = NOW
    cycles: int = 1
    stop: threading.Event = field(default_factory=threading.Event)
    waited: int = 0

    def now(self) -> datetime:
        return self.now_at

    def wait(self, seconds: float) -> bool:
        self.waited += 1
        self.now_at += timedelta(seconds=max(0.0, seconds))
        return self.stop.is_set() or self.waited >= self.cycles
