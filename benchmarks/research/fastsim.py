"""A minimal replay of the simulator's default model, for replays inside a search or
inside a policy (a table replaying its own recent demand).

Same physics as simulate/model.py's SimulatedTable with the default ModelParams
(300 s burst bucket, starts empty; CloudWatch lag 2; UpdateTable lag 2; 4 free
decreases a UTC day then one an hour), the same CloudWatch reading of a minute
without a datapoint (0 once a later minute has one or 5 minutes after it ended,
unknown before), without objects per minute. ``replay`` must give exactly the
figures of lean.run_candidate on a SimulatedTable (``python fastsim.py --verify``).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lean import Facts, Figures  # noqa: E402

BURST_SECONDS = 300.0
LAG = 2
UPDATE_LAG = 2
FREE = 4
INTERVAL = 60
ALLOWANCE = 3  # settings.DEFAULT_PUBLICATION_ALLOWANCE_MINUTES


def serve(d: float, cap: int, bucket: float) -> tuple[float, float]:
    """(served, bucket after) for a minute of demand ``d`` on capacity ``cap``: unused
    capacity fills the bucket (at most BURST_SECONDS of capacity), a minute above
    capacity draws from it."""
    if d <= cap:
        return d, min(bucket + (cap - d) * 60.0, BURST_SECONDS * cap)
    drawn = min((d - cap) * 60.0, bucket)
    return cap + drawn / 60.0, bucket - drawn


def decrease_refused(used: int, last_decrease: int | None, m: int) -> bool:
    """DynamoDB's rule: 4 decreases a UTC day, then one an hour since the last."""
    return used >= FREE and last_decrease is not None and m - last_decrease < INTERVAL


def replay(demand: list[float] | tuple[float, ...], start: int, policy: object,
           day_offset: int = 0, score_from: int = 0) -> Figures:
    """Replay ``demand`` (units/s per minute) under ``policy`` (with ``know(k, v)`` and
    ``decide(facts)``, like policy_v2.V2); ``day_offset``: the UTC minute of day of
    minute 0; the figures count the minutes from ``score_from`` (a warm-up before)."""
    know = policy.know  # type: ignore[attr-defined]
    decide = policy.decide  # type: ignore[attr-defined]
    n = len(demand)
    cap = max(1, int(start))
    bucket = 0.0
    pending_at = -1
    pending_cap = 0
    decreases = 0
    decrease_day = -1
    last_decrease: int | None = None
    value = [0.0] * n  # what CloudWatch shows of each served minute
    known_to = 0  # minutes before this are known to the policy
    last_point = -1
    provisioned = 0.0
    throttled = 0.0
    updates = 0
    decreases_total = 0
    for m in range(n):
        if pending_at >= 0 and pending_at <= m:
            cap = pending_cap
            pending_at = -1
            if bucket > BURST_SECONDS * cap:
                bucket = BURST_SECONDS * cap
        # Newly visible: minute m - LAG - 1; minutes without a datapoint become 0 once a
        # later one has a datapoint, or ALLOWANCE minutes after they ended.
        k = m - LAG - 1
        if k >= 0 and demand[k] > 0:
            last_point = k
        upto = max(last_point + 1, m - ALLOWANCE)
        while known_to < upto:
            know(known_to, value[known_to])
            known_to += 1
        if k >= 0 and demand[k] > 0:
            know(k, value[k])  # a point may arrive before (a late minute) was known
        day = (day_offset + m) // 1440
        used = decreases if decrease_day == day else 0
        updating = pending_at >= 0
        answer = decide(Facts(m, (day_offset + m) % 1440, cap, used, last_decrease, updating))
        if answer is not None and not updating and answer[0] != cap:
            wanted = answer[0]
            ok = True
            if wanted < cap:
                if decrease_refused(used, last_decrease, m):
                    ok = False
                else:
                    decreases = used + 1
                    decrease_day = day
                    last_decrease = m
                    decreases_total += 1
            if ok:
                updates += 1
                pending_at, pending_cap = m + UPDATE_LAG, wanted
        d = demand[m]
        served, bucket = serve(d, cap, bucket)
        consumed_sum = served * 60.0
        events = (d - served) * 60.0
        value[m] = (consumed_sum + events) / 60.0
        if m >= score_from:
            provisioned += cap
            throttled += events
    total = sum(demand[score_from:])
    return Figures(100.0 * throttled / 60.0 / total if total else 0.0,
                   provisioned / total if total else float("inf"), decreases_total, updates)


def replay_native(demand: list[float] | tuple[float, ...], start: int, target: float,
                  fresh_points_only: bool = False, scale_out_from_max: bool = True,
                  day_offset: int = 0, score_from: int = 0) -> Figures:
    """AWS native target tracking (simulate/native.py, no action delay) on the same
    physics; the defaults are native.STRICTER's details."""
    n = len(demand)
    cap = max(1, int(start))
    bucket = 0.0
    pending_at = -1
    pending_cap = 0
    decreases = 0
    decrease_day = -1
    last_decrease: int | None = None
    fresh_from = 0
    points = [0.0] * n
    ratio = target / 100.0
    low_ratio = (target - 20.0) / 100.0
    provisioned = 0.0
    throttled = 0.0
    updates = 0
    decreases_total = 0
    for m in range(n):
        if pending_at >= 0 and pending_at <= m:
            cap = pending_cap
            pending_at = -1
            if bucket > BURST_SECONDS * cap:
                bucket = BURST_SECONDS * cap
        if pending_at < 0:
            newest = min(m - LAG, n)
            first = fresh_from if fresh_points_only else 0
            wanted = 0
            out_from = newest - 2
            high = ratio * cap * 60.0
            if out_from >= first and points[out_from] > high and points[newest - 1] > high:
                basis = (max(points[out_from], points[newest - 1]) if scale_out_from_max
                         else points[newest - 1])
                wanted = min(40_000, max(1, math.ceil(basis / 60.0 / ratio - 1e-9)))
                if wanted <= cap:
                    wanted = 0
            else:
                in_from = newest - 15
                low = low_ratio * cap * 60.0
                if in_from >= first and max(points[in_from:newest]) < low:
                    wanted = min(40_000, max(1, math.ceil(
                        max(points[in_from:newest]) / 60.0 / ratio - 1e-9)))
                    if wanted >= cap:
                        wanted = 0
            if wanted:
                ok = True
                if wanted < cap:
                    day = (day_offset + m) // 1440
                    used = decreases if decrease_day == day else 0
                    if decrease_refused(used, last_decrease, m):
                        ok = False
                    else:
                        decreases = used + 1
                        decrease_day = day
                        last_decrease = m
                        decreases_total += 1
                if ok:
                    updates += 1
                    pending_at, pending_cap = m + UPDATE_LAG, wanted
                    fresh_from = m + UPDATE_LAG
        d = demand[m]
        served, bucket = serve(d, cap, bucket)
        points[m] = served * 60.0
        if m >= score_from:
            provisioned += cap
            throttled += (d - served) * 60.0
    total = sum(demand[score_from:])
    return Figures(100.0 * throttled / 60.0 / total if total else 0.0,
                   provisioned / total if total else float("inf"), decreases_total, updates)


def _verify_native() -> float:
    import corpus
    from baselines import native
    from lean import start_capacity

    from dynamic_dynamodb.simulate.native import NativeSettings

    worst = 0.0
    for case in corpus.cases():
        trace = corpus.load(case)
        offset = trace.start.hour * 60 + trace.start.minute
        for target in (70.0, 90.0):
            fast = replay_native(trace.demand, start_capacity(trace), target,
                                 day_offset=offset)
            slow = native(case, target)
            fresh = replay_native(trace.demand, start_capacity(trace), target, True, False,
                                  offset)
            slow_fresh = native(case, target, settings=NativeSettings())
            for a, b in ((fast, slow), (fresh, slow_fresh)):
                worst = max(worst, abs(a.throttled_percent - b.throttled_percent),
                            abs(a.cost_ratio - b.cost_ratio))
        print(f"{case.name:16} ok so far (largest difference {worst:.1e})", flush=True)
    return worst


def _verify() -> int:
    import corpus
    import policy_v2
    from lean import figures, run_candidate, start_capacity

    worst = 0.0
    for spec in ({}, {"burst_div": 0.0, "day_saving": 0.2, "pace_hours": 0.0, "settle": 0.5,
                      "after_increase": 10, "season_lags": (1440,)}):
        p = policy_v2.Params(**spec)  # type: ignore[arg-type]
        for case in corpus.cases(corpus.TUNING):
            trace = corpus.load(case)
            start = start_capacity(trace)
            offset = trace.start.hour * 60 + trace.start.minute
            t0 = time.perf_counter()
            fast = replay(trace.demand, start, policy_v2.V2(p), offset)
            t1 = time.perf_counter()
            slow = figures(run_candidate(trace, policy_v2.V2(p)))
            t2 = time.perf_counter()
            diff = max(abs(fast.throttled_percent - slow.throttled_percent),
                       abs(fast.cost_ratio - slow.cost_ratio))
            worst = max(worst, diff)
            print(f"{case.name:16} fast {fast.throttled_percent:.6f} % {fast.cost_ratio:.6f}x "
                  f"({t1 - t0:.1f} s)  sim {slow.throttled_percent:.6f} % "
                  f"{slow.cost_ratio:.6f}x ({t2 - t1:.1f} s)", flush=True)
    print(f"largest difference: {worst:.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__" and "--verify" in sys.argv:
    sys.exit(_verify())
if __name__ == "__main__" and "--verify-native" in sys.argv:
    sys.exit(0 if _verify_native() < 1e-9 else 1)
