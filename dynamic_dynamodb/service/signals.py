"""The service's signals: SIGTERM/SIGINT ask it to stop, SIGHUP to reload.

Handlers only set Events; the Scheduler's loop and its hooks act on them: the stop
Event ends the sleep between cycles at once and leaves the remaining tables of a
cycle for the next run; the reload Event also sets ``wake``, which ends the sleep
early, so the reload is served at once, by the hooks before the next cycle.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


class Signals:
    """SIGTERM/SIGINT -> ``stop``; SIGHUP -> ``reload`` (when the service reloads)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.reload = threading.Event()
        # Ends the sleep between cycles early (SystemClock): set with ``reload``.
        self.wake = threading.Event()
        self.received: str | None = None  # the name of the stop signal, for the log
        self._previous: dict[int, Any] = {}

    def on_stop(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signal.Signals(signum).name
        self.stop.set()

    def on_reload(self, _signum: int, _frame: FrameType | None) -> None:
        self.reload.set()
        self.wake.set()

    def install(self, reload: bool) -> None:
        """Handle the signals in this process (main thread only) until ``restore``."""
        wanted: dict[int, Callable[[int, FrameType | None], None]] = {
            signal.SIGTERM: self.on_stop, signal.SIGINT: self.on_stop}
        if reload:
            wanted[signal.SIGHUP] = self.on_reload
        for signum, handler in wanted.items():
            self._previous[signum] = signal.signal(signum, handler)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
