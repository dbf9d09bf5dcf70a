"""The Scheduler applies core/polling's rules: quiet tables rest until their slow check
(and are back every cycle once they are not calm), held DescribeTable answers serve
until due, a change is decided again on a fresh answer, and series nobody needs are not
asked for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import ResourceId, TableState, Usage
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.report import CycleReport
from dynamic_dynamodb.settings import Config, DimensionPolicy, GlobalConfig, TablePolicy

from .schedtools import NOW, FakeMetrics, FakeNotifier, FakeTables, table


@dataclass
class CountingTables(FakeTables):
    described: list[str] = field(default_factory=list)

    def describe(self, name: str) -> TableState:
        self.described.append(name)
        return super().describe(name)


@dataclass
class RecordingMetrics(FakeMetrics):
    requests: list[MetricRequest] = field(default_factory=list)

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        self.requests = list(requests)
        return super().read(requests, now)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at

    def wait(self, seconds: float) -> bool:
        return True


def build(tables: CountingTables, metrics: FakeMetrics, *, slow: int = 300,
          max_age: int = 900, policy: TablePolicy | None = None) -> tuple[Scheduler, Clock]:
    clock = Clock()
    config = Config(global_=GlobalConfig(check_interval=60, slow_check_interval=slow,
                                         description_max_age=max_age),
                    tables=(policy or TablePolicy(key=".*"),))
    return Scheduler(config, tables, metrics, FakeNotifier(), clock), clock


def cycles(sched: Scheduler, clock: Clock, count: int) -> list[CycleReport]:
    reports = []
    for _ in range(count):
        reports.append(sched.run_cycle())
        clock.at += timedelta(seconds=60)
    return reports


def test_a_quiet_table_rests_until_its_slow_check() -> None:
    tables = CountingTables([table("idle", 1, 1), table("busy")])
    metrics = RecordingMetrics(used={"idle": (10.0, 10.0)}, provisioned={"idle": (1, 1)})
    sched, clock = build(tables, metrics)

    asked = []
    for _ in range(7):
        metrics.requests = []
        (report,) = cycles(sched, clock, 1)
        asked.append(sorted({str(r.resource) for r in metrics.requests}))
        assert report.ok, report.problems()

    # At its floor and calm: checked in cycle 1, then every 5th cycle (300 s / 60 s).
    assert asked == [["busy", "idle"], ["busy"], ["busy"], ["busy"], ["busy"],
                     ["busy", "idle"], ["busy"]]
    rested = next(o for o in report.outcomes if o.resource.table == "idle")
    assert rested.decision is not None and rested.decision.reads.reason.code == "slow-check"
    assert "next in" in rested.decision.reads.reason.message


def test_high_use_at_a_slow_check_puts_it_back_every_cycle() -> None:
    tables = CountingTables([table("idle", 1, 1)])
    metrics = RecordingMetrics(used={"idle": (10.0, 10.0)}, provisioned={"idle": (1, 1)})
    sched, clock = build(tables, metrics)
    cycles(sched, clock, 5)  # checked in 1, resting in 2..5

    metrics.used["idle"] = (95.0, 10.0)  # its next check (cycle 6) sees it busy
    metrics.requests = []
    reports = cycles(sched, clock, 1)
    assert [str(r.resource) for r in metrics.requests] == ["idle"]
    assert tables.sent and tables.sent[-1][0] == "idle"  # increased at once
    metrics.requests = []
    cycles(sched, clock, 1)
    assert [str(r.resource) for r in metrics.requests] == ["idle"]  # and watched every cycle
    assert reports[0].resting == 0


def test_slow_checks_off_checks_every_table_every_cycle() -> None:
    tables = CountingTables([table("idle", 1, 1)])
    metrics = RecordingMetrics(used={"idle": (10.0, 10.0)}, provisioned={"idle": (1, 1)})
    sched, clock = build(tables, metrics, slow=0)

    assert all(r.resting == 0 for r in cycles(sched, clock, 4))


def test_held_answers_serve_until_due_and_a_change_is_decided_on_a_fresh_one() -> None:
    tables = CountingTables([table("a"), table("b")])
    metrics = RecordingMetrics()
    sched, clock = build(tables, metrics, slow=0)

    cycles(sched, clock, 3)
    assert sorted(tables.described) == ["a", "b"]  # once each

    # Someone raised b to 40 behind our back; on the held answer (10 at 95 %) the
    # decision would raise it: b is described again first, and decided on 40.
    tables.tables[1] = table("b", 40, 10)
    tables.described.clear()
    metrics.used["b"] = (95.0, 50.0)  # of the 10 units the held answer says
    report = cycles(sched, clock, 1)[0]
    assert tables.described == ["b"]
    outcome = next(o for o in report.outcomes if o.resource.table == "b")
    assert outcome.state is not None and outcome.state.reads == 40
    assert (report.described, report.held) == (1, 1)


def test_every_answer_is_renewed_before_the_max_age() -> None:
    tables = CountingTables([table(f"t{i}") for i in range(30)])
    sched, clock = build(tables, RecordingMetrics(), slow=0, max_age=600)

    cycles(sched, clock, 25)

    counts = {name: tables.described.count(name) for name in {t.name for t in tables.tables}}
    # 25 minutes, answers renewed within 9 minutes: each table described 3 or 4 times,
    # spread (floor(30 x 60 / 600) = 3 early renewals a cycle) rather than all at once.
    assert set(counts.values()) <= {3, 4}, counts


def test_an_unscaled_dimension_asks_for_no_series() -> None:
    tables = CountingTables([table("a")])
    metrics = RecordingMetrics()
    policy = TablePolicy(key=".*", writes=DimensionPolicy(enabled=False))
    sched, clock = build(tables, metrics, slow=0, policy=policy)

    report = cycles(sched, clock, 1)[0]

    (request,) = metrics.requests
    assert request.series is not None and {d.value for d, _ in request.series} == {"reads"}
    assert report.metrics_requested == 2
    assert report.monthly_metrics == 2 * 43_200 + 2 * 8_640  # provisioned once per 5 min
