"""AWS native target tracking under the 8 combinations of its three undocumented details.

    python benchmarks/native_variants.py [--traces-dir ../shared/traces]

For worldcup98 and NAB (``--step 5 --scale 20``; NAB also with its rows joined end to
end, i.e. read without its timestamps so its 8 missing 5-minute slots vanish), at 70 %
and 90 %: throttled % of demand and cost x oracle for each combination of
``fresh_points_only``, ``scale_out_from`` and ``action_delay_minutes`` (see
dynamic_dynamodb/simulate/native.py). The "stricter" combination is the one in which
native does best against us: the lowest throttling at its cost. The last column
measures it: how far (in cost x oracle) each variant's two points lie below the
straight line through the default variant's two points (70 % and 90 %), summed;
positive = a better frontier than the default.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dynamic_dynamodb.core.types import Dimension  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams  # noqa: E402
from dynamic_dynamodb.simulate.native import NativeSettings  # noqa: E402
from dynamic_dynamodb.simulate.report import oracle_unit_minutes, summarize  # noqa: E402
from dynamic_dynamodb.simulate.runner import default_start_capacity, run_native  # noqa: E402
from dynamic_dynamodb.simulate.trace import Trace, read_trace  # noqa: E402

VARIANTS = [NativeSettings(fresh_points_only=fresh, scale_out_from=out,  # type: ignore[arg-type]
                           action_delay_minutes=delay)
            for fresh, out, delay in itertools.product((True, False), ("newest", "max"), (0, 1))]


def joined(trace: Trace, step: int) -> Trace:
    """The trace's rows end to end: every ``step``-minute slot that has no row dropped.
    (A missing row reads as ``step`` minutes of zero load; real load is never exactly 0
    in these traces, which have no zero row.)"""
    demand = trace.demand
    rows = [demand[k:k + step] for k in range(0, len(demand), step)]
    kept = [v for row in rows if any(row) for v in row]
    return Trace(trace.start, tuple(kept), trace.source + " (rows joined)")


def _cost_on_line(line: list[tuple[float, float]], throttled: float) -> float:
    """Cost x oracle on the straight line through two (throttled %, cost) points."""
    (t0, c0), (t1, c1) = line
    return c0 + (throttled - t0) * (c1 - c0) / (t1 - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces-dir", type=Path, default=ROOT.parent / "shared" / "traces")
    args = parser.parse_args(argv)
    nab = read_trace(args.traces_dir / "nab/elb_request_count_8c0756.csv", 5, 20)
    traces = [
        ("worldcup98", read_trace(args.traces_dir / "worldcup98/invocation_count.csv.gz")),
        ("nab --step 5 --scale 20", nab),
        ("nab, rows joined", joined(nab, 5)),
    ]
    print("| trace | fresh points only | scale out from | action delay | 70 %: throttled % "
          "| 70 %: cost x oracle | 90 %: throttled % | 90 %: cost x oracle "
          "| below the default's line |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for label, trace in traces:
        oracle = oracle_unit_minutes(trace)
        start = default_start_capacity(trace, 90.0)
        line: list[tuple[float, float]] = []
        for variant in VARIANTS:
            points = []
            for target in (70.0, 90.0):
                run = run_native("native", trace, replace(variant, target_percent=target),
                                 Dimension.READS, start, ModelParams())
                s = summarize(run, oracle, Dimension.READS)
                points.append((s.throttled_percent or 0.0, s.cost_ratio))
            line = line or points  # the first variant is the default
            below = sum(_cost_on_line(line, t) - c for t, c in points)
            cells = [f"{v:.4f}" if i % 2 == 0 else f"{v:.3f}"
                     for i, v in enumerate(x for p in points for x in p)]
            print(f"| {label} | {variant.fresh_points_only} | {variant.scale_out_from} | "
                  f"{variant.action_delay_minutes} | " + " | ".join(cells) +
                  f" | {below:+.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
