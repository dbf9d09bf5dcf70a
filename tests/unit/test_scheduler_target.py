"""The Scheduler in a fleet: its reports name the target, and a lease check right before
each UpdateTable can hold it (nothing sent, the reason in the outcome and the log);
tests/unit/test_scheduler_lease_gate.py has the held decisions' reasons."""

from __future__ import annotations

import logging

from dynamic_dynamodb.core.fallback import NOT_LEASED
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.settings import Config, DecreasePlan, TablePolicy

from .schedtools import FakeClock, FakeMetrics, FakeNotifier, FakeTables, table

SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
HOT = {"t1": (99.0, 50.0), "t2": (99.0, 50.0)}  # reads above 90 %: both increase


def scheduler(tables: FakeTables, **kwargs: object) -> Scheduler:
    return Scheduler(Config(tables=(SECTION,)), tables, FakeMetrics(used=HOT), FakeNotifier(),
                     FakeClock(), **kwargs)  # type: ignore[arg-type]


def test_reports_name_the_target_also_when_the_cycle_fails():
    tables = FakeTables([table("t1")])
    ok = scheduler(tables, target="prod/eu-west-1").run_cycle()

    failing = FakeTables([table("t1")])
    failing.list_tables = lambda: (_ for _ in ()).throw(  # type: ignore[method-assign]
        AwsError("ListTables: ThrottlingException: slow down", "ThrottlingException"))
    failed = scheduler(failing, target="prod/eu-west-1").guarded_cycle(
        setup_fatal=True, next_cycle=True)

    assert ok.target == failed.target == "prod/eu-west-1"
    assert failed.error_kind == "ThrottlingException"


def test_updates_go_while_the_lease_holds():
    tables = FakeTables([table("t1"), table("t2")])
    asked: list[int] = []

    report = scheduler(tables, may_act=lambda: asked.append(1) or True).run_cycle()

    assert [name for name, _ in tables.sent] == ["t1", "t2"]
    assert len(asked) == 2  # once per UpdateTable, right before it
    assert all(outcome.applied for outcome in report.outcomes)


def test_a_lost_lease_sends_no_update_and_says_why(caplog):
    tables = FakeTables([table("t1"), table("t2")])
    answers = iter([True, False])  # lost between the two tables

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        report = scheduler(tables, may_act=lambda: next(answers)).run_cycle()

    assert [name for name, _ in tables.sent] == ["t1"]
    t1, t2 = report.outcomes
    assert (t1.applied, t1.note) == (True, "")
    assert (t2.applied, t2.note) == (False, NOT_LEASED)
    assert t2.decision is not None and t2.decision.reads.reason.code == "lease-not-valid"
    t2_line = next(line for line in caplog.messages if line.startswith("t2"))
    assert f"[{NOT_LEASED}]" in t2_line


def test_a_failing_lease_check_counts_as_lost(caplog):
    tables = FakeTables([table("t1")])

    def broken() -> bool:
        raise RuntimeError("lease table unreachable")

    report = scheduler(tables, may_act=broken).run_cycle()

    assert tables.sent == []
    assert report.outcomes[0].note == NOT_LEASED
    assert "t1: the lease check failed; holding its changes" in caplog.text
