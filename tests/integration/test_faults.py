"""The loop never dies on a transient error.

First against the local AWS-API server with injected faults (a real daemon process in
the foreground, one attempt per call so each fault is seen): the failing table is
logged and retried next cycle, the other tables go on, and the process keeps running.
Then the Scheduler with fakes that raise what no AWS edge would (a bug): logged with
its traceback, and the loop carries on; ``--run-once`` reports the failure.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import (
    Decision,
    DimensionUsage,
    ResourceId,
    ResourceState,
    ScaleEvent,
    TableState,
    Usage,
)
from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.loop import CycleReport, Scheduler
from dynamic_dynamodb.settings import Config, TablePolicy

from .daemon_support import Cli, read, stopping, wait_for, write_config


@dataclass(frozen=True)
class FaultCase:
    service: str
    operation: str
    kind: str
    # What the log shows while the fault bites, then what shows it was survived.
    failure: str
    recovery: str
    options: dict[str, Any] = field(default_factory=dict)
    extra_global: str = ""


INCREASED = "a-orders: reads 10 (95.0 % used) -> 15"
CASES = [
    FaultCase("dynamodb", "ListTables", "internal_error",
              "cycle failed, retrying next cycle: ListTables: InternalServerError", INCREASED),
    FaultCase("dynamodb", "DescribeTable", "throttling",
              "a-orders: cycle failed (1 in a row), retrying next cycle: DescribeTable "
              "a-orders: ThrottlingException", INCREASED, {"table": "a-orders"}),
    FaultCase("dynamodb", "UpdateTable", "error",
              "a-orders: cycle failed (1 in a row), retrying next cycle: UpdateTable a-orders: "
              "ResourceInUseException", INCREASED,
              {"table": "a-orders", "code": "ResourceInUseException", "status": 400}),
    FaultCase("dynamodb", "DescribeTable", "error",
              "retrying next cycle: DescribeTable a-orders: ExpiredTokenException", INCREASED,
              {"table": "a-orders", "code": "ExpiredTokenException", "status": 400,
               "message": "The security token included in the request is expired"}),
    FaultCase("cloudwatch", "GetMetricData", "internal_error",
              "a-orders: reads 10 unchanged: metrics unavailable", INCREASED),
    FaultCase("dynamodb", "DescribeTable", "delete_table",
              "a-orders: deleted since the table list was read; skipped", "b-orders: reads 15",
              {"table": "a-orders"}),
    FaultCase("dynamodb", "DescribeTable", "internal_error",
              "error: a-orders has failed 2 cycles in a row", INCREASED,
              {"table": "a-orders", "count": 2}, extra_global="failures-before-error: 2\n"),
]
IDS = ["list-tables-500", "describe-throttled", "update-resource-in-use", "expired-token",
       "metrics-500", "table-deleted-mid-cycle", "error-notice-after-repeated-failures"]



@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_daemon_survives_an_aws_fault(cli: Cli, tmp_path: Path, launcher: LauncherControl,
                                          case: FaultCase) -> None:
    log = tmp_path / "dd.log"
    config = write_config(tmp_path / "dd.conf", log, extra_global=case.extra_global)
    launcher.inject_fault(case.service, case.operation, case.kind, **case.options)

    with stopping(cli.popen("-c", str(config), "--daemon", "fg", "--pid-file-dir",
                            str(tmp_path))) as process:
        wait_for(lambda: case.failure in read(log), what=f"the fault: {case.failure}")
        failed_at = read(log).index(case.failure)
        # A later cycle handles the table again: the loop lived through the fault.
        wait_for(lambda: case.recovery in read(log)[failed_at:],
                 what=f"recovery: {case.recovery}")
        assert process.poll() is None

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    assert "b-orders: reads 10 (95.0 % used) -> 15" in read(log)  # the other table went on
    assert "Traceback" not in read(log)  # AWS errors are expected: one line, no traceback


# -- the Scheduler and errors no AWS edge raises ------------------------------------------
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


class FakeTables:
    """Two tables; the first DescribeTable of ``broken`` and the first ``broken_list``
    ListTables raise what no AWS edge raises (a bug, not an AwsError)."""

    def __init__(self, broken: str = "", broken_list: int = 0) -> None:
        self.broken = broken
        self.broken_list = broken_list
        self.described: list[str] = []
        self.names = ["t-a", "t-b"]

    def list_tables(self) -> list[str]:
        if self.broken_list:
            self.broken_list -= 1
            raise RuntimeError("unexpected answer shape")
        return list(self.names)

    def describe(self, table: str) -> TableState:
        self.described.append(table)
        if table == self.broken and self.described.count(table) == 1:
            raise KeyError("ProvisionedThroughput")
        return TableState(ResourceState(ResourceId(table), "ACTIVE", 10, 10))

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        pass

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]:
        return set()


class FakeMetrics:
    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]:
        half = DimensionUsage(5.0, 0.0, 300)
        return {r.resource: Usage(half, half) for r in requests}


class CountingClock:
    """Stops the loop after ``cycles`` waits."""

    def __init__(self, cycles: int) -> None:
        self.left = cycles

    def now(self) -> datetime:
        return NOW

    def wait(self, seconds: float) -> bool:
        self.left -= 1
        return self.left <= 0


class Quiet:
    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        pass


def _scheduler(tables: FakeTables, cycles: int, reports: list[CycleReport]) -> Scheduler:
    config = Config(tables=(TablePolicy(key="^t-"),))
    return Scheduler(config, tables, FakeMetrics(), Quiet(), CountingClock(cycles),
                     observers=[reports.append])


@pytest.mark.parametrize(
    ("tables", "run_once", "cycles", "logged"),
    [
        (FakeTables(broken="t-a"), False, 2, "t-a: unexpected error describing the table"),
        (FakeTables(broken_list=1), False, 2, "unexpected error in the cycle"),
        (FakeTables(broken="t-a"), True, 1, "t-a: unexpected error describing the table"),
        (FakeTables(broken_list=1), True, 1, "unexpected error in the cycle"),
    ],
    ids=["table-bug-daemon", "cycle-bug-daemon", "table-bug-run-once", "cycle-bug-run-once"],
)
def test_an_unexpected_exception_is_logged_with_its_traceback_and_survived(
        tables: FakeTables, run_once: bool, cycles: int, logged: str,
        caplog: pytest.LogCaptureFixture) -> None:
    reports: list[CycleReport] = []
    caplog.set_level(logging.INFO, logger="dynamic_dynamodb")

    last = _scheduler(tables, cycles, reports).run(run_once=run_once)

    record = next(r for r in caplog.records if logged in r.getMessage())
    assert record.exc_info is not None  # the traceback is in the log
    assert len(reports) == cycles  # every cycle ran and was reported, the failed one too
    assert not reports[0].ok
    assert last is not None and last.ok is (not run_once)  # --run-once exits 1
    if tables.broken:  # the other table was handled in the same cycle
        assert any(o.resource == ResourceId("t-b") for o in reports[0].outcomes)


def test_a_deleted_table_is_forgotten() -> None:
    """Years of table churn must not grow the daemon: history and failure counts of a
    table that is gone are dropped."""
    tables = FakeTables(broken="t-a")
    scheduler = _scheduler(tables, 1, [])
    scheduler.run_cycle()  # t-a fails once, t-b gets a history
    assert scheduler.failures == {"t-a": 1} and ResourceId("t-b") in scheduler.history

    tables.names = ["t-c"]
    scheduler.run_cycle()

    assert scheduler.failures == {}
    assert set(scheduler.history) == {ResourceId("t-c")}
