"""Random search over policy_v2.Params with the fast replay, results cached.

    python benchmarks/research/search.py --set tuning --samples 100 --seed 1 [--space NAME]

Each sample is a random point of the space (SPACES); it is replayed (fastsim, which
gives exactly the simulator's default-model figures) on every trace of the set, and
scored per trace with baselines.Goal.score. At the end it prints the best samples
for the whole set (the worst trace's max(u, v), then the mean) and, per trace, the
best sample for that trace alone (what a per-table choice could reach).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
import fastsim  # noqa: E402
import policy_v2  # noqa: E402
import results  # noqa: E402
from lean import Figures, start_capacity  # noqa: E402

SPACES: dict[str, dict[str, list[object]]] = {
    "wide": {
        "up_target": [0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
        "down_target": [0.0, 0.05],  # added to up_target
        "level_stat": ["max", "mean"],
        "level_minutes": [2, 3, 5],
        "use_trend": [True, False],
        "trend_minutes": [3, 6],
        "burst_div": [0.0, 1.25, 1.5, 2.0],
        "burst_q": [0.75, 0.9],
        "burst_minutes": [30, 60, 120],
        "hold_minutes": [3, 5, 10, 15],
        "hold_q": [1.0, 0.8],
        "min_saving": [0.05, 0.1, 0.2],
        "day_saving": [0.0, 0.05, 0.1, 0.2],
        "pace_hours": [0.0, 3.0, 6.0],
        "settle": [0.0, 0.5],
        "after_increase": [0, 5, 10, 20],
        "small_increase": [0.0, 0.1],
    },
}


def sample(space: dict[str, list[object]], rng: random.Random) -> policy_v2.Params:
    values = {k: rng.choice(v) for k, v in space.items()}
    values["down_target"] = min(0.98, float(values["up_target"])  # type: ignore[arg-type]
                                + float(values["down_target"]))  # type: ignore[arg-type]
    return policy_v2.Params(**values)  # type: ignore[arg-type]


def fast(p: policy_v2.Params, case: corpus.Case) -> Figures:
    key = p.key()
    cached = results.get(key, case.name, "default")
    if cached is not None:
        return cached
    trace = corpus.load(case)
    t0 = time.perf_counter()
    f = fastsim.replay(trace.demand, start_capacity(trace), policy_v2.V2(p),
                       trace.start.hour * 60 + trace.start.minute)
    f = Figures(f.throttled_percent, f.cost_ratio, f.decreases, f.updates,
                time.perf_counter() - t0)
    results.put(key, case.name, "default", f)
    return f


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=corpus.TUNING)
    parser.add_argument("--traces", nargs="*")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--space", default="wide")
    args = parser.parse_args(argv)
    cases = corpus.cases(args.set, args.traces)
    goals = {c.name: baselines.goal(c) for c in cases}
    rng = random.Random(args.seed)
    rows = []
    for i in range(args.samples):
        p = sample(SPACES[args.space], rng)
        scores = []
        for c in cases:
            u, v = goals[c.name].score(fast(p, c))
            scores.append((u, v))
        worst = max(max(u, v) for u, v in scores)
        mean = sum(max(u, v) for u, v in scores) / len(scores)
        below = sum(1 for u, v in scores if u + v < 1)
        rows.append((worst, mean, below, scores, p))
        print(f"{i:4d} worst {worst:+6.2f} mean {mean:+6.2f} below {below} "
              + " ".join(f"{max(u, v):+5.2f}" for u, v in scores), flush=True)
    rows.sort(key=lambda r: (r[0], r[1]))
    print("\nbest for the whole set:")
    for worst, mean, below, _, p in rows[:5]:
        print(f"  worst {worst:+.2f} mean {mean:+.2f} below {below}: {p.key()}")
    print("\nbest per trace:")
    for j, c in enumerate(cases):
        best = min(rows, key=lambda r: max(r[3][j]))
        u, v = best[3][j]
        print(f"  {c.name:16} max(u,v) {max(u, v):+.2f} (u {u:+.2f}, v {v:+.2f}): {best[4].key()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
