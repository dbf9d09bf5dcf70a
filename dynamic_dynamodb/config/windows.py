"""Maintenance windows as written in a file or flag: ``22:00-23:59,00:00-06:00``.

Parsing only; whether a time falls inside a window is core/windows.py's job. The
original compared "HH:MM" strings, so ``23:00-01:00`` never matched and
``0:00-6:00`` matched noon; here windows are minutes after midnight and may wrap.
"""

from __future__ import annotations

import re

from dynamic_dynamodb.settings import MaintenanceWindow

# ASCII digits only: \d would also take "１２:００" (full-width), which int() accepts.
_TIME = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*")


def parse_time(text: str) -> int:
    """``H:MM`` or ``HH:MM`` to minutes after midnight; ValueError when malformed."""
    match = _TIME.fullmatch(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not a time of day (H:MM or HH:MM, "
                         f"ASCII digits)")
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
