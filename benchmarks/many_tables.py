"""What one cycle costs the daemon as the number of tables grows.

For each size N: N tables, each with one GSI (both scaled), with a few minutes of
consumed-capacity metrics; every tenth table runs hot so that some UpdateTable calls
happen. Then one child process, which is the daemon and nothing else, builds the real
Scheduler (``runner.build_scheduler``: real boto3 clients, real HTTP), tunes the
garbage collector as the daemon does (``service.wiring.settle_gc``) and runs two
cycles; it reports each cycle's wall time, CPU time (all its threads) and AWS calls by
operation, and its peak resident memory (VmHWM).

The servers run in their own processes so that their work is not counted as the
daemon's: DynamoDB is the project's launcher (moto plus DynamoDB's UpdateTable rules),
reached through ``AWS_ENDPOINT_URL_DYNAMODB``; CloudWatch is
``dynamic_dynamodb.localaws.fast_cloudwatch`` (moto's CloudWatch scans every stored
datapoint per query and would be what is measured), reached through
``AWS_ENDPOINT_URL_CLOUDWATCH``. Both per-service variables are what a user would set.

    python benchmarks/many_tables.py                 # N = 10, 100, 1000
    python benchmarks/many_tables.py --sizes 10,50   # other sizes
    python benchmarks/many_tables.py --json          # one JSON object per size

Numbers belong in the README, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PREFIX = "bench-"
GSI = "by_owner"
CAPACITY = 10  # reads and writes, tables and GSIs
HOT_EVERY = 10  # every tenth table runs at 95 %: its reads go up


# --------------------------------------------------------------------------------------
# The daemon side: runs in a child process and prints one JSON line.
# --------------------------------------------------------------------------------------
def _memory_kib() -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of this process, from /proc."""
    found: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(rest.split()[0])
    return found


def run_daemon(cycles: int, log_file: str, cpus: set[int] | None,
               concurrency: int) -> dict[str, Any]:
    if cpus:
        os.sched_setaffinity(0, cpus)
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    import resource

    from dynamic_dynamodb.logsetup import setup_logging
    from dynamic_dynamodb.runner import build_scheduler
    from dynamic_dynamodb.service.wiring import settle_gc
    from dynamic_dynamodb.settings import (
        Config,
        GlobalConfig,
        GsiPolicy,
        LoggingConfig,
        TablePolicy,
    )

    # The daemon's defaults, info-level log lines going to a file, as a daemon's do.
    setup_logging(LoggingConfig(level="info", file=log_file))
    config = Config(global_=GlobalConfig(describe_concurrency=concurrency),
                    tables=(TablePolicy(key=PREFIX,
                                        gsis=(GsiPolicy(key=".*", table_key=PREFIX),)),))
    scheduler = build_scheduler(config)
    settle_gc()  # as the daemon's process does once its Scheduler is built
    startup = {"cpu_s": time.process_time() - started_cpu,
               "wall_s": time.perf_counter() - started_wall}
    results = []
    for _ in range(cycles):
        before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        report = scheduler.run_cycle()
        after = resource.getrusage(resource.RUSAGE_SELF)
        results.append({
            "wall_s": time.perf_counter() - wall,
            "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "sys_s": after.ru_stime - before.ru_stime,
            "calls": report.calls,
            "resources": len(report.outcomes),
            "failed_tables": len(report.failed_tables),
        })
    memory = _memory_kib()
    return {"startup": startup, "cycles": results,
            "peak_rss_mb": memory["VmHWM"] / 1024, "rss_mb": memory["VmRSS"] / 1024}


# --------------------------------------------------------------------------------------
# DynamoDB: the launcher's WSGI app behind a keep-alive HTTP/1.1 server.
# --------------------------------------------------------------------------------------
def serve_launcher_keepalive(host: str = "127.0.0.1", describe_cache: bool = True) -> None:
    """The launcher's app (moto + DynamoDB's rules) on a server that keeps connections open.

    werkzeug's development server, which the launcher normally runs on, closes every
    connection after one response. DynamoDB does not: a client opens a connection once
    and reuses it. Against werkzeug every DescribeTable would pay for a new TCP
    connection on the daemon's side (about 1 ms of CPU per call here), a cost the daemon
    never has in production.

    With ``describe_cache``, DescribeTable answers are kept, byte for byte, until a
    request that names the table (UpdateTable, DeleteTable...) or a control-API call
    (reset) passes: moto spends about 4.6 ms of CPU per DescribeTable, so on two cores
    the server, not the daemon, would set the pace of a 1,000-table cycle.
    """
    import io
    import signal
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import unquote

    from dynamic_dynamodb.localaws.app import build_app

    app = build_app()
    describe_target = "DynamoDB_20120810.DescribeTable"
    cached: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}
    cache_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            environ: dict[str, Any] = {
                "REQUEST_METHOD": self.command, "PATH_INFO": unquote(path),
                "QUERY_STRING": query, "SCRIPT_NAME": "",
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": host,
                "SERVER_PORT": str(server.server_port),
                "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": self.client_address[0],
                "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
                "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            }
            for name, value in self.headers.items():
                key = "HTTP_" + name.upper().replace("-", "_")
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                    environ[key] = value
            table = _table_named(body) if describe_cache else None
            target = self.headers.get("X-Amz-Target", "")
            if table is not None and target == describe_target:
                with cache_lock:
                    hit = cached.get(table)
                if hit is not None:
                    self._reply(*hit)
                    return
            elif describe_cache:
                with cache_lock:
                    if table is not None:  # a write to the table: forget it
                        cached.pop(table, None)
                    elif not target.startswith("DynamoDB_"):  # control API (reset...)
                        cached.clear()
            seen: dict[str, Any] = {}

            def start_response(status: str, headers: list[tuple[str, str]],
                               exc_info: Any = None) -> Any:
                seen["status"], seen["headers"] = status, headers

            result = app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if table is not None and target == describe_target and \
                    seen["status"].startswith("200"):
                with cache_lock:
                    cached[table] = (seen["status"], list(seen["headers"]), payload)
            self._reply(seen["status"], seen["headers"], payload)

        def _reply(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
            code, _, phrase = status.partition(" ")
            self.send_response(int(code), phrase)
            skip = {"content-length", "connection", "transfer-encoding"}
            for name, value in headers:
                if name.lower() not in skip:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"http://{host}:{server.server_port}", flush=True)
    server.serve_forever()


def _table_named(body: bytes) -> str | None:
    """The TableName of a DynamoDB JSON request, if any."""
    try:
        name = json.loads(body or b"{}").get("TableName")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


class ServerProcess:
    """This script in a server mode (``--serve-dynamodb``) as a child process."""

    def __init__(self, env: dict[str, str], describe_cache: bool = True) -> None:
        flags = [] if describe_cache else ["--no-describe-cache"]
        self._proc = subprocess.Popen([sys.executable, __file__, "--serve-dynamodb", *flags],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      env=env, text=True)
        assert self._proc.stdout is not None
        self.pid = self._proc.pid
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the DynamoDB server did not start")

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------
# The harness: servers, tables, metrics, the child, the table of results.
# --------------------------------------------------------------------------------------
def split_cpus() -> tuple[set[int] | None, set[int] | None]:
    """(daemon's CPUs, servers' CPUs): the daemon gets one CPU of its own so that the
    servers' work (moto spends several ms per DescribeTable) does not slow it down and
    inflate its CPU time; None where affinity is not available or only one CPU is."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None, None
    if len(available) < 2:
        return None, None
    return {available[-1]}, set(available[:-1])


def _create_tables(ddb: Any, count: int) -> None:
    from dynamic_dynamodb.localaws.seed import create_table

    def create(i: int) -> None:
        create_table(ddb, f"{PREFIX}{i:04d}", CAPACITY, CAPACITY, [(GSI, CAPACITY, CAPACITY)])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def _seed(cw: Any, count: int) -> None:
    from dynamic_dynamodb.localaws.seed import seed_metrics

    def seed(i: int) -> None:
        table = f"{PREFIX}{i:04d}"
        hot = i % HOT_EVERY == 0
        seed_metrics(cw, table, consumed_read_per_second=CAPACITY * (0.95 if hot else 0.5),
                     consumed_write_per_second=CAPACITY * 0.5)
        seed_metrics(cw, table, GSI, consumed_read_per_second=CAPACITY * 0.5,
                     consumed_write_per_second=CAPACITY * 0.5)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(seed, range(count)))


def measure(size: int, cycles: int, launcher_url: str, cloudwatch_url: str,
            scratch: str, daemon_cpus: set[int] | None, concurrency: int) -> dict[str, Any]:
    import boto3
    from botocore.config import Config as BotoConfig

    from dynamic_dynamodb.localaws.control import LauncherControl
    from dynamic_dynamodb.localaws.environment import isolated_environ
    from dynamic_dynamodb.localaws.fast_cloudwatch import control_reset, control_stats

    LauncherControl(launcher_url).reset()
    control_reset(cloudwatch_url)
    setup_started = time.perf_counter()
    session = boto3.session.Session(aws_access_key_id="testing",
                                     aws_secret_access_key="testing", region_name="us-east-1")
    big_pool = BotoConfig(max_pool_connections=16)
    ddb = session.client("dynamodb", endpoint_url=launcher_url, config=big_pool)
    _create_tables(ddb, size)
    with ThreadPoolExecutor(max_workers=8) as pool:  # warms the server's DescribeTable cache
        list(pool.map(lambda i: ddb.describe_table(TableName=f"{PREFIX}{i:04d}"), range(size)))
    _seed(session.client("cloudwatch", endpoint_url=cloudwatch_url, config=big_pool), size)
    setup_s = time.perf_counter() - setup_started

    env = isolated_environ(os.environ, None, scratch)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = launcher_url
    env["AWS_ENDPOINT_URL_CLOUDWATCH"] = cloudwatch_url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    log_file = os.path.join(scratch, f"daemon-{size}.log")
    pin = ["--cpus", ",".join(map(str, sorted(daemon_cpus)))] if daemon_cpus else []
    child = subprocess.run(
        [sys.executable, __file__, "--daemon-child", "--cycles", str(cycles),
         "--log-file", log_file, "--describe-concurrency", str(concurrency), *pin],
        env=env, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"daemon child failed ({child.returncode}):\n{child.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(size=size, setup_s=setup_s, load_average=os.getloadavg(),
                  cloudwatch_server=control_stats(cloudwatch_url))
    return result


def _calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{op.split('.', 1)[1]} {n}" for op, n in sorted(calls.items()))


def print_table(results: list[dict[str, Any]]) -> None:
    header = (f"{'tables':>6} {'GSIs':>5}  {'cycle':<13} {'wall s':>6} {'CPU s':>6} "
              f"{'(min)':>6} {'peak RSS MB':>11} {'calls/table':>11}  calls by operation")
    print(header)
    print("-" * len(header))
    for result in results:
        first, later = result["cycles"][0], result["cycles"][1:]
        rows = [("first", first, "")]
        if later:
            by_cpu = sorted(later, key=lambda c: c["cpu_s"])
            rows.append((f"next (med. {len(later)})", by_cpu[(len(by_cpu) - 1) // 2],
                         f"{by_cpu[0]['cpu_s']:.2f}"))
        for label, cycle, least in rows:
            calls = cycle["calls"]
            rss = f"{result['peak_rss_mb']:.0f}" if label != "first" or not later else ""
            per_table = sum(calls.values()) / result["size"]
            print(f"{result['size']:>6} {result['size']:>5}  {label:<13} {cycle['wall_s']:>6.2f} "
                  f"{cycle['cpu_s']:>6.2f} {least:>6} {rss:>11} {per_table:>11.2f}  "
                  f"{_calls_text(calls)}")
    print()
    print("first: the first cycle after start-up (it creates the boto3 clients); next: the "
          "median\n(by CPU) of the later cycles, (min) the least CPU among them. CPU s: the "
          "daemon process's\nuser + system time over the cycle, all threads. Peak RSS: the "
          "process's high-water mark\n(VmHWM) after all cycles, start-up included. CPU time "
          "grows when other processes share\nthe machine; the load average is shown below.")
    for result in results:
        startup, server = result["startup"], result["cloudwatch_server"]
        cpus = " ".join(f"{c['cpu_s']:.2f} ({c['sys_s']:.2f} sys)" for c in result["cycles"])
        print(f"N={result['size']}: CPU s of each cycle {cpus}; start-up (imports, clients) "
              f"{startup['cpu_s']:.2f} s CPU; load average "
              f"{result['load_average'][0]:.2f}; CloudWatch server: "
              f"{server['calls'].get('GetMetricData', 0)} GetMetricData, largest "
              f"{server['max_queries_per_call']} queries")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000",
                        help="comma-separated numbers of tables (default: 10,100,1000)")
    parser.add_argument("--cycles", type=int, default=4,
                        help="cycles per size: the first, then later ones (default 4)")
    parser.add_argument("--json", action="store_true", help="print JSON, one line per size")
    parser.add_argument("--describe-concurrency", type=int, default=16,
                        help="the daemon's describe-concurrency (default 16, its default)")
    parser.add_argument("--daemon-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log-file", default=os.devnull, help=argparse.SUPPRESS)
    parser.add_argument("--serve-dynamodb", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpus", default="", help=argparse.SUPPRESS)
    parser.add_argument("--no-describe-cache", action="store_true",
                        help="serve every DescribeTable from moto (slower server, about "
                             "4.6 ms of CPU per call)")
    args = parser.parse_args(argv)
    if args.serve_dynamodb:
        serve_launcher_keepalive(describe_cache=not args.no_describe_cache)
        return 0
    if args.daemon_child:
        cpus = {int(c) for c in args.cpus.split(",") if c}
        print(json.dumps(run_daemon(args.cycles, args.log_file, cpus or None,
                                    args.describe_concurrency)))
        return 0
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes comma-separated integers, e.g. 10,100,1000")
    if not sizes or min(sizes) < 1 or args.cycles < 1:
        parser.error("sizes and --cycles must be at least 1")

    from dynamic_dynamodb.localaws.environment import isolated_environ
    from dynamic_dynamodb.localaws.fast_cloudwatch import FastCloudWatchProcess

    results = []
    with tempfile.TemporaryDirectory(prefix="many-tables-") as scratch:
        env = isolated_environ(os.environ, None, scratch)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        daemon_cpus, server_cpus = split_cpus()
        with ServerProcess(env, not args.no_describe_cache) as launcher, \
                FastCloudWatchProcess() as cloudwatch:
            for pid in (launcher.pid, cloudwatch.pid):
                if server_cpus and pid is not None:
                    os.sched_setaffinity(pid, server_cpus)
            for size in sizes:
                result = measure(size, args.cycles, launcher.url, cloudwatch.url, scratch,
                                 daemon_cpus, args.describe_concurrency)
                results.append(result)
                if args.json:
                    print(json.dumps(result), flush=True)
    if not args.json:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
