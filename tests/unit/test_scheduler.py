"""The Scheduler with in-memory edges and a fake clock: what a cycle gathers, asks the
core, sends and reports, table by table (inputs apart from expectations)."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from dynamic_dynamodb.core.types import ResourceId, TableState
from dynamic_dynamodb.errors import AwsError, TableGone
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.report import CycleReport, Outcome
from dynamic_dynamodb.settings import (
    Config,
    DecreasePlan,
    GlobalConfig,
    GsiPolicy,
    TablePolicy,
)

from .schedtools import (
    NOW,
    FakeBreaker,
    FakeClock,
    FakeMetrics,
    FakeNotifier,
    FakeTables,
    Sent,
    rid,
    table,
)

# Defaults: upper 90 %, lower 30 %, +-50 %; decreases not paced, so only the fakes'
# DynamoDB and the core's guards decide whether one goes.
SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
BY_OWNER = GsiPolicy(key="^by_owner$", table_key="^t", decrease_plan=DecreasePlan(pacing=False))
TWO = [table("t1"), table("t2")]


@dataclass
class World:
    """A cycle's inputs: the tables and their use, the edges' faults, the settings."""

    tables: list[TableState] = field(default_factory=lambda: list(TWO))
    used: dict[str, tuple[float, float]] = field(default_factory=dict)
    sections: tuple[TablePolicy, ...] = (SECTION,)
    describe_errors: dict[str, AwsError] = field(default_factory=dict)
    update_error: AwsError | None = None
    refuse_decreases: bool = False
    managed: set[str] = field(default_factory=set)
    metrics_error: AwsError | None = None
    unknown: set[str] = field(default_factory=set)
    breaker_open: set[str] = field(default_factory=set)
    stop_after_first_update: bool = False
    dry_run: bool = False
    failures_before_error: int = 3
    cycles: int = 1
    # Tables deleted after the first cycle.
    deleted_after_first: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expect:
    """After the last cycle: one line per outcome (resource, reads and writes current
    -> target, their reason codes, applied), the failed tables, what metrics were asked
    for; over all cycles: what was sent and notified; and whose history is kept."""

    outcomes: tuple[str, ...]
    sent: tuple[Sent, ...] = ()
    failed: tuple[str, ...] = ()
    events: tuple[tuple[str, str], ...] = ()
    asked: tuple[str, ...] | None = None
    remembered: tuple[str, ...] | None = None


UNCHANGED = "r10->10 w10->10 within-thresholds/within-thresholds"
HOT = (95.0, 50.0)  # reads above the upper threshold: +50 %
COLD = (10.0, 50.0)  # reads below the lower threshold: -50 %
THROTTLED = AwsError("DescribeTable t2: ThrottlingException: slow down", "ThrottlingException")

CASES: list[tuple[str, World, Expect]] = [
    ("one-table-ok", World(tables=[table("t1")], used={"t1": HOT}),
     Expect(("t1 r10->15 w10->10 above-upper-threshold/within-thresholds applied",),
            sent=(("t1", (("t1", 15, 10),)),), events=(("scale-up", "t1"),),
            asked=("t1",))),
    ("describe-failure-isolates-its-table",
     World(used={"t1": HOT}, describe_errors={"t2": THROTTLED}),
     Expect(("t1 r10->15 w10->10 above-upper-threshold/within-thresholds applied",),
            sent=(("t1", (("t1", 15, 10),)),), failed=("t2",),
            events=(("scale-up", "t1"),), asked=("t1",))),
    ("table-deleted-mid-cycle-is-not-a-failure",
     World(describe_errors={"t2": TableGone("t2")}),
     Expect((f"t1 {UNCHANGED}",), asked=("t1",))),
    ("metrics-failure-unknown-no-decision",
     World(used={"t1": HOT, "t2": COLD},
           metrics_error=AwsError("GetMetricData: InternalServerError", "InternalServerError")),
     Expect(("t1 r10->10 w10->10 metrics-unknown/metrics-unknown",
             "t2 r10->10 w10->10 metrics-unknown/metrics-unknown"))),
    ("metrics-unknown-for-one-table", World(used={"t1": COLD, "t2": COLD}, unknown={"t1"}),
     Expect(("t1 r10->10 w10->10 metrics-unknown/metrics-unknown",
             "t2 r10->5 w10->10 below-lower-threshold/within-thresholds applied"),
            sent=(("t2", (("t2", 5, 10),)),), events=(("scale-down", "t2"),))),
    ("limit-exceeded-sends-the-increases-alone",
     World(tables=[table("t1", 10, 10, "by_owner")], sections=(
         dataclasses.replace(SECTION, gsis=(BY_OWNER,)),),
         used={"t1": (10.0, 95.0), "t1/by_owner": COLD}, refuse_decreases=True),
     Expect(("t1 r10->10 w10->15 decrease-refused/above-upper-threshold applied",
             "t1/by_owner r10->10 w10->10 decrease-refused/within-thresholds"),
            sent=(("t1", (("t1", 10, 15),)),), events=(("scale-up", "t1"),))),
    ("limit-exceeded-with-nothing-to-increase",
     World(tables=[table("t1")], used={"t1": COLD}, refuse_decreases=True),
     Expect(("t1 r10->10 w10->10 decrease-refused/within-thresholds",))),
    ("update-refused-otherwise-fails-the-table",
     World(used={"t1": HOT}, update_error=AwsError(
         "UpdateTable t1: ResourceInUseException: busy", "ResourceInUseException")),
     Expect((f"t2 {UNCHANGED}",), failed=("t1",), remembered=("t2",))),
    ("updating-table-skipped",
     World(tables=[table("t1", status="UPDATING")], used={"t1": HOT}),
     Expect(("t1 r10->10 w10->10 not-active/not-active",))),
    ("on-demand-table-skipped",
     World(tables=[table("t1", billing="PAY_PER_REQUEST"), table("t2")]),
     Expect((f"t2 {UNCHANGED}",), asked=("t2",))),
    ("aws-autoscaling-managed-held",
     World(used={"t1": HOT, "t2": HOT}, managed={"t1"}),
     Expect(("t1 r10->10 w10->10 aws-autoscaling/aws-autoscaling",
             "t2 r10->15 w10->10 above-upper-threshold/within-thresholds applied"),
            sent=(("t2", (("t2", 15, 10),)),), events=(("scale-up", "t2"),))),
    ("aws-autoscaling-ignored-when-asked",
     World(tables=[table("t1")], used={"t1": HOT}, managed={"t1"},
           sections=(dataclasses.replace(SECTION, ignore_aws_autoscaling=True),)),
     Expect(("t1 r10->15 w10->10 above-upper-threshold/within-thresholds applied",),
            sent=(("t1", (("t1", 15, 10),)),), events=(("scale-up", "t1"),))),
    ("gsi-sections",
     World(tables=[table("t1", 10, 10, "by_owner", "by_date")],
           sections=(dataclasses.replace(SECTION, gsis=(BY_OWNER,)),),
           used={"t1/by_owner": HOT, "t1/by_date": HOT}),
     Expect((f"t1 {UNCHANGED}",
             "t1/by_owner r10->15 w10->10 above-upper-threshold/within-thresholds applied"),
            sent=(("t1", (("t1/by_owner", 15, 10),)),), events=(("scale-up", "t1/by_owner"),),
            asked=("t1", "t1/by_owner"))),
    ("breaker-open-holds-decreases",
     World(tables=[table("t1")], used={"t1": (10.0, 95.0)}, breaker_open={"t1"},
           sections=(dataclasses.replace(SECTION, circuit_breaker_url="http://breaker"),)),
     Expect(("t1 r10->10 w10->15 breaker-open/above-upper-threshold applied",),
            sent=(("t1", (("t1", 10, 15),)),), events=(("scale-up", "t1"),))),
    ("stop-between-tables",
     World(used={"t1": HOT, "t2": HOT}, stop_after_first_update=True),
     Expect(("t1 r10->15 w10->10 above-upper-threshold/within-thresholds applied",),
            sent=(("t1", (("t1", 15, 10),)),), events=(("scale-up", "t1"),),
            remembered=("t1",))),
    ("failures-before-error-notifies-once",
     World(describe_errors={"t2": THROTTLED}, failures_before_error=2, cycles=3),
     Expect((f"t1 {UNCHANGED}",), failed=("t2",), events=(("error", "t2"),))),
    ("history-forgotten-for-deleted-tables",
     World(cycles=2, deleted_after_first=("t2",)),
     Expect((f"t1 {UNCHANGED}",), remembered=("t1",))),
    ("dry-run-sends-nothing",
     World(used={"t1": HOT, "t2": COLD}, dry_run=True),
     Expect(("t1 r10->15 w10->10 above-upper-threshold/within-thresholds",
             "t2 r10->5 w10->10 below-lower-threshold/within-thresholds"))),
]


def summary(outcome: Outcome) -> str:
    d = outcome.decision
    assert d is not None
    return (f"{outcome.resource} r{d.reads.current}->{d.reads.target} "
            f"w{d.writes.current}->{d.writes.target} {d.reads.reason.code}/"
            f"{d.writes.reason.code}{' applied' if outcome.applied else ''}")


def play(world: World) -> tuple[Scheduler, CycleReport, FakeTables, FakeMetrics, FakeNotifier]:
    stop = threading.Event()
    tables = FakeTables(list(world.tables), describe_errors=dict(world.describe_errors),
                        update_error=world.update_error,
                        refuse_decreases=world.refuse_decreases,
                        managed={rid(r) for r in world.managed},
                        on_update=stop.set if world.stop_after_first_update else None)
    metrics = FakeMetrics(used=dict(world.used), error=world.metrics_error,
                          unknown=set(world.unknown))
    notifier = FakeNotifier()
    clock = FakeClock()
    config = Config(global_=GlobalConfig(failures_before_error=world.failures_before_error,
                                         describe_concurrency=1),
                    tables=world.sections)
    scheduler = Scheduler(config, tables, metrics, notifier, clock,
                          breaker=FakeBreaker(set(world.breaker_open)), dry_run=world.dry_run,
                          stop=stop)
    report = scheduler.run_cycle()
    for _ in range(world.cycles - 1):
        tables.tables = [t for t in tables.tables if t.name not in world.deleted_after_first]
        clock.now_at += timedelta(minutes=5)
        report = scheduler.run_cycle()
    return scheduler, report, tables, metrics, notifier


@pytest.mark.parametrize("world,expect", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_cycle(world: World, expect: Expect) -> None:
    scheduler, report, tables, metrics, notifier = play(world)

    assert tuple(summary(o) for o in report.outcomes) == expect.outcomes
    assert tuple(tables.sent) == expect.sent
    assert tuple(sorted(report.failed_tables)) == expect.failed
    assert tuple(notifier.events) == expect.events
    if expect.asked is not None:
        assert tuple(metrics.asked) == expect.asked
    if expect.remembered is not None:
        assert tuple(sorted(str(r) for r in scheduler.history)) == expect.remembered
    assert all(o.decision and o.decision.reads.reason.message for o in report.outcomes)


# -- messages that depend on whether another cycle follows ---------------------------------
RUNS = [
    ("daemon-table", False, "t2: cycle failed (1 in a row), retrying next cycle: DescribeTable"),
    ("run-once-table", True, "t2: cycle failed: DescribeTable"),
]


@pytest.mark.parametrize("run_once,line", [r[1:] for r in RUNS], ids=[r[0] for r in RUNS])
def test_a_retry_is_promised_only_when_a_cycle_follows(
        run_once: bool, line: str, caplog: pytest.LogCaptureFixture) -> None:
    tables = FakeTables(list(TWO), describe_errors={"t2": THROTTLED})
    scheduler = Scheduler(Config(tables=(SECTION,)), tables, FakeMetrics(), FakeNotifier(),
                          FakeClock(cycles=1))

    with caplog.at_level(logging.ERROR, logger="dynamic_dynamodb"):
        scheduler.run(run_once=run_once)

    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert [m[:len(line)] for m in errors] == [line]


class _ListFails(FakeTables):
    def list_tables(self) -> list[str]:
        raise AwsError("ListTables: cannot reach AWS endpoint", "EndpointUnreachable")


@pytest.mark.parametrize("run_once,line", [
    (False, "cycle failed, retrying next cycle: ListTables: cannot reach AWS endpoint"),
    (True, "cycle failed: ListTables: cannot reach AWS endpoint"),
], ids=["daemon", "run-once"])
def test_a_failed_cycle_says_so_without_a_promise_it_cannot_keep(
        run_once: bool, line: str, caplog: pytest.LogCaptureFixture) -> None:
    scheduler = Scheduler(Config(tables=(SECTION,)), _ListFails([]), FakeMetrics(),
                          FakeNotifier(), FakeClock(cycles=1))

    with caplog.at_level(logging.ERROR, logger="dynamic_dynamodb"):
        report = scheduler.run(run_once=run_once)

    assert report is not None and report.error
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [line]


# -- Application Auto Scaling: read once an hour, warned about once ----------------------
# (id, minutes between cycles, tables per cycle, expected DescribeScalingPolicies calls)
REFRESHES = [
    ("cached-within-the-hour", 5, [["t1"], ["t1"], ["t1"]], 1),
    ("read-again-after-an-hour", 61, [["t1"], ["t1"], ["t1"]], 3),
    ("read-again-for-a-new-table", 5, [["t1"], ["t1", "t2"], ["t1", "t2"]], 2),
    ("not-again-when-a-table-goes", 5, [["t1", "t2"], ["t1"], ["t1"]], 1),
]


@pytest.mark.parametrize("step,names,calls", [r[1:] for r in REFRESHES],
                         ids=[r[0] for r in REFRESHES])
def test_autoscaling_policies_are_read_at_most_hourly(step: int, names: list[list[str]],
                                                      calls: int) -> None:
    tables = FakeTables([])
    clock = FakeClock()
    scheduler = Scheduler(Config(tables=(SECTION,)), tables, FakeMetrics(), FakeNotifier(),
                          clock)
    for cycle in names:
        tables.tables = [table(n) for n in cycle]
        scheduler.run_cycle()
        clock.now_at += timedelta(minutes=step)

    assert tables.autoscaling_calls == calls


def test_unreadable_autoscaling_is_warned_about_once_naming_its_variable(
        caplog: pytest.LogCaptureFixture) -> None:
    tables = FakeTables([table("t1")], managed={ResourceId("t1")}, autoscaling_error=AwsError(
        "DescribeScalingPolicies: cannot reach AWS endpoint", "EndpointUnreachable"))
    clock = FakeClock()
    scheduler = Scheduler(Config(tables=(SECTION,)), tables, FakeMetrics(used={"t1": HOT}),
                          FakeNotifier(), clock)

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        for _ in range(3):
            report = scheduler.run_cycle()
            clock.now_at += timedelta(hours=2)  # each cycle reads it again

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING" in warnings[0]
    assert tables.autoscaling_calls == 3
    # Unreadable means none: the table is managed as usual.
    assert [o.decision.reads.reason.code for o in report.outcomes if o.decision] == [
        "above-upper-threshold"]


def test_several_matching_sections_are_warned_about_once(
        caplog: pytest.LogCaptureFixture) -> None:
    sections = (dataclasses.replace(SECTION, gsis=(BY_OWNER, dataclasses.replace(
        BY_OWNER, key="^by_"))), TablePolicy(key="^t1$"))
    scheduler = Scheduler(Config(tables=sections), FakeTables([table("t1", 10, 10, "by_owner")]),
                          FakeMetrics(), FakeNotifier(), FakeClock())

    with caplog.at_level(logging.WARNING, logger="dynamic_dynamodb"):
        scheduler.run_cycle()
        scheduler.run_cycle()

    assert sorted(r.getMessage() for r in caplog.records) == [
        "GSI t1/by_owner matches several sections; using the first, [gsi: ^by_owner$]",
        "table t1 matches several sections; using the first, [table: ^t]",
    ]


def test_now_is_the_clocks() -> None:
    clock = FakeClock(now_at=NOW + timedelta(days=3))
    scheduler = Scheduler(Config(tables=(SECTION,)), FakeTables([table("t1")]), FakeMetrics(),
                          FakeNotifier(), clock)

    assert scheduler.run_cycle().started == NOW + timedelta(days=3)
