"""The research's result table: the self-tuning policy against native 70 % and 90 %
(stricter variant) on every trace, tuning and validation apart, with each goal's
miss where it misses.

    python benchmarks/research/final.py [--late]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import baselines  # noqa: E402
import corpus  # noqa: E402
from publication import LATE, adaptive  # noqa: E402


def main(argv: list[str]) -> int:
    late = "--late" in argv
    params = LATE if late else None
    for group in (corpus.TUNING, corpus.VALIDATION):
        print(f"\n{group} traces" + (" (late and lost CloudWatch minutes)" if late else ""))
        print("| trace | native 70 % | native 90 % | self-tuning | throttling <= native 70 % "
              "| cost <= native 90 % | u + v (< 1: below native's line) |")
        print("|---|---|---|---|---|---|---:|")
        for case in corpus.cases(group):
            g = baselines.goal(case, params)
            f = adaptive(case, late)
            u, v = g.score(f)
            t_ok = f.throttled_percent <= g.t70
            c_ok = f.cost_ratio <= g.c90
            t_cell = "yes" if t_ok else (f"no: +{f.throttled_percent - g.t70:.4f} points "
                                         f"({f.throttled_percent / g.t70:.2f}x)"
                                         if g.t70 > 0 else
                                         f"no: +{f.throttled_percent:.4f} points")
            c_cell = "yes" if c_ok else f"no: +{100 * (f.cost_ratio / g.c90 - 1):.1f} %"
            print(f"| {case.name} | {g.t70:.4f} % {g.c70:.3f}x | {g.t90:.4f} % {g.c90:.3f}x | "
                  f"{f.throttled_percent:.4f} % {f.cost_ratio:.3f}x | {t_cell} | {c_cell} | "
                  f"{u + v:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
