"""A FleetRunner on fakes, deterministic: each target's Scheduler runs on in-memory edges
(schedtools), target cycles run inline unless a test holds one back (then it finishes
when the test releases it), and time moves only when the dispatcher waits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dynamic_dynamodb.fleet.targets import Target
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.settings import Config

from .schedtools import NOW, FakeClock, FakeMetrics, FakeNotifier, FakeTables


class InlineExecutor(Executor):
    """Runs each target's cycle at once, in the dispatcher's thread, except the targets in
    ``held``: their futures stay pending until ``release``."""

    def __init__(self, held: Sequence[str] = ()) -> None:
        self.held = set(held)
        self.pending: dict[str, tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = {}
        self.workers: int | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        target = args[0].id
        if target in self.held:
            self.pending[target] = (future, fn, args)
            return future
        future.set_result(fn(*args))
        return future

    def release(self, target: str) -> None:
        self.held.discard(target)
        future, fn, args = self.pending.pop(target)
        future.set_result(fn(*args))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for future, _, _ in self.pending.values():
                future.cancel()


@dataclass
class TickClock:
    """Time that moves only when the dispatcher waits: each wait ends at the deadline
    asked for, after the ``actions`` scheduled for that wait (by its number) ran, or at
    once when its action returns True (a signal that woke it)."""

    stop: threading.Event
    monotonic_at: float = 1000.0
    waits: list[float] = field(default_factory=list)
    actions: dict[int, Callable[[], object]] = field(default_factory=dict)
    stop_after: int = 10

    def monotonic(self) -> float:
        return self.monotonic_at

    def now(self) -> datetime:
        return NOW + timedelta(seconds=self.monotonic_at - 1000.0)

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        action = self.actions.get(len(self.waits))
        # An action that returns True woke the wait early: time does not move.
        if not (action is not None and action()):
            self.monotonic_at += seconds
        if len(self.waits) >= self.stop_after:
            self.stop.set()
        return self.stop.is_set()


@dataclass
class Edges:
    """One target's fakes; ``build_error`` fails building its Scheduler."""

    tables: FakeTables
    metrics: FakeMetrics = field(default_factory=FakeMetrics)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    build_error: Exception | None = None
    built: int = 0


def builder(edges: dict[str, Edges], stop: threading.Event
            ) -> Callable[[Target, Callable[[], bool]], Scheduler]:
    def build(target: Target, may_act: Callable[[], bool]) -> Scheduler:
        mine = edges[target.id]
        mine.built += 1
        if mine.build_error is not None:
            raise mine.build_error
        return Scheduler(target.config, mine.tables, mine.metrics, mine.notifier,
                         FakeClock(), target=target.id, may_act=may_act, stop=stop)

    return build


class Reports:
    """A cycle hook that keeps what it is given."""

    def __init__(self, new_config: Callable[[int], Config | None] | None = None) -> None:
        self.reports: list[Any] = []
        self.before = 0
        self._new_config = new_config

    def before_cycle(self, config: Config) -> Config:
        self.before += 1
        changed = self._new_config(self.before) if self._new_config else None
        return changed or config

    def after_cycle(self, report: Any) -> None:
        self.reports.append(report)
