"""Log handlers that survive their disk.

A daemon's log file meets a full disk, a read-only remount, logrotate moving it away,
and an operator deleting it or its directory. The standard handlers print a traceback
to stderr for every record that fails, and keep writing into a deleted file until they
are reopened. These do not:

* A record that cannot be written is counted as lost. One notice goes to stderr at the
  first loss and then at most one per ``NOTICE_INTERVAL`` seconds, with the number of
  records lost; the daemon goes on. When writing works again, a warning record says
  how many were lost. The broken stream is dropped, so the next record opens the file
  again (a stale handle never poisons every later record).
* Before each record the file's path is checked, as ``WatchedFileHandler`` does: a
  file deleted or moved away (logrotate without ``copytruncate``) is reopened at its
  path. A deleted directory is made again, once per loss, if it is the directory the
  file was first opened in, with that directory's permission bits (and owner, when
  running as root); only that one level: a missing parent means something larger
  happened, and nothing is created above it.
* Size-based rotation stays as ``RotatingFileHandler`` does it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

# At most one notice to stderr per this many seconds while records are being lost.
NOTICE_INTERVAL = 60.0


class LostRecords:
    """Counts records a handler could not write and says so on stderr, rate-limited."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic,
                 interval: float = NOTICE_INTERVAL) -> None:
        self.what = what
        self._clock = clock
        self._interval = interval
        self.lost = 0  # since writing last worked
        self._unreported = 0  # since the last notice
        self._last_notice: float | None = None

    def record_lost(self, error: BaseException | None) -> None:
        self.lost += 1
        self._unreported += 1
        now = self._clock()
        if self._last_notice is not None and now - self._last_notice < self._interval:
            return
        reason = _reason(error)
        if self._last_notice is None:
            text = (f"cannot write {self.what} ({reason}); log records are being lost, "
                    f"going on without them")
        else:
            text = (f"still cannot write {self.what} ({reason}); {self._unreported} more "
                    f"log record(s) lost")
        self._last_notice = now
        self._unreported = 0
        _notice(text)

    def written(self) -> int:
        """Writing worked: how many records were lost before (the count starts again)."""
        lost = self.lost
        if lost:
            self.lost = self._unreported = 0
            self._last_notice = None
            _notice(f"{self.what} is writable again; {lost} log record(s) were lost")
        return lost


def _reason(error: BaseException | None) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__ if error is not None else "unknown error"


def _notice(text: str) -> None:
    """One line to stderr; a stderr that fails too is left alone (nowhere else to go)."""
    stream: TextIO | None = sys.stderr
    if stream is None:
        return
    try:
        stream.write(f"dynamic-dynamodb: {text}\n")
        stream.flush()
    except Exception:  # noqa: BLE001 - a closed or full stderr: nothing more can be said
        pass


class QuietStreamHandler(logging.StreamHandler):
    """A StreamHandler (stderr) whose failures are counted, not printed per record."""

    def __init__(self, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(stream)
        self.losses = LostRecords("the log stream", clock)

    def emit(self, record: logging.LogRecord) -> None:
        before = self.losses.lost
        super().emit(record)
        if before and self.losses.lost == before:
            self.losses.written()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        self.losses.record_lost(sys.exc_info()[1])


class SafeFileHandler(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler that reopens a deleted or moved file, recreates its deleted
    directory, and loses records quietly (see the module's text) when it cannot write."""

    def __init__(self, filename: str, max_bytes: int, backup_count: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._identity: tuple[int, int] | None = None
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count,
                         encoding="utf-8")
        directory = os.path.dirname(self.baseFilename)
        found = os.stat(directory)
        self._directory = directory
        self._directory_mode = stat.S_IMODE(found.st_mode)
        self._directory_owner = (found.st_uid, found.st_gid)
        self.losses = LostRecords(f"log file {self.baseFilename}", clock)

    # -- opening ------------------------------------------------------------------
    def _open(self) -> Any:
        try:
            stream = super()._open()
        except FileNotFoundError:
            if not self._recreate_directory():
                raise
            stream = super()._open()
        try:
            found = os.fstat(stream.fileno())
            self._identity = (found.st_dev, found.st_ino)
        except OSError:
            self._identity = None
        return stream

    def _recreate_directory(self) -> bool:
        """Make the file's directory again if it was deleted; whether it was made."""
        directory = getattr(self, "_directory", None)
        if directory is None or os.path.isdir(directory):
            return False  # not set up yet (the first open), or not the problem
        try:
            os.mkdir(directory, self._directory_mode)
            os.chmod(directory, self._directory_mode)  # mkdir's mode is cut by the umask
            if os.geteuid() == 0:
                os.chown(directory, *self._directory_owner)
        except FileExistsError:
            return True  # made meanwhile by someone else
        except OSError:
            return False
        return True

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None
        self._identity = None
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass  # unflushed data on a broken file: already counted as lost

    def _reopen_if_gone(self) -> None:
        """WatchedFileHandler's check: a path that no longer names the open file (deleted,
        moved away, replaced) is reopened by the next write."""
        if self.stream is None:
            return
        try:
            found = os.stat(self.baseFilename)
        except (FileNotFoundError, NotADirectoryError):
            found = None
        except OSError:
            return  # cannot tell (EACCES on the directory...): keep the open file
        if found is None or (found.st_dev, found.st_ino) != self._identity:
            self._drop_stream()

    # -- writing ------------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        before = self.losses.lost
        self._reopen_if_gone()
        super().emit(record)  # rotation, opening, writing; failures go to handleError
        if before and self.losses.lost == before:
            lost = self.losses.written()
            self._write_loss_note(lost, record)

    def _write_loss_note(self, lost: int, after: logging.LogRecord) -> None:
        note = logging.LogRecord(__name__, logging.WARNING, __file__, 0,
                                 "%d log record(s) were lost before this point: the log "
                                 "file could not be written", (lost,), None)
        note.created, note.msecs = after.created, after.msecs
        super().emit(note)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        self.losses.record_lost(sys.exc_info()[1])
        self._drop_stream()  # the next record opens the file again
