"""Maintenance windows: parsed as times, wrapping midnight, no leading zero needed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.config.windows import parse_windows
from dynamic_dynamodb.core import windows


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,hour,minute,inside", [
    ("22:00-23:59,00:00-06:00", 23, 0, True),
    ("22:00-23:59,00:00-06:00", 6, 0, True),
    ("22:00-23:59,00:00-06:00", 6, 1, False),
    ("23:00-01:00", 0, 30, True),
    ("23:00-01:00", 1, 1, False),
    ("0:00-6:00", 12, 0, False),
    ("0:00-6:00", 5, 59, True),
], ids=["evening", "end-inclusive", "after-end", "wrap", "after-wrap", "noon", "early"])
def test_in_any_window(text, hour, minute, inside):
    assert windows.in_any_window(parse_windows(text), at(hour, minute)) is inside


def test_no_windows_means_any_time():
    assert windows.in_any_window((), at(12))


@pytest.mark.parametrize("text", ["22:00", "25:00-26:00", "aa-bb", "10:60-11:00", "", "1-2-3",
                                  "２２:００-２３:００", "22:00-23:0٠"])
def test_malformed_windows_rejected(text):
    with pytest.raises(ValueError, match=r"not a|no window|window"):
        parse_windows(text)
