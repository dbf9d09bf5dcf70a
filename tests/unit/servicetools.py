"""Fake edges and a scripted clock for tests of Scheduler.run and the service wiring.

The Scheduler under test is the real one; only what it talks to is faked here (the
AWS path itself is covered by the integration tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

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
from dynamic_dynamodb.errors import AwsError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


class FakeTables:
    """Tables at 10/10 capacity; ``list_failures`` ListTables calls fail first."""

    def __init__(self, names: Sequence[str] = ("t-a", "t-b"), list_failures: int = 0,
                 on_list: Callable[[], None] = lambda: None) -> None:
        self.names = list(names)
        self.list_failures = list_failures
        self.on_list = on_list  # called as each cycle starts (ListTables is its first call)
        self.updates: list[str] = []

    def list_tables(self) -> list[str]:
        self.on_list()
        if self.list_failures:
            self.list_failures -= 1
            raise AwsError("ListTables: InternalServerError", "InternalServerError")
        return list(self.names)

    def describe(self, table: str) -> TableState:
        return TableState(ResourceState(ResourceId(table), "ACTIVE", 10, 10))

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        self.updates.append(table)

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        return set()


class FakeMetrics:
    """Every resource at 50 % of 10 units: within the default thresholds, no change."""

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        half = DimensionUsage(5.0, 0.0, 300)
        return {r.resource: Usage(half, half) for r in requests}


class Quiet:
    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        return None


class ScriptedClock:
    """Never sleeps. Each ``wait`` runs the next scripted step (send a signal, record
    something) and reports whether ``stop`` is set; with no step left it sets ``stop``."""

    def __init__(self, stop: threading.Event, steps: Sequence[Callable[[], None]] = ()) -> None:
        self.stop = stop
        self.steps = list(steps)
        self.waits: list[float] = []

    def now(self) -> datetime:
        return NOW

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if self.steps:
            self.steps.pop(0)()
        else:
            self.stop.set()
        return self.stop.is_set()
