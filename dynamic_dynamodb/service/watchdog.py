"""Is the loop alive? The heartbeat (a cycle hook) and systemd's watchdog pings.

The heartbeat is busy from the start of a cycle to its end: a hook of the
Scheduler marks both. The watchdog thread pings systemd every half watchdog period
while the loop sleeps or runs a cycle younger than the stall limit; a cycle stuck
past it gets no more pings, and systemd restarts the service.
"""

from __future__ import annotations

import logging
import threading
import time

from dynamic_dynamodb.loop import CycleReport
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.settings import Config

log = logging.getLogger("dynamic_dynamodb.service")

# A cycle running longer than this is taken as stuck. Every AWS call has timeouts, so
# only a bug gets here.
MIN_STALL_LIMIT = 900.0


def stall_limit(check_interval: float) -> float:
    """How long a cycle may run before it is taken as stuck: max(15 min, 3 intervals)."""
    return max(MIN_STALL_LIMIT, 3.0 * check_interval)


class Heartbeat:
    """Whether the loop is alive: sleeping, or in a cycle that has not run too long."""

    def __init__(self, stall_limit: float) -> None:
        self.stall_limit = stall_limit
        self._busy_since: float | None = None

    def busy(self) -> None:
        if self._busy_since is None:
            self._busy_since = time.monotonic()

    def idle(self) -> None:
        self._busy_since = None

    def busy_since(self, since: float | None) -> None:
        """A fleet's heartbeat (fleet/runner.py): busy since its oldest running target's
        cycle began, in ``time.monotonic()`` seconds; None: idle."""
        self._busy_since = since

    @property
    def in_cycle(self) -> bool:
        return self._busy_since is not None

    def stuck_for(self) -> float:
        """Seconds the current cycle has run past the stall limit (0 when healthy)."""
        since = self._busy_since
        if since is None:
            return 0.0
        return max(0.0, time.monotonic() - since - self.stall_limit)

    # As a cycle hook: busy from before a cycle (and its reload) to after it.
    def before_cycle(self, config: Config) -> Config:
        self.busy()
        return config

    def after_cycle(self, report: CycleReport) -> None:
        self.idle()


class Watchdog:
    """Pings systemd every half watchdog period while the heartbeat is healthy."""

    def __init__(self, notifier: SystemdNotifier, heartbeat: Heartbeat) -> None:
        self.notifier = notifier
        self.heartbeat = heartbeat
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        timeout = self.notifier.watchdog_timeout
        if timeout is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, args=(timeout / 2,),
                                        name="systemd-watchdog", daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        warned = False
        while not self._done.wait(every):
            if self.heartbeat.stuck_for() <= 0:
                self.notifier.watchdog()
                warned = False
            elif not warned:
                warned = True
                log.error("the current cycle has run over %.0f s: no more watchdog pings, so "
                          "systemd will restart the service", self.heartbeat.stall_limit)

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
