"""``--daemon start|stop|restart|foreground``: pid-lock files and python-daemon.

Each instance (``--instance``, default ``default``) has its own pid-lock file
``dynamic-dynamodb.<instance>.pid`` in ``--pid-file-dir``, so several daemons with
different configurations run side by side.

``start`` forks; the child becomes a daemon with python-daemon's DaemonContext and
writes one line of JSON back through a pipe: ``ready`` once its first cycle has run,
or ``fail`` with the reason (pid file taken, log file unwritable, no AWS
credentials...). The parent waits for that line and exits 0 or non-zero, so a
daemon that could not start is never reported as started.

``stop`` needs no configuration (cli.py calls it before parsing any): it sends
SIGTERM, waits for the table in hand to finish and the lock to be released, and
sends SIGKILL after a timeout, saying so.

Exit codes: 0 ok; 1 runtime failure or daemon control failure (already running,
cannot stop, failed to start); 2 usage or configuration error.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from dynamic_dynamodb.errors import (
    EXIT_OK,
    EXIT_RUNTIME,
    EXIT_USAGE,
    ConfigError,
    DaemonError,
    DynamicDynamoDBError,
    Problem,
)
from dynamic_dynamodb.loop import CycleReport
from dynamic_dynamodb.service.pidlock import PidLock, State, inspect, pid_path, remove_stale
from dynamic_dynamodb.settings import Config

log = logging.getLogger("dynamic_dynamodb.daemon")

# How long ``stop`` waits for the table in hand before SIGKILL.
STOP_TIMEOUT = 60.0
# How long ``start`` waits for the first cycle (every AWS call in it has timeouts).
START_TIMEOUT = 120.0
_POLL = 0.05


def _say(message: str) -> None:
    click.echo(message)


def _complain(message: str) -> None:
    click.echo(message, err=True)


# -- stop ---------------------------------------------------------------------------
def stop(pid_file_dir: str, instance: str, timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM the instance, wait for it to exit, SIGKILL after ``timeout``."""
    path = pid_path(pid_file_dir, instance)
    info = inspect(path)
    name = f"dynamic-dynamodb (instance {instance})"
    if info.state is State.ABSENT:
        _say(f"{name} is not running (no pid file {path})")
        return EXIT_OK
    if info.state is State.STALE:
        remove_stale(path)
        _say(f"{name} is not running; removed the stale pid file {path} (pid "
             f"{info.pid if info.pid else '?'} is gone)")
        return EXIT_OK
    if info.pid is None:
        _complain(f"error: {path} is locked but names no process; not stopping anything")
        return EXIT_RUNTIME
    pid = info.pid
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # exited between our look and the signal; the wait below confirms it
    except PermissionError:
        _complain(f"error: not allowed to signal pid {pid}: run stop as the daemon's user")
        return EXIT_RUNTIME
    if _wait_until_released(path, timeout):
        _say(f"{name} stopped (pid {pid})")
        return EXIT_OK
    _complain(f"{name} (pid {pid}) did not stop within {timeout:g} s of SIGTERM; "
              f"sending SIGKILL")
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if _wait_until_released(path, 10.0):
        remove_stale(path)
        _say(f"{name} killed (pid {pid})")
        return EXIT_OK
    _complain(f"error: pid {pid} is still running after SIGKILL")
    return EXIT_RUNTIME


def _wait_until_released(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while inspect(path).state is State.RUNNING:
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


# -- start --------------------------------------------------------------------------
def control(action: str, config: Config, params: dict[str, Any]) -> int:
    """``--daemon start|restart|foreground|fg`` with a validated configuration."""
    if action in ("start", "restart") and params.get("run_once"):
        raise ConfigError(Problem("--run-once cannot be combined with --daemon start or "
                                  "restart (use --daemon foreground --run-once)", "run-once"))
    if action == "restart":
        code = stop(params["pid_file_dir"], params["instance"])
        if code != EXIT_OK:
            return code
        action = "start"
    if action == "start":
        return start(config, params)
    if action in ("foreground", "fg"):
        return foreground(config, params)
    raise ConfigError(Problem(f"unknown daemon action {action!r}", "daemon"))


def _clear_for_start(path: Path, instance: str) -> bool:
    """False (with a message) when a live process holds the pid file; clears a stale one."""
    info = inspect(path)
    if info.state is State.RUNNING:
        _complain(f"error: dynamic-dynamodb (instance {instance}) is already running (pid "
                  f"{info.pid if info.pid else '?'}, pid file {path}); use --daemon stop or "
                  f"restart, or another --instance")
        return False
    if info.state is State.STALE and remove_stale(path):
        _complain(f"removed a stale pid file {path} (pid {info.pid if info.pid else '?'} is "
                  f"not running)")
    return True


def _load_again(params: dict[str, Any]) -> Any:
    """What SIGHUP calls: the configuration built again from the same flags and file."""
    from dynamic_dynamodb.cli import build_config

    def load() -> Config:
        return build_config(params, dry_run=bool(params.get("dry_run")))

    return load


def _check_metrics_extra(params: dict[str, Any]) -> None:
    if params.get("metrics_port") is None:
        return
    from dynamic_dynamodb.service.prometheus import require_client

    require_client()


def foreground(config: Config, params: dict[str, Any]) -> int:
    """Run in this terminal, holding the instance's pid lock, with the daemon's signals."""
    from dynamic_dynamodb.service.wiring import serve

    path = pid_path(params["pid_file_dir"], params["instance"])
    if not _clear_for_start(path, params["instance"]):
        return EXIT_RUNTIME
    with PidLock(path):
        return serve(config, run_once=bool(params.get("run_once")),
                     metrics_port=params.get("metrics_port"), load_config=_load_again(params))


def _absolute(config: Config, params: dict[str, Any]) -> tuple[Config, dict[str, Any]]:
    """The daemon works in /; paths given relative to the caller's directory must not move."""
    def absolute(value: str | None) -> str | None:
        return os.path.abspath(value) if value else value

    logging_config = dataclasses.replace(config.logging, file=absolute(config.logging.file),
                                         config_file=absolute(config.logging.config_file))
    params = dict(params, config_file=absolute(params.get("config_file")))
    source = absolute(config.source)
    for flag in ("log_file", "log_config_file"):
        if params.get(flag):
            params[flag] = absolute(params[flag])
    return dataclasses.replace(config, logging=logging_config, source=source), params


def start(config: Config, params: dict[str, Any], timeout: float = START_TIMEOUT) -> int:
    """Fork a daemon; return once it reports its first cycle (0) or its failure (1/2)."""
    # Absolute: the daemon works in /.
    path = pid_path(os.path.abspath(params["pid_file_dir"]), params["instance"])
    directory = path.parent
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        _complain(f"error: the pid file directory {directory} does not exist or is not "
                  f"writable")
        return EXIT_RUNTIME
    if not _clear_for_start(path, params["instance"]):
        return EXIT_RUNTIME
    _check_metrics_extra(params)
    config, params = _absolute(config, params)
    if not config.logging.file and not config.logging.config_file:
        _complain("warning: no --log-file or --log-config-file: the daemon's log is discarded")
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child, which never returns
        os.close(read_end)
        _become_daemon(config, params, path, write_end)
    os.close(write_end)
    os.waitpid(child, 0)  # the first child exits as soon as python-daemon forks again
    with os.fdopen(read_end, "rb") as pipe:
        return _await_ready(pipe.fileno(), path, params["instance"], timeout)


class _Reporter:
    """The daemon's side of the start-up pipe: one JSON line, then closed."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd

    def send(self, **message: Any) -> None:
        if self.fd is None:
            return
        try:
            os.write(self.fd, (json.dumps(message) + "\n").encode())
        except OSError:
            pass  # the parent was interrupted; the daemon goes on regardless
        finally:
            os.close(self.fd)
            self.fd = None

    def ready(self, report: CycleReport, status: str) -> None:
        self.send(event="ready", pid=os.getpid(), status=status,
                  failed=dict(report.failed_tables), error=report.error)

    def fail(self, code: int, message: str) -> None:
        self.send(event="fail", code=code, message=message)


def _become_daemon(config: Config, params: dict[str, Any], path: Path,
                   write_end: int) -> None:  # pragma: no cover - forked child
    import daemon as python_daemon

    from dynamic_dynamodb.service.wiring import serve

    reporter = _Reporter(write_end)
    code = EXIT_RUNTIME
    context = python_daemon.DaemonContext(
        working_directory="/",
        umask=0o022,
        detach_process=True,
        pidfile=PidLock(path),
        files_preserve=[write_end],
        # Our own SIGTERM/SIGINT/SIGHUP handlers are set by serve(); job-control
        # signals from a terminal are ignored.
        signal_map={signal.SIGTSTP: None, signal.SIGTTIN: None, signal.SIGTTOU: None},
    )
    try:
        try:
            context.open()
        except DaemonError as exc:
            reporter.fail(EXIT_RUNTIME, str(exc))
            os._exit(EXIT_RUNTIME)
        except Exception as exc:
            reporter.fail(EXIT_RUNTIME, f"cannot become a daemon: {exc}")
            os._exit(EXIT_RUNTIME)
        code = serve(config, run_once=False, metrics_port=params.get("metrics_port"),
                     load_config=_load_again(params), on_ready=reporter.ready)
    except ConfigError as exc:
        reporter.fail(EXIT_USAGE, exc.report())
        code = EXIT_USAGE
    except DynamicDynamoDBError as exc:
        reporter.fail(EXIT_RUNTIME, str(exc))
        code = EXIT_RUNTIME
    except BaseException as exc:
        log.exception("the daemon stopped on an unexpected error")
        reporter.fail(EXIT_RUNTIME, f"unexpected error: {exc!r}")
        code = EXIT_RUNTIME
    finally:
        reporter.fail(EXIT_RUNTIME, "the daemon stopped before its first cycle")
        try:
            logging.shutdown()
            context.close()
        finally:
            os._exit(code)  # never return into the caller's stack in a forked child


def _await_ready(fd: int, path: Path, instance: str, timeout: float) -> int:
    """The parent's side: wait for the daemon's line, then report it and exit."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            info = inspect(path)
            if info.state is State.RUNNING:
                _complain(f"dynamic-dynamodb (instance {instance}) started (pid {info.pid}) "
                          f"but has not finished its first cycle within {timeout:g} s; "
                          f"see its log")
                return EXIT_OK
            _complain("error: the daemon did not start; see its log")
            return EXIT_RUNTIME
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buffer += chunk
    try:
        message = json.loads(buffer.split(b"\n", 1)[0]) if buffer.strip() else {}
    except ValueError:
        message = {}
    if message.get("event") == "ready":
        _say(f"dynamic-dynamodb (instance {instance}) started: pid {message.get('pid')}, "
             f"pid file {path}; {message.get('status', '')}")
        if message.get("error"):
            _complain(f"warning: the first cycle failed and will be retried: "
                      f"{message['error']}")
        for table, why in (message.get("failed") or {}).items():
            _complain(f"warning: {table}: {why}")
        return EXIT_OK
    if message.get("event") == "fail":
        _complain(f"error: the daemon failed to start: {message.get('message', '?')}")
        code = message.get("code", EXIT_RUNTIME)
        return code if code in (EXIT_RUNTIME, EXIT_USAGE) else EXIT_RUNTIME
    _complain("error: the daemon exited during start-up; see its log")
    return EXIT_RUNTIME
