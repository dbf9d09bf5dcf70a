"""The SysV init script drives the real daemon: start, status, reload, stop."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .daemon_support import ROOT, Cli, kill_quietly, make_tables, read, wait_for, write_config

SCRIPT = ROOT / "contrib" / "init.d" / "dynamic-dynamodb"


@pytest.fixture
def initd(aws_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    make_tables()
    wrapper = tmp_path / "dynamic-dynamodb"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m dynamic_dynamodb "$@"\n')
    wrapper.chmod(0o755)
    write_config(tmp_path / "dd.conf", tmp_path / "from-config.log", tables="^a-orders$")
    env = dict(Cli(aws_env, tmp_path).env, DAEMON=str(wrapper), CONFIG=str(tmp_path / "dd.conf"),
               PIDDIR=str(tmp_path / "run"), LOG_FILE=str(tmp_path / "log" / "dd.log"),
               RUN_AS="", INSTANCE="initd")
    yield env
    pid_file = tmp_path / "run" / "dynamic-dynamodb.initd.pid"
    if read(pid_file).strip().isdigit():
        kill_quietly(int(read(pid_file)))


def _service(env: dict[str, str], action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(SCRIPT), action], env=env, capture_output=True, text=True,
                          timeout=90, cwd="/")


def test_init_script_start_status_reload_stop(initd: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "log" / "dd.log"
    assert _service(initd, "status").returncode == 3

    started = _service(initd, "start")
    assert started.returncode == 0, started.stderr
    status = _service(initd, "status")
    assert status.returncode == 0 and "is running (pid" in status.stdout
    assert "a-orders: reads" in read(log)  # LOG_FILE overrides the config's log file

    write_config(tmp_path / "dd.conf", tmp_path / "from-config.log", tables="^(a|b)-orders$")
    assert _service(initd, "reload").returncode == 0
    wait_for(lambda: "b-orders: reads" in read(log), what="a cycle with the reloaded file")

    (tmp_path / "dd.conf").write_text("[broken\n")  # stop must not need a valid config
    stopped = _service(initd, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert _service(initd, "status").returncode == 3


def test_init_script_status_of_a_dead_daemon(initd: dict[str, str], tmp_path: Path) -> None:
    assert _service(initd, "start").returncode == 0
    pid_file = tmp_path / "run" / "dynamic-dynamodb.initd.pid"
    pid = int(read(pid_file))
    os.kill(pid, 9)
    wait_for(lambda: _service(initd, "status").returncode == 1, what="status 1")
    assert "dead but its pid file" in _service(initd, "status").stdout
    restarted = _service(initd, "start")  # the stale pid file is cleared
    assert restarted.returncode == 0, restarted.stderr
    assert "removed a stale pid file" in restarted.stderr
