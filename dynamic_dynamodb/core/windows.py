"""Maintenance windows: is a time (UTC) inside one of the slots where decreases may happen?

Windows are minutes after midnight and may wrap midnight (``23:00-01:00``); they are
parsed with the rest of the configuration (config/windows.py).
"""

from __future__ import annotations

from datetime import datetime

from dynamic_dynamodb.settings import MaintenanceWindow


def in_window(window: MaintenanceWindow, now: datetime) -> bool:
    """True when ``now`` (UTC) is inside the window, both ends included."""
    minute = now.hour * 60 + now.minute
    if window.start_minute <= window.end_minute:
        return window.start_minute <= minute <= window.end_minute
    return minute >= window.start_minute or minute <= window.end_minute


def in_any_window(windows: tuple[MaintenanceWindow, ...], now: datetime) -> bool:
    """No windows configured means decreases may happen at any time."""
    return not windows or any(in_window(w, now) for w in windows)
