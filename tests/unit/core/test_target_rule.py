"""The target mode's rule for one minute (core/target_rule.py), on cases computed by hand:
level, trend (diff and median) and its learned trust, the burst floor, small
increases, the cold start, drops and drifts, and DynamoDB's decrease rule."""

from __future__ import annotations

import dataclasses

import pytest

from dynamic_dynamodb.core import target_rule
from dynamic_dynamodb.core.target import MEMORY_MINUTES
from dynamic_dynamodb.core.target_rule import (
    CANDIDATE_NAMES,
    CANDIDATES,
    F1,
    V1,
    Facts,
    Params,
    Trust,
)
from dynamic_dynamodb.settings import TARGET_CANDIDATE_NAMES

PLAIN = dataclasses.replace(V1, trend="off", burst_div=0.0)  # the level alone
V1_NO_FLOOR = dataclasses.replace(V1, burst_div=0.0)
F1_PINNED = F1


def facts(capacity: int, **changes: object) -> Facts:
    base = Facts(minute=1000, minute_of_day=720, capacity=capacity, decreases_used=0,
                 since_decrease=None, since_increase=None)
    return base._replace(**changes)  # type: ignore[arg-type]


def plan(p: Params, demand: list[float | None], capacity: int, trust: Trust | None = None,
         scale: float = 1.0, window: int = 0, **changes: object) -> tuple[int, str]:
    got, _ = target_rule.plan(p, scale, demand, len(demand) - 1, 0,
                              facts(capacity, **changes), trust or Trust(), window)
    return got.target, got.code


RAMP = [100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0, 170.0, 180.0]
# An hour with short surges: the 90th percentile is 90, a floor of 60.
SURGES = [20.0] * 48 + [90.0] * 6 + [20.0] * 6

# (id, params, demand, capacity, changes, expected (target, code))
CASES = [
    ("level-is-the-peak-of-3-minutes", PLAIN, [10.0, 10.0, 10.0, 90.0, 50.0, 50.0], 50, {},
     (100, "target-increase")),
    ("unknown-minutes-are-skipped", PLAIN, [10.0] * 5 + [45.0, None, 40.0], 30, {},
     (50, "target-increase")),
    # (130 - 100) / 3 = 10 a minute, 4 minutes ahead: 130 / 0.9 + 40 = 184.4.
    ("diff-trend", V1_NO_FLOOR, [100.0] * 5 + [110.0, 120.0, 130.0], 100, {},
     (185, "target-increase")),
    # A step rises once: the median of 7 one-minute rises is 0; 160 / 0.95 = 168.4.
    ("median-trend-ignores-a-step", F1, [100.0] * 8 + [160.0], 100, {},
     (169, "target-increase")),
    # A ramp rises every minute: 10 a minute; 180 / 0.95 + 40 = 229.5.
    ("median-trend-follows-a-ramp", F1, RAMP, 100, {}, (230, "target-increase")),
    ("no-trend-before-enough-minutes", V1_NO_FLOOR, [100.0, 130.0], 100, {},
     (145, "target-increase")),
    ("burst-floor", V1, SURGES, 40, {}, (60, "target-increase")),
    ("small-increase-waits-while-demand-fits", PLAIN, [95.0] * 5, 100, {},
     (100, "target-small-increase")),
    ("small-increase-goes-when-demand-exceeds", PLAIN, [101.0] * 5, 100, {},
     (113, "target-increase")),
    ("fits", PLAIN, [90.0] * 5, 100, {}, (100, "target-met")),
    ("cold-start", PLAIN, [10.0] * 4, 100, {}, (100, "too-few-known-minutes")),
    ("cold-start-a-lookback-period", PLAIN, [10.0] * 6, 100, {"window": 7},
     (100, "too-few-known-minutes")),
    ("cold-start-a-gap", PLAIN, [10.0] * 5 + [None] + [10.0] * 4, 100, {},
     (100, "too-few-known-minutes")),
    ("drift", PLAIN, [50.0] * 5, 100, {}, (56, "target-drift")),
    ("drift-keeps-the-5-minute-peak", PLAIN, [80.0, 50.0, 50.0, 50.0, 50.0], 100, {},
     (89, "target-drift")),
    ("drift-not-below-the-burst-floor", V1, SURGES, 100, {}, (60, "target-drift")),
    ("not-worth", PLAIN, [86.0] * 5, 100, {}, (100, "target-not-worth")),
    ("idle-decreases-to-1", PLAIN, [0.0] * 5, 100, {}, (1, "target-drift")),
    # f1: the last 3 minutes below 30 % of 120: a drop to 20 / 0.85 = 23.5.
    ("drop", F1, [100.0] * 10 + [20.0] * 3, 120, {}, (24, "target-drop")),
    ("drop-is-not-paced-by-the-hour", F1, [100.0] * 10 + [20.0] * 3, 120,
     {"decreases_used": 2, "since_decrease": 5}, (24, "target-drop")),
    ("no-drop-right-after-an-increase", F1, [100.0] * 10 + [20.0] * 3, 120,
     {"since_increase": 5}, (120, "target-after-increase")),
    # DynamoDB allows no drop now; the drift (the 10-minute peak) is not worth one.
    ("drop-held-by-dynamodb-falls-to-the-drift", F1, [100.0] * 10 + [20.0] * 3, 120,
     {"decreases_used": 4, "since_decrease": 30}, (120, "target-not-worth")),
    ("drift-waits-an-hour-after-a-decrease", F1, [50.0] * 10, 100, {"since_decrease": 30},
     (100, "target-drift-hourly")),
    ("drift-after-an-hour", F1, [50.0] * 10, 100, {"since_decrease": 60},
     (59, "target-drift")),
    ("dynamodb-allows-no-5th-within-the-hour", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 4, "since_decrease": 30}, (100, "decrease-budget")),
    ("dynamodb-allows-one-an-hour-after-4", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 4, "since_decrease": 60}, (56, "target-drift")),
    ("4-used-the-time-of-the-last-unknown", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 4, "since_decrease": None}, (100, "decrease-budget")),
    ("budget-unknown", PLAIN, [50.0] * 5, 100, {"decreases_used": None},
     (100, "decrease-budget-unknown")),
    # v1 paces: the 2nd decrease of the day opens at 06:00 UTC (or an hour after the 1st).
    ("paced", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 1, "since_decrease": 10, "minute_of_day": 60}, (100, "target-paced")),
    ("pace-open", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 1, "since_decrease": 10, "minute_of_day": 360}, (56, "target-drift")),
    ("pace-an-hour-after", PLAIN, [50.0] * 5, 100,
     {"decreases_used": 1, "since_decrease": 60, "minute_of_day": 60}, (56, "target-drift")),
]


@pytest.mark.parametrize("p,demand,capacity,changes,expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_plan(p: Params, demand: list[float | None], capacity: int,
              changes: dict[str, object], expected: tuple[int, str]) -> None:
    window = changes.pop("window", 0)
    assert plan(p, demand, capacity, window=window, **changes) == expected  # type: ignore[arg-type]


def test_a_trusted_less_trend_projects_less() -> None:
    rising = [100.0] * 5 + [110.0, 120.0, 130.0]

    assert plan(V1_NO_FLOOR, rising, 100, Trust(0.5)) == (165, "target-increase")


def test_the_target_utilisation_scales_up_and_down() -> None:
    # 45 % over the design's 90 %: v1's 0.9 becomes 0.45.
    assert plan(PLAIN, [90.0] * 5, 100, scale=0.5) == (200, "target-increase")
    # A scale above 1 stops at full utilisation.
    assert plan(PLAIN, [90.0] * 5, 100, scale=2.0) == (90, "target-drift")


def test_a_rise_records_a_projection_and_its_trust_is_learnt() -> None:
    rising = [100.0] * 5 + [110.0, 120.0, 130.0]
    got, trust = target_rule.plan(V1_NO_FLOOR, 1.0, rising, len(rising) - 1, 0, facts(100),
                                  Trust())

    assert trust == Trust(1.0, 1000, 130.0, 40.0)
    assert (got.level, got.slope, got.trust) == (130.0, 10.0, 1.0)


# (id, trust, minute, level, slope, expected trust)
TRUSTS = [
    ("half-came-true", Trust(1.0, 0, 100.0, 40.0), 4, 120.0, 0.0, Trust(0.95)),
    ("nothing-came", Trust(1.0, 0, 100.0, 40.0), 4, 90.0, 0.0, Trust(0.9)),
    ("more-than-projected-counts-1.5-at-most", Trust(1.0, 0, 100.0, 40.0), 4, 300.0, 0.0,
     Trust(1.05)),
    ("not-due-yet", Trust(1.0, 0, 100.0, 40.0), 3, 300.0, 5.0, Trust(1.0, 0, 100.0, 40.0)),
    ("checked-then-a-new-one", Trust(1.0, 0, 100.0, 40.0), 4, 140.0, 5.0,
     Trust(1.0, 4, 140.0, 20.0)),
    ("none-pending-no-rise", Trust(0.7), 4, 140.0, 0.0, Trust(0.7)),
    ("a-flat-projection-counts-as-true", Trust(0.5, 0, 100.0, 0.0), 4, 100.0, 0.0,
     Trust(0.55)),
]


@pytest.mark.parametrize("trust,minute,level,slope,expected", [t[1:] for t in TRUSTS],
                         ids=[t[0] for t in TRUSTS])
def test_learn_trust(trust: Trust, minute: int, level: float, slope: float,
                     expected: Trust) -> None:
    got = target_rule.learn_trust(trust, minute, level, slope)

    assert got.at == expected.at and got.base == expected.base
    assert got.rise == pytest.approx(expected.rise)
    assert got.value == pytest.approx(expected.value)


def test_the_candidates_are_the_settings_names_and_fit_the_memory() -> None:
    assert CANDIDATE_NAMES == TARGET_CANDIDATE_NAMES
    assert CANDIDATES[0] is V1  # the first day runs v1
    assert max(p.memory_minutes for p in CANDIDATES) <= MEMORY_MINUTES
    assert [p.needs_known for p in CANDIDATES] == [5, 10, 15, 10]
    assert F1_PINNED.memory_minutes == 10
