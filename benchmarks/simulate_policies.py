"""The README's policy table: traces x policies in the simulator's default model.

For each trace: the target mode (recommended settings), the classic threshold mode
with the original README's settings, AWS native target tracking at 70 %, and the
on-demand and provisioned-for-the-peak yardsticks; throttled % of demand, cost
relative to the oracle (provisions exactly the demand every minute) and $/month.

    python benchmarks/simulate_policies.py [--traces-dir ../shared/traces] [--jobs 2]

The public traces are read where they are (never copied into the repository); the
synthetic one is generated with a fixed seed by benchmarks/synthetic_trace.py.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dynamic_dynamodb.config.loader import from_command_line  # noqa: E402
from dynamic_dynamodb.core.types import Dimension  # noqa: E402
from dynamic_dynamodb.simulate.model import ModelParams  # noqa: E402
from dynamic_dynamodb.simulate.native import NativeSettings  # noqa: E402
from dynamic_dynamodb.simulate.report import (  # noqa: E402
    Summary,
    oracle_unit_minutes,
    reference_rows,
    summarize,
)
from dynamic_dynamodb.simulate.runner import (  # noqa: E402
    DEFAULT_TABLE,
    PolicySpec,
    classic_config,
    default_start_capacity,
    run_policy,
)
from dynamic_dynamodb.simulate.trace import Trace, read_trace  # noqa: E402

# The target mode's recommended settings (README): a check a minute, the freshest window.
TARGET_SETTINGS = {"scaling-mode": "target", "lookback-window-start": "7",
                   "lookback-period": "5"}
TARGET_GLOBAL = {"check-interval": "60"}
POLICIES = ("target", "classic", "native")


@dataclass(frozen=True)
class TraceSpec:
    label: str
    path: str  # relative to the traces directory, or "synthetic"
    step: int = 1
    scale: float = 1.0


TRACES = (
    TraceSpec("worldcup98, --scale 1", "worldcup98/invocation_count.csv.gz"),
    TraceSpec("nab elb 8c0756, --step 5 --scale 20", "nab/elb_request_count_8c0756.csv", 5, 20),
    TraceSpec("nab elb 8c0756, --step 5 --scale 200", "nab/elb_request_count_8c0756.csv", 5,
              200),
    TraceSpec("synthetic daily cycle + sales (seed 20240304)", "synthetic"),
)


def _synthetic_csv() -> str:
    from synthetic_trace import generate

    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="")
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["minute", "requests"])
        for stamp, value in generate():
            writer.writerow([stamp.strftime("%Y-%m-%d %H:%M:%S"), value])
    return handle.name


def load(spec: TraceSpec, traces_dir: Path, synthetic: str) -> Trace:
    path = synthetic if spec.path == "synthetic" else str(traces_dir / spec.path)
    return read_trace(path, spec.step, spec.scale)


def policy_spec(name: str) -> PolicySpec:
    regex = f"^{DEFAULT_TABLE}$"
    if name == "target":
        return PolicySpec("target mode (90 %, check 60 s)",
                          config=from_command_line(regex, TARGET_SETTINGS, TARGET_GLOBAL, {},
                                                   runtime={"dry_run": False}))
    if name == "classic":
        return PolicySpec("classic (original README settings)", config=classic_config(regex))
    return PolicySpec("AWS native target tracking 70 %", native=NativeSettings(70.0))


def run_one(job: tuple[TraceSpec, str, str, str]) -> tuple[str, Summary, float]:
    spec, policy, traces_dir, synthetic = job
    trace = load(spec, Path(traces_dir), synthetic)
    started = time.perf_counter()
    run = run_policy(policy_spec(policy), trace, Dimension.READS,
                     default_start_capacity(trace, 90.0), ModelParams())
    summary = summarize(run, oracle_unit_minutes(trace), Dimension.READS)
    return spec.label, summary, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces-dir", type=Path, default=ROOT.parent / "shared" / "traces",
                        help="directory holding worldcup98/ and nab/ (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="policies replayed in parallel (default: %(default)s)")
    args = parser.parse_args(argv)
    missing = [t.path for t in TRACES
               if t.path != "synthetic" and not (args.traces_dir / t.path).exists()]
    if missing:
        print(f"traces not found under {args.traces_dir}: {', '.join(missing)} "
              f"(use --traces-dir)", file=sys.stderr)
        return 2

    synthetic = _synthetic_csv()
    try:
        jobs = [(t, p, str(args.traces_dir), synthetic) for t in TRACES for p in POLICIES]
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(run_one, jobs))
        references = {t.label: reference_rows(load(t, args.traces_dir, synthetic),
                                              Dimension.READS)[1:] for t in TRACES}
    finally:
        os.unlink(synthetic)

    print("| trace | policy | throttled % of demand | cost x oracle | $/month (reads) |")
    print("|---|---|---:|---:|---:|")
    for t in TRACES:
        rows = [s for label, s, _ in results if label == t.label] + references[t.label]
        for r in rows:
            print(f"| {t.label} | {r.policy} | {r.throttled_percent or 0:.4f} | "
                  f"{r.cost_ratio:.3f} | {r.dollars_per_month:,.2f} |")
    slowest = max(results, key=lambda r: r[2])
    print(f"\n(slowest replay: {slowest[1].policy} on {slowest[0]}, {slowest[2]:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
