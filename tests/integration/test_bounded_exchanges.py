"""Every exchange with AWS is bounded (issue 11 item 3), seen from the outside: paging
that never ends costs a few calls and fails its own step, and a stop request lands
between pages, so ``--daemon stop`` never needs SIGKILL. Real processes, the local AWS."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from dynamic_dynamodb.localaws.control import LauncherControl

from .daemon_support import Cli, read, wait_for, write_config

# Two tables: GetMetricData needs one page for them, so it may take 1 + 3 spare.
METRIC_PAGES = 4


@pytest.mark.parametrize(
    ("operation", "token", "calls", "logged"),
    [
        ("GetMetricData", "new", METRIC_PAGES, "GetMetricData: still paging after 4 pages"),
        ("GetMetricData", "same", 2, "GetMetricData: the same NextToken came back twice"),
        ("ListTables", "new", 2, "ListTables: table 'a-orders' listed twice"),
    ],
    ids=["metrics-new-tokens", "metrics-same-token", "list-tables-new-tokens"],
)
def test_endless_paging_costs_a_few_calls_and_run_once_exits_1(
        cli: Cli, launcher: LauncherControl, tmp_path: Path, operation: str, token: str,
        calls: int, logged: str) -> None:
    service = "dynamodb" if operation == "ListTables" else "cloudwatch"
    launcher.inject_fault(service, operation, "endless_token", token=token, count=-1)
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")

    result = cli.run("-c", str(config), "--run-once", timeout=60)

    assert result.returncode == 1
    assert "error: not every matched table got a decision" in result.stderr
    assert logged in read(tmp_path / "dd.log")
    assert launcher.calls()[f"{service}.{operation}"] == calls
    assert launcher.calls().get("dynamodb.UpdateTable", 0) == 0  # unknown: no change
    assert "Traceback" not in read(tmp_path / "dd.log") + result.stderr


def test_daemon_stop_during_endless_paging_is_served_by_sigterm(
        cli: Cli, launcher: LauncherControl, tmp_path: Path) -> None:
    """Each page takes two seconds and paging never ends: the stop lands while a page is
    in flight, the next page is never asked for, and the daemon exits on SIGTERM."""
    launcher.inject_faults({"service": "cloudwatch", "operation": "GetMetricData",
                            "kind": "endless_token", "count": -1},
                           {"service": "cloudwatch", "operation": "GetMetricData",
                            "kind": "delay", "seconds": 2.0, "count": -1})
    log = tmp_path / "dd.log"
    config = write_config(tmp_path / "dd.conf", log)
    started = cli.run("-c", str(config), "--daemon", "start", "--pid-file-dir", str(tmp_path),
                      timeout=120)
    assert started.returncode == 0, started.stderr

    def metric_calls() -> int:
        return launcher.calls().get("cloudwatch.GetMetricData", 0)

    # The first or second page of a later cycle is in flight: at least four seconds of
    # paging are left, ample for the stop command to start and signal.
    in_flight = wait_for(lambda: (n := metric_calls()) > METRIC_PAGES
                         and n % METRIC_PAGES in (1, 2) and n, timeout=60,
                         what="a page at the start of a later cycle's paging")
    asked = time.monotonic()
    stopped = cli.run("--daemon", "stop", "--pid-file-dir", str(tmp_path), timeout=120)
    took = time.monotonic() - asked

    assert stopped.returncode == 0, stopped.stderr
    assert "stopped (pid" in stopped.stdout and "SIGKILL" not in stopped.stderr
    assert took < 30, f"stop took {took:.1f} s"
    assert metric_calls() <= in_flight + 2  # that cycle's paging ended early
    text = read(log)
    assert re.search(r"stop requested: leaving the remaining tables for the next run "
                     r"\(GetMetricData page \d: not sent, stop requested\)", text), text[-3000:]
    assert "stopped on SIGTERM" in text
    assert "Traceback" not in text
