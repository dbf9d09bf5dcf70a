"""Evaluate several parameter sets on a set of traces, compactly (one line each).

    python benchmarks/research/grid.py --set tuning "burst_div=0" "burst_div=0 up_target=0.85"

Each argument is one candidate: space-separated PARAM=VALUE pairs over the defaults
(plus ``base=NAME`` for a named base in BASES).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import policy_v2  # noqa: E402
from evaluate import LATE, parse_params, report, split_args  # noqa: E402

BASES: dict[str, dict[str, object]] = {}


def line(spec: str, group: str | None, late: bool) -> str:
    items = spec.split()
    base: dict[str, object] = {}
    rest = []
    for item in items:
        if item.startswith("base="):
            base.update(BASES[item[5:]])
        else:
            rest.append(item)
    values = {**base, **parse_params(rest)}
    p = policy_v2.Params(**values)  # type: ignore[arg-type]
    cases = corpus.cases(group)
    scores = report(p.key(), lambda: policy_v2.V2(p), cases, LATE if late else None,
                    quiet=True)
    cells = " ".join(f"{c.name[:7]}:{max(u, v):+5.2f}"
                     for c, (u, v) in zip(cases, scores, strict=True))
    met = sum(1 for u, v in scores if max(u, v) <= 0)
    below = sum(1 for u, v in scores if u + v < 1)
    worst = max(max(u, v) for u, v in scores)
    return f"met {met} below {below} worst {worst:+5.2f} | {cells} | {spec}"


def main(argv: list[str]) -> int:
    group, late, specs = split_args(argv)
    for spec in specs:
        print(line(spec, group, late), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
