"""The target mode's nightly self-tuning: each UTC night a dimension replays its own
last day through every candidate of the rule (core/target_rule.py CANDIDATES) and
through AWS's native target tracking at 70 % and 90 % (core/replay.py), and runs the
next day with the candidate that did best against native on its recent days.

Why: no one set of constants serves every kind of traffic (issue 12: on/off batch
jobs and spiky 5-minute traffic want near-full utilisation and quick decreases;
smooth traffic and flash crowds want headroom and decreases kept for large drops),
and a table's traffic tomorrow is most like its traffic of the last days.

"Best": on the last ``DAYS`` replayed days pooled by demand, with native 70 % at
(t70, c70) and native 90 % at (t90, c90) in (throttled %, cost x oracle), a candidate
at (t, c) scores u = (t - t70) / (t90 - t70) (0 at native 70 %'s throttling, 1 at
native 90 %'s) and v = (c - c90) / (c70 - c90) (0 at native 90 %'s cost, 1 at native
70 %'s). The best has the smallest max(u, v), then the smallest u + v: the candidate
closest to native 70 %'s throttling at native 90 %'s cost. It replaces the running
one only when its max(u, v) is lower by ``MARGIN`` or more (a day's replay is noisy;
switching has its own cost). The first day runs the first candidate (v1).

Cost bound: a replay is about 1,560 minutes (``WARMUP`` + a day); each call of
``step`` runs at most one of the six, so a dimension spends six cycles on it, and
dimensions start at different minutes (``slot``: spread over ``SPREAD`` minutes by a
hash of their name), so a daemon with many tables never replays them all in one
cycle.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dynamic_dynamodb.core import replay
from dynamic_dynamodb.core.native_rule import STRICTER
from dynamic_dynamodb.core.target_rule import CANDIDATES
from dynamic_dynamodb.settings import DimensionPolicy

DAY = 1440
# Days of replays pooled for the choice, and the margin a challenger must win by:
# chosen together among (3, 7, 14) x (0, 0.05, 0.1, 0.12, 0.15) as the only pair that
# put every tuning trace below native's line (benchmarks/research/README.md).
DAYS = 14
MARGIN = 0.1
# Minutes replayed before the scored day (the rule's memory and the natives' alarms
# settle), and the earliest minute after midnight a dimension starts: yesterday's last
# minutes are published by then.
WARMUP = 120
START_MINUTE = 10
# Dimensions start their nights' replays spread over this many minutes after START_MINUTE.
SPREAD = 120
# Yesterday's minutes not known (the daemon was down, metrics failed) are held at the
# last known value; with more than this share unknown the night is not tuned.
MAX_UNKNOWN_SHARE = 0.1
# What a night replays, in order: the candidates, then native at 70 % and 90 %.
NATIVE_TARGETS = (70.0, 90.0)
ENTRIES = len(CANDIDATES) + len(NATIVE_TARGETS)


@dataclass(frozen=True)
class DayScore:
    """One replay's figures on one day."""

    throttled_percent: float
    cost_ratio: float
    demand: float  # the day's demand (units/s x minutes), the pooling weight


@dataclass(frozen=True)
class TuningState:
    """What the tuning remembers about one dimension."""

    running: int = 0  # the index in CANDIDATES of the candidate running today
    day: int = -1  # the UTC day (days since the epoch) last tuned, or given up
    # Per entry (candidates, native 70 %, native 90 %), the last DAYS days' scores.
    history: tuple[tuple[DayScore, ...], ...] = ()
    tonight: tuple[DayScore, ...] = ()  # this night's replays so far, in entry order
    why: str = "first day: v1 until a day is known"  # why ``running`` runs


@dataclass(frozen=True)
class Memory:
    """The demand a dimension remembers: ``demand[i]`` is minute ``start + i`` (minutes
    since the epoch); None: not known."""

    demand: Sequence[float | None]
    start: int
    first_known: int
    newest: int


def slot(key: str) -> int:
    """The minute (after START_MINUTE) at which ``key``'s night starts: a stable hash."""
    return zlib.crc32(key.encode()) % SPREAD


def pooled(days: Sequence[DayScore]) -> tuple[float, float]:
    """(throttled %, cost x oracle) over ``days``, weighted by their demand."""
    total = sum(d.demand for d in days)
    if total <= 0:
        return 0.0, 1.0
    return (sum(d.throttled_percent * d.demand for d in days) / total,
            sum(d.cost_ratio * d.demand for d in days) / total)


def score(t: float, c: float, native70: tuple[float, float],
          native90: tuple[float, float]) -> tuple[float, float]:
    """(u, v) of (t, c) against the natives (see the module's docstring). When both
    natives throttle alike (or cost alike), being no worse than them scores 0."""
    (t70, c70), (t90, c90) = native70, native90
    dt, dc = t90 - t70, c70 - c90
    u = (t - t70) / dt if dt > 0 else (0.0 if t <= t70 else 1.0)
    v = (c - c90) / dc if dc > 0 else (0.0 if c <= c90 else 1.0)
    return u, v


def choose(history: Sequence[Sequence[DayScore]], running: int) -> tuple[int, str]:
    """The candidate to run next and why, from each entry's days."""
    native70 = pooled(history[len(CANDIDATES)])
    native90 = pooled(history[len(CANDIDATES) + 1])
    ranks = []
    for i in range(len(CANDIDATES)):
        u, v = score(*pooled(history[i]), native70, native90)
        ranks.append((max(u, v), u + v))
    best = min(range(len(CANDIDATES)), key=lambda i: ranks[i])
    days = len(history[0])
    t, c = pooled(history[best])
    natives = (f"native 70 % {native70[0]:.3f} % at {native70[1]:.2f}x, 90 % "
               f"{native90[0]:.3f} % at {native90[1]:.2f}x")
    if best != running and ranks[running][0] - ranks[best][0] < MARGIN:
        tr, cr = pooled(history[running])
        return running, (f"kept {CANDIDATES[running].name}: {tr:.3f} % at {cr:.2f}x, "
                         f"max(u, v) {ranks[running][0]:+.2f}; {CANDIDATES[best].name} "
                         f"{ranks[best][0]:+.2f} is not better by {MARGIN:g}; {natives}; "
                         f"{days} day(s)")
    verb = "kept" if best == running else "chose"
    return best, (f"{verb} {CANDIDATES[best].name}: {t:.3f} % at {c:.2f}x, max(u, v) "
                  f"{ranks[best][0]:+.2f}, best of {len(CANDIDATES)}; {natives}; "
                  f"{days} day(s)")


def _yesterday(memory: Memory, today: int) -> tuple[list[float], int, int] | str:
    """Yesterday with its warm-up as replay input: (demand, its first minute, the index
    of yesterday's first minute); or why it cannot be replayed."""
    day_from = today - DAY
    lo = max(memory.first_known, day_from - WARMUP, memory.start)
    if memory.first_known > day_from or lo > day_from:
        return "yesterday is not known from its first minute"
    segment = list(memory.demand[lo - memory.start:today - memory.start])
    unknown = sum(1 for v in segment[day_from - lo:] if v is None)
    if unknown > MAX_UNKNOWN_SHARE * DAY:
        return f"{unknown} of yesterday's minutes are not known"
    held = next((v for v in segment if v is not None), 0.0)
    filled = []
    for v in segment:
        held = held if v is None else v
        filled.append(held)
    return filled, lo, day_from - lo


def _replay(entry: int, demand: list[float], first: int, score_from: int,
            policy: DimensionPolicy) -> DayScore:
    start = replay.start_capacity(demand)
    offset = first % DAY
    if entry < len(CANDIDATES):
        outcome = replay.replay_mode(demand, start, CANDIDATES[entry], policy, offset,
                                     score_from)
    else:
        native = replace(STRICTER, target_percent=NATIVE_TARGETS[entry - len(CANDIDATES)],
                         min_capacity=policy.min_capacity, max_capacity=policy.max_capacity)
        outcome = replay.replay_native(demand, start, native, offset, score_from)
    return DayScore(outcome.throttled_percent, outcome.cost_ratio, outcome.demand)


def entry_name(entry: int) -> str:
    if entry < len(CANDIDATES):
        return CANDIDATES[entry].name
    return f"native {NATIVE_TARGETS[entry - len(CANDIDATES)]:g} %"


def step(state: TuningState, memory: Memory, minute: int, key: str,
         policy: DimensionPolicy) -> tuple[TuningState, str]:
    """At most one replay of tonight's work, when it is due; the new state and what was
    done ("" when nothing)."""
    today = minute - minute % DAY
    day = today // DAY
    if state.day >= day or minute - today < START_MINUTE + slot(key):
        return state, ""
    if memory.newest < today - 1:
        return state, ""  # yesterday's last minutes are not published yet
    found = _yesterday(memory, today)
    if isinstance(found, str):
        return replace(state, day=day, tonight=()), f"nightly tuning skipped: {found}"
    demand, first, score_from = found
    entry = len(state.tonight)
    done = _replay(entry, demand, first, score_from, policy)
    tonight = (*state.tonight, done)
    what = (f"nightly tuning {entry + 1}/{ENTRIES}: {entry_name(entry)} on yesterday "
            f"{done.throttled_percent:.3f} % at {done.cost_ratio:.2f}x")
    if len(tonight) < ENTRIES:
        return replace(state, tonight=tonight), what
    old = state.history or ((),) * ENTRIES
    history = tuple((*old[i], tonight[i])[-DAYS:] for i in range(ENTRIES))
    running, why = choose(history, state.running)
    return TuningState(running, day, history, (), why), f"{what}; {why}"
