"""``--daemon start|stop|restart``: real processes, pid-lock files, the start-up pipe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dynamic_dynamodb.cli import stop_daemon
from dynamic_dynamodb.service.options import DaemonOptions
from dynamic_dynamodb.service.pidlock import pid_path

from .daemon_support import Cli, pid_alive, read, wait_for, write_config


def _pid(directory: Path, instance: str = "default") -> int:
    return int(read(pid_path(directory, instance)).strip())


def _start(cli: Cli, config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli.run("-c", str(config), "--daemon", "start", "--pid-file-dir",
                   str(cli.workdir), *extra)


def _stop(cli: Cli, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli.run(*extra, "--daemon", "stop", "--pid-file-dir", str(cli.workdir))


def test_start_then_stop(cli: Cli, tmp_path: Path) -> None:
    log = tmp_path / "dd.log"
    started = _start(cli, write_config(tmp_path / "dd.conf", log))
    assert started.returncode == 0, started.stderr
    assert "started: pid" in started.stdout
    pid = _pid(tmp_path)
    assert pid_alive(pid)
    assert "a-orders: reads 10 (95.0 % used) -> 15" in read(log)  # its first cycle has run

    stopped = _stop(cli)

    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped (pid {pid})" in stopped.stdout
    assert not pid_path(tmp_path, "default").exists()
    assert not pid_alive(pid)
    assert "stopped on SIGTERM" in read(log)


def test_second_start_is_refused_while_the_first_runs(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")
    assert _start(cli, config).returncode == 0
    pid = _pid(tmp_path)

    again = _start(cli, config)

    assert again.returncode == 1
    assert f"already running (pid {pid}" in again.stderr
    assert pid_alive(pid) and _pid(tmp_path) == pid


def test_stale_pid_file_left_by_kill_9_is_cleared(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")
    assert _start(cli, config).returncode == 0
    old = _pid(tmp_path)
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not pid_alive(old), what="the killed daemon to go")

    started = _start(cli, config)

    assert started.returncode == 0, started.stderr
    assert f"removed a stale pid file {pid_path(tmp_path, 'default')} (pid {old}" \
        in started.stderr
    assert _pid(tmp_path) != old and pid_alive(_pid(tmp_path))


def test_stop_works_when_the_config_file_is_now_broken(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")
    assert _start(cli, config).returncode == 0
    pid = _pid(tmp_path)
    config.write_text("[table: (unclosed\nreads-upper-threshold: lots\n[nonsense\n")

    stopped = _stop(cli, "-c", str(config))

    assert stopped.returncode == 0, stopped.stderr
    assert not pid_alive(pid)


def test_restart_replaces_the_running_daemon(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path / "dd.conf", tmp_path / "dd.log")
    assert _start(cli, config).returncode == 0
    old = _pid(tmp_path)

    restarted = cli.run("-c", str(config), "--daemon", "restart", "--pid-file-dir",
                        str(tmp_path))

    assert restarted.returncode == 0, restarted.stderr
    assert f"stopped (pid {old})" in restarted.stdout and "started: pid" in restarted.stdout
    assert not pid_alive(old)
    assert _pid(tmp_path) != old and pid_alive(_pid(tmp_path))


def test_stop_when_nothing_runs_says_so(cli: Cli, tmp_path: Path) -> None:
    stopped = _stop(cli)
    assert stopped.returncode == 0
    assert "is not running" in stopped.stdout


def test_instances_run_side_by_side(cli: Cli, tmp_path: Path) -> None:
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    for name in logs:
        config = write_config(tmp_path / f"{name}.conf", logs[name], tables=f"^{name}-orders$")
        result = _start(cli, config, "--instance", name)
        assert result.returncode == 0, result.stderr
    pids = {name: _pid(tmp_path, name) for name in logs}
    assert pids["a"] != pids["b"] and all(pid_alive(p) for p in pids.values())
    assert "a-orders:" in read(logs["a"]) and "b-orders:" not in read(logs["a"])
    assert "b-orders:" in read(logs["b"]) and "a-orders:" not in read(logs["b"])

    assert _stop(cli, "--instance", "a").returncode == 0

    assert not pid_alive(pids["a"]) and pid_alive(pids["b"])


@pytest.mark.parametrize(
    ("setting", "env_drop", "code", "message"),
    [
        ("log-file", (), 2, "cannot open log file"),
        ("", ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), 1, "no AWS credentials"),
    ],
    ids=["unwritable-log-file", "no-credentials"],
)
def test_a_daemon_that_cannot_start_is_reported(cli: Cli, tmp_path: Path, setting: str,
                                                 env_drop: tuple[str, ...], code: int,
                                                 message: str) -> None:
    log = tmp_path / ("missing-dir/dd.log" if setting == "log-file" else "dd.log")
    config = write_config(tmp_path / "dd.conf", log)
    for name in env_drop:
        cli.env.pop(name, None)

    started = _start(cli, config)

    assert started.returncode == code, started.stderr
    assert "the daemon failed to start" in started.stderr and message in started.stderr
    assert not pid_path(tmp_path, "default").exists()


def test_start_with_run_once_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = _start(cli, write_config(tmp_path / "dd.conf", tmp_path / "dd.log"), "--run-once")
    assert result.returncode == 2
    assert "--run-once cannot be combined" in result.stderr


def test_bad_instance_name_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = _stop(cli, "--instance", "../etc")
    assert result.returncode == 2
    assert "instance names may use" in result.stderr


HOLDER = """
import fcntl, os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
time.sleep(60)
"""


def test_stop_sends_sigkill_after_the_timeout(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A process that ignores SIGTERM (a wedged daemon) is killed, and stop says so."""
    path = pid_path(tmp_path, "stuck")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

        code = stop_daemon(DaemonOptions("stuck", str(tmp_path)), timeout=0.5)

        assert code == 0
        assert holder.wait(timeout=10) == -signal.SIGKILL
        out = capsys.readouterr()
        assert "did not stop within 0.5 s of SIGTERM; sending SIGKILL" in out.err
        assert f"killed (pid {holder.pid})" in out.out
        assert not path.exists()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
