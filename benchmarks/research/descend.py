"""Coordinate descent over policy_v2.Params on a set of traces (fast replay, cached).

    python benchmarks/research/descend.py --set tuning --base "k=v ..." [--sweeps 2]

Objective (smaller is better), over the traces of the set: the sum of
max(max(u, v), -0.5) (baselines.Goal.score; no credit for beating a goal by more than
half the native gap), plus 5 x the sum of max(0, u + v - 0.95): being below native's
line, with a margin, comes first. Each parameter in turn takes each of its values in
STEPS; a change is kept when the objective improves.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
import policy_v2  # noqa: E402
from evaluate import parse_params  # noqa: E402
from search import fast  # noqa: E402

STEPS: dict[str, list[object]] = {
    "up_target": [0.75, 0.8, 0.85, 0.9, 0.95],
    "down_target": [0.75, 0.8, 0.85, 0.9, 0.95],
    "use_trend": [True, False],
    "trend_mode": ["median", "diff"],
    "trend_minutes": [3, 4, 5, 7],
    "horizon": [2.0, 4.0, 6.0],
    "level_minutes": [2, 3, 5],
    "burst_div": [0.0, 1.25, 1.5, 2.0],
    "burst_q": [0.5, 0.75, 0.9],
    "burst_minutes": [30, 60, 120],
    "hold_minutes": [5, 10, 15, 20],
    "min_saving": [0.1, 0.15, 0.2, 0.3],
    "drop_ratio": [0.0, 0.3, 0.4, 0.5],
    "drop_minutes": [2, 3, 4],
    "drift_hourly": [True, False],
    "after_increase": [0, 5, 10, 20],
    "pace_hours": [0.0, 3.0, 6.0],
    "day_saving": [0.0, 0.05, 0.1],
    "small_increase": [0.0, 0.1, 0.2],
}


def objective(p: policy_v2.Params, cases: list[corpus.Case],
              goals: dict[str, baselines.Goal]) -> tuple[float, str]:
    total = 0.0
    cells = []
    for c in cases:
        u, v = goals[c.name].score(fast(p, c))
        total += max(max(u, v), -0.5) + 5 * max(0.0, u + v - 0.95)
        cells.append(f"{max(u, v):+.2f}{'*' if max(u, v) <= 0 else '' if u + v < 1 else '!'}")
    return total, " ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=corpus.TUNING)
    parser.add_argument("--base", default="")
    parser.add_argument("--sweeps", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="parameters to vary (default: all)")
    args = parser.parse_args(argv)
    cases = corpus.cases(args.set)
    goals = {c.name: baselines.goal(c) for c in cases}
    p = policy_v2.Params(**parse_params(args.base.split()))  # type: ignore[arg-type]
    best, cells = objective(p, cases, goals)
    print(f"start {best:.3f} {cells}", flush=True)
    for sweep in range(args.sweeps):
        changed = False
        for name, values in STEPS.items():
            if args.only and name not in args.only:
                continue
            for value in values:
                if getattr(p, name) == value:
                    continue
                q = replace(p, **{name: value})
                score, cells = objective(q, cases, goals)
                mark = ""
                if score < best - 1e-9:
                    best, p, changed, mark = score, q, True, "  <- kept"
                print(f"  {name}={value!r}: {score:.3f} {cells}{mark}", flush=True)
        print(f"sweep {sweep}: {best:.3f}  {' '.join(f'{k}={getattr(p, k)!r}' for k in STEPS)}",
              flush=True)
        if not changed:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
