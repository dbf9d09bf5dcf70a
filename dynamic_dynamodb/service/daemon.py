"""``--daemon start|stop|foreground``: pid-lock files, python-daemon, the start pipe.

Each instance (``DaemonOptions.instance``) has its own pid-lock file
``dynamic-dynamodb.<instance>.pid`` in the pid file directory, so several daemons
with different configurations run side by side.

``start`` forks; the child becomes a daemon with python-daemon's DaemonContext,
runs the service (``wiring.serve``) and reports through the start pipe: ``ready``
once its first cycle has run, or ``fail`` with the reason (pid file taken, log file
unwritable, no AWS credentials...). The parent waits for that report, so a daemon
that could not start is never reported as started.

``stop`` needs no configuration: it sends SIGTERM, waits for the table in hand to
finish and the lock to be released, and sends SIGKILL after a timeout.

Nothing here prints or picks an exit code: each function returns what happened
(``PidFile``, ``Started``, ``Stopped``, a report) or raises a ``DaemonError`` from
``service/errors.py``; cli.py says it and picks the exit code. Restart is cli.py's
``stop`` then ``start``.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dynamic_dynamodb.errors import ConfigError, DaemonError, DynamicDynamoDBError
from dynamic_dynamodb.loop import CycleReport
from dynamic_dynamodb.service.errors import (
    AlreadyRunning,
    NotPermitted,
    PidDirUnusable,
    PidUnknown,
    StartFailed,
    StartUnconfirmed,
    StillRunning,
)
from dynamic_dynamodb.service.options import DaemonOptions, ServiceOptions
from dynamic_dynamodb.service.pidlock import PidLock, State, inspect, pid_path, remove_stale
from dynamic_dynamodb.service.startpipe import Failed, Ready, Reporter, read_report
from dynamic_dynamodb.settings import Config

log = logging.getLogger("dynamic_dynamodb.daemon")

# How long ``stop`` waits for the table in hand before SIGKILL.
STOP_TIMEOUT = 60.0
# How long ``stop`` waits for the lock to go after SIGKILL.
KILL_TIMEOUT = 10.0
# How long ``start`` waits for the first cycle (every AWS call in it has timeouts).
START_TIMEOUT = 120.0
_POLL = 0.05


# -- stop ---------------------------------------------------------------------------
class StopOutcome(enum.Enum):
    NOT_RUNNING = "not running"  # no pid file
    STALE = "stale"  # a pid file nobody held (kill -9, power cut): removed
    STOPPED = "stopped"  # exited after SIGTERM
    KILLED = "killed"  # ignored SIGTERM for the timeout, then SIGKILL


@dataclass(frozen=True)
class Stopped:
    outcome: StopOutcome
    path: Path
    pid: int | None = None
    timeout: float = STOP_TIMEOUT  # how long SIGTERM was given


def stop(options: DaemonOptions, timeout: float = STOP_TIMEOUT) -> Stopped:
    """SIGTERM the instance, wait for it to exit, SIGKILL after ``timeout``."""
    path = pid_path(options.pid_file_dir, options.instance)
    info = inspect(path)
    if info.state is State.ABSENT:
        return Stopped(StopOutcome.NOT_RUNNING, path)
    if info.state is State.STALE:
        remove_stale(path)
        return Stopped(StopOutcome.STALE, path, info.pid)
    if info.pid is None:
        raise PidUnknown(path)
    pid = info.pid
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # exited between our look and the signal; the wait below confirms it
    except PermissionError:
        raise NotPermitted(pid) from None
    if _wait_until_released(path, timeout):
        return Stopped(StopOutcome.STOPPED, path, pid, timeout)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if _wait_until_released(path, KILL_TIMEOUT):
        remove_stale(path)
        return Stopped(StopOutcome.KILLED, path, pid, timeout)
    raise StillRunning(pid, timeout)


def _wait_until_released(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while inspect(path).state is State.RUNNING:
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


# -- the pid file a run will hold -----------------------------------------------------
@dataclass(frozen=True)
class PidFile:
    """A free pid file (absolute: the daemon works in /) and what freeing it took."""

    path: Path
    removed_stale: bool = False
    stale_pid: int | None = None


def free_pid_file(options: DaemonOptions) -> PidFile:
    """The instance's pid file, checked free: a stale one is removed, a live holder refused."""
    path = pid_path(os.path.abspath(options.pid_file_dir), options.instance)
    directory = path.parent
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise PidDirUnusable(directory)
    info = inspect(path)
    if info.state is State.RUNNING:
        raise AlreadyRunning(options.name, info.pid, path)
    if info.state is State.STALE and remove_stale(path):
        return PidFile(path, removed_stale=True, stale_pid=info.pid)
    return PidFile(path)


# -- foreground ---------------------------------------------------------------------
def foreground(pid_file: PidFile, config: Config, load_config: Callable[[], Config],
               options: ServiceOptions) -> CycleReport:
    """Run in this process, holding the pid lock, with the daemon's signals; the last
    cycle's report."""
    from dynamic_dynamodb.service.wiring import serve

    with PidLock(pid_file.path):
        return serve(config, options, load_config=load_config)


# -- start --------------------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    path: Path
    pid: int | None
    status: str | None  # the first cycle's STATUS line; None: not finished within ``waited``
    waited: float = START_TIMEOUT
    first_cycle_error: str | None = None  # the first cycle failed as a whole (retried)
    failed_tables: dict[str, str] = field(default_factory=dict)


def anchored(config: Config, base: str) -> Config:
    """``config`` with its relative file paths made absolute against ``base``: the
    daemon works in /, and the files must stay the ones the caller named."""
    def absolute(value: str | None) -> str | None:
        return os.path.normpath(os.path.join(base, value)) if value else value

    logging_config = dataclasses.replace(config.logging, file=absolute(config.logging.file),
                                         config_file=absolute(config.logging.config_file))
    return dataclasses.replace(config, logging=logging_config, source=absolute(config.source))


def start(pid_file: PidFile, config: Config, load_config: Callable[[], Config],
          options: ServiceOptions, timeout: float = START_TIMEOUT) -> Started:
    """Fork a daemon; return once it reports its first cycle, raise when it reports a failure.

    ``load_config`` (SIGHUP's reload) must not depend on the working directory: cli.py
    gives it the absolute path of the configuration file.
    """
    if options.metrics_port is not None:
        from dynamic_dynamodb.service.prometheus import require_client

        require_client()  # a ConfigError here, not from a daemon that then fails
    base = os.getcwd()
    config = anchored(config, base)

    def reload_config() -> Config:
        return anchored(load_config(), base)

    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child, which never returns
        os.close(read_end)
        _become_daemon(config, reload_config, options, pid_file.path, write_end)
    os.close(write_end)
    os.waitpid(child, 0)  # the first child exits as soon as python-daemon forks again
    with os.fdopen(read_end, "rb") as pipe:
        try:
            report = read_report(pipe.fileno(), timeout)
        except TimeoutError:
            info = inspect(pid_file.path)
            if info.state is State.RUNNING:
                return Started(pid_file.path, info.pid, None, timeout)
            raise StartUnconfirmed("the daemon did not start; see its log") from None
    if isinstance(report, Ready):
        return Started(pid_file.path, report.pid, report.status, timeout, report.error,
                       report.failed_tables)
    if isinstance(report, Failed):
        raise StartFailed(report.reason, report.config_error)
    raise StartUnconfirmed("the daemon exited during start-up; see its log")


def _become_daemon(config: Config, load_config: Callable[[], Config],
                   options: ServiceOptions, path: Path,
                   write_end: int) -> None:  # pragma: no cover - forked child
    """The daemon: detach, run the service, report through the pipe; never returns.

    Its stdio is /dev/null: what it has to say goes through the pipe and its log.
    """
    import daemon as python_daemon

    from dynamic_dynamodb.service.wiring import serve

    reporter = Reporter(write_end)
    clean = False
    context = python_daemon.DaemonContext(
        working_directory="/",
        umask=0o022,
        detach_process=True,
        pidfile=PidLock(path),
        files_preserve=[write_end],
        # Our own SIGTERM/SIGINT/SIGHUP handlers are set by the service; job-control
        # signals from a terminal are ignored.
        signal_map={signal.SIGTSTP: None, signal.SIGTTIN: None, signal.SIGTTOU: None},
    )
    try:
        try:
            context.open()
        except DaemonError as exc:
            reporter.fail(str(exc))
            os._exit(1)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the parent must hear it
            reporter.fail(f"cannot become a daemon: {exc}")
            os._exit(1)
        serve(config, options, load_config=load_config, on_ready=reporter.ready)
        clean = True
    except ConfigError as exc:
        reporter.fail(exc.report(), config_error=True)
    except DynamicDynamoDBError as exc:
        reporter.fail(str(exc))
    except BaseException as exc:
        log.exception("the daemon stopped on an unexpected error")
        reporter.fail(f"unexpected error: {exc!r}")
    finally:
        reporter.fail("the daemon stopped before its first cycle")
        try:
            logging.shutdown()
            context.close()
        finally:
            # Never return into the caller's stack in a forked child. Nobody reads this
            # status (the daemon is detached), but ps and core dumps may.
            os._exit(0 if clean else 1)
