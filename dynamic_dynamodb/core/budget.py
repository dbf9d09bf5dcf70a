"""DynamoDB's decrease budget, and the rule by which the daemon spends it.

DynamoDB's rule, per table and per GSI, per UTC day: the first 4 decreases are
free; after that, one decrease per 3600 s since the last one. A decrease that
breaks it is refused (LimitExceededException), so the daemon never sends one.

The spending rule (documented in the README), on top of DynamoDB's:
1. Worth it: a decrease must save at least ``min_saving_percent`` of the current
   capacity and ``min_saving_units`` units; smaller dips are not worth one.
2. Pacing: the free decreases are what allow quick successive drops. While the
   last decrease is less than an hour old, the n-th decrease of the day
   (n = decreases used + 1) waits until (n - 1) x 6 h UTC, so a morning dip
   cannot use up the quick decreases that the evening drop needs. Once an hour
   has passed since the last decrease, pacing never delays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.settings import DecreasePlan

FREE_DECREASES_PER_DAY = 4
DECREASE_INTERVAL = timedelta(seconds=3600)
PACE_HOURS_PER_DECREASE = 6


@dataclass(frozen=True)
class BudgetVerdict:
    allowed: bool
    message: str
    next_at: datetime | None = None


def decreases_used_today(decreases_today: int, last_decrease: datetime | None,
                         now: datetime) -> int:
    """DynamoDB resets the counter at UTC midnight; a stale counter from yesterday is 0."""
    if last_decrease is None:
        return decreases_today
    if last_decrease.date() < now.date():
        return 0
    return decreases_today


def dynamodb_allows(decreases_today: int, last_decrease: datetime | None,
                    now: datetime) -> BudgetVerdict:
    used = decreases_used_today(decreases_today, last_decrease, now)
    if used < FREE_DECREASES_PER_DAY:
        return BudgetVerdict(True, f"{used} of {FREE_DECREASES_PER_DAY} free decreases used today")
    if last_decrease is None:
        # The counter says the free ones are spent but not when the last one was: the
        # hourly allowance is unknown, and unknown never allows a decrease.
        return BudgetVerdict(False, f"{used} decreases used today, the time of the last "
                                    f"unknown (no LastDecreaseDateTime)")
    next_at = last_decrease + DECREASE_INTERVAL
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                tzinfo=now.tzinfo)
    if now >= next_at:
        return BudgetVerdict(True, f"{used} decreases used today, last over an hour ago")
    return BudgetVerdict(
        False,
        f"{used} decreases used today, next at {min(next_at, midnight):%H:%M} UTC",
        min(next_at, midnight),
    )


def paced(decreases_today: int, last_decrease: datetime | None, now: datetime) -> BudgetVerdict:
    used = decreases_used_today(decreases_today, last_decrease, now)
    if used == 0 or last_decrease is None or now - last_decrease >= DECREASE_INTERVAL:
        return BudgetVerdict(True, "pace allows")
    if used >= FREE_DECREASES_PER_DAY:
        return BudgetVerdict(True, "pace allows")
    opens = datetime.combine(now.date(), datetime.min.time(), tzinfo=now.tzinfo) + timedelta(
        hours=PACE_HOURS_PER_DECREASE * used
    )
    earliest = min(opens, last_decrease + DECREASE_INTERVAL)
    if now >= earliest:
        return BudgetVerdict(True, "pace allows")
    return BudgetVerdict(
        False,
        f"{used} decreases used today, keeping the quick ones for later: next at "
        f"{earliest:%H:%M} UTC",
        earliest,
    )


def worth_it(current: int, target: int, plan: DecreasePlan) -> BudgetVerdict:
    saving = current - target
    needed = max(plan.min_saving_units, current * plan.min_saving_percent / 100.0)
    if saving >= needed:
        return BudgetVerdict(True, "saving worth a decrease")
    return BudgetVerdict(
        False,
        f"saving {saving} of {current} units is below the {plan.min_saving_percent:g} % "
        f"worth spending a decrease on",
    )


def may_decrease(decreases_today: int, last_decrease: datetime | None, now: datetime,
                 plan: DecreasePlan, pacing: bool = True) -> BudgetVerdict:
    """DynamoDB's rule, then pacing; the first verdict that refuses wins."""
    verdict = dynamodb_allows(decreases_today, last_decrease, now)
    if not verdict.allowed or not pacing:
        return verdict
    return paced(decreases_today, last_decrease, now)
