"""Where a policy throttles: the throttled episodes of a replay, largest first, next to
native 70 %'s on the same minutes (a diagnostic for the research).

    python benchmarks/research/episodes.py TRACE [PARAM=VALUE ...]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import policy_v2  # noqa: E402
from evaluate import parse_params  # noqa: E402
from lean import run_candidate, start_capacity  # noqa: E402

from dynamic_dynamodb.core.types import Dimension  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams, SimulatedTable  # noqa: E402
from dynamic_dynamodb.simulate.native import STRICTER  # noqa: E402
from dynamic_dynamodb.simulate.runner import run_native  # noqa: E402


def episodes(table: SimulatedTable) -> list[tuple[float, int, int]]:
    """(throttled unit-minutes, first minute, last minute), largest first."""
    out = []
    start = None
    total = 0.0
    for m, events in enumerate(table.throttle_events):
        if events > 0:
            if start is None:
                start, total = m, 0.0
            total += events / 60.0
        elif start is not None:
            out.append((total, start, m - 1))
            start = None
    if start is not None:
        out.append((total, start, len(table.throttle_events) - 1))
    return sorted(out, reverse=True)


def main(argv: list[str]) -> int:
    case = next(c for c in corpus.CASES if c.name == argv[0])
    p = policy_v2.Params(**parse_params(argv[1:]))  # type: ignore[arg-type]
    trace = corpus.load(case)
    ours = run_candidate(trace, policy_v2.V2(p))
    native = run_native("n70", trace, replace(STRICTER, target_percent=70.0), Dimension.READS,
                        start_capacity(trace), ModelParams()).table
    total = sum(trace.demand)
    eps = episodes(ours)
    print(f"ours: {len(eps)} episodes, {sum(e[0] for e in eps) / total * 100:.4f} %")
    n_eps = episodes(native)
    print(f"native 70: {len(n_eps)} episodes, {sum(e[0] for e in n_eps) / total * 100:.4f} %")
    for size, a, b in eps[:15]:
        nat = sum(native.throttle_events[a:b + 1]) / 60.0
        print(f"  {size:9.1f} unit-min  minutes {a}-{b} (day {a // 1440}, "
              f"{(a % 1440) // 60:02d}:{a % 60:02d})  demand {trace.demand[a - 3]:.0f}->"
              f"{max(trace.demand[a:b + 1]):.0f}  cap {ours.provisioned[a]}  native70 there "
              f"{nat:.1f} (cap {native.provisioned[a]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
