"""fleet/runner.py: each owned target's cycle once per check interval, each failing alone,
a slow one delaying nobody, the coordinator's answers obeyed. Real Schedulers on fake
edges (fleettools); time moves only when the dispatcher waits."""

from __future__ import annotations

import logging
import threading

import pytest

from dynamic_dynamodb.core.fallback import NOT_LEASED
from dynamic_dynamodb.errors import AwsError, AwsSetupError
from dynamic_dynamodb.fleet.report import FleetReport
from dynamic_dynamodb.fleet.runner import FleetRunner
from dynamic_dynamodb.fleet.targets import plan_targets
from dynamic_dynamodb.service.watchdog import Heartbeat
from dynamic_dynamodb.settings import (
    AccountConfig,
    Config,
    DecreasePlan,
    DimensionPolicy,
    GlobalConfig,
    TablePolicy,
)

from .fleettools import Edges, InlineExecutor, Reports, TickClock, builder
from .schedtools import FakeMetrics, FakeTables, table

INTERVAL = 60
SECTION = TablePolicy(key="^t", decrease_plan=DecreasePlan(pacing=False))
HOT = FakeMetrics(used={"t1": (99.0, 50.0)})  # reads above 90 %: an increase every cycle
A, B = "a/eu-west-1", "b/eu-west-1"


def fleet_config(*sections: TablePolicy, concurrency: int = 16) -> Config:
    return Config(global_=GlobalConfig(region="eu-west-1", check_interval=INTERVAL,
                                       target_concurrency=concurrency),
                  tables=sections or (SECTION,),
                  accounts=(AccountConfig(name="a"), AccountConfig(name="b")))


class Owns:
    """A coordinator: owns what ``owned`` holds now, may act while ``acting``."""

    def __init__(self, owned: set[str], acting: bool = True) -> None:
        self.owned_now = owned
        self.acting = acting
        self.asked: list[list[str]] = []

    def owned(self, targets):
        self.asked.append(list(targets))
        return set(self.owned_now)

    def may_act(self, target):
        return self.acting


class Fleet:
    """A runner over targets a and b (or ``config``'s), with the given fakes."""

    def __init__(self, edges: dict[str, Edges], config: Config | None = None, *,
                 held: tuple[str, ...] = (), waits: int = 3, coordinator: object = None,
                 hooks: Reports | None = None, heartbeat: Heartbeat | None = None) -> None:
        self.stop = threading.Event()
        self.clock = TickClock(self.stop, stop_after=waits)
        self.executor = InlineExecutor(held)
        self.edges = edges
        self.hooks = hooks or Reports()
        config = config or fleet_config()
        self.runner = FleetRunner(
            config, plan_targets(config, lambda _: "eu-west-1"), builder(edges, self.stop),
            stop=self.stop, clock=self.clock, hooks=[self.hooks],
            coordinator=coordinator,  # type: ignore[arg-type]
            heartbeat=heartbeat, executor=self._executor, monotonic=self.clock.monotonic)

    def _executor(self, workers: int) -> InlineExecutor:
        self.executor.workers = workers
        return self.executor

    def run(self, run_once: bool = False):
        return self.runner.run(run_once=run_once)

    def sent(self, target: str) -> list[str]:
        return [name for name, _ in self.edges[target].tables.sent]


def two(hot_a: bool = True) -> dict[str, Edges]:
    return {A: Edges(FakeTables([table("t1")]), HOT if hot_a else FakeMetrics()),
            B: Edges(FakeTables([table("t1")]), HOT)}


def test_each_target_runs_once_per_tick_with_its_own_edges():
    fleet = Fleet(two(), waits=3)

    last = fleet.run()

    assert fleet.clock.waits == [INTERVAL] * 3  # start-to-start ticks
    assert fleet.sent(A) == fleet.sent(B) == ["t1"] * 3
    assert [e.built for e in fleet.edges.values()] == [1, 1]  # one Scheduler per target
    reports = fleet.hooks.reports
    assert len(reports) == 3 and all(isinstance(r, FleetReport) for r in reports)
    assert sorted(last.parts) == [A, B]
    assert [o.resource.table for o in last.outcomes] == ["t1", "t1"]
    assert last.ok
    assert fleet.executor.workers == 2


def test_a_failing_target_fails_alone_and_is_retried_each_tick(caplog):
    edges = two()
    edges[A].tables.describe_errors["t1"] = AwsError(
        "DescribeTable t1: ExpiredTokenException: token expired", "ExpiredTokenException")

    last = Fleet(edges, waits=2).run()

    assert edges[B].tables.sent and not edges[A].tables.sent
    assert last.failed_tables == {
        f"{A} t1": "DescribeTable t1: ExpiredTokenException: token expired"}
    assert last.parts[A].failed_tables and last.parts[B].ok
    assert not last.ok and last.error is None  # the fleet cycle did not fail as a whole
    assert "t1: cycle failed (2 in a row), retrying next cycle" in caplog.text


def test_a_whole_target_cycle_failing_is_its_part_only():
    edges = two()
    edges[A].tables.list_tables = lambda: (_ for _ in ()).throw(  # type: ignore[method-assign]
        AwsError("ListTables: cannot reach AWS endpoint", "EndpointUnreachable"))

    last = Fleet(edges, waits=1).run()

    assert last.parts[A].error_kind == "EndpointUnreachable"
    assert last.failed_tables == {A: "ListTables: cannot reach AWS endpoint"}
    assert fleet_sent(edges, B) == ["t1"]


def fleet_sent(edges: dict[str, Edges], target: str) -> list[str]:
    return [name for name, _ in edges[target].tables.sent]


def test_a_slow_target_skips_ticks_and_delays_nobody(caplog):
    fleet = Fleet(two(), held=(A,), waits=4)
    # A's first cycle ends during the 2nd wait (after 2 ticks); it rejoins at the 3rd.
    fleet.clock.actions[2] = lambda: fleet.executor.release(A)

    fleet.run()

    assert fleet.clock.waits[0] == INTERVAL  # the dispatcher never waited for A
    assert fleet.sent(B) == ["t1"] * 4
    assert fleet.sent(A) == ["t1"] * 3  # ticks 1, 3, 4: tick 2 skipped while busy
    assert "[a/eu-west-1] still in its previous cycle (60 s so far); it skips this one" \
        in caplog.text


def test_a_fleet_cycle_closes_at_the_next_tick_without_a_slow_target():
    fleet = Fleet(two(), held=(A,), waits=2)
    fleet.clock.actions[2] = lambda: fleet.executor.release(A)

    fleet.run()

    first, second, late = fleet.hooks.reports
    assert list(first.parts) == [B]  # closed at the second tick, A still running
    assert list(second.parts) == [B]  # the second tick's only target
    assert list(late.parts) == [A]  # A's report, when it came


def test_every_target_failing_to_set_up_on_the_first_cycle_is_fatal():
    edges = two()
    for each in edges.values():
        each.build_error = AwsSetupError("no AWS credentials found", "NoCredentials")

    with pytest.raises(AwsSetupError, match="every target failed to set up; a/eu-west-1: "
                                            "no AWS credentials found"):
        Fleet(edges).run()


def test_one_target_failing_to_set_up_fails_alone_and_is_retried():
    edges = two()
    edges[A].build_error = AwsSetupError("AWS profile not found: gone", "ProfileNotFound")

    last = Fleet(edges, waits=2).run()

    assert edges[A].built == 2  # tried again at each tick
    assert last.parts[A].error_kind == "ProfileNotFound"
    assert fleet_sent(edges, B) == ["t1"] * 2


def test_run_once_is_one_fleet_cycle_that_waits_for_every_target():
    fleet = Fleet(two(), held=(A,))
    fleet.clock.actions[1] = lambda: fleet.executor.release(A)

    report = fleet.run(run_once=True)

    assert sorted(report.parts) == [A, B]
    assert fleet.sent(A) == fleet.sent(B) == ["t1"]
    assert len(fleet.hooks.reports) == 1


def test_run_once_counts_a_missing_decision_of_any_target():
    """One target's metrics unknown: the fleet's report is not ok (``--run-once`` and
    ``status`` exit 1) and says which target's table got no decision."""
    edges = two()
    edges[B] = Edges(FakeTables([table("t1")]), FakeMetrics(unknown={"t1"}))

    report = Fleet(edges).run(run_once=True)

    assert not report.failed and not report.ok
    assert report.parts[A].ok and not report.parts[B].ok
    assert [(e.name, e.code) for e in report.no_decisions] == [(f"{B} t1", "metrics-unknown")]
    assert report.problems() == [f"{B} t1: metrics unavailable: no decision this cycle"]


def test_only_owned_targets_are_served_and_a_lost_lease_sends_nothing():
    coordinator = Owns({A}, acting=False)
    fleet = Fleet(two(), waits=1, coordinator=coordinator)

    last = fleet.run()

    assert coordinator.asked[0] == [A, B]
    assert list(last.parts) == [A]
    assert fleet.sent(A) == fleet.sent(B) == []
    assert last.parts[A].outcomes[0].note == NOT_LEASED


def test_a_target_served_elsewhere_meanwhile_starts_again_without_its_old_history():
    """Two low checks in a row decrease; A's two low checks have a tick served elsewhere
    between them, so they are not in a row: only B decreases."""
    twice = DimensionPolicy(checks_before_scale_down=2)
    section = TablePolicy(key="^t", reads=twice, writes=twice,
                          decrease_plan=DecreasePlan(pacing=False))
    low = {"t1": (10.0, 10.0)}
    edges = {A: Edges(FakeTables([table("t1")]), FakeMetrics(used=low)),
             B: Edges(FakeTables([table("t1")]), FakeMetrics(used=low))}
    coordinator = Owns({A, B})
    fleet = Fleet(edges, fleet_config(section), waits=2, coordinator=coordinator)
    fleet.clock.actions[1] = lambda: setattr(coordinator, "owned_now", {B})
    fleet.clock.actions[2] = lambda: setattr(coordinator, "owned_now", {A, B})
    fleet.clock.stop_after = 3

    fleet.run()

    assert [sorted(r.parts) for r in fleet.hooks.reports] == [[A, B], [B], [A, B]]
    assert fleet.sent(B) == ["t1"]  # its second low check in a row, at the second tick
    assert fleet.sent(A) == []


def test_a_coordinator_that_fails_serves_nothing_that_tick(caplog):
    class Broken(Owns):
        def owned(self, targets):
            raise RuntimeError("lease table unreachable")

    fleet = Fleet(two(), waits=1, coordinator=Broken(set()))

    last = fleet.run()

    assert last.parts == {} and fleet.sent(A) == fleet.sent(B) == []
    assert "none is served this cycle" in caplog.text


def test_a_target_no_section_applies_to_is_not_served_and_said_once(caplog):
    only_a = TablePolicy(key="^t", accounts=frozenset({"a"}))
    fleet = Fleet(two(), fleet_config(only_a), waits=2)

    with caplog.at_level(logging.INFO):
        fleet.run()

    assert fleet.edges[B].built == 0
    assert caplog.text.count("[b/eu-west-1] no table or GSI section applies to account b; "
                             "not served") == 1


def test_a_reload_gives_each_target_its_new_sections_before_its_next_cycle(caplog):
    renamed = fleet_config(TablePolicy(key="^x", decrease_plan=DecreasePlan(pacing=False)))
    moved = Config(global_=renamed.global_, tables=renamed.tables,
                   accounts=(AccountConfig(name="a"),))
    hooks = Reports(lambda before: moved if before == 2 else None)
    fleet = Fleet(two(), waits=2, hooks=hooks)

    fleet.run()

    # Tick 1 under ^t sends t1; from tick 2 no section matches t1.
    assert fleet.sent(A) == fleet.sent(B) == ["t1"]
    assert fleet.runner.config is moved
    assert "changes the [account: ...] sections: that takes effect after a restart" \
        in caplog.text


def test_a_stop_starts_nothing_more():
    fleet = Fleet(two(), waits=50)
    fleet.clock.actions[1] = fleet.stop.set

    fleet.run()

    assert fleet.sent(A) == ["t1"]  # the first tick only
    assert len(fleet.clock.waits) == 1


def test_the_heartbeat_is_busy_since_the_oldest_running_target():
    heartbeat = Heartbeat(stall_limit=900)
    seen: list[float | None] = []
    fleet = Fleet(two(), held=(A,), waits=3, heartbeat=heartbeat)

    def look() -> None:
        seen.append(heartbeat._busy_since)

    fleet.clock.actions[1] = look
    fleet.clock.actions[2] = look
    fleet.clock.actions[3] = lambda: fleet.executor.release(A)
    fleet.run()

    assert seen == [1000.0, 1000.0]  # A started at the first tick and is still running
    assert heartbeat._busy_since is None  # all done at the end


def test_target_log_lines_carry_its_prefix(caplog):
    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        Fleet(two(), waits=1).run()

    assert "[a/eu-west-1] t1: reads 10 (99.0 % used) -> 15" in caplog.text
    assert "[b/eu-west-1] t1: reads 10 (99.0 % used) -> 15" in caplog.text
