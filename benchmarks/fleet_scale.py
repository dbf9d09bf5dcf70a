"""A fleet at scale: many tables over accounts x regions, every AWS answer late.

Issue 14's check: N tables (default 10,000) spread over A accounts x R regions (default
2 x 5 = 10 targets) on the local AWS, with ``--latency`` seconds (default 0.3) added
before every DynamoDB, STS and CloudWatch answer. One child process, which is the daemon
and nothing else, builds each target's real Scheduler on boto3 (its account reached by
STS AssumeRole, its DescribeTable paced at describe-rate, as fleet/build.py does) and
runs the targets' cycles concurrently, as the FleetRunner does, ``--cycles`` times. The
Schedulers' clock steps one check interval (60 s) per cycle, so held DescribeTable
answers age and quiet tables rest exactly as in a daemon whose cycles are a minute
apart, without waiting the minutes.

It runs twice on the same tables: ``before`` (every table described and every series of
every resource read every cycle: ``description-max-age`` and ``slow-check-interval`` at
most the check interval, which is what the daemon did before issue 14's item 4) and
``after`` (the defaults). For each it prints the wall time, CPU time and AWS calls of the
first cycle and of the later ones (median), the daemon's peak memory, the DynamoDB
control-plane calls per table per cycle, and the monthly GetMetricData bill at that pace.

The tables: ``--idle-share`` (default 0.6) are idle at their floor (1 read, 1 write,
min-provisioned 1: quiet, checked every slow interval), ``--hot-share`` (default 0.01)
read at 95 % of 10 units (one increase each), the rest use half of 10 units (watched
every cycle: a decrease could save more than watching them costs). Servers: the
launcher's app (moto + DynamoDB's rules, STS) behind many_tables.py's keep-alive server,
and localaws/fast_cloudwatch.py, each in its own process, with the latency option.

    python benchmarks/fleet_scale.py                         # 10,000 tables, 10 targets
    python benchmarks/fleet_scale.py --tables 2000 --cycles 4
    python benchmarks/fleet_scale.py --json

Numbers belong in the README, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PREFIX = "fleet-"
CHECK_INTERVAL = 60
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
           "ap-northeast-1", "sa-east-1", "ca-central-1")
SEED_MINUTES = range(-40, 16)  # minutes before now: 15 back, 40 ahead for the stepped clock


def account_id(k: int) -> str:
    return f"{111111111111 * (k + 1):012d}"[:12]


def role(k: int) -> str:
    return f"arn:aws:iam::{account_id(k)}:role/dynamic-dynamodb"


def table_name(target: int, i: int) -> str:
    return f"{PREFIX}{target:02d}-{i:05d}"


def kind_of(i: int, idle_share: float, hot_share: float) -> str:
    """Spread evenly: every table's kind from its index."""
    position = (i * 0.6180339887) % 1.0  # golden-ratio spacing: even, not striped
    if position < hot_share:
        return "hot"
    if position < hot_share + idle_share:
        return "idle"
    return "busy"


def config_text(accounts: int, regions: int, mode: str) -> str:
    lines = ["[global]", f"check-interval: {CHECK_INTERVAL}", "region: us-east-1"]
    if mode == "before":
        lines += [f"description-max-age: {CHECK_INTERVAL}", "slow-check-interval: 0"]
    lines += ["[logging]", "log-level: warning",
              f"[table: ^{PREFIX}]", "min-provisioned-reads: 1", "min-provisioned-writes: 1"]
    for k in range(accounts):
        lines += [f"[account: a{k}]", f"role-arn: {role(k)}",
                  f"regions: {', '.join(REGIONS[:regions])}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# The daemon side: a child process; prints one JSON line.
# --------------------------------------------------------------------------------------
def _rss_peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_daemon(config_file: str, cycles: int) -> dict[str, Any]:
    import threading

    from dynamic_dynamodb.config.loader import from_command_line
    from dynamic_dynamodb.fleet.logcontext import in_target
    from dynamic_dynamodb.fleet.sessions import default_region, target_clients
    from dynamic_dynamodb.fleet.targets import plan_targets
    from dynamic_dynamodb.localaws.clock import SteppedClock
    from dynamic_dynamodb.runner import build_scheduler
    from dynamic_dynamodb.service.wiring import settle_gc
    from dynamic_dynamodb.status import SilentNotifier

    config = from_command_line(None, {}, {}, {}, config_file=config_file)
    stop = threading.Event()
    clock = SteppedClock(datetime.now(timezone.utc))
    targets = plan_targets(config, default_region)
    schedulers = [build_scheduler(t.config, stop=stop, clients=target_clients(t, stop),
                                  target=t.id, clock=clock, notifier=SilentNotifier())
                  for t in targets]
    settle_gc()
    results = []
    with ThreadPoolExecutor(max_workers=config.global_.target_concurrency) as pool:
        for _ in range(cycles):
            before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            def one(scheduler: Any) -> Any:
                with in_target(scheduler.target or "", prefix=False):
                    return scheduler.run_cycle()

            reports = list(pool.map(one, schedulers))
            after = resource.getrusage(resource.RUSAGE_SELF)
            calls: dict[str, int] = {}
            for report in reports:
                for op, n in report.calls.items():
                    calls[op] = calls.get(op, 0) + n
            results.append({
                "wall_s": time.perf_counter() - wall,
                "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                "calls": calls,
                "resources": sum(len(r.outcomes) for r in reports),
                "failed": sum(len(r.failed_tables) + (r.error is not None) for r in reports),
                "described": sum(r.described for r in reports),
                "resting": sum(r.resting for r in reports),
                "metrics": sum(r.metrics_requested for r in reports),
                "monthly_metrics": sum(r.monthly_metrics for r in reports),
                "updates": sum(1 for r in reports for o in r.outcomes if o.applied),
            })
            clock.at += timedelta(seconds=CHECK_INTERVAL)
    return {"cycles": results, "peak_rss_mb": _rss_peak_mb(), "targets": len(targets)}


# --------------------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------------------
def _clients(launcher_url: str, cloudwatch_url: str, k: int, region: str) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config as BotoConfig

    pool = BotoConfig(max_pool_connections=64, retries={"mode": "standard", "max_attempts": 5})
    sts = boto3.client("sts", region_name=region, endpoint_url=launcher_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=role(k), RoleSessionName="bench")["Credentials"]
    keys = {"aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}
    ddb = boto3.client("dynamodb", region_name=region, endpoint_url=launcher_url,
                       config=pool, **keys)
    cw = boto3.client("cloudwatch", region_name=region, endpoint_url=cloudwatch_url,
                      config=pool, **keys)
    return ddb, cw


def make_fleet(launcher_url: str, cloudwatch_url: str, tables: int, accounts: int,
               regions: int, idle_share: float, hot_share: float) -> dict[str, int]:
    """Create the tables and seed their metrics; the count of each kind."""
    from dynamic_dynamodb.localaws.seed import create_table

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    targets = [(k, REGIONS[r]) for k in range(accounts) for r in range(regions)]
    per_target = [tables // len(targets) + (1 if t < tables % len(targets) else 0)
                  for t in range(len(targets))]
    kinds: dict[str, int] = {}
    jobs = []
    for t, ((k, region), count) in enumerate(zip(targets, per_target, strict=True)):
        ddb, cw = _clients(launcher_url, cloudwatch_url, k, region)
        for i in range(count):
            kind = kind_of(i, idle_share, hot_share)
            kinds[kind] = kinds.get(kind, 0) + 1
            jobs.append((ddb, cw, table_name(t, i), kind))

    def create(job: tuple[Any, Any, str, str]) -> None:
        ddb, _, name, kind = job
        units = 1 if kind == "idle" else 10
        create_table(ddb, name, units, units)

    def datums(name: str, kind: str) -> list[dict[str, Any]]:
        units = 1 if kind == "idle" else 10
        reads = units * {"idle": 0.05, "hot": 0.95, "busy": 0.5}[kind]
        writes = units * {"idle": 0.05, "hot": 0.5, "busy": 0.5}[kind]
        found = []
        for minute in SEED_MINUTES:
            stamp = now - timedelta(minutes=minute)
            for metric, per_second in (("ConsumedReadCapacityUnits", reads),
                                       ("ConsumedWriteCapacityUnits", writes)):
                found.append({"MetricName": metric, "Timestamp": stamp, "Value": per_second * 60,
                              "Unit": "Count",
                              "Dimensions": [{"Name": "TableName", "Value": name}]})
        return found

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(create, jobs))
    created = time.perf_counter()
    batch: list[dict[str, Any]] = []
    puts = []
    for _, cw, name, kind in jobs:
        found = datums(name, kind)
        if len(batch) + len(found) > 1000:  # PutMetricData's limit
            puts.append((cw, batch))
            batch = []
        batch += found
    if batch:
        puts.append((jobs[-1][1], batch))
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(lambda p: p[0].put_metric_data(Namespace="AWS/DynamoDB",
                                                     MetricData=p[1]), puts))
    print(f"set-up: {len(jobs)} tables created in {created - started:.0f} s, metrics seeded "
          f"in {time.perf_counter() - created:.0f} s", file=sys.stderr, flush=True)
    return kinds


def run_child(config_file: str, cycles: int, env: dict[str, str]) -> dict[str, Any]:
    child = subprocess.run([sys.executable, __file__, "--daemon-child", config_file,
                            "--cycles", str(cycles)], env=env, capture_output=True, text=True,
                           check=False)
    if child.returncode != 0:
        raise RuntimeError(f"daemon child failed ({child.returncode}):\n{child.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


CONTROL_PLANE = ("dynamodb.ListTables", "dynamodb.DescribeTable", "dynamodb.UpdateTable")


def summary(mode: str, tables: int, result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    first, later = result["cycles"][0], result["cycles"][1:]
    picks = [("first", first)]
    if later:
        by_wall = sorted(later, key=lambda c: c["wall_s"])
        picks.append((f"next (med. of {len(later)})", by_wall[(len(by_wall) - 1) // 2]))
    for label, cycle in picks:
        control = sum(n for op, n in cycle["calls"].items() if op in CONTROL_PLANE)
        rows.append({
            "mode": mode, "cycle": label, "wall_s": cycle["wall_s"], "cpu_s": cycle["cpu_s"],
            "peak_rss_mb": result["peak_rss_mb"], "control_per_table": control / tables,
            "metrics": cycle["metrics"], "described": cycle["described"],
            "resting": cycle["resting"], "updates": cycle["updates"],
            "failed": cycle["failed"],
            "usd_month": cycle["monthly_metrics"] / 1000 * 0.01,
            "calls": cycle["calls"],
        })
    if later:
        rows[-1]["wall_s_all_later"] = [c["wall_s"] for c in later]
        rows[-1]["usd_month"] = statistics.median(c["monthly_metrics"] for c in later) \
            / 1000 * 0.01
    return rows


def print_table(rows: list[dict[str, Any]], header_note: str) -> None:
    print(header_note)
    head = (f"{'mode':<7} {'cycle':<17} {'wall s':>6} {'CPU s':>6} {'RSS MB':>6} "
            f"{'ctl/tbl':>7} {'described':>9} {'resting':>7} {'metrics':>8} {'upd':>4} "
            f"{'GetMetricData $/month':>21}  calls by operation")
    print(head)
    print("-" * len(head))
    for row in rows:
        calls = ", ".join(f"{op.split('.', 1)[1]} {n}" for op, n in sorted(row["calls"].items()))
        print(f"{row['mode']:<7} {row['cycle']:<17} {row['wall_s']:>6.1f} {row['cpu_s']:>6.1f} "
              f"{row['peak_rss_mb']:>6.0f} {row['control_per_table']:>7.3f} "
              f"{row['described']:>9} {row['resting']:>7} {row['metrics']:>8} "
              f"{row['updates']:>4} {row['usd_month']:>21,.2f}  {calls}")
    print("\nctl/tbl: DynamoDB control-plane calls (ListTables, DescribeTable, UpdateTable) "
          "per table in the cycle;\nmetrics: GetMetricData metrics requested in the cycle; "
          "$/month: a month of GetMetricData at that\ncycle's pace ($0.01 per 1,000 metrics, "
          "check-interval 60 s); CPU s: the daemon process's user +\nsystem time, all "
          "threads; RSS: its peak (VmHWM) after all cycles.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3,
                        help="seconds added before every AWS answer (default 0.3)")
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--idle-share", type=float, default=0.6)
    parser.add_argument("--hot-share", type=float, default=0.01)
    parser.add_argument("--modes", default="before,after")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--daemon-child", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.daemon_child:
        print(json.dumps(run_daemon(args.daemon_child, args.cycles)))
        return 0
    if not 1 <= args.regions <= len(REGIONS) or args.accounts < 1 or args.tables < 1 \
            or args.cycles < 1 or args.latency < 0:
        parser.error(f"--regions 1..{len(REGIONS)}; --accounts, --tables, --cycles at least "
                     f"1; --latency at least 0")

    from benchmarks.many_tables import ServerProcess
    from dynamic_dynamodb.localaws.environment import isolated_environ
    from dynamic_dynamodb.localaws.fast_cloudwatch import FastCloudWatchProcess

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fleet-scale-") as scratch:
        env = isolated_environ(os.environ, None, scratch)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with ServerProcess(env, latency=args.latency) as launcher, \
                FastCloudWatchProcess(latency=args.latency) as cloudwatch:
            kinds = make_fleet(launcher.url, cloudwatch.url, args.tables, args.accounts,
                               args.regions, args.idle_share, args.hot_share)
            env.update(AWS_ENDPOINT_URL_DYNAMODB=launcher.url, AWS_ENDPOINT_URL_STS=launcher.url,
                       AWS_ENDPOINT_URL_CLOUDWATCH=cloudwatch.url,
                       AWS_ENDPOINT_URL_APPLICATION_AUTOSCALING=launcher.url,
                       AWS_ENDPOINT_URL_SNS=launcher.url,
                       AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                config_file = os.path.join(scratch, f"{mode}.conf")
                Path(config_file).write_text(config_text(args.accounts, args.regions, mode))
                result = run_child(config_file, args.cycles, env)
                rows += summary(mode, args.tables, result)
                if args.json:
                    print(json.dumps({"mode": mode, "kinds": kinds, **result}), flush=True)
    if not args.json:
        mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print_table(rows, f"{args.tables} tables ({mix}) "
                          f"over {args.accounts} accounts x {args.regions} regions, "
                          f"{args.latency * 1000:.0f} ms added to every AWS answer, "
                          f"{args.cycles} cycles a mode, on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
