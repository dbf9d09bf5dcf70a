"""Evaluate the self-tuning policy (adaptive.py) with a menu of candidates.

    python benchmarks/research/menu_eval.py MENU [--set tuning|validation] [--late]

The nightly replays of each (trace, day, candidate) are cached in
CACHE_DIR/day_replays.pkl (they depend on the demand only, in the default model), so
menus that share candidates share work. The outer replay is fastsim's (default model)
or, with --late, the simulator with CloudWatch's late and lost minutes.
"""

from __future__ import annotations

import pickle
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
import fastsim  # noqa: E402
import policy_v2  # noqa: E402
import results  # noqa: E402
from adaptive import Adaptive  # noqa: E402
from evaluate import LATE  # noqa: E402
from lean import Figures, figures, run_candidate, start_capacity  # noqa: E402

P = policy_v2.Params
COMMON = dict(after_increase=10, drop_ratio=0.4, drift_hourly=True, hold_minutes=15,  # noqa: C408
              min_saving=0.2, pace_hours=0.0)
ARCHETYPES: dict[str, policy_v2.Params] = {
    # Smooth traffic with ramps: the trend (median of one-minute rises) on.
    "ramp90": P(**COMMON, burst_div=0.0, use_trend=True, trend_mode="median",  # type: ignore[arg-type]
                trend_minutes=5),
    "ramp80": P(**COMMON, burst_div=0.0, use_trend=True, trend_mode="median",  # type: ignore[arg-type]
                trend_minutes=5, up_target=0.8, down_target=0.8),
    # Steps (batch jobs): no trend, quick decreases at the end of a job.
    "batch90": P(**COMMON, burst_div=0.0, use_trend=False),  # type: ignore[arg-type]
    # Spiky: a burst floor, increases only for rises that last, a guard on peaks.
    "spiky": P(**{**COMMON, "drop_ratio": 0.0}, use_trend=False, burst_div=1.25,  # type: ignore[arg-type]
               burst_q=0.75, level_stat="q", level_q=0.0, level_minutes=6, peak_div=1.2),
    "spiky75": P(**COMMON, use_trend=False, burst_div=1.25, burst_q=0.75,  # type: ignore[arg-type]
                 up_target=0.75, down_target=0.75),
    # The first version's constants (a diff trend and the burst floor).
    "v1": P(),
    # The coordinate descent's optimum on the tuning set (descend.py, two sweeps).
    "f1": P(up_target=0.95, down_target=0.85, use_trend=True, trend_mode="median",
            trend_minutes=7, level_minutes=2, burst_div=0.0, hold_minutes=10,
            min_saving=0.2, drop_ratio=0.3, drift_hourly=True, after_increase=10,
            pace_hours=0.0),
}
# f1 with the smaller decreases that smooth traffic can afford (chosen on walk-s1 alone:
# the cheapest of a few variants at no throttling).
ARCHETYPES["smooth"] = replace(ARCHETYPES["f1"], min_saving=0.1, down_target=0.9)
MENUS: dict[str, list[str]] = {
    "all": ["ramp90", "batch90", "spiky", "ramp80", "spiky75", "v1"],
    "three": ["ramp90", "batch90", "spiky"],
}
CACHE_FILE = corpus.CACHE_DIR / "day_replays.pkl"


def load_cache() -> dict[tuple[str, int, str], tuple[float, float, float]]:
    if CACHE_FILE.exists():
        return pickle.loads(CACHE_FILE.read_bytes())  # type: ignore[no-any-return]
    return {}


def save_cache(cache: dict[tuple[str, int, str], tuple[float, float, float]]) -> None:
    tmp = CACHE_FILE.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(cache))
    tmp.replace(CACHE_FILE)


def menu_key(names: list[str], days: int, margin: float = 0.0) -> str:
    return ("adaptive:" + f"days={days}:" + (f"margin={margin}:" if margin else "")
            + "|".join(ARCHETYPES[n].key() for n in names))


def run(names: list[str], case: corpus.Case, cache: dict, late: bool = False,  # type: ignore[type-arg]
        days: int = 3, margin: float = 0.0) -> tuple[Figures, Counter[int]]:
    menu = [ARCHETYPES[n] for n in names]
    # The replays depend on the demand the policy saw, which late and lost minutes change.
    policy = Adaptive(menu, days=days, switch_margin=margin, cache=cache,
                      trace_id=case.name + ("|late" if late else ""))
    trace = corpus.load(case)
    t0 = time.perf_counter()
    if late:
        f = figures(run_candidate(trace, policy, LATE), time.perf_counter() - t0)
    else:
        f = fastsim.replay(trace.demand, start_capacity(trace), policy,
                           trace.start.hour * 60 + trace.start.minute)
        f = Figures(f.throttled_percent, f.cost_ratio, f.decreases, f.updates,
                    time.perf_counter() - t0)
    return f, Counter(policy.history)


def main(argv: list[str]) -> int:
    name = argv[0]
    group = None
    late = "--late" in argv
    days = 3
    if "--set" in argv:
        group = argv[argv.index("--set") + 1]
    if "--days" in argv:
        days = int(argv[argv.index("--days") + 1])
    margin = 0.0
    if "--margin" in argv:
        margin = float(argv[argv.index("--margin") + 1])
    names = MENUS[name] if name in MENUS else name.split(",")
    cache = load_cache()
    params = LATE if late else None
    mkey = baselines.model_key(params) if params else "default"
    key = menu_key(names, days, margin)
    scores = []
    for case in corpus.cases(group):
        g = baselines.goal(case, params)
        f = results.get(key, case.name, mkey)
        chosen = ""
        if f is None:
            f, counts = run(names, case, cache, late, days, margin)
            save_cache(cache)
            results.put(key, case.name, mkey, f)
            chosen = " ".join(f"{names[i]}:{n}" for i, n in sorted(counts.items()))
        u, v = g.score(f)
        scores.append((u, v, g.below_line(f)))
        mark = "MET" if g.met(f) else ("below" if g.below_line(f) else "ABOVE")
        print(f"{case.name:16} {case.group:10} {f.throttled_percent:8.4f} % {f.cost_ratio:6.3f}x "
              f"u={u:+6.2f} v={v:+6.2f} {mark:5} ({f.seconds:.0f}s) {chosen}", flush=True)
    met = sum(1 for u, v, _ in scores if max(u, v) <= 0)
    below = sum(1 for _, _, b in scores if b)
    print(f"met {met}/{len(scores)}, below {below}/{len(scores)}, worst "
          f"{max(max(u, v) for u, v, _ in scores):+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
