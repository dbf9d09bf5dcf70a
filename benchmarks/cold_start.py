"""The target mode's first hour on each trace: does it throttle while CloudWatch has not
published the first minutes yet? (issue 11: it used to read them as zero and drop to
1 unit at its first check.)

Replays the first ``--minutes`` (default 180) of each trace of
benchmarks/simulate_policies.py with the target mode's recommended settings and prints,
per trace: the start capacity, the lowest capacity of the first 15 minutes, the demand
throttled in the first hour (unit-minutes and % of that hour's demand) and the first
change the mode made.

    python benchmarks/cold_start.py [--traces-dir ../shared/traces] [--minutes 180]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from simulate_policies import TRACES, _synthetic_csv, load, policy_spec  # noqa: E402

from dynamic_dynamodb.core.types import Dimension  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams  # noqa: E402
from dynamic_dynamodb.simulate.runner import default_start_capacity, run_policy  # noqa: E402
from dynamic_dynamodb.simulate.trace import Trace  # noqa: E402

FIRST_MINUTES = 15
HOUR = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces-dir", type=Path, default=ROOT.parent / "shared" / "traces",
                        help="directory holding worldcup98/ and nab/ (default: %(default)s)")
    parser.add_argument("--minutes", type=int, default=180,
                        help="minutes of each trace replayed (default: %(default)s)")
    args = parser.parse_args(argv)
    synthetic = _synthetic_csv()
    print("| trace | start | lowest, first 15 min | throttled, first hour (unit-min, % of "
          "demand) | first change |")
    print("|---|---:|---:|---:|---|")
    try:
        for spec in TRACES:
            whole = load(spec, args.traces_dir, synthetic)
            trace = Trace(whole.start, whole.demand[:args.minutes], whole.source)
            start = default_start_capacity(trace, 90.0)
            run = run_policy(policy_spec("target"), trace, Dimension.READS, start,
                             ModelParams())
            table = run.table
            throttled = sum(table.throttle_events[:HOUR]) / 60.0
            demand = sum(trace.demand[:HOUR])
            first = table.updates[0] if table.updates else None
            change = "none" if first is None else (
                f"minute {first.minute}: {first.before} -> {first.after}")
            print(f"| {spec.label} | {start} | {min(table.provisioned[:FIRST_MINUTES])} | "
                  f"{throttled:,.1f} ({100 * throttled / demand if demand else 0:.2f} %) | "
                  f"{change} |")
    finally:
        os.unlink(synthetic)
    return 0


if __name__ == "__main__":
    sys.exit(main())
