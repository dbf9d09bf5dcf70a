"""What ``dynamic-dynamodb advise`` costs on a fleet: 100 tables x 14 days by default.

A local AWS holds the fleet: DynamoDB is the project's launcher (moto plus DynamoDB's
rules; in this process, so that each table's creation time can be put before the
window), CloudWatch is ``fast_cloudwatch`` in its own process (moto's CloudWatch scans
every stored datapoint per query and would be what is measured). Each table gets
``--days`` + 1 days of minute-level history, written as DynamoDB publishes it:

* 40 % daily cycle (reads and writes, provisioned for 1.5x the peak; every tenth with a GSI),
* 20 % bursty (reads idle but for 3-8 minute bursts four times a day; writes idle),
* 20 % quiet (under a unit per second, with idle minutes),
* 10 % on-demand (daily cycle, PAY_PER_REQUEST),
* 10 % idle (no traffic at all).

Then the real CLI runs as a child process, ``advise --days N --json --yes``, and the
benchmark reports its wall and CPU time (the child's), the time per phase it reports,
its GetMetricData calls and metrics (as it counts them, and as the server saw them),
what they cost, and what it advised.

    python benchmarks/advise_fleet.py                      # 100 tables x 14 days
    python benchmarks/advise_fleet.py --tables 20 --days 3 --jobs 2 --json

Numbers belong in the README, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.advise_support import History, LocalFleet  # noqa: E402

SEED = 20240515
KINDS = ["daily"] * 4 + ["bursty"] * 2 + ["quiet"] * 2 + ["ondemand", "idle"]


def daily(rng: random.Random, minutes: int, end: datetime, peak: float) -> list[float]:
    """A daily cycle peaking in the UTC afternoon, with noise."""
    first = end - timedelta(minutes=minutes)
    offset = first.hour * 60 + first.minute
    return [max(0.0, peak * (0.55 + 0.45 * math.sin(2 * math.pi * ((offset + m) / 1440 - 0.3)))
                * rng.uniform(0.9, 1.1)) for m in range(minutes)]


def bursty(rng: random.Random, minutes: int) -> list[float]:
    load = [0.0] * minutes
    for day in range(minutes // 1440 + 1):
        for _ in range(4):
            at = day * 1440 + rng.randrange(1440)
            height = rng.uniform(50, 300)
            for m in range(at, min(minutes, at + rng.randint(3, 8))):
                load[m] = height
    return load


def quiet(rng: random.Random, minutes: int) -> list[float]:
    return [rng.uniform(0.1, 0.9) if rng.random() < 0.7 else 0.0 for _ in range(minutes)]


def seed_fleet(fleet: LocalFleet, tables: int, days: int, now: datetime) -> dict[str, Any]:
    rng = random.Random(SEED)
    minutes = (days + 1) * 1440
    created = now - timedelta(days=days + 2)
    kinds: Counter[str] = Counter()
    datapoints = 0
    for t in range(tables):
        kind = KINDS[t % len(KINDS)]
        kinds[kind] += 1
        name = f"advise-{kind}-{t:04d}"
        if kind == "daily":
            peak = rng.uniform(5, 500)
            reads = daily(rng, minutes, now, peak)
            writes = [r / 5 for r in reads]
            capacity = (math.ceil(1.5 * peak), math.ceil(1.5 * peak / 5))
            gsis = [("by_day", capacity[0] // 4, capacity[1])] if t % 10 == 0 else []
            fleet.make_table(name, created, *capacity, gsis=gsis)
            datapoints += fleet.write_history(name, History(reads, writes,
                                                            provisioned=capacity), now,
                                              raw=True)
            if gsis:
                datapoints += fleet.write_history(
                    name, History([r / 4 for r in reads], writes,
                                  provisioned=(gsis[0][1], gsis[0][2])), now, "by_day",
                    raw=True)
        elif kind == "bursty":
            fleet.make_table(name, created, 300, 1)
            datapoints += fleet.write_history(name, History(bursty(rng, minutes),
                                                            provisioned=(300, 1)), now,
                                              raw=True)
        elif kind == "quiet":
            fleet.make_table(name, created, 5, 5)
            datapoints += fleet.write_history(name, History(quiet(rng, minutes),
                                                            quiet(rng, minutes),
                                                            provisioned=(5, 5)), now, raw=True)
        elif kind == "ondemand":
            reads = daily(rng, minutes, now, rng.uniform(5, 200))
            fleet.make_table(name, created, billing_mode="PAY_PER_REQUEST")
            datapoints += fleet.write_history(name, History(reads, [r / 10 for r in reads]),
                                              now, raw=True)
        else:
            fleet.make_table(name, created, 5, 5)
            datapoints += fleet.write_history(name, History([0.0] * minutes,
                                                            provisioned=(5, 5)), now, raw=True)
    return {"kinds": dict(kinds), "datapoints": datapoints}


def run_advise(fleet: LocalFleet, days: int, jobs: int, cwd: Path) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dynamic_dynamodb", "advise", "--days", str(days), "--json",
         "--yes", "--jobs", str(jobs), "-t", "^advise-"],
        env=fleet.env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"advise failed ({result.returncode}):\n{result.stderr}")
    document = json.loads(result.stdout)
    advised = Counter(f"{t['billing_mode']} -> {t['recommended_billing_mode']}"
                      for t in document["tables"])
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        # The largest resident set among the advise process and its replay workers.
        "peak_rss_mb": after.ru_maxrss / 1024,
        "phases_s": document["elapsed_seconds"],
        "advice_cost": document["advice_cost"],
        "tables_advised": len(document["tables"]),
        "gsis_advised": sum(len(t["indexes"]) for t in document["tables"]),
        "advised": dict(advised),
        "totals": document["totals"],
        "cost_line": next((line for line in result.stderr.splitlines()
                           if line.startswith("advise:")), ""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--jobs", type=int, default=2, help="advise --jobs")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="advise-fleet-") as scratch, \
            LocalFleet(Path(scratch), cloudwatch_process=True) as fleet:
        started = time.perf_counter()
        seeded = seed_fleet(fleet, args.tables, args.days, now)
        seeded["seconds"] = time.perf_counter() - started
        print(f"seeded {args.tables} tables, {seeded['datapoints']:,} datapoints in "
              f"{seeded['seconds']:.0f} s", file=sys.stderr)
        calls_before = fleet.stats()["calls"].get("GetMetricData", 0)
        report = run_advise(fleet, args.days, args.jobs, Path(scratch))
        server = fleet.stats()
        report["server_get_metric_data_calls"] = (server["calls"].get("GetMetricData", 0)
                                                  - calls_before)
        report["server_max_queries_per_call"] = server["max_queries_per_call"]
    report = {"tables": args.tables, "days": args.days, "jobs": args.jobs,
              "seeded": seeded, **report}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    cost = report["advice_cost"]
    phases = report["phases_s"]
    print(f"{args.tables} tables ({report['gsis_advised']} GSIs) x {args.days} days, "
          f"--jobs {args.jobs}")
    print(f"  wall {report['wall_s']:.1f} s, CPU {report['cpu_s']:.1f} s (advise process "
          f"and its replay workers), peak RSS {report['peak_rss_mb']:.0f} MB")
    print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    print(f"  GetMetricData: {cost['get_metric_data_calls']} calls (server saw "
          f"{report['server_get_metric_data_calls']}, at most "
          f"{report['server_max_queries_per_call']} queries each), "
          f"{cost['metrics_requested']:,} metrics, ${cost['dollars']:.4f}")
    print(f"  advised: {report['advised']}")
    print(f"  totals: {report['totals']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
