"""The target mode's nightly self-tuning (core/tuning.py): when a night runs, what it
replays, how a candidate is scored against AWS native at 70 % and 90 %, and the switch
margin. The replays themselves are tested in test_replay.py (and against the
simulator in tests/unit/test_replay_matches_simulator.py)."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone

import pytest

from dynamic_dynamodb.core import target, tuning
from dynamic_dynamodb.core.target_rule import CANDIDATES
from dynamic_dynamodb.core.tuning import DAY, ENTRIES, DayScore, Memory, TuningState
from dynamic_dynamodb.core.types import DimensionUsage
from dynamic_dynamodb.settings import DimensionPolicy

from .coretools import mode_facts

KEY = "t/reads"
TODAY = 19_786 * DAY  # a UTC midnight, in minutes since the epoch
DUE = TODAY + tuning.START_MINUTE + tuning.slot(KEY)
P90 = DimensionPolicy()


def _day(minutes: int = DAY + tuning.WARMUP) -> list[float | None]:
    """A daily cycle ending at TODAY - 1 (minute i is TODAY - minutes + i)."""
    return [60 + 40 * math.sin(2 * math.pi * i / DAY) for i in range(minutes)]


def _memory(demand: list[float | None], newest: int = TODAY - 1) -> Memory:
    start = newest - len(demand) + 1
    return Memory(demand, start, start, newest)


def test_a_slot_is_stable_and_within_the_spread() -> None:
    assert tuning.slot(KEY) == tuning.slot(KEY)
    slots = {tuning.slot(f"table-{i}/reads") for i in range(50)}
    assert all(0 <= s < tuning.SPREAD for s in slots)
    assert len(slots) > 20  # spread out, not all in one minute


def test_days_are_pooled_by_their_demand() -> None:
    days = [DayScore(1.0, 2.0, 100.0), DayScore(0.0, 1.0, 300.0)]

    assert tuning.pooled(days) == pytest.approx((0.25, 1.25))
    assert tuning.pooled([DayScore(5.0, 9.0, 0.0)]) == (0.0, 1.0)


# (id, candidate (throttled %, cost), expected (u, v)); native 70 % at (0.01 %, 2.0x),
# native 90 % at (0.11 %, 1.5x).
SCORES = [
    ("at-70s-throttling-and-90s-cost", (0.01, 1.5), (0.0, 0.0)),
    ("at-native-90", (0.11, 1.5), (1.0, 0.0)),
    ("at-native-70", (0.01, 2.0), (0.0, 1.0)),
    ("half-way", (0.06, 1.75), (0.5, 0.5)),
]


@pytest.mark.parametrize("point,expected", [s[1:] for s in SCORES], ids=[s[0] for s in SCORES])
def test_score_against_the_natives(point: tuple[float, float],
                                   expected: tuple[float, float]) -> None:
    assert tuning.score(*point, (0.01, 2.0), (0.11, 1.5)) == pytest.approx(expected)


def test_natives_alike_score_no_worse_as_0_and_worse_as_1() -> None:
    assert tuning.score(0.0, 1.0, (0.0, 1.5), (0.0, 1.5)) == (0.0, 0.0)
    assert tuning.score(0.1, 2.0, (0.0, 1.5), (0.0, 1.5)) == (1.0, 1.0)


def _history(*candidates: tuple[float, float]) -> tuple[tuple[DayScore, ...], ...]:
    natives = ((0.01, 2.0), (0.11, 1.5))
    return tuple((DayScore(t, c, 100.0),) for t, c in (*candidates, *natives))


def test_choose_takes_the_best_by_the_margin() -> None:
    # f1 at native 70 %'s throttling for native 90 %'s cost: max(u, v) 0 against v1's 0.5.
    history = _history((0.06, 1.75), (0.01, 1.5), (0.11, 2.0), (0.06, 1.8))

    running, why = tuning.choose(history, 0)

    assert running == 1
    assert why.startswith("chose f1: 0.010 % at 1.50x, max(u, v) +0.00, best of 4")
    assert "native 70 % 0.010 % at 2.00x, 90 % 0.110 % at 1.50x; 1 day(s)" in why


def test_choose_keeps_the_running_candidate_within_the_margin() -> None:
    history = _history((0.06, 1.75), (0.055, 1.74), (0.11, 2.0), (0.11, 2.0))

    running, why = tuning.choose(history, 0)

    assert running == 0
    assert why.startswith("kept v1: 0.060 % at 1.75x, max(u, v) +0.50; f1 +0.48 is not "
                          "better by 0.1")


def test_choose_keeps_the_running_candidate_when_it_is_the_best() -> None:
    running, why = tuning.choose(_history((0.01, 1.5), (0.06, 1.75), (0.11, 2.0),
                                          (0.11, 2.0)), 0)

    assert (running, why[:8]) == (0, "kept v1:")


def test_nothing_before_the_dimensions_slot() -> None:
    state = TuningState()

    assert tuning.step(state, _memory(_day()), DUE - 1, KEY, P90) == (state, "")


def test_nothing_until_yesterdays_last_minute_is_known() -> None:
    state = TuningState()
    memory = _memory(_day()[:-2], newest=TODAY - 3)

    assert tuning.step(state, memory, DUE, KEY, P90) == (state, "")


def test_a_night_without_a_whole_known_yesterday_is_skipped() -> None:
    young = _memory(_day(600))  # known for 10 hours only
    got, what = tuning.step(TuningState(), young, DUE, KEY, P90)

    assert what == "nightly tuning skipped: yesterday is not known from its first minute"
    assert (got.day, got.running, got.history) == (TODAY // DAY, 0, ())
    # Skipped for the night: nothing more until tomorrow.
    assert tuning.step(got, young, DUE + 5, KEY, P90) == (got, "")


def test_a_night_with_too_many_unknown_minutes_is_skipped() -> None:
    demand = _day()
    demand[tuning.WARMUP:tuning.WARMUP + 200] = [None] * 200

    _, what = tuning.step(TuningState(), _memory(demand), DUE, KEY, P90)

    assert what == "nightly tuning skipped: 200 of yesterday's minutes are not known"


def test_unknown_minutes_hold_the_last_known_value() -> None:
    demand = _day()
    demand[500:520] = [None] * 20
    found = tuning._yesterday(_memory(demand), TODAY)

    assert not isinstance(found, str)
    filled, first, score_from = found
    assert filled[500:520] == [demand[499]] * 20
    assert (first, score_from) == (TODAY - DAY - tuning.WARMUP, tuning.WARMUP)


def test_a_night_is_one_replay_a_check_then_the_choice() -> None:
    state, memory, said = TuningState(), _memory(_day()), []
    for check in range(ENTRIES):
        state, what = tuning.step(state, memory, DUE + check, KEY, P90)
        said.append(what)

    assert [w.split(":")[0] for w in said] == [
        f"nightly tuning {i}/{ENTRIES}" for i in range(1, ENTRIES + 1)]
    assert said[0].startswith("nightly tuning 1/6: v1 on yesterday ")
    assert said[-2].startswith("nightly tuning 5/6: native 70 % on yesterday ")
    assert "; chose " in said[-1] or "; kept " in said[-1]
    assert state.day == TODAY // DAY and state.tonight == ()
    assert [len(h) for h in state.history] == [1] * ENTRIES
    assert state.why in said[-1]
    # Done for the night.
    assert tuning.step(state, memory, DUE + ENTRIES, KEY, P90) == (state, "")


def test_the_history_keeps_the_last_days() -> None:
    day = (DayScore(0.0, 1.0, 1.0),)
    old = TuningState(day=TODAY // DAY - 1, history=tuple(day * tuning.DAYS
                                                          for _ in range(ENTRIES)),
                      tonight=day * (ENTRIES - 1))

    state, _ = tuning.step(old, _memory(_day()), DUE, KEY, P90)

    assert [len(h) for h in state.history] == [tuning.DAYS] * ENTRIES
    assert state.history[-1][-1] != day[0]  # native 90 %'s replay of yesterday came in


def test_natives_keep_the_dimensions_min_and_max() -> None:
    capped = dataclasses.replace(P90, max_provisioned=50)
    demand, first, score_from = tuning._yesterday(_memory(_day()), TODAY)  # type: ignore[misc]

    free = tuning._replay(len(CANDIDATES), demand, first, score_from, P90)
    held = tuning._replay(len(CANDIDATES), demand, first, score_from, capped)

    assert held.throttled_percent > free.throttled_percent


def test_entry_names() -> None:
    assert [tuning.entry_name(i) for i in range(ENTRIES)] == [
        "v1", "f1", "spiky75", "smooth", "native 70 %", "native 90 %"]


def test_the_mode_tunes_at_night_and_says_so() -> None:
    # A remembered day, then the first check in the dimension's slot: its reason ends
    # with what the night replayed.
    demand = tuple(_day())
    remembered = target.TargetState(demand=demand, newest=TODAY - 1,
                                    first_known=TODAY - len(demand))
    now = datetime.fromtimestamp(DUE * 60, tz=timezone.utc)
    window = DimensionUsage(60.0, 0.0, 60, (60.0,), (0.0,))

    got = target.propose(P90, 200, window, remembered, now,
                         mode_facts(1, now=now))

    assert got.reason.message.startswith("v1 (first day: v1 until a day is known): ")
    assert got.reason.message.endswith(
        f"nightly tuning 1/6: v1 on yesterday {got.state.tuning.tonight[0].throttled_percent:.3f}"
        f" % at {got.state.tuning.tonight[0].cost_ratio:.2f}x")
