"""The pid-lock file: ``dynamic-dynamodb.<instance>.pid``, held with flock() while running.

The file says which process runs an instance; the lock says whether it still does.
A daemon killed with ``kill -9`` leaves its file behind but the kernel drops the
lock, so a stale file is recognised for certain (no guessing from a pid that may
have been reused), and a zombie that has not been reaped yet counts as gone.
"""

from __future__ import annotations

import enum
import fcntl
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from dynamic_dynamodb.errors import ConfigError, DaemonError, Problem

_INSTANCE = re.compile(r"^[A-Za-z0-9_.@-]+$")


def pid_path(pid_file_dir: str | os.PathLike[str], instance: str) -> Path:
    """Where an instance's pid file lives; the instance name must be a plain word."""
    if not _INSTANCE.match(instance) or instance in (".", ".."):
        raise ConfigError(Problem("instance names may use letters, digits and . _ - @ only",
                                  "instance", None, instance, "command line"))
    return Path(pid_file_dir) / f"dynamic-dynamodb.{instance}.pid"


class State(enum.Enum):
    RUNNING = "running"
    STALE = "stale"  # a file without a live holder (kill -9, power loss)
    ABSENT = "absent"


@dataclass(frozen=True)
class PidInfo:
    state: State
    pid: int | None = None


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _locked(path: Path) -> bool | None:
    """True when another open file holds the lock; None when the file is gone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:  # e.g. another user's file in a private directory
        raise DaemonError(f"cannot read pid file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops our probe's shared lock
    return False


def inspect(path: Path) -> PidInfo:
    locked = _locked(path)
    if locked is None:
        return PidInfo(State.ABSENT)
    pid = _read_pid(path)
    if locked:
        # The holder writes its pid right after locking; give it a moment.
        for _ in range(20):
            if pid is not None:
                break
            time.sleep(0.01)
            pid = _read_pid(path)
        return PidInfo(State.RUNNING, pid)
    return PidInfo(State.STALE, pid)


def remove_stale(path: Path) -> bool:
    """Remove the file if (still) nobody holds it; True when removed."""
    if _locked(path) is not False:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class PidLock:
    """Context manager (as python-daemon's ``pidfile`` expects) that holds the lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._inode: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise DaemonError(f"cannot create pid file {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                pid = _read_pid(self.path)
                raise DaemonError(f"already running (pid {pid or '?'}, pid file "
                                  f"{self.path})") from None
            # Someone may have removed the (stale) file between our open and our lock:
            # then we hold a lock on a file nobody can see, so start again.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.fsync(fd)
            self._fd, self._inode = fd, os.fstat(fd).st_ino
            return
        raise DaemonError(f"cannot lock pid file {self.path}: it keeps being replaced")

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(self._fd)
            self._fd = self._inode = None

    def __enter__(self) -> PidLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
