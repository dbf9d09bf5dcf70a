"""The target scaling mode (core/target.py): what it learns from each window (by the
minutes' timestamps; a minute not known is never read as 0), the reasons it gives, a
pinned candidate, and the mode through decide(): it plans its own decreases, so the
decrease plan's worth-it and pacing rules do not apply on top, while DynamoDB's limit
and every guard still do. (The rule is tested in test_target_rule.py, the tuning in
test_tuning.py.)"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.core import target
from dynamic_dynamodb.core.policy import Facts, decide
from dynamic_dynamodb.core.target import MEMORY_MINUTES, TargetState
from dynamic_dynamodb.core.types import (
    DimensionHistory,
    DimensionUsage,
    ResourceHistory,
    ResourceId,
    ResourceState,
    Usage,
)
from dynamic_dynamodb.settings import (
    DecreasePlan,
    DimensionPolicy,
    MaintenanceWindow,
    ResourcePolicy,
)

from .coretools import mode_facts

NOW = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)
MINUTE = int(NOW.timestamp() // 60)
P90 = DimensionPolicy()


def usage(*demand: float | None, throttled: float = 0.0) -> DimensionUsage:
    """A window whose known minutes consumed ``demand`` units/s (None: not known), each
    with ``throttled`` throttle events."""
    known = [v for v in demand if v is not None]
    events = tuple(None if v is None else throttled for v in demand)
    return DimensionUsage(sum(known) / max(len(known), 1), throttled * len(known),
                          60 * len(demand), tuple(demand), events)


def propose(current: int, window: DimensionUsage, state: TargetState | None = None,
            now: datetime = NOW, p: DimensionPolicy = P90, ago: int = 7,
            **facts: object) -> tuple[int, str, str, TargetState]:
    got = target.propose(p, current, window, state or TargetState(), now,
                         mode_facts(ago, now=now, **facts))  # type: ignore[arg-type]
    return got.target, got.reason.code, got.reason.message, got.state


# -- learning ---------------------------------------------------------------------------
def test_demand_is_consumed_plus_throttled_units() -> None:
    window = DimensionUsage(15.0, 60.0, 120, (10.0, 20.0), (60.0, 0.0))

    assert target._window_demand(window) == [11.0, 20.0]


def test_a_window_without_per_minute_values_is_its_average_throughout() -> None:
    window = DimensionUsage(consumed=10.0, throttle_events=600.0, window_seconds=300)

    assert target._window_demand(window) == [12.0] * 5


def test_minutes_are_remembered_by_their_timestamps() -> None:
    # The window starts 7 minutes ago: minutes NOW-7 .. NOW-1; the last two not known.
    *_, state = propose(112, usage(100.0, 100.0, 100.0, 100.0, 100.0, None, None))

    assert state.demand == (100.0,) * 5
    assert state.newest == MINUTE - 3
    assert state.first_known == MINUTE - 7


def test_a_minute_published_later_is_added_and_a_late_value_replaces_the_old() -> None:
    *_, first = propose(112, usage(1.0, 2.0, 3.0, None, None, None, None))
    *_, later = propose(112, usage(2.0, 9.0, 4.0, 5.0, None, None, None), first,
                        NOW + timedelta(minutes=1))

    assert later.demand == (1.0, 2.0, 9.0, 4.0, 5.0)
    assert later.newest == MINUTE - 3


def test_minutes_end_on_whole_minutes_whatever_second_the_cycle_starts() -> None:
    # decide() gives the window's start on whole minutes (core/minutes.window_start).
    *_, first = propose(112, usage(1.0, 2.0, 3.0), now=NOW + timedelta(seconds=59), ago=3)
    *_, later = propose(112, usage(3.0, 4.0), first, NOW + timedelta(seconds=61), ago=2)

    assert later.demand == (1.0, 2.0, 3.0, 4.0)


def test_checks_missed_for_longer_than_the_window_leave_unknown_minutes() -> None:
    *_, first = propose(112, usage(1.0, 2.0))
    *_, later = propose(112, usage(8.0, 9.0), first, NOW + timedelta(minutes=5))

    assert later.demand == (1.0, 2.0, None, None, None, 8.0, 9.0)


def test_the_memory_keeps_the_last_day_and_the_tuning_margin() -> None:
    full = TargetState(demand=(5.0,) * MEMORY_MINUTES, newest=MINUTE - 8,
                       first_known=MINUTE - 8 - 5000)

    *_, state = propose(112, usage(7.0), full)

    assert len(state.demand) == MEMORY_MINUTES
    assert state.demand[-1] == 7.0 and state.newest == MINUTE - 7
    assert state.first_known == MINUTE - 8 - 5000  # the cold start is over for good


def test_a_window_with_no_known_minute_changes_nothing() -> None:
    target_units, code, message, state = propose(50, usage(None, None))

    assert (target_units, code, state) == (50, "target-met", TargetState())
    assert "no minute of demand known yet" in message


# -- issue 11: a minute not known is never 0, and the cold start ------------------------
# (id, window, capacity, expected target, reason code)
COLD = [
    ("unknown-minutes-are-not-zeros", (100.0, 100.0, 100.0, None, None), 112, 112,
     "too-few-known-minutes"),
    ("three-known-of-five-no-decrease", (10.0, 10.0, 10.0, None, None), 100, 100,
     "too-few-known-minutes"),
    ("five-known-decreases", (10.0,) * 5, 100, 12, "target-drift"),
    ("three-known-may-increase", (100.0, 100.0, 100.0, None, None), 50, 112,
     "target-increase"),
]


@pytest.mark.parametrize("window,capacity,expected,code", [c[1:] for c in COLD],
                         ids=[c[0] for c in COLD])
def test_the_cold_start(window: tuple[float | None, ...], capacity: int, expected: int,
                        code: str) -> None:
    got, got_code, message, _ = propose(capacity, usage(*window), ago=5)

    assert (got, got_code) == (expected, code)
    if code == "too-few-known-minutes":
        assert "3 of the last 5 minute(s) of demand known" in message


def test_known_minutes_gathered_over_cycles_allow_the_decrease() -> None:
    state, targets = TargetState(), []
    for minute in range(3):
        got, _, _, state = propose(100, usage(10.0, 10.0, None, None, None), state,
                                   NOW + timedelta(minutes=minute), ago=5)
        targets.append(got)

    assert targets == [100, 100, 100]
    got, *_ = propose(100, usage(10.0, 10.0, 10.0, None, None), state,
                      NOW + timedelta(minutes=3), ago=5)
    assert got == 12  # five minutes known now


# -- reasons ----------------------------------------------------------------------------
# (id, capacity, window, facts, expected target, code, words of the reason)
REASONS = [
    ("increase", 100, (100.0,) * 5, {}, 112, "target-increase",
     "v1 (first day: v1 until a day is known): increase to 112: demand 100.0 units/s "
     "(peak of 3 min) at 90 % = 111.1, + trend 0.00/min x trust 1.00 x 4 min"),
    ("small-increase", 100, (95.0,) * 5, {}, 100, "target-small-increase",
     "an increase under 10 % of 100 waits while the demand fits"),
    ("met", 100, (90.0,) * 5, {}, 100, "target-met", "100 fits"),
    ("drift", 100, (50.0,) * 5, {}, 56, "target-drift",
     "drift: peak of the last 5 min 50.0 units/s needs 56 at 90 %: decrease to 56"),
    ("not-worth-saving", 100, (86.0,) * 5, {}, 100, "target-not-worth",
     "peak of the last 5 min 86.0 units/s needs 96 at 90 %; decrease held: it would save "
     "less than 10 % of 100"),
    ("v1-decreases-right-after-an-increase", 100, (50.0,) * 5,
     {"last_increase": NOW - timedelta(minutes=3)}, 56, "target-drift", "decrease to 56"),
    ("budget", 100, (50.0,) * 5,
     {"decreases_today": 4, "last_decrease": NOW - timedelta(minutes=10)}, 100,
     "decrease-budget", "DynamoDB allows no decrease now (4 used today, the last 10 min ago)"),
    ("budget-unknown", 100, (50.0,) * 5, {"decreases_today": None}, 100,
     "decrease-budget-unknown", "DescribeTable did not say how many decreases"),
    ("paced", 100, (50.0,) * 5,
     {"decreases_today": 3, "last_decrease": NOW - timedelta(minutes=10)}, 100,
     "target-paced", "decrease 4 of the day waits until 12:50 UTC (pace 6 h)"),
]


@pytest.mark.parametrize("capacity,window,facts,expected,code,words",
                         [r[1:] for r in REASONS], ids=[r[0] for r in REASONS])
def test_every_decision_says_why_with_its_numbers(capacity: int,
                                                  window: tuple[float, ...],
                                                  facts: dict[str, object], expected: int,
                                                  code: str, words: str) -> None:
    got, got_code, message, _ = propose(capacity, usage(*window), ago=5, **facts)

    assert (got, got_code) == (expected, code)
    assert words in message


def test_a_burst_floor_increase_names_the_floor() -> None:
    # An hour with short surges: the 90th percentile is 90, the floor 90 / 1.5 = 60.
    surges = TargetState(demand=(20.0,) * 6 + (90.0,) * 6 + (20.0,) * 47,
                         newest=MINUTE - 6, first_known=MINUTE - 64)

    got, code, message, _ = propose(40, usage(20.0), surges, ago=5)

    assert (got, code) == (60, "target-increase")
    assert "burst floor 60.0 (90th percentile of 60 min / 1.5)" in message


def test_a_pinned_candidate_runs_without_tuning() -> None:
    pinned = dataclasses.replace(P90, target_constants="f1")

    got, code, message, state = propose(100, usage(*(50.0,) * 10), p=pinned, ago=10)

    # f1: down 85 %, a hold of 10 minutes: 50 / 0.85 = 58.8.
    assert (got, code) == (59, "target-drift")
    assert message.startswith("f1 (pinned by target-*-constants): ")
    assert state.tuning == TargetState().tuning


def test_the_target_utilisation_scales_the_candidates() -> None:
    got, *_ = propose(100, usage(*(100.0,) * 5), p=DimensionPolicy(target_utilisation=45),
                      ago=5)

    assert got == 223  # 100 / (0.9 x 45 / 90) = 222.2


# -- through decide(): the mode plans its own decreases ---------------------------------
def _policy(**top: object) -> ResourcePolicy:
    return ResourcePolicy(**{"key": "t", "scaling_mode": "target",  # type: ignore[arg-type]
                             "lookback_window_start": 5, **top})


def _decide(window: DimensionUsage, policy: ResourcePolicy | None = None,
            facts: Facts | None = None, **state: object) -> tuple[int, str, str]:
    described = ResourceState(ResourceId("t"), "ACTIVE", 100, 1, **state)  # type: ignore[arg-type]
    decision = decide(described, Usage(window, usage(*(0.5,) * 5)), policy or _policy(),
                      ResourceHistory(), NOW, facts)
    return decision.reads.target, decision.reads.reason.code, decision.reads.reason.message


# (id, window, policy changes, ResourceState changes, expected target, reason code)
DECIDED = [
    ("an-increase", usage(*(100.0,) * 5), {}, {}, 112, "target-increase"),
    # 94 -> 90: saves 10 of 100 (10 %), which is the mode's own rule...
    ("the-modes-saving-rule-not-the-plans", usage(*(81.0,) * 5),
     {"decrease_plan": DecreasePlan(min_saving_percent=50)}, {}, 90, "target-drift"),
    # ...and pacing would hold the 4th decrease of the day until an hour after the 3rd
    # (12:50); f1 (pinned) spends it on a drop at once.
    ("no-pacing-on-top", usage(*(20.0,) * 10),
     {"lookback_window_start": 10, "reads": DimensionPolicy(target_constants="f1")},
     {"decreases_today": 3, "last_decrease": NOW - timedelta(minutes=10)}, 24, "target-drop"),
    ("dynamodbs-limit-still-holds", usage(*(50.0,) * 5), {},
     {"decreases_today": 4, "last_decrease": NOW - timedelta(minutes=10)}, 100,
     "decrease-budget"),
    ("throttled-still-holds", usage(*(50.0,) * 5, throttled=1.0), {}, {}, 100, "throttled"),
    ("min-provisioned-still-clamps", usage(*(50.0,) * 5),
     {"reads": DimensionPolicy(min_provisioned=80)}, {}, 80, "clamped"),
    ("maintenance-window-still-holds", usage(*(50.0,) * 5),
     {"maintenance_windows": (MaintenanceWindow(0, 60),)}, {}, 100,
     "outside-maintenance-window"),
    ("down-scaling-disabled-still-holds", usage(*(50.0,) * 5),
     {"reads": DimensionPolicy(down_scaling=False)}, {}, 100, "down-scaling-disabled"),
]


@pytest.mark.parametrize("window,changes,described,expected,code",
                         [d[1:] for d in DECIDED], ids=[d[0] for d in DECIDED])
def test_through_decide(window: DimensionUsage, changes: dict[str, object],
                        described: dict[str, object], expected: int, code: str) -> None:
    got, got_code, _ = _decide(window, _policy(**changes), **described)

    assert (got, got_code) == (expected, code)


def test_through_decide_an_open_breaker_still_holds_a_decrease() -> None:
    got, code, message = _decide(usage(*(50.0,) * 5),
                                 facts=Facts(breaker_open=True, breaker_message="503"))

    assert (got, code) == (100, "breaker-open")
    assert "wanted 56" in message


def test_through_decide_aws_autoscaling_still_leaves_it_alone() -> None:
    got, code, _ = _decide(usage(*(50.0,) * 5), facts=Facts(managed_by_aws_autoscaling=True))

    assert (got, code) == (100, "aws-autoscaling")


def test_threshold_mode_keeps_the_decrease_plan() -> None:
    threshold = ResourcePolicy(key="t", reads=DimensionPolicy(lower_threshold=60,
                                                              decrease_with=5))
    got, code, message = _decide(usage(*(50.0,) * 5), threshold)

    assert (got, code) == (100, "not-worth-a-decrease")
    assert "below the 10 %" in message


def test_the_mode_remembers_per_dimension() -> None:
    described = ResourceState(ResourceId("t"), "ACTIVE", 100, 100)
    decision = decide(described, Usage(usage(*(50.0,) * 5), usage(*(20.0,) * 5)), _policy(),
                      ResourceHistory(), NOW)

    reads, writes = decision.history.reads, decision.history.writes
    assert isinstance(reads, DimensionHistory) and isinstance(reads.mode_state, TargetState)
    assert isinstance(writes.mode_state, TargetState)
    assert (reads.mode_state.demand, writes.mode_state.demand) == ((50.0,) * 5, (20.0,) * 5)
