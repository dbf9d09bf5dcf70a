"""The start pipe: how a daemon tells the ``--daemon start`` that forked it how it went.

The daemon writes one line of JSON and closes its end: ``ready`` once its first
cycle has run (pid, the STATUS line, the first cycle's failures), or ``fail`` with
the reason. The parent reads that line, waiting up to a timeout; a pipe closed
without a line means the daemon died before it could say anything.
"""

from __future__ import annotations

import json
import os
import select
import time
from dataclasses import dataclass, field
from typing import Any

from dynamic_dynamodb.loop import CycleReport


@dataclass(frozen=True)
class Ready:
    pid: int | None
    status: str
    failed_tables: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # the first cycle failed as a whole (it is retried)


@dataclass(frozen=True)
class Failed:
    reason: str
    config_error: bool = False


class Reporter:
    """The daemon's end: one message, then closed (later calls do nothing)."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd

    def _send(self, **message: Any) -> None:
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
        self._send(event="ready", pid=os.getpid(), status=status,
                   failed=dict(report.failed_tables), error=report.error)

    def fail(self, reason: str, config_error: bool = False) -> None:
        self._send(event="fail", reason=reason, config_error=config_error)


def read_report(fd: int, timeout: float) -> Ready | Failed | None:
    """The parent's end: the daemon's message, or None when it closed without one.

    Raises TimeoutError when nothing came within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
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
        return Ready(message.get("pid"), str(message.get("status", "")),
                     dict(message.get("failed") or {}), message.get("error"))
    if message.get("event") == "fail":
        return Failed(str(message.get("reason", "?")), bool(message.get("config_error")))
    return None
