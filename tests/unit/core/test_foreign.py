"""Changes this process did not make: core/foreign.py's rule, and the Scheduler's
warning (once per table per hour, not with a lease table, not for AAS-managed tables)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from dynamic_dynamodb.core.foreign import Expectation, expect, unexplained_change
from dynamic_dynamodb.core.types import (
    Decision,
    DimensionDecision,
    Reason,
    ResourceHistory,
    ResourceId,
    ResourceState,
)
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.settings import Config, DecreasePlan, GlobalConfig, TablePolicy

from ..schedtools import NOW, FakeClock, FakeMetrics, FakeNotifier, FakeTables, table

T = ResourceId("orders")
EARLIER = NOW - timedelta(hours=3)
WHY = Reason("x", "x")
MAX_AGE = timedelta(minutes=15)


def state(reads: int = 10, writes: int = 10, status: str = "ACTIVE",
          increased: datetime | None = EARLIER,
          decreased: datetime | None = None) -> ResourceState:
    return ResourceState(T, status, reads, writes, 0, decreased, increased)


def sent(reads: int, writes: int, base: ResourceState | None = None) -> Decision:
    base = base or state()
    return Decision(T, DimensionDecision(base.reads, reads, WHY),
                    DimensionDecision(base.writes, writes, WHY), ResourceHistory())


@dataclass(frozen=True)
class Case:
    before: ResourceState | None     # the last check's state (None: never checked)
    sent: Decision | None            # what this process sent then
    now: ResourceState               # this check's state
    says: str | None                 # part of the message, or None: nothing to say
    age: timedelta = timedelta(minutes=5)


CASES = {
    "nothing changed": Case(state(), None, state(), None),
    "capacity changed, nothing sent": Case(state(), None, state(15), "capacity is 15 reads"),
    "increase timestamp moved, capacity back as it was": Case(
        state(), None, state(increased=NOW - timedelta(minutes=1)), "it was increased at"),
    "decrease timestamp moved": Case(
        state(), None, state(decreased=NOW - timedelta(minutes=1)), "it was decreased at"),
    "our own increase": Case(state(), sent(15, 10), state(15, increased=NOW), None),
    "our increase, then someone else's": Case(
        state(), sent(15, 10), state(20, increased=NOW), "where this process set 15 / 10"),
    "our update still in progress": Case(state(), sent(15, 10), state(10, status="UPDATING"),
                                         None),
    "first check: nothing to compare": Case(None, None, state(15), None),
    "the last check is too old to prove anything": Case(state(), None, state(15), None,
                                                        age=timedelta(hours=1)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_unexplained_change(case: Case) -> None:
    expected = None if case.before is None else expect(case.before, NOW - case.age, case.sent)
    said = unexplained_change(expected, case.now, NOW, MAX_AGE)
    if case.says is None:
        assert said is None
    else:
        assert said is not None and case.says in said


def test_an_expectation_after_an_update_is_what_was_sent() -> None:
    assert expect(state(), NOW, sent(15, 8)) == Expectation(15, 8, EARLIER, None, NOW, True)
    assert expect(state(), NOW, sent(10, 10)).updated is False  # no change: nothing sent


# -- through the Scheduler -----------------------------------------------------------------
SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
HOT = (95.0, 50.0)


class ApplyingTables(FakeTables):
    """FakeTables whose UpdateTable changes what DescribeTable says, as DynamoDB does."""

    def update(self, name: str, decisions: Sequence[Decision]) -> None:
        super().update(name, decisions)
        for d in decisions:
            self.set(name, d.reads.target, d.writes.target)

    def set(self, name: str, reads: int, writes: int) -> None:
        """A change (ours or someone else's) of a table's capacity."""
        for i, t in enumerate(self.tables):
            if t.name == name:
                self.tables[i] = dataclasses.replace(t, table=dataclasses.replace(
                    t.table, reads=reads, writes=writes, last_increase=NOW))


def run(cycles: list[str], used: dict[str, tuple[float, float]] | None = None,
        lease_table: str | None = None, managed: set[ResourceId] | None = None,
        minutes: int = 5) -> list[str]:
    """Cycles ``minutes`` apart; before a cycle, "other:t1=20" has someone else set t1's
    reads to 20. The warnings logged."""
    tables = ApplyingTables([table("t1"), table("t2")], managed=managed or set())
    clock = FakeClock()
    config = Config(global_=GlobalConfig(lease_table=lease_table, describe_concurrency=1,
                                         check_interval=minutes * 60), tables=(SECTION,))
    scheduler = Scheduler(config, tables, FakeMetrics(used=used or {}), FakeNotifier(), clock)
    logger = logging.getLogger("dynamic_dynamodb")
    handler = _Kept(logging.WARNING)
    logger.addHandler(handler)
    try:
        for step in cycles:
            if step.startswith("other:"):
                name, _, reads = step[len("other:"):].partition("=")
                reads_now = next(t.table for t in tables.tables if t.name == name)
                tables.set(name, int(reads), reads_now.writes)
                continue
            scheduler.run_cycle()
            clock.now_at += timedelta(minutes=minutes)
    finally:
        logger.removeHandler(handler)
    return [r.getMessage() for r in handler.records if "someone else" in r.getMessage()]


class _Kept(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_another_scaler_is_named_once_an_hour() -> None:
    warnings = run(["cycle", "other:t1=20", "cycle", "other:t1=30", "cycle", "cycle"])
    assert len(warnings) == 1
    assert warnings[0].startswith("t1: changed by someone else since the last check: its "
                                  "capacity is 20 reads / 10 writes where this process saw 10")
    assert "lease-table" in warnings[0]
    # Cycles 40 minutes apart: said at 0:40, not at 1:20 (40 minutes later), again at 2:00.
    hourly = run(["cycle", "other:t1=20", "cycle", "other:t1=30", "cycle", "other:t1=40",
                  "cycle"], minutes=40)
    assert len(hourly) == 2 and "40 reads" in hourly[1]


def test_our_own_updates_are_not_someone_elses() -> None:
    assert run(["cycle", "cycle", "cycle"], used={"t1": HOT, "t2": HOT}) == []


def test_with_a_lease_table_or_an_aas_policy_nothing_is_said() -> None:
    assert run(["cycle", "other:t1=20", "cycle"], lease_table="leases") == []
    assert run(["cycle", "other:t1=20", "cycle"], managed={ResourceId("t1")}) == []
