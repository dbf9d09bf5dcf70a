"""systemd's notify protocol (sd_notify) in a few lines of standard library.

With ``Type=notify`` systemd passes ``NOTIFY_SOCKET`` (a unix datagram socket; a
leading ``@`` means the Linux abstract namespace) and, with ``WatchdogSec=``,
``WATCHDOG_USEC``. We send ``READY=1`` once the first cycle has run, ``STATUS=...``
after each cycle, ``WATCHDOG=1`` while the loop is healthy, ``RELOADING=1`` around
a SIGHUP reload and ``STOPPING=1`` on the way out. Without ``NOTIFY_SOCKET`` every
call is a no-op, so the same code runs under systemd, SysV init or a terminal.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


def socket_address(value: str | None) -> str | None:
    """The address to send to: a path, or an abstract name (``@name`` -> ``\\0name``)."""
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    return None  # vsock and other families are not used for services like this one


def watchdog_seconds(environ: Mapping[str, str], pid: int | None = None) -> float | None:
    """The watchdog timeout systemd expects pings within, or None when it is off.

    ``WATCHDOG_PID``, when set, names the process the watchdog is meant for: a
    child that inherited the variables must not ping on its parent's behalf.
    """
    raw = environ.get("WATCHDOG_USEC")
    if not raw:
        return None
    wanted_pid = environ.get("WATCHDOG_PID")
    if wanted_pid and wanted_pid.strip() != str(pid if pid is not None else os.getpid()):
        return None
    try:
        usec = int(raw)
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


class SystemdNotifier:
    """Sends sd_notify messages; silent and harmless when not run by systemd."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.address = socket_address(env.get("NOTIFY_SOCKET"))
        self.watchdog_timeout = watchdog_seconds(env) if self.address else None
        self._failed_once = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """Send ``KEY=value`` lines as one datagram; False when not sent."""
        if self.address is None:
            return False
        message = "\n".join(fields).encode("utf-8", "replace")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self.address)
                sock.sendall(message)
        except OSError as exc:
            # A notification that cannot be delivered must never hurt the service.
            if not self._failed_once:
                self._failed_once = True
                log.warning("cannot notify systemd on %s: %s", self.address.lstrip("\0"), exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        # One line only: a newline would start a new field.
        return self.send(f"STATUS={' '.join(text.splitlines())}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def reloading(self) -> bool:
        # MONOTONIC_USEC lets Type=notify-reload match this message to the reload it asked for.
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send("RELOADING=1", f"MONOTONIC_USEC={usec}")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")
