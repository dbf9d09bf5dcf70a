"""DynamoDB's decrease rule and the spending rule, around UTC midnight."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core import budget
from dynamic_dynamodb.settings import DecreasePlan

UTC = timezone.utc


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("used,last,now,allowed", [
    (0, None, at(26, 12), True),
    (3, at(26, 11, 50), at(26, 12), True),
    (4, at(26, 11, 50), at(26, 12), False),          # 5th within the hour: refused
    (4, at(26, 11, 0), at(26, 12), True),            # an hour since the last
    (10, at(26, 23, 30), at(26, 23, 59), False),
    (10, at(26, 23, 30), at(27, 0, 1), True),        # new UTC day: counter reset
    (4, at(25, 23, 59), at(26, 0, 0), True),
], ids=["fresh", "fourth", "fifth-too-soon", "hourly", "late-night", "after-midnight",
        "yesterday"])
def test_dynamodb_rule(used, last, now, allowed):
    assert budget.dynamodb_allows(used, last, now).allowed is allowed


def test_next_decrease_time_is_reported():
    verdict = budget.dynamodb_allows(4, at(26, 13, 5), at(26, 13, 30))
    assert verdict.next_at == at(26, 14, 5)
    assert "next at 14:05 UTC" in verdict.message


def test_next_decrease_time_caps_at_midnight():
    verdict = budget.dynamodb_allows(6, at(26, 23, 30), at(26, 23, 40))
    assert verdict.next_at == at(27, 0, 0)


@pytest.mark.parametrize("used,last,now,allowed", [
    (1, at(26, 7, 0), at(26, 7, 20), True),     # 2nd quick decrease after 06:00
    (1, at(26, 1, 0), at(26, 1, 20), False),    # 2nd quick one before 06:00: wait
    (1, at(26, 1, 0), at(26, 2, 0), True),      # an hour later: pacing never delays
    (3, at(26, 15, 0), at(26, 15, 10), False),  # the last quick one waits for 18:00
    (3, at(26, 18, 0), at(26, 18, 10), True),
], ids=["second-after-6", "second-before-6", "hour-later", "fourth-before-18",
        "fourth-after-18"])
def test_pacing(used, last, now, allowed):
    assert budget.paced(used, last, now).allowed is allowed


def test_worth_it():
    plan = DecreasePlan(min_saving_percent=10, min_saving_units=1)
    assert budget.worth_it(100, 90, plan).allowed
    assert not budget.worth_it(100, 95, plan).allowed
    assert budget.worth_it(3, 2, plan).allowed
    assert not budget.worth_it(1, 1, plan).allowed


def test_may_decrease_combines_rules():
    plan = DecreasePlan()
    assert not budget.may_decrease(1, at(26, 1), at(26, 1, 30), plan).allowed
    assert budget.may_decrease(1, at(26, 1), at(26, 1, 30), plan, pacing=False).allowed
    assert budget.may_decrease(0, None, at(26, 0, 0) + timedelta(seconds=1), plan).allowed
