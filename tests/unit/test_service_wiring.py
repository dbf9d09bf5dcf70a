"""service/wiring.py: one service, built in order and run. The Scheduler is real, its
edges fake (servicetools), systemd a recording notifier, and the clock never sleeps:
its steps send real signals to this process, as kill would."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence

import pytest

from dynamic_dynamodb.backend import Clock
from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.loop import CycleHooks, CycleReport, Scheduler
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.service.options import ServiceOptions
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.service.wiring import SchedulerFactory, Service, build_service
from dynamic_dynamodb.settings import Config, TablePolicy

from .servicetools import FakeMetrics, FakeTables, Quiet, ScriptedClock

OLD = Config(tables=(TablePolicy(key="^t-"),), source="old.conf")
NEW = Config(tables=(TablePolicy(key="^(t|x)-"),), source="new.conf")


class RecordingNotifier(SystemdNotifier):
    """systemd's side, written down (no watchdog: WATCHDOG_USEC is not set)."""

    def __init__(self) -> None:
        super().__init__({})
        self.sent: list[str] = []

    def send(self, *fields: str) -> bool:
        self.sent.append("\n".join(f for f in fields if not f.startswith("MONOTONIC_USEC=")))
        return True


def _kill(signum: signal.Signals) -> Callable[[], None]:
    return lambda: os.kill(os.getpid(), signum)


def _factory(tables: FakeTables, steps: Sequence[Callable[[], None]]) -> SchedulerFactory:
    def build(config: Config, *, stop: threading.Event, clock: Clock,
              hooks: Sequence[CycleHooks]) -> Scheduler:
        return Scheduler(config, tables, FakeMetrics(), Quiet(), ScriptedClock(stop, steps),
                         hooks=hooks, stop=stop)

    return build


class Run:
    """One service run, and what everybody saw."""

    def __init__(self, load: Callable[[], Config] | None, steps: Sequence[Callable[[], None]],
                 run_once: bool = False) -> None:
        self.seen: list[tuple[str, bool]] = []  # (event, heartbeat busy then)
        self.ready: list[tuple[CycleReport, str]] = []
        self.logging: list[Config] = []
        self.notifier = RecordingNotifier()
        tables = FakeTables(["t-a", "x-b"], on_list=lambda: self.note("cycle"))

        def load_config() -> Config:
            self.note("reload")
            assert load is not None
            return load()

        self.service: Service = build_service(
            OLD, ServiceOptions(run_once=run_once),
            load_config=None if load is None else load_config,
            on_ready=lambda report, status: self.ready.append((report, status)),
            notifier=self.notifier, reconfigure_logging=self.logging.append,
            scheduler_factory=_factory(tables, [self.sleeping(step) for step in steps]))
        self.last = self.service.run()

    def sleeping(self, step: Callable[[], None]) -> Callable[[], None]:
        def wait() -> None:
            self.note("sleep")
            step()

        return wait

    def note(self, event: str) -> None:
        self.seen.append((event, self.service.watchdog.heartbeat.in_cycle))


def test_a_sighup_while_sleeping_is_served_before_the_next_cycle() -> None:
    hup_before = signal.getsignal(signal.SIGHUP)

    run = Run(lambda: NEW, [_kill(signal.SIGHUP), _kill(signal.SIGTERM)])

    # The heartbeat is busy from before a cycle (its reload included) to after it.
    assert run.seen == [("cycle", True), ("sleep", False), ("reload", True), ("cycle", True),
                        ("sleep", False)]
    assert run.service.scheduler.config is NEW and run.logging == [NEW]
    assert {o.resource.table for o in run.last.outcomes} == {"t-a", "x-b"}
    assert run.notifier.sent == [
        "READY=1\nSTATUS=cycle 1: 1 table, 0 changes",
        "RELOADING=1", "READY=1",
        "STATUS=cycle 2: 2 tables, 0 changes",
        "STOPPING=1",
    ]
    assert [status for _, status in run.ready] == ["cycle 1: 1 table, 0 changes"]
    assert run.service.signals.received == "SIGTERM"
    assert signal.getsignal(signal.SIGHUP) is hup_before  # handlers restored


def test_an_invalid_configuration_on_sighup_keeps_the_running_one(
        caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Config:
        raise ConfigError("writes-upper-threshold = 'lots': expected a number")

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        run = Run(broken, [_kill(signal.SIGHUP), _kill(signal.SIGTERM)])

    assert run.service.scheduler.config is OLD and run.logging == []
    assert {o.resource.table for o in run.last.outcomes} == {"t-a"}
    assert "configuration reload rejected; keeping the running configuration" in caplog.text
    assert "RELOADING=1" in run.notifier.sent and run.notifier.sent[-1] == "STOPPING=1"


def test_run_once_is_one_cycle_without_reload_or_stopping() -> None:
    run = Run(lambda: NEW, [], run_once=True)

    assert not run.service.reloads
    assert run.seen == [("cycle", True)]
    assert run.notifier.sent == ["READY=1\nSTATUS=cycle 1: 1 table, 0 changes"]
    assert len(run.ready) == 1 and run.ready[0][0] is run.last and run.last.ok


def test_building_and_running_leave_the_process_garbage_collector_alone() -> None:
    """gc.freeze and the thresholds belong to the daemon's process (wiring.serve), not
    to status, tests or library callers of build_scheduler / build_service."""
    before = (gc.get_freeze_count(), gc.get_threshold())

    build_scheduler(OLD)  # the real edges: boto3 clients (no call is made)
    Run(lambda: NEW, [], run_once=True)

    assert (gc.get_freeze_count(), gc.get_threshold()) == before
