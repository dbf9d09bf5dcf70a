"""The Scheduler asks ``may_act`` right before each UpdateTable (fleet/leases.py's
coordinator, bound to the Scheduler's target): no valid lease, nothing sent, every
change held with the reason, and the next cycle decides again."""

from __future__ import annotations

from collections.abc import Callable

from dynamic_dynamodb.core.fallback import NOT_LEASED
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.report import CycleReport
from dynamic_dynamodb.settings import Config, DecreasePlan, GlobalConfig, TablePolicy

from .schedtools import FakeClock, FakeMetrics, FakeNotifier, FakeTables, table

SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
HOT = (95.0, 50.0)


def cycle(may_act: Callable[[], bool] | None, used: dict[str, tuple[float, float]],
          refuse_decreases: bool = False) -> tuple[CycleReport, FakeTables]:
    tables = FakeTables([table("t1", 10, 10, "by_owner")], refuse_decreases=refuse_decreases)
    config = Config(global_=GlobalConfig(describe_concurrency=1), tables=(SECTION,))
    scheduler = Scheduler(config, tables, FakeMetrics(used=used), FakeNotifier(), FakeClock(),
                          may_act=may_act)
    return scheduler.run_cycle(), tables


def test_without_a_valid_lease_nothing_is_sent_and_changes_are_held() -> None:
    report, tables = cycle(lambda: False, {"t1": HOT})
    assert tables.sent == []
    outcome = report.outcomes[0]
    assert outcome.decision is not None and not outcome.applied
    assert (outcome.decision.reads.target, outcome.decision.reads.reason.code) == (
        10, "lease-not-valid")
    assert outcome.note == NOT_LEASED


def test_with_a_valid_lease_the_update_goes() -> None:
    asked: list[bool] = []

    def may_act() -> bool:
        asked.append(True)
        return True

    report, tables = cycle(may_act, {"t1": HOT})
    assert tables.sent == [("t1", (("t1", 15, 10),))]
    assert asked == [True]  # once, right before the one UpdateTable
    assert report.outcomes[0].applied


def test_a_lease_that_lapses_after_a_refusal_stops_the_second_update() -> None:
    """A refused decrease is followed by the increases alone: the lease is asked again
    right before that second UpdateTable."""
    answers = iter([True, False])
    report, tables = cycle(lambda: next(answers), {"t1": (10.0, 95.0)},
                           refuse_decreases=True)
    assert tables.sent == []  # the refused one is not recorded by the fake; nothing else
    outcome = report.outcomes[0]
    assert outcome.decision is not None and not outcome.applied
    assert outcome.note == f"decrease refused by DynamoDB; increases sent alone; {NOT_LEASED}"
    assert (outcome.decision.reads.reason.code, outcome.decision.writes.reason.code) == (
        "decrease-refused", "lease-not-valid")


def test_no_coordination_no_question() -> None:
    report, tables = cycle(None, {"t1": HOT})
    assert len(tables.sent) == 1
