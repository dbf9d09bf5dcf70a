"""Scheduler.run frames each cycle with its hooks: before_cycle (which may swap in a
new configuration), the cycle, after_cycle with the report, then the clock's wait."""

from __future__ import annotations

import logging
import threading

import pytest

from dynamic_dynamodb.loop import CycleReport, Scheduler
from dynamic_dynamodb.settings import Config, TablePolicy

from .servicetools import FakeMetrics, FakeTables, Quiet, ScriptedClock

CONFIG = Config(tables=(TablePolicy(key="^t-"),))


class Recorder:
    """A hook that writes down when it is called (and may hand back other configs)."""

    def __init__(self, name: str, events: list[str], configs: list[Config] | None = None,
                 fail: bool = False) -> None:
        self.name, self.events, self.configs, self.fail = name, events, configs or [], fail

    def before_cycle(self, config: Config) -> Config:
        self.events.append(f"{self.name}.before")
        if self.fail:
            raise RuntimeError("hook bug")
        return self.configs.pop(0) if self.configs else config

    def after_cycle(self, report: CycleReport) -> None:
        self.events.append(f"{self.name}.after:{'ok' if report.ok else 'failed'}")


def _run(events: list[str], hooks: list[Recorder], run_once: bool = False, waits: int = 1,
         list_failures: int = 0) -> tuple[Scheduler, CycleReport]:
    stop = threading.Event()
    tables = FakeTables(list_failures=list_failures, on_list=lambda: events.append("cycle"))

    def waited() -> None:
        events.append("wait")

    clock = ScriptedClock(stop, [waited] * waits)
    scheduler = Scheduler(CONFIG, tables, FakeMetrics(), Quiet(), clock, hooks=hooks,
                          observers=[lambda report: events.append("observer")], stop=stop)
    return scheduler, scheduler.run(run_once=run_once)


@pytest.mark.parametrize(
    ("run_once", "waits", "list_failures", "expected"),
    [
        (True, 0, 0,
         ["a.before", "b.before", "cycle", "a.after:ok", "b.after:ok", "observer"]),
        (False, 1, 0,
         ["a.before", "b.before", "cycle", "a.after:ok", "b.after:ok", "observer", "wait",
          "a.before", "b.before", "cycle", "a.after:ok", "b.after:ok", "observer"]),
        (False, 1, 1,
         ["a.before", "b.before", "cycle", "a.after:failed", "b.after:failed", "observer",
          "wait", "a.before", "b.before", "cycle", "a.after:ok", "b.after:ok", "observer"]),
    ],
    ids=["run-once", "two-cycles", "a-failed-cycle-is-reported-too"],
)
def test_hooks_frame_each_cycle_in_order(run_once: bool, waits: int, list_failures: int,
                                         expected: list[str]) -> None:
    events: list[str] = []
    hooks = [Recorder("a", events), Recorder("b", events)]

    _run(events, hooks, run_once=run_once, waits=waits, list_failures=list_failures)

    assert events == expected


def test_a_config_returned_by_before_cycle_is_swapped_in_for_that_cycle() -> None:
    events: list[str] = []
    other = Config(tables=(TablePolicy(key="^t-a$"),))
    hooks = [Recorder("reload", events, configs=[CONFIG, other])]

    scheduler, last = _run(events, hooks, waits=1)

    assert scheduler.config is other
    assert {o.resource.table for o in last.outcomes} == {"t-a"}  # t-b no longer matched


def test_a_hook_that_raises_is_logged_and_the_loop_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []
    hooks = [Recorder("broken", events, fail=True), Recorder("b", events)]

    with caplog.at_level(logging.ERROR, logger="dynamic_dynamodb"):
        _, last = _run(events, hooks, run_once=True)

    assert events[:3] == ["broken.before", "b.before", "cycle"] and last.ok
    assert any("cycle hook" in r.getMessage() and r.exc_info for r in caplog.records)
