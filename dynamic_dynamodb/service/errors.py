"""What can go wrong when controlling a daemon, with the context to say so.

cli.py prints ``error: <the exception>`` and exits 1, or 2 for a ``StartFailed``
whose cause was the configuration. Light on purpose: cli.py imports it at start.
"""

from __future__ import annotations

from pathlib import Path

from dynamic_dynamodb.errors import DaemonError


class AlreadyRunning(DaemonError):
    def __init__(self, name: str, pid: int | None, path: Path) -> None:
        super().__init__(f"{name} is already running (pid {pid or '?'}, pid file "
                         f"{path}); use --daemon stop or restart, or another --instance")
        self.pid, self.path = pid, path


class PidDirUnusable(DaemonError):
    def __init__(self, directory: Path) -> None:
        super().__init__(f"the pid file directory {directory} does not exist or is not "
                         f"writable")
        self.directory = directory


class PidUnknown(DaemonError):
    """The pid file is locked (its daemon runs) but names no process to signal."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is locked but names no process; not stopping anything")
        self.path = path


class NotPermitted(DaemonError):
    def __init__(self, pid: int) -> None:
        super().__init__(f"not allowed to signal pid {pid}: run stop as the daemon's user")
        self.pid = pid


class StillRunning(DaemonError):
    """The daemon ignored SIGTERM for ``timeout`` seconds and survived SIGKILL."""

    def __init__(self, pid: int, timeout: float) -> None:
        super().__init__(f"pid {pid} is still running after SIGKILL")
        self.pid, self.timeout = pid, timeout


class StartFailed(DaemonError):
    """The daemon reported why it could not start (``config_error``: exit 2)."""

    def __init__(self, reason: str, config_error: bool = False) -> None:
        super().__init__(f"the daemon failed to start: {reason}")
        self.reason, self.config_error = reason, config_error


class StartUnconfirmed(DaemonError):
    """The daemon said nothing: it exited, or never took its pid file."""
