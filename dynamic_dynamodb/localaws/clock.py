"""The local AWS's clock: the wall clock, shifted or frozen on demand.

Tests move it across UTC midnight or an hour of decrease pacing without waiting; the demo
drives it one simulated minute at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone


class LauncherClock:
    """The wall clock, shifted or frozen on demand, so tests can cross UTC midnight."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        return self._frozen if self._frozen is not None else self._wall() + self._offset

    def set(self, now: float, frozen: bool = False) -> None:
        self._frozen = now if frozen else None
        self._offset = 0.0 if frozen else now - self._wall()

    def advance(self, seconds: float) -> None:
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def reset(self) -> None:
        self._offset, self._frozen = 0.0, None

    @property
    def frozen(self) -> bool:
        return self._frozen is not None


# A LauncherClock, or a wall clock (epoch seconds) for a LauncherClock to shift and freeze.
ClockLike = LauncherClock | Callable[[], float]


def as_launcher_clock(clock: ClockLike | None) -> LauncherClock:
    if isinstance(clock, LauncherClock):
        return clock
    return LauncherClock(clock or time.time)


def utc_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, timezone.utc).date()


def next_utc_midnight(epoch: float) -> float:
    day = utc_day(epoch) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def human_utc(epoch: float) -> str:
    """A time in the wording DynamoDB uses in its LimitExceededException message."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%A, %B %d, %Y %I:%M:%S %p UTC")
