"""What a cycle reports besides decisions: the matched tables and GSIs that got none
(and why), a stop honoured between steps, and an UpdateTable of unknown outcome checked
against the next cycle's DescribeTable. In-memory edges, a fake clock."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.scope import Scope
from dynamic_dynamodb.core.types import Decision, ResourceId, TableState, Usage
from dynamic_dynamodb.errors import AwsError, BadAnswer, Stopped, UpdateUnconfirmed
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.report import CycleReport, NoDecision, run_once_failed
from dynamic_dynamodb.settings import (
    Config,
    DecreasePlan,
    GlobalConfig,
    GsiPolicy,
    TablePolicy,
)

from .schedtools import FakeClock, FakeMetrics, FakeNotifier, FakeTables, table

SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
HOT = (95.0, 50.0)  # reads above the upper threshold: 10 -> 15


def scheduler(tables: FakeTables, metrics: FakeMetrics | None = None,
              sections: tuple[TablePolicy, ...] = (SECTION,), failures_before_error: int = 3,
              stop: threading.Event | None = None,
              notifier: FakeNotifier | None = None) -> Scheduler:
    config = Config(global_=GlobalConfig(describe_concurrency=1,
                                         failures_before_error=failures_before_error),
                    tables=sections)
    return Scheduler(config, tables, metrics or FakeMetrics(), notifier or FakeNotifier(),
                     FakeClock(), stop=stop)


def undecided(report: CycleReport) -> list[str]:
    return [f"{entry.subject or '*'} {entry.code}" for entry in report.no_decisions]


# -- no decision: recorded, and the report is not ok ----------------------------------------
@dataclass
class Case:
    tables: list[TableState] = field(default_factory=lambda: [table("t1"), table("t2")])
    sections: tuple[TablePolicy, ...] = (SECTION,)
    unknown: set[str] = field(default_factory=set)
    metrics_error: AwsError | None = None
    describe_errors: dict[str, AwsError] = field(default_factory=dict)


NO_DECISIONS = [
    ("every-table-decided", Case(), [], True),
    ("metrics-unknown-for-one-table", Case(unknown={"t2"}), ["t2 metrics-unknown"], False),
    ("metrics-call-failed", Case(metrics_error=AwsError("GetMetricData: 500", "InternalError")),
     ["t1 metrics-unknown", "t2 metrics-unknown"], False),
    ("regex-matches-nothing", Case(sections=(TablePolicy(key="^orders$"),)), ["* no-match"],
     False),
    ("no-table-at-all", Case(tables=[]), ["* no-match"], False),
    # A failed table is in failed_tables (no NoDecision twice): still not ok.
    ("bad-answer-for-one-table",
     Case(describe_errors={"t1": BadAnswer("DescribeTable t1: the answer has no Table")}), [],
     False),
    ("on-demand-is-a-decision", Case(tables=[table("t1", billing="PAY_PER_REQUEST")]), [], True),
]


@pytest.mark.parametrize("case,expected,ok", [c[1:] for c in NO_DECISIONS],
                         ids=[c[0] for c in NO_DECISIONS])
def test_no_decision_is_an_outcome(case: Case, expected: list[str], ok: bool) -> None:
    tables = FakeTables(case.tables, describe_errors=dict(case.describe_errors))
    metrics = FakeMetrics(unknown=set(case.unknown), error=case.metrics_error)

    report = scheduler(tables, metrics, case.sections).run_cycle()

    assert undecided(report) == expected
    assert report.ok is ok
    assert bool(report.problems()) is (not ok)


def test_no_match_names_the_regexes(caplog: pytest.LogCaptureFixture) -> None:
    sections = (TablePolicy(key="^orders$"), TablePolicy(key="^users-.*"))
    with caplog.at_level(logging.WARNING, logger="dynamic_dynamodb"):
        report = scheduler(FakeTables([table("t1")]), sections=sections).run_cycle()

    message = "no table matches the configured table names (^orders$, ^users-.*); " \
              "ListTables returned 1 table"
    assert [r.getMessage() for r in caplog.records] == [message]
    assert run_once_failed(report) == f"not every matched table got a decision: {message}"


def test_a_skip_other_than_on_demand_is_no_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reason to skip a table that is not a decision in itself (the facts check's, for
    one) counts as no decision without the loop knowing its code."""
    from dynamic_dynamodb import loop
    from dynamic_dynamodb.core.types import Reason

    monkeypatch.setattr(loop, "scope", lambda state, policy: Scope(
        skipped=Reason("unusable-facts", "skipped: no ProvisionedThroughput")))

    report = scheduler(FakeTables([table("t1")])).run_cycle()

    assert report.no_decisions == [NoDecision("t1", "unusable-facts",
                                              "skipped: no ProvisionedThroughput")]


def test_any_code_can_record_a_no_decision_once_per_subject() -> None:
    report = CycleReport(started=datetime(2026, 1, 1, tzinfo=timezone.utc))
    report.no_decision(ResourceId("t1", "gsi"), "metrics-unknown", "first")
    report.no_decision("t1/gsi", "stopped", "second")

    assert report.no_decisions == [NoDecision("t1/gsi", "metrics-unknown", "first")]
    assert not report.ok


# -- a stop request: honoured between steps; the rest gets no decision ---------------------
class StoppingTables(FakeTables):
    """Sets ``stop`` when ``when`` is called, as a SIGTERM landing during that call would;
    the edges raise Stopped on their next call (as aws/paging.py does)."""

    def __init__(self, tables: list[TableState], stop: threading.Event, when: str) -> None:
        super().__init__(tables)
        self.stop, self.when = stop, when

    def list_tables(self) -> list[str]:
        self._maybe("list_tables")
        return super().list_tables()

    def describe(self, name: str) -> TableState:
        if self.stop.is_set():
            raise Stopped(f"DescribeTable {name}: not sent, stop requested")
        self._maybe("describe")
        return super().describe(name)

    def update(self, name: str, decisions: Sequence[Decision]) -> None:
        super().update(name, decisions)
        self._maybe("update")

    def _maybe(self, call: str) -> None:
        if call == self.when:
            self.stop.set()


@dataclass
class StoppingMetrics(FakeMetrics):
    stop: threading.Event = field(default_factory=threading.Event)

    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        self.stop.set()
        raise Stopped("GetMetricData page 2: not sent, stop requested")


STOPS = [
    # (id, where the stop lands, tables sent an update, no decision)
    ("during-list-tables", "list_tables", [], ["t1 stopped", "t2 stopped"]),
    ("during-the-first-describe", "describe", [], ["t1 stopped", "t2 stopped"]),
    ("during-the-metrics", "metrics", [], ["t1 stopped", "t2 stopped"]),
    ("during-the-first-update", "update", ["t1"], ["t2 stopped"]),
]


@pytest.mark.parametrize("when,sent,expected", [s[1:] for s in STOPS],
                         ids=[s[0] for s in STOPS])
def test_a_stop_ends_the_cycle_between_steps(when: str, sent: list[str], expected: list[str],
                                             caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    tables = StoppingTables([table("t1"), table("t2")], stop, when)
    metrics = StoppingMetrics(used={"t1": HOT, "t2": HOT}, stop=stop) if when == "metrics" \
        else FakeMetrics(used={"t1": HOT, "t2": HOT})

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        report = scheduler(tables, metrics, stop=stop).run_cycle()

    assert [name for name, _ in tables.sent] == sent
    assert undecided(report) == expected
    assert report.stopped and not report.ok and not report.failed_tables
    assert "stop requested: leaving the remaining tables for the next run" in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


# -- an UpdateTable of unknown outcome ------------------------------------------------------
class UnconfirmedOnce(FakeTables):
    """The first UpdateTable raises UpdateUnconfirmed; ``applied`` says whether DynamoDB
    applied it anyway (the next DescribeTable shows it), ``status`` what it shows then."""

    def __init__(self, tables: list[TableState], applied: bool, status: str = "ACTIVE") -> None:
        super().__init__(tables)
        self.applied, self.status, self.calls = applied, status, 0

    def update(self, name: str, decisions: Sequence[Decision]) -> None:
        self.calls += 1
        if self.calls > 1:
            return super().update(name, decisions)
        if self.applied:
            self.tables = [_capacity(t, decisions, self.status) if t.name == name else t
                           for t in self.tables]
        elif self.status != "ACTIVE":
            self.tables = [_status(t, self.status) if t.name == name else t
                           for t in self.tables]
        raise UpdateUnconfirmed(f"UpdateTable {name}: timed out (Read timeout)")


def _status(state: TableState, status: str) -> TableState:
    return dataclasses.replace(state, table=dataclasses.replace(state.table, status=status))


def _capacity(state: TableState, decisions: Sequence[Decision], status: str) -> TableState:
    d = decisions[0]
    return dataclasses.replace(state, table=dataclasses.replace(
        state.table, reads=d.reads.target, writes=d.writes.target, status=status))


@dataclass(frozen=True)
class Next:
    """After cycle 1's unknown outcome: what cycle 2 logs, whether t1 failed in it,
    whether t1 is still waiting for confirmation, and the events over both cycles (none
    for the unknown outcome itself)."""

    logged: str
    failed: bool
    pending: bool
    events: tuple[tuple[str, str], ...] = ()


UNCONFIRMED = [
    ("applied", True, "ACTIVE",
     Next("t1: the unconfirmed UpdateTable of an earlier cycle was applied (t1 reads 15, "
          "writes 10)", failed=False, pending=False)),
    ("not-applied", False, "ACTIVE",
     Next("t1: cycle failed (1 in a row), retrying next cycle: the UpdateTable of an earlier "
          "cycle was not applied (its outcome was unknown: UpdateTable t1: timed out (Read "
          "timeout)); DescribeTable shows t1 reads 10, writes 10", failed=True,
          pending=False, events=(("scale-up", "t1"),))),  # the retry went through
    ("still-updating", False, "UPDATING",
     Next("t1: reads 10 (95.0 % used) unchanged: status UPDATING", failed=False,
          pending=True)),
]


@pytest.mark.parametrize("applied,status,expect", [u[1:] for u in UNCONFIRMED],
                         ids=[u[0] for u in UNCONFIRMED])
def test_an_unconfirmed_update_is_checked_by_the_next_cycles_describe(
        applied: bool, status: str, expect: Next, caplog: pytest.LogCaptureFixture) -> None:
    tables = UnconfirmedOnce([table("t1")], applied, status)
    notifier = FakeNotifier()
    metrics = FakeMetrics(used={"t1": HOT})
    run = scheduler(tables, metrics, notifier=notifier)

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        first = run.run_cycle()
        first_log = caplog.text
        caplog.clear()
        second = run.run_cycle()

    # Cycle 1: a warning, not an error; no scale event, no error notice; not a failure.
    outcome = first.outcomes[0]
    assert outcome.unconfirmed and not outcome.applied
    assert "[unconfirmed: UpdateTable t1: timed out (Read timeout); DescribeTable tells " \
           "next cycle]" in first_log
    assert "ERROR" not in first_log and first.ok and run.failures == {}
    # Cycle 2: DescribeTable tells.
    assert expect.logged in caplog.text
    assert ("t1" in second.failed_tables) is expect.failed
    assert ("t1" in run.unconfirmed) is expect.pending
    assert tuple(notifier.events) == expect.events


def test_an_unconfirmed_update_of_a_table_and_its_gsi_is_checked_as_one() -> None:
    """Regression (found by benchmarks/soak.py): the table and its GSI in one update."""
    section = dataclasses.replace(SECTION, gsis=(GsiPolicy(
        key="^by_owner$", table_key="^t", decrease_plan=DecreasePlan(pacing=False)),))
    tables = AlwaysUnconfirmed([table("t1", 10, 10, "by_owner")])
    run = scheduler(tables, FakeMetrics(used={"t1": HOT, "t1/by_owner": HOT}),
                    sections=(section,))
    run.run_cycle()
    assert set(run.unconfirmed["t1"].targets) == {ResourceId("t1"), ResourceId("t1", "by_owner")}

    second = run.run_cycle()

    assert second.failed_tables == {"t1": "the UpdateTable of an earlier cycle was not applied "
                                          "(its outcome was unknown: UpdateTable t1: timed "
                                          "out); DescribeTable shows t1 reads 10, writes 10, "
                                          "t1/by_owner reads 10, writes 10"}


def test_an_unconfirmed_update_that_was_not_applied_counts_until_one_is_confirmed() -> None:
    """Timeouts that never apply keep the failure count going (an error notice after
    failures-before-error), however many decisions went out meanwhile."""
    notifier = FakeNotifier()
    tables = AlwaysUnconfirmed([table("t1")])
    run = scheduler(tables, FakeMetrics(used={"t1": HOT}), failures_before_error=2,
                    notifier=notifier)

    for _ in range(3):
        run.run_cycle()

    assert run.failures == {"t1": 2}
    assert notifier.events == [("error", "t1")]


class AlwaysUnconfirmed(FakeTables):
    def update(self, name: str, decisions: Sequence[Decision]) -> None:
        raise UpdateUnconfirmed(f"UpdateTable {name}: timed out")


def test_a_table_that_goes_forgets_its_unconfirmed_update() -> None:
    tables = AlwaysUnconfirmed([table("t1")])
    run = scheduler(tables, FakeMetrics(used={"t1": HOT}))
    run.run_cycle()
    assert set(run.unconfirmed) == {"t1"}

    tables.tables = []
    run.run_cycle()

    assert run.unconfirmed == {}

