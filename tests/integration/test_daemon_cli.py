"""The command line around the service: conflicting flags, errors said once, and the
daemon's paths. Real processes against the local AWS-API server."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from dynamic_dynamodb.service.pidlock import pid_path

from .daemon_support import Cli, pid_alive, read, wait_for, write_config


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--show-config", "--daemon", "stop"],
         "--show-config cannot be combined with --daemon stop"),
        (["--show-config", "--daemon", "restart"],
         "--show-config cannot be combined with --daemon restart"),
        (["--show-config", "--run-once"], "--show-config cannot be combined with --run-once"),
        (["--run-once", "--daemon", "stop"], "--run-once cannot be combined with --daemon stop"),
        (["--daemon", "stop", "status"], "--daemon stop cannot be combined with the status"),
    ],
    ids=["show-config-stop", "show-config-restart", "show-config-run-once", "run-once-stop",
         "daemon-with-subcommand"],
)
def test_conflicting_flags_are_refused_and_the_daemon_left_alone(
        cli: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")
    started = cli.run("-c", str(config), "--daemon", "start", "--pid-file-dir", str(tmp_path))
    assert started.returncode == 0, started.stderr
    pid = int(read(pid_path(tmp_path, "default")))

    result = cli.run("-c", str(config), "--pid-file-dir", str(tmp_path), *args)

    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # no configuration printed either
    assert pid_alive(pid)


@pytest.mark.parametrize("log_file", [False, True], ids=["log-on-terminal", "log-file"])
def test_missing_credentials_are_said_once(cli: Cli, tmp_path: Path, log_file: bool) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        cli.env.pop(name, None)
    log = tmp_path / "dd.log"

    result = cli.run("--table-name", "^(a|b)-orders$", "--run-once",
                     *(["--log-file", str(log)] if log_file else []))

    assert result.returncode == 1
    assert result.stderr.count("no AWS credentials found") == 1, result.stderr
    assert "error: ListTables: no AWS credentials found" in result.stderr
    if log_file:  # the log says why the service stopped
        assert "CRITICAL dynamic_dynamodb.service: cannot work with AWS, stopping" in read(log)


def test_a_log_file_named_relative_in_the_config_file_stays_put_across_sighup(
        cli: Cli, tmp_path: Path) -> None:
    """The daemon works in /: ``log-file: dd.log`` in the file means the caller's
    dd.log, at start and after a reload."""
    log = tmp_path / "dd.log"
    write_config(tmp_path / "dd.conf", Path("dd.log"), tables="^a-orders$")
    started = cli.run("-c", "dd.conf", "--daemon", "start", "--pid-file-dir", ".")
    assert started.returncode == 0, started.stderr
    pid = int(read(pid_path(tmp_path, "default")))
    assert "a-orders: reads" in read(log)

    write_config(tmp_path / "dd.conf", Path("dd.log"), tables="^(a|b)-orders$")
    os.kill(pid, signal.SIGHUP)

    wait_for(lambda: "b-orders: reads" in read(log), what="a cycle after the reload, logged")
    assert "configuration reloaded" in read(log)
    assert cli.run("--daemon", "stop", "--pid-file-dir", ".").returncode == 0
