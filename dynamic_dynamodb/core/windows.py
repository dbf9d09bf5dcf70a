"""Maintenance windows: time slots (UTC) in which decreases may happen.

The original compared "HH:MM" strings, so ``23:00-01:00`` never matched and
``0:00-6:00`` matched noon. Here windows are minutes after midnight and may wrap.
"""

from __future__ import annotations

import re
from datetime import datetime

from dynamic_dynamodb.settings import MaintenanceWindow

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_time(text: str) -> int:
    """``H:MM`` or ``HH:MM`` to minutes after midnight; ValueError when malformed."""
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not a time of day (H:MM or HH:MM)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day (00:00 to 23:59)")
    return hours * 60 + minutes


def parse_windows(text: str) -> tuple[MaintenanceWindow, ...]:
    """``22:00-23:59,00:00-06:00`` to windows; ValueError names the bad part."""
    windows = []
    for part in text.split(","):
        if not part.strip():
            continue
        if part.count("-") != 1:
            raise ValueError(f"{part.strip()!r} is not a window (start-end, e.g. 22:00-06:00)")
        start, end = part.split("-")
        windows.append(MaintenanceWindow(parse_time(start), parse_time(end)))
    if not windows:
        raise ValueError("no window given (e.g. 22:00-23:59,00:00-06:00)")
    return tuple(windows)


def in_window(window: MaintenanceWindow, now: datetime) -> bool:
    """True when ``now`` (UTC) is inside the window, both ends included."""
    minute = now.hour * 60 + now.minute
    if window.start_minute <= window.end_minute:
        return window.start_minute <= minute <= window.end_minute
    return minute >= window.start_minute or minute <= window.end_minute


def in_any_window(windows: tuple[MaintenanceWindow, ...], now: datetime) -> bool:
    """No windows configured means decreases may happen at any time."""
    return not windows or any(in_window(w, now) for w in windows)
