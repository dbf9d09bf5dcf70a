"""service/wiring.py with [account: NAME] sections (or a coordinator): a FleetRunner in
the Scheduler's place, with the service's hooks (reload on SIGHUP, readiness, systemd)
and its own heartbeat. Targets on fake edges; real signals to this process."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence

import pytest

from dynamic_dynamodb.backend import Clock
from dynamic_dynamodb.fleet.coordinator import Coordinator
from dynamic_dynamodb.fleet.runner import FleetRunner
from dynamic_dynamodb.fleet.targets import plan_targets
from dynamic_dynamodb.loop import CycleHooks, Scheduler
from dynamic_dynamodb.service.options import ServiceOptions
from dynamic_dynamodb.service.watchdog import Heartbeat
from dynamic_dynamodb.service.wiring import build_service
from dynamic_dynamodb.settings import AccountConfig, Config, GlobalConfig, TablePolicy

from .fleettools import Edges, InlineExecutor, TickClock, builder
from .schedtools import FakeTables, table
from .test_service_wiring import RecordingNotifier

ACCOUNTS = (AccountConfig(name="a", regions=("eu-west-1", "us-east-1")),)
OLD = Config(global_=GlobalConfig(check_interval=60), tables=(TablePolicy(key="^t-"),),
             accounts=ACCOUNTS, source="old.conf")
NEW = Config(global_=GlobalConfig(check_interval=60), tables=(TablePolicy(key="^(t|x)-"),),
             accounts=ACCOUNTS, source="new.conf")
IDS = ["a/eu-west-1", "a/us-east-1"]


class Fleet:
    """One service run over targets a/eu-west-1 and a/us-east-1; ``steps`` run at the
    dispatcher's waits (then it stops)."""

    def __init__(self, steps: Sequence[Callable[[], object]], load: Config | None = None,
                 coordinator: Coordinator | None = None, config: Config = OLD,
                 run_once: bool = False) -> None:
        self.notifier = RecordingNotifier()
        self.edges = {target.id: Edges(FakeTables([table("t-a"), table("x-b")]))
                      for target in plan_targets(config, lambda _: "eu-west-1")}
        self.heartbeats: list[Heartbeat] = []
        self.steps = list(steps)
        self.ready: list[str] = []

        def fleet(config: Config, *, stop: threading.Event, wake: threading.Event,
                  clock: Clock, hooks: Sequence[CycleHooks],
                  coordinator: Coordinator | None, heartbeat: Heartbeat) -> FleetRunner:
            self.hooks = list(hooks)
            self.heartbeats.append(heartbeat)
            ticks = TickClock(stop, stop_after=len(self.steps) + 1,
                              actions={n + 1: step for n, step in enumerate(self.steps)})
            self.clock = ticks
            return FleetRunner(config, plan_targets(config, lambda _: "eu-west-1"),
                               builder(self.edges, stop), stop=stop, wake=wake, clock=ticks,
                               hooks=hooks, coordinator=coordinator, heartbeat=heartbeat,
                               executor=lambda _: InlineExecutor(),
                               monotonic=ticks.monotonic)

        def never(config: Config, **_: object) -> Scheduler:
            raise AssertionError("a fleet is not one Scheduler")

        self.service = build_service(
            config, ServiceOptions(run_once=run_once),
            load_config=(lambda: load) if load is not None else None,
            on_ready=lambda report, status: self.ready.append(status),
            notifier=self.notifier, reconfigure_logging=lambda _: None,
            scheduler_factory=never, fleet_factory=fleet, coordinator=coordinator)
        self.last = self.service.run()


def _kill(signum: signal.Signals) -> Callable[[], None]:
    return lambda: os.kill(os.getpid(), signum)


def test_a_fleet_reloads_on_sighup_is_ready_after_its_first_cycle_and_stops(caplog):
    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        run = Fleet([_kill(signal.SIGHUP), _kill(signal.SIGTERM)], load=NEW)

    runner = run.service.scheduler
    assert isinstance(runner, FleetRunner) and runner.config is NEW
    # Before the reload only t-a matched, after it x-b as well, in both targets.
    assert sorted(run.last.parts) == IDS
    assert {o.resource.table for o in run.last.parts["a/us-east-1"].outcomes} == {"t-a", "x-b"}
    assert run.notifier.sent == [
        "READY=1\nSTATUS=cycle 1: 2 targets, 2 tables, 0 changes",
        "RELOADING=1", "READY=1",
        "STATUS=cycle 2: 2 targets, 4 tables, 0 changes",
        "STOPPING=1",
    ]
    assert run.ready == ["cycle 1: 2 targets, 2 tables, 0 changes"]
    # The heartbeat is the runner's, not a hook; idle once everything is done.
    assert run.heartbeats[0] not in run.hooks and not run.heartbeats[0].in_cycle
    assert "dynamic-dynamodb started: 1 table section, 2 targets (a/eu-west-1, " \
           "a/us-east-1), check interval 60 s" in caplog.text
    assert "[a/eu-west-1] t-a: reads 10" in caplog.text


def test_a_sighup_wakes_the_fleet_and_is_served_at_once():
    def hup_now() -> bool:
        os.kill(os.getpid(), signal.SIGHUP)
        return True  # the signal ended the wait: no time passed

    run = Fleet([hup_now, _kill(signal.SIGTERM)], load=NEW)

    clock_waits = run.clock.waits
    assert clock_waits[0] == 60  # the wait the SIGHUP interrupted
    assert run.clock.monotonic_at == 1000 + 60  # the reload's tick came at once, at 1000
    assert "RELOADING=1" in run.notifier.sent
    assert {o.resource.table for o in run.last.parts["a/eu-west-1"].outcomes} == {"t-a", "x-b"}


def test_run_once_serves_every_target_once_and_reports_them_all():
    run = Fleet([], run_once=True)

    assert sorted(run.last.parts) == IDS and run.last.ok
    assert run.notifier.sent == ["READY=1\nSTATUS=cycle 1: 2 targets, 2 tables, 0 changes"]


class OnlyEu:
    def owned(self, targets):
        return {t for t in targets if t.endswith("eu-west-1")}

    def may_act(self, target):
        return True


def test_a_coordinator_makes_even_one_target_a_fleet():
    one = Config(global_=GlobalConfig(region="eu-west-1"), tables=(TablePolicy(key="^t-"),))

    class One(Fleet):
        pass

    with pytest.raises(AssertionError, match="a fleet is not one Scheduler"):
        Fleet([], config=one, run_once=True)  # no coordinator: the one Scheduler

    run = One([], config=one, coordinator=OnlyEu(), run_once=True)

    assert list(run.last.parts) == ["default/eu-west-1"] and run.last.ok
    assert [o.resource.table for o in run.last.outcomes] == ["t-a"]
