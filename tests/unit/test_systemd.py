"""sd_notify over a real unix datagram socket, the watchdog, the signals and the reload."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dynamic_dynamodb.core.types import (
    Decision,
    DimensionDecision,
    Reason,
    ResourceHistory,
    ResourceId,
)
from dynamic_dynamodb.loop import CycleReport, Outcome, SystemClock
from dynamic_dynamodb.report import NoDecision
from dynamic_dynamodb.service.readiness import describe_cycle
from dynamic_dynamodb.service.reload import Reloader, restart_only_changes
from dynamic_dynamodb.service.signals import Signals
from dynamic_dynamodb.service.systemd import SystemdNotifier, socket_address, watchdog_seconds
from dynamic_dynamodb.service.watchdog import Heartbeat, Watchdog
from dynamic_dynamodb.settings import Config, GlobalConfig


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("/run/systemd/notify", "/run/systemd/notify"),
     ("@abstract/name", "\0abstract/name"), ("vsock:2:1234", None)],
    ids=["unset", "empty", "path", "abstract", "vsock-unsupported"],
)
def test_socket_address(value: str | None, expected: str | None) -> None:
    assert socket_address(value) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
    ],
    ids=["off", "on", "for-this-pid", "for-another-pid", "zero", "garbage"],
)
def test_watchdog_seconds(environ: dict[str, str], expected: float | None) -> None:
    assert watchdog_seconds(environ, pid=4242) == expected


class Listener:
    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(socket_address(address) or "")
        self.sock.settimeout(2)

    def next(self) -> str:
        return self.sock.recv(4096).decode()


@pytest.fixture(params=["path", "abstract"])
def listener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Listener]:
    address = (str(tmp_path / "notify.sock") if request.param == "path"
               else f"@dd-unit-{os.getpid()}-{id(request)}")
    bound = Listener(address)
    yield bound
    bound.sock.close()


def test_notifier_sends_each_message_as_one_datagram(listener: Listener) -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": listener.address})

    assert notifier.ready("cycle 1: 2 tables, 0 changes")
    assert listener.next() == "READY=1\nSTATUS=cycle 1: 2 tables, 0 changes"
    assert notifier.status("two\nlines")
    assert listener.next() == "STATUS=two lines"
    assert notifier.watchdog()
    assert listener.next() == "WATCHDOG=1"
    assert notifier.reloading()
    reloading = listener.next().split("\n")
    assert reloading[0] == "RELOADING=1" and reloading[1].startswith("MONOTONIC_USEC=")
    assert notifier.stopping()
    assert listener.next() == "STOPPING=1"


@pytest.mark.parametrize(
    "environ",
    [{}, {"NOTIFY_SOCKET": "/nonexistent/dir/notify.sock"}],
    ids=["not-under-systemd", "socket-gone"],
)
def test_notifier_is_harmless_when_it_cannot_send(environ: dict[str, str]) -> None:
    notifier = SystemdNotifier(environ)
    assert notifier.ready() is False
    assert notifier.watchdog() is False


def test_watchdog_pings_while_healthy_and_stops_when_a_cycle_is_stuck(
        listener: Listener) -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "40000"})
    heartbeat = Heartbeat(stall_limit=3600)
    watchdog = Watchdog(notifier, heartbeat)
    watchdog.start()
    try:
        assert listener.next() == "WATCHDOG=1"
        heartbeat.stall_limit = 0.0
        heartbeat.busy()  # a cycle that has now run past its limit
        listener.sock.settimeout(0.3)
        while True:  # drain pings sent before the change
            try:
                listener.next()
            except TimeoutError:
                break
        with pytest.raises(TimeoutError):
            listener.next()
    finally:
        watchdog.stop()


def _outcome(table: str, current: int, target: int, applied: bool) -> Outcome:
    rid = ResourceId(table)
    reads = DimensionDecision(current, target, Reason("x", "x"))
    writes = DimensionDecision(5, 5, Reason("x", "x"))
    return Outcome(rid, Decision(rid, reads, writes, ResourceHistory()), None, applied=applied)


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("report", "dry_run", "expected"),
    [
        (CycleReport(NOW, [_outcome("a", 10, 15, True), _outcome("b", 5, 5, False)]), False,
         "cycle 3: 2 tables, 1 change"),
        (CycleReport(NOW, [_outcome("a", 10, 15, False)], failed_tables={"c": "boom"}), True,
         "cycle 3: 2 tables, 1 would-be change, 1 failed"),
        (CycleReport(NOW, error="ListTables: InternalServerError"), False,
         "cycle 3 failed: ListTables: InternalServerError"),
        (CycleReport(NOW, [_outcome("a", 10, 10, False)],
                     no_decisions=[NoDecision("b", "unusable-facts", "skipped")]), False,
         "cycle 3: 1 table, 0 changes, 1 without a decision"),
    ],
    ids=["changes", "dry-run-and-failure", "cycle-failed", "no-decision"],
)
def test_describe_cycle(report: CycleReport, dry_run: bool, expected: str) -> None:
    assert describe_cycle(3, report, dry_run) == expected


def test_sighup_is_served_once_before_the_next_cycle_and_sigterm_wakes_the_sleep() -> None:
    signals = Signals(threading.Event())
    old, new = Config(source="old.conf"), Config(source="new.conf")
    loads: list[Config] = []

    def load() -> Config:
        loads.append(new)
        return new

    reloader = Reloader(load, signals.reload, SystemdNotifier({}), lambda config: None)
    clock = SystemClock(signals.stop)

    assert clock.wait(0) is False  # nothing pending: the interval simply ends
    assert reloader.before_cycle(old) is old and loads == []  # no SIGHUP, no reload
    signals.on_reload(1, None)
    assert reloader.before_cycle(old) is new and loads == [new]
    assert reloader.before_cycle(new) is new and loads == [new]  # asked once, served once
    signals.on_stop(15, None)
    assert clock.wait(3600) is True  # wakes at once, an hour early
    assert signals.received == "SIGTERM"


def test_restart_only_changes_names_settings_never_values() -> None:
    old = GlobalConfig(region="eu-west-1", aws_secret_access_key="old-secret")
    new = GlobalConfig(region="eu-west-1", aws_secret_access_key="new-secret", max_attempts=2,
                       check_interval=60)
    assert restart_only_changes(old, new) == ["aws-secret-access-key", "max-attempts"]
    leases = GlobalConfig(lease_table="leases", worker_id="a", lease_duration=30)
    assert restart_only_changes(GlobalConfig(), leases) == [
        "lease-table", "worker-id", "lease-duration"]
