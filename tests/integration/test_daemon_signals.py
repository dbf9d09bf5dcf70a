"""Signals and systemd: SIGTERM/SIGINT finish the table in hand, SIGHUP reloads,
NOTIFY_SOCKET hears READY/STATUS/WATCHDOG/STOPPING. Real processes throughout."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import boto3
import pytest

from dynamic_dynamodb.service.pidlock import pid_path

from .daemon_support import (
    Cli,
    NotifyListener,
    SlowProxy,
    pid_alive,
    read,
    stopping,
    wait_for,
    write_config,
)


def _fg(cli: Cli, config: Path, *extra: str,
        env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return cli.popen("-c", str(config), "--daemon", "fg", "--pid-file-dir", str(cli.workdir),
                     *extra, env=env)


def _reads(table: str) -> int:
    description = boto3.client("dynamodb").describe_table(TableName=table)["Table"]
    return int(description["ProvisionedThroughput"]["ReadCapacityUnits"])


def test_sigterm_during_a_table_lets_that_table_finish(cli: Cli, tmp_path: Path,
                                                       launcher_url: str) -> None:
    """SIGTERM lands while a-orders' UpdateTable is in flight: a-orders is finished and
    logged, b-orders is left for the next run, and the process exits 0."""
    log = tmp_path / "dd.log"
    config = write_config(tmp_path / "dd.conf", log)
    with SlowProxy(launcher_url, ["UpdateTable"], delay=1.5) as proxy:
        process = _fg(cli, config, env={"AWS_ENDPOINT_URL_DYNAMODB": proxy.url})
        with stopping(process):
            assert proxy.seen.wait(30), "no UpdateTable reached the proxy"
            process.send_signal(signal.SIGTERM)

            assert process.wait(timeout=30) == 0
    text = read(log)
    assert "a-orders: reads 10 (95.0 % used) -> 15" in text
    assert "stop requested: leaving the remaining tables for the next run" in text
    assert "b-orders: reads" not in text
    assert "stopped on SIGTERM" in text
    assert (_reads("a-orders"), _reads("b-orders")) == (15, 10)
    assert not pid_path(tmp_path, "default").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_wakes_the_sleep_between_cycles(cli: Cli, tmp_path: Path,
                                                    signum: signal.Signals) -> None:
    log = tmp_path / "dd.log"
    config = write_config(tmp_path / "dd.conf", log, check_interval=3600)
    with stopping(_fg(cli, config)) as process:
        wait_for(lambda: "b-orders: reads" in read(log), what="the first cycle")

        process.send_signal(signum)

        # An hour's sleep ends at once: far below the interval, whatever the machine.
        assert process.wait(timeout=20) == 0
    assert f"stopped on {signum.name}" in read(log)


def test_sighup_swaps_in_a_valid_file_and_rejects_an_invalid_one(cli: Cli,
                                                                 tmp_path: Path) -> None:
    log = tmp_path / "dd.log"
    # An hour between cycles: a SIGHUP is served at once, not when the sleep ends.
    config = write_config(tmp_path / "dd.conf", log, tables="^a-orders$", check_interval=3600)
    with stopping(_fg(cli, config)) as process:
        wait_for(lambda: "a-orders: reads" in read(log), what="the first cycle")
        assert "b-orders" not in read(log)

        # A valid new file: b-orders is managed from the next cycle on.
        write_config(config, log, tables="^(a|b)-orders$", check_interval=3600)
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in read(log), what="the reload")
        wait_for(lambda: "b-orders: reads" in read(log), what="a cycle with the new file")

        # An invalid file: the full report is logged and the running config is kept.
        config.write_text(config.read_text() + "writes-upper-threshold: lots\nbogus-option: 1\n")
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload rejected" in read(log), what="the rejection")
        # Where the rejection was logged, not how long the log is by now: on a loaded
        # machine the cycle after it may already be logged when the file is read.
        rejected_at = read(log).index("reload rejected")
        wait_for(lambda: "b-orders: reads" in read(log)[rejected_at:],
                 what="a cycle after the rejection, still with both tables")

        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    text = read(log)
    assert "configuration reload rejected; keeping the running configuration" in text
    assert "writes-upper-threshold = 'lots': expected a number" in text
    assert "bogus-option: unknown option" in text


def test_sighup_reaches_a_daemon_started_with_a_relative_config_path(cli: Cli,
                                                                     tmp_path: Path) -> None:
    """The daemon works in /, so the config path given relative to the caller must still
    name the same file when SIGHUP reads it again."""
    log = tmp_path / "dd.log"
    write_config(tmp_path / "dd.conf", log, tables="^a-orders$")
    started = cli.run("-c", "dd.conf", "--daemon", "start", "--pid-file-dir", ".")
    assert started.returncode == 0, started.stderr
    pid = int(read(pid_path(tmp_path, "default")))

    write_config(tmp_path / "dd.conf", log, tables="^(a|b)-orders$")
    os.kill(pid, signal.SIGHUP)

    wait_for(lambda: "b-orders: reads" in read(log), what="a cycle with the reloaded file")
    assert f"reloading the configuration from {tmp_path / 'dd.conf'}" in read(log)
    assert pid_alive(pid)
    stopped = cli.run("--daemon", "stop", "--pid-file-dir", ".")
    assert stopped.returncode == 0, stopped.stderr


def test_notify_socket_hears_ready_status_watchdog_and_stopping(cli: Cli,
                                                                 tmp_path: Path) -> None:
    """As under systemd with Type=notify and WatchdogSec (abstract ``@`` sockets: unit tests)."""
    address = str(tmp_path / "notify.sock")
    listener = NotifyListener(address)
    log = tmp_path / "dd.log"
    config = write_config(tmp_path / "dd.conf", log, check_interval=3600)
    env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "400000"}
    with stopping(_fg(cli, config, env=env)) as process:
        wait_for(lambda: listener.saw("READY=1"), what="READY=1")
        wait_for(lambda: listener.saw("WATCHDOG=1"), what="a watchdog ping while sleeping")

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=20) == 0
    listener.drain()
    ready = next(m for m in listener.messages if "READY=1" in m.split("\n"))
    assert "STATUS=cycle 1: 2 tables, 2 changes" in ready.split("\n")
    assert "STOPPING=1" in listener.messages
    listener.sock.close()
