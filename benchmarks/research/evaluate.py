"""Evaluate a candidate policy on the research corpus against native's goals.

    python benchmarks/research/evaluate.py [--set tuning|validation] [--late] \
        [PARAM=VALUE ...]

Prints, per trace, the candidate's throttled % and cost x oracle, its (u, v) score
(baselines.py: both goals met when max(u, v) <= 0; below native's line when u + v < 1),
and a summary line. Figures are cached (results.py).
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
import results  # noqa: E402
from lean import Candidate, Figures, figures, run_candidate  # noqa: E402

from dynamic_dynamodb.simulate.model import CLOUDWATCH_LATE, ModelParams  # noqa: E402

LATE = CLOUDWATCH_LATE


def run(key: str, make: Callable[[], Candidate], case: corpus.Case,
        params: ModelParams | None = None) -> Figures:
    params = params or ModelParams()
    mkey = baselines.model_key(params)
    cached = results.get(key, case.name, mkey)
    if cached is not None:
        return cached
    trace = corpus.load(case)
    started = time.perf_counter()
    table = run_candidate(trace, make(), params)
    result = figures(table, time.perf_counter() - started)
    results.put(key, case.name, mkey, result)
    return result


def report(key: str, make: Callable[[], Candidate], cases: list[corpus.Case],
           params: ModelParams | None = None, quiet: bool = False) -> list[tuple[float, float]]:
    scores = []
    for case in cases:
        g = baselines.goal(case, params)
        f = run(key, make, case, params)
        u, v = g.score(f)
        scores.append((u, v))
        if not quiet:
            mark = "MET" if g.met(f) else ("below" if g.below_line(f) else "ABOVE")
            print(f"{case.name:16} {case.group:10} {f.throttled_percent:8.4f} % "
                  f"{f.cost_ratio:6.3f}x  u={u:+6.2f} v={v:+6.2f}  {mark:5}  "
                  f"(n70 {g.t70:.4f} % {g.c70:.3f}x, n90 {g.t90:.4f} % {g.c90:.3f}x) "
                  f"{f.seconds:.1f}s", flush=True)
    return scores


def summary(scores: list[tuple[float, float]]) -> str:
    worst = max(max(u, v) for u, v in scores)
    met = sum(1 for u, v in scores if max(u, v) <= 0)
    below = sum(1 for u, v in scores if u + v < 1)
    return f"met {met}/{len(scores)}, below line {below}/{len(scores)}, worst max(u,v) {worst:+.2f}"


def parse_params(items: list[str]) -> dict[str, object]:
    import policy_v2

    names = {f.name for f in fields(policy_v2.Params)}
    out: dict[str, object] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in names:
            raise SystemExit(f"unknown parameter {name!r}; one of {sorted(names)}")
        out[name] = ast.literal_eval(value)
    return out


def split_args(argv: list[str]) -> tuple[str | None, bool, list[str]]:
    """(--set GROUP, --late, the other arguments)."""
    group = None
    late = False
    rest = []
    it = iter(argv)
    for a in it:
        if a == "--set":
            group = next(it)
        elif a == "--late":
            late = True
        else:
            rest.append(a)
    return group, late, rest


def main(argv: list[str]) -> int:
    import policy_v2

    group, late, rest = split_args(argv)
    params = LATE if late else None
    p = policy_v2.Params(**parse_params(rest))  # type: ignore[arg-type]
    scores = report(p.key(), lambda: policy_v2.V2(p), corpus.cases(group), params)
    print(summary(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
