"""A table that tunes itself: each UTC night it replays its own last day of demand
through a few candidate settings (a "menu" of policy_v2.Params) and through AWS's
native target tracking at 70 % and 90 %, and runs the next day with the candidate
that did best against native on the last ``days`` replayed days.

"Best": the smallest max(u, v) of baselines.Goal.score (u = 0 at native 70 %'s
throttling, 1 at native 90 %'s; v = 0 at native 90 %'s cost, 1 at native 70 %'s),
ties broken by u + v; i.e. the candidate closest to "native 70 %'s throttling at
native 90 %'s cost" on this table's own recent traffic.

The replay is fastsim's (the simulator's default model), of the demand the policy
has seen (consumed + throttled per minute), with ``warmup`` minutes before the day
that are replayed but not scored. Until a first day is known, the first candidate
of the menu runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fastsim  # noqa: E402
import policy_v2  # noqa: E402
from baselines import Goal  # noqa: E402
from lean import Facts, Figures  # noqa: E402

DAY = 1440

# Replay figures of one candidate on one day: (throttled %, cost x oracle, demand sum).
DayFigures = tuple[float, float, float]


def replay_day(demand: list[float], start_minute: int, warmup: int,
               p: policy_v2.Params | None, native_target: float = 0.0) -> DayFigures:
    """Replay ``demand`` (from minute ``start_minute`` of a UTC day, ``warmup`` minutes
    before the scored part) under ``p`` or under native at ``native_target`` %."""
    first = demand[0] if demand else 0.0
    start = max(1, -int(-first // 0.9))
    offset = start_minute % DAY
    if p is None:
        f = fastsim.replay_native(demand, start, native_target, day_offset=offset,
                                  score_from=warmup)
    else:
        f = fastsim.replay(demand, start, policy_v2.V2(p), offset, score_from=warmup)
    return f.throttled_percent, f.cost_ratio, sum(demand[warmup:])


def pooled(days: list[DayFigures]) -> tuple[float, float]:
    """(throttled %, cost x oracle) over several days, weighted by their demand."""
    total = sum(d for _, _, d in days)
    if total <= 0:
        return 0.0, 1.0
    return (sum(t * d for t, _, d in days) / total, sum(c * d for _, c, d in days) / total)


@dataclass
class Adaptive:
    menu: list[policy_v2.Params]
    days: int = 3
    warmup: int = 120
    # Another candidate replaces the running one only when its max(u, v) is lower by
    # this much (a day's replay is noisy; switching has its own cost).
    switch_margin: float = 0.0
    window: int = 10
    # Research only: replays shared between runs, keyed by (trace, day, candidate).
    cache: dict[tuple[str, int, str], DayFigures] | None = None
    trace_id: str = ""
    history: list[int] = field(default_factory=list)  # the candidate of each day

    def __post_init__(self) -> None:
        self.inner = policy_v2.V2(self.menu[0], self.window)
        self.chosen = 0
        self.tuned_day = -1
        self.first_day_start = -1
        self.scores: list[list[DayFigures]] = [[] for _ in range(len(self.menu) + 2)]
        self.reason = "first day: the menu's first candidate"

    def know(self, k: int, v: float) -> None:
        self.inner.know(k, v)

    def check(self, facts: Facts, view: list[float | None]) -> tuple[int, str] | None:
        self.inner._learn(facts.minute, view)  # noqa: SLF001
        return self.decide(facts)

    def decide(self, facts: Facts) -> tuple[int, str] | None:
        day_start = facts.minute - facts.minute_of_day  # this UTC day's first minute
        if self.first_day_start < 0:
            # The first whole UTC day starts at the first midnight after the start.
            self.first_day_start = day_start + (DAY if facts.minute_of_day else 0)
        # Tune once a day, when yesterday is known (10 minutes after midnight).
        if (facts.minute_of_day >= 10 and day_start > self.tuned_day
                and day_start - DAY >= self.first_day_start):
            self.tuned_day = day_start
            self._tune(day_start - DAY)
        return self.inner.decide(facts)

    def _tune(self, day_from: int) -> None:
        inner = self.inner
        lo = max(inner.first_known, day_from - self.warmup)
        hi = day_from + DAY
        if lo > day_from or inner.newest < hi - 1:
            return
        demand = [v if v is not None else 0.0 for v in inner.d[lo:hi]]
        warmup = day_from - lo
        candidates: list[tuple[str, policy_v2.Params | None, float]] = [
            (p.key(), p, 0.0) for p in self.menu]
        candidates += [("native-70", None, 70.0), ("native-90", None, 90.0)]
        for i, (key, p, target) in enumerate(candidates):
            ck = (self.trace_id, day_from, key)
            figures = self.cache.get(ck) if self.cache is not None else None
            if figures is None:
                figures = replay_day(demand, lo, warmup, p, target)
                if self.cache is not None:
                    self.cache[ck] = figures
            self.scores[i] = (self.scores[i] + [figures])[-self.days:]
        t70, c70 = pooled(self.scores[-2])
        t90, c90 = pooled(self.scores[-1])
        goal = Goal(t70, c70, t90, c90)
        best = None
        for i in range(len(self.menu)):
            t, c = pooled(self.scores[i])
            u, v = goal.score(Figures(t, c, 0, 0))
            rank = (max(u, v), u + v)
            if best is None or rank < best[0]:
                best = (rank, i, t, c)
        assert best is not None
        if best[1] != self.chosen and self.switch_margin > 0:
            t, c = pooled(self.scores[self.chosen])
            u, v = goal.score(Figures(t, c, 0, 0))
            if max(u, v) - best[0][0] < self.switch_margin:
                best = ((max(u, v), u + v), self.chosen, t, c)
        _, i, t, c = best
        self.chosen = i
        self.inner.p = self.menu[i]
        self.history.append(i)
        self.reason = (f"candidate {i} of {len(self.menu)}: {t:.3f} % at {c:.3f}x on the last "
                       f"{len(self.scores[i])} day(s); native 70 % {t70:.3f} % at {c70:.3f}x, "
                       f"90 % {t90:.3f} % at {c90:.3f}x")
