"""AWS native target tracking (the stricter variant, see simulate/native.py STRICTER)
at 70 % and 90 %, and the goals they set, per trace of the research corpus.

Per trace the goal of issue 12 is: throttled % <= native 70 %'s, and cost <= native
90 %'s; at least, strictly below the straight line from native 70 % to native 90 % in
(throttled %, cost). ``score`` puts a result on one scale that is the same on every
trace: u = 0 at native 70 %'s throttling and 1 at native 90 %'s; v = 0 at native
90 %'s cost and 1 at native 70 %'s. Both goals are met when max(u, v) <= 0; the
point is below the line when u + v < 1.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import results  # noqa: E402
from lean import Figures, figures, start_capacity  # noqa: E402

from dynamic_dynamodb.core.types import Dimension  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams  # noqa: E402
from dynamic_dynamodb.simulate.native import STRICTER, NativeSettings  # noqa: E402
from dynamic_dynamodb.simulate.runner import run_native  # noqa: E402


def model_key(params: ModelParams) -> str:
    default = ModelParams()
    changed = {k: v for k, v in vars(params).items() if getattr(default, k) != v}
    return ",".join(f"{k}={v}" for k, v in sorted(changed.items())) or "default"


def native_key(settings: NativeSettings) -> str:
    return (f"native-{settings.target_percent:g}-"
            f"{'fresh' if settings.fresh_points_only else 'all'}-{settings.scale_out_from}-"
            f"d{settings.action_delay_minutes}")


def native(case: corpus.Case, target: float, params: ModelParams | None = None,
           settings: NativeSettings = STRICTER) -> Figures:
    params = params or ModelParams()
    settings = replace(settings, target_percent=target)
    key, mkey = native_key(settings), model_key(params)
    cached = results.get(key, case.name, mkey)
    if cached is not None:
        return cached
    trace = corpus.load(case)
    started = time.perf_counter()
    run = run_native("native", trace, settings, Dimension.READS, start_capacity(trace), params)
    result = figures(run.table, time.perf_counter() - started)
    results.put(key, case.name, mkey, result)
    return result


@dataclass(frozen=True)
class Goal:
    t70: float
    c70: float
    t90: float
    c90: float

    def score(self, f: Figures) -> tuple[float, float]:
        """(u, v): see the module's docstring."""
        dt = self.t90 - self.t70
        dc = self.c70 - self.c90
        u = (f.throttled_percent - self.t70) / dt if dt > 0 else (
            0.0 if f.throttled_percent <= self.t70 else 1.0)
        v = (f.cost_ratio - self.c90) / dc if dc > 0 else (
            0.0 if f.cost_ratio <= self.c90 else 1.0)
        return u, v

    def met(self, f: Figures) -> bool:
        return f.throttled_percent <= self.t70 and f.cost_ratio <= self.c90

    def below_line(self, f: Figures) -> bool:
        """Strictly below the straight line through native 70 % and 90 % in (throttled %,
        cost). When both throttle the same (e.g. nothing), the line is vertical: below
        it is throttling less, or as little at a lower cost than native 90 %'s."""
        if self.t90 == self.t70:
            t = f.throttled_percent
            return t < self.t70 or (t <= self.t70 and f.cost_ratio < self.c90)
        u, v = self.score(f)
        return u + v < 1


def goal(case: corpus.Case, params: ModelParams | None = None,
         settings: NativeSettings = STRICTER) -> Goal:
    n70 = native(case, 70.0, params, settings)
    n90 = native(case, 90.0, params, settings)
    return Goal(n70.throttled_percent, n70.cost_ratio, n90.throttled_percent, n90.cost_ratio)


def main() -> int:
    print("| trace | set | native 70 % throttled | cost | native 90 % throttled | cost |")
    print("|---|---|---:|---:|---:|---:|")
    for case in corpus.cases():
        g = goal(case)
        print(f"| {case.name} | {case.group} | {g.t70:.4f} | {g.c70:.3f} | {g.t90:.4f} | "
              f"{g.c90:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
