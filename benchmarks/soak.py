"""The daemon over minutes of faults: does it stay up, keep deciding, and stay flat?

A daemon process (``python -m dynamic_dynamodb -c soak.conf``, a foreground run, the
same code as ``--daemon start``) manages N tables (default 200, every tenth with a GSI)
for M minutes (default 10) against a local AWS in another process: the project's
launcher (moto, DynamoDB's UpdateTable rules, fault injection) with the benchmarks' fast
CloudWatch behind it, so that faults can be injected into CloudWatch's answers too and
moto's CloudWatch (which scans every stored datapoint per query) does not set the pace.
The load moves: each table's reads follow a wave that crosses both thresholds, a new
minute of metrics is published every minute, so there are increases and decreases.

Faults are armed on a schedule, one at a time for ``--fault-seconds`` each, with a clean
stretch between them: 500s, throttling, timeouts (hang), endless pagination tokens,
answers that are not JSON or have the wrong shape, LimitExceeded and ResourceInUse on
UpdateTable, an UpdateTable applied but answered too late.

What is measured: the daemon's resident memory (VmRSS), open file descriptors and
threads at start (after its first cycle) and at the end, and their peaks; the cycles it
ran, the failed cycles and table failures, the changes it made (systemd STATUS lines,
read from a NOTIFY_SOCKET); tracebacks in its log; and how long SIGTERM takes at the end.

    python benchmarks/soak.py                    # 10 minutes, 200 tables
    python benchmarks/soak.py --minutes 2 --tables 50 --json

Numbers belong in the README, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PREFIX = "soak-"
GSI = "by_owner"
GSI_EVERY = 10
CAPACITY = 20  # reads and writes at the start
# Each table's reads go from 4 to 19 units/s and back in this time: slow enough for the
# daemon's five-minute average to follow (a shorter wave averages out), the tables'
# waves spread over it (so some are rising while others fall).
WAVE_MINUTES = 30
PHASES = 37  # the tables' waves start at this many points of the period
READ_TIMEOUT = 2  # the daemon's; a hang or a delay lasts longer
SLOW = 4.0
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSOAKSECRET"

# (name, faults): one entry of the schedule, armed for --fault-seconds.
SCHEDULE: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = (
    ("GetMetricData endless token", ({"service": "cloudwatch", "operation": "GetMetricData",
                                      "kind": "endless_token"},)),
    ("GetMetricData 500", ({"service": "cloudwatch", "operation": "GetMetricData",
                            "kind": "internal_error"},)),
    ("DescribeTable throttled", ({"service": "dynamodb", "operation": "DescribeTable",
                                  "kind": "throttling"},)),
    ("UpdateTable hang", ({"service": "dynamodb", "operation": "UpdateTable", "kind": "hang",
                           "seconds": SLOW},)),
    ("ListTables not JSON", ({"service": "dynamodb", "operation": "ListTables",
                              "kind": "non_json"},)),
    ("GetMetricData wrong shape", ({"service": "cloudwatch", "operation": "GetMetricData",
                                    "kind": "wrong_shape"},)),
    ("UpdateTable LimitExceeded", ({"service": "dynamodb", "operation": "UpdateTable",
                                    "kind": "error", "code": "LimitExceededException",
                                    "status": 400},)),
    ("DescribeTable wrong shape", ({"service": "dynamodb", "operation": "DescribeTable",
                                    "kind": "wrong_shape"},)),
    ("UpdateTable applied, answered late", ({"service": "dynamodb",
                                             "operation": "UpdateTable", "kind": "delay",
                                             "seconds": SLOW},)),
    ("ListTables endless token", ({"service": "dynamodb", "operation": "ListTables",
                                   "kind": "endless_token"},)),
    ("DescribeScalingPolicies 500", ({"service": "application-autoscaling",
                                      "operation": "DescribeScalingPolicies",
                                      "kind": "internal_error"},)),
    ("GetMetricData hang", ({"service": "cloudwatch", "operation": "GetMetricData",
                             "kind": "hang", "seconds": SLOW},)),
    ("UpdateTable ResourceInUse", ({"service": "dynamodb", "operation": "UpdateTable",
                                    "kind": "error", "code": "ResourceInUseException",
                                    "status": 400},)),
    ("DescribeTable not JSON", ({"service": "dynamodb", "operation": "DescribeTable",
                                 "kind": "non_json"},)),
)

CONFIG = """\
[global]
check-interval: {interval}
max-attempts: 1
read-timeout: {timeout}
connect-timeout: {timeout}
aws-access-key-id: AKIASOAKEXAMPLE
aws-secret-access-key: {secret}

[logging]
log-file: {log}
log-level: info

[table: ^{prefix}]
reads-upper-threshold: 80
reads-lower-threshold: 30
decrease-pacing: false

[gsi: ^{gsi}$ table: ^{prefix}]
reads-upper-threshold: 80
reads-lower-threshold: 30
decrease-pacing: false
"""


# --------------------------------------------------------------------------------------
# The local AWS: the launcher, with the fast CloudWatch as its CloudWatch.
# --------------------------------------------------------------------------------------
def serve_local_aws() -> int:
    """The launcher's app (faults, DynamoDB's rules, moto) whose CloudWatch calls go to a
    FastCloudWatchApp instead of moto; prints the URL, serves until SIGTERM."""
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from dynamic_dynamodb.localaws.app import LauncherApp
    from dynamic_dynamodb.localaws.fast_cloudwatch import (
        TARGET_PREFIX,
        CloudWatchError,
        FastCloudWatchApp,
    )
    from dynamic_dynamodb.localaws.serving import serve_until_signalled, server_url

    moto = DomainDispatcherApplication(create_backend_app)
    cloudwatch = FastCloudWatchApp()

    def inner(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        prefix, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")
        if prefix != TARGET_PREFIX:
            return moto(environ, start_response)  # type: ignore[no-any-return]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = [("Content-Type", "application/x-amz-json-1.0")]
        try:
            status, payload = "200 OK", cloudwatch.handle(operation, json.loads(body or b"{}"))
        except CloudWatchError as exc:
            status = f"{exc.status} Error"
            payload = {"__type": f"com.amazonaws.monitoring#{exc.code}", "message": exc.message}
            headers.append(("x-amzn-query-error", f"{exc.code};Sender"))
        data = json.dumps(payload).encode()
        start_response(status, [*headers, ("Content-Length", str(len(data)))])
        return [data]

    server = make_server("127.0.0.1", 0, LauncherApp(inner), threaded=True)
    return serve_until_signalled(server, server_url("127.0.0.1", server.server_port))


@contextmanager
def local_aws(env: dict[str, str], log: Path) -> Iterator[str]:
    with open(log, "wb") as requests:  # werkzeug logs every request on stderr
        process = subprocess.Popen([sys.executable, __file__, "--serve"], env=env, text=True,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=requests)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        if not url.startswith("http"):
            raise RuntimeError("the local AWS did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# --------------------------------------------------------------------------------------
# The world: tables, and the metrics DynamoDB would publish each minute.
# --------------------------------------------------------------------------------------
def table_name(i: int) -> str:
    return f"{PREFIX}{i:04d}"


def reads_per_second(i: int, minute: datetime) -> float:
    """Table i's reads in one minute: a wave between 4 and 19 units/s, shifted per table."""
    phase = (minute.timestamp() / 60 / WAVE_MINUTES + (i % PHASES) / PHASES) * 2 * math.pi
    return 11.5 + 7.5 * math.sin(phase)


def create_tables(dynamodb: Any, count: int) -> None:
    from dynamic_dynamodb.localaws.seed import create_table

    def create(i: int) -> None:
        gsis = [(GSI, CAPACITY, CAPACITY)] if i % GSI_EVERY == 0 else []
        create_table(dynamodb, table_name(i), CAPACITY, CAPACITY, gsis)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def publish(cloudwatch: Any, count: int, minutes: list[datetime]) -> None:
    """One datapoint per metric, table (and GSI) and minute, as DynamoDB would."""
    from dynamic_dynamodb.localaws.seed import dimensions

    data = []
    for i in range(count):
        resources: list[tuple[str, str | None]] = [(table_name(i), None)]
        if i % GSI_EVERY == 0:
            resources.append((table_name(i), GSI))
        for table, index in resources:
            for minute in minutes:
                for metric, value in (("ConsumedReadCapacityUnits",
                                       reads_per_second(i, minute) * 60),
                                      ("ConsumedWriteCapacityUnits", 10.0 * 60)):
                    data.append({"MetricName": metric, "Dimensions": dimensions(table, index),
                                 "Timestamp": minute, "Value": value, "Unit": "Count"})
    for start in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace="AWS/DynamoDB", MetricData=data[start:start + 1000])


def whole_minute(now: datetime, back: int = 0) -> datetime:
    return now.replace(second=0, microsecond=0) - timedelta(minutes=back)


# --------------------------------------------------------------------------------------
# Watching the daemon: /proc, and systemd's STATUS lines.
# --------------------------------------------------------------------------------------
def process_figures(pid: int) -> dict[str, float]:
    """VmRSS (MB), open file descriptors and threads of a process, from /proc."""
    figures: dict[str, float] = {"fds": len(os.listdir(f"/proc/{pid}/fd"))}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name == "VmRSS":
                figures["rss_mb"] = int(rest.split()[0]) / 1024
            elif name == "Threads":
                figures["threads"] = int(rest)
    return figures


@dataclass
class StatusListener:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET: the daemon's
    ``STATUS=cycle N: T tables, C changes[, F failed]`` (or ``cycle N failed: ...``)."""

    path: str
    cycles: int = 0
    failed_cycles: int = 0
    changes: int = 0
    table_failures: int = 0
    _sock: socket.socket = field(init=False)
    _thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._sock.recv(4096).decode()
            except (TimeoutError, OSError):
                continue
            for line in message.splitlines():
                self._count(line)

    def _count(self, line: str) -> None:
        if not line.startswith("STATUS=cycle "):
            return
        self.cycles += 1
        if re.match(r"STATUS=cycle \d+ failed", line):
            self.failed_cycles += 1
            return
        found = re.search(r"(\d+) changes?", line)
        self.changes += int(found.group(1)) if found else 0
        failed = re.search(r"(\d+) failed", line)
        self.table_failures += int(failed.group(1)) if failed else 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------
def soak(minutes: float, tables: int, interval: int, fault_seconds: float,
         clean_seconds: float, workdir: Path, say: Any) -> dict[str, Any]:
    import boto3

    from dynamic_dynamodb.localaws.control import LauncherControl
    from dynamic_dynamodb.localaws.environment import isolated_environ

    env = isolated_environ(os.environ, None, workdir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with local_aws(env, workdir / "local-aws.log") as url:
        control = LauncherControl(url)
        session = boto3.session.Session(aws_access_key_id="testing",
                                         aws_secret_access_key="testing",
                                         region_name="us-east-1")
        dynamodb = session.client("dynamodb", endpoint_url=url)
        cloudwatch = session.client("cloudwatch", endpoint_url=url)
        create_tables(dynamodb, tables)
        now = datetime.now(timezone.utc)
        publish(cloudwatch, tables, [whole_minute(now, back) for back in range(1, 16)])
        say(f"{tables} tables made, 15 minutes of metrics published")

        log = workdir / "daemon.log"
        config = workdir / "soak.conf"
        config.write_text(CONFIG.format(interval=interval, timeout=READ_TIMEOUT,
                                        secret=SECRET_KEY, log=log, prefix=PREFIX, gsi=GSI))
        status = StatusListener(str(workdir / "notify.sock"))
        daemon_env = {**env, "AWS_ENDPOINT_URL": url, "NOTIFY_SOCKET": status.path}
        with open(workdir / "daemon.out", "wb") as out:
            daemon = subprocess.Popen([sys.executable, "-m", "dynamic_dynamodb", "-c",
                                       str(config)], env=daemon_env, stdout=out,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while status.cycles < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            start = process_figures(daemon.pid)
            say(f"first cycle done: {start}")
            peak = dict(start)
            each_minute: list[dict[str, float]] = []
            faults = run_schedule(control, cloudwatch, tables, daemon, minutes, fault_seconds,
                                  clean_seconds, peak, each_minute, say)
            end = process_figures(daemon.pid)
            stop_started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            exit_code = daemon.wait(timeout=120)
            stop_seconds = time.monotonic() - stop_started
        finally:
            if daemon.poll() is None:
                daemon.kill()
            status.close()
        text = log.read_text()
        output = (workdir / "daemon.out").read_text()
        return {
            "minutes": minutes, "tables": tables, "check_interval": interval,
            "start": start, "end": end, "peak": peak, "each_minute": each_minute,
            "cycles": status.cycles, "failed_cycles": status.failed_cycles,
            "table_failures": status.table_failures, "changes": status.changes,
            "faults_armed": faults, "tracebacks": text.count("Traceback"),
            "secret_printed": SECRET_KEY in text + output, "exit_code": exit_code,
            "stop_seconds": stop_seconds, "load_average": os.getloadavg(),
            "aws_calls": control.calls(),
        }


def run_schedule(control: Any, cloudwatch: Any, tables: int, daemon: subprocess.Popen[bytes],
                 minutes: float, fault_seconds: float, clean_seconds: float,
                 peak: dict[str, float], each_minute: list[dict[str, float]],
                 say: Any) -> list[str]:
    """Arm the faults in turn until ``minutes`` are over; publish each new minute of
    metrics; keep the peaks of the daemon's figures, and the figures as each new minute
    is published. The names of the faults armed."""
    end = time.monotonic() + minutes * 60
    published = whole_minute(datetime.now(timezone.utc), 1)
    armed: list[str] = []
    step = 0
    while time.monotonic() < end and daemon.poll() is None:
        name, faults = SCHEDULE[step % len(SCHEDULE)]
        step += 1
        control.inject_faults(*({**fault, "count": -1} for fault in faults))
        armed.append(name)
        say(f"fault: {name}")
        for seconds, clear in ((fault_seconds, True), (clean_seconds, False)):
            until = min(end, time.monotonic() + seconds)
            while time.monotonic() < until and daemon.poll() is None:
                newest = whole_minute(datetime.now(timezone.utc), 1)
                figures = process_figures(daemon.pid)
                if newest > published:
                    publish(cloudwatch, tables, [newest])
                    published = newest
                    each_minute.append(figures)
                for key, value in figures.items():
                    peak[key] = max(peak[key], value)
                time.sleep(1.0)
            if clear:
                control.clear_faults()
    if daemon.poll() is not None:
        raise RuntimeError(f"the daemon exited ({daemon.returncode}) during the soak")
    return armed


def print_result(result: dict[str, Any]) -> None:
    start, end, peak = result["start"], result["end"], result["peak"]
    print(f"{result['minutes']:g} minutes, {result['tables']} tables (every {GSI_EVERY}th "
          f"with a GSI), check interval {result['check_interval']} s, "
          f"{len(result['faults_armed'])} faults armed in turn")
    print(f"{'':24}{'start':>10}{'end':>10}{'peak':>10}")
    for key, label, form in (("rss_mb", "resident memory (MB)", "{:.1f}"),
                             ("fds", "open file descriptors", "{:.0f}"),
                             ("threads", "threads", "{:.0f}")):
        print(f"{label:24}{form.format(start[key]):>10}{form.format(end[key]):>10}"
              f"{form.format(peak[key]):>10}")
    print("resident memory each minute (MB): "
          + " ".join(f"{figures['rss_mb']:.1f}" for figures in result["each_minute"]))
    print(f"cycles {result['cycles']} (failed as a whole: {result['failed_cycles']}), "
          f"table failures {result['table_failures']}, changes {result['changes']}, "
          f"tracebacks in the log {result['tracebacks']}, secret printed: "
          f"{'yes' if result['secret_printed'] else 'no'}")
    print(f"SIGTERM at the end: exit {result['exit_code']} after {result['stop_seconds']:.1f} s; "
          f"load average {result['load_average'][0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--tables", type=int, default=200, help="how many (default 200)")
    parser.add_argument("--check-interval", type=int, default=20,
                        help="the daemon's check interval, seconds (default 20)")
    parser.add_argument("--fault-seconds", type=float, default=30.0,
                        help="how long each fault stays armed (default 30)")
    parser.add_argument("--clean-seconds", type=float, default=15.0,
                        help="the clean stretch after each fault (default 15)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the daemon's log, configuration and output in DIR")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve_local_aws()
    if args.minutes <= 0 or args.tables < 1 or args.check_interval < 1:
        parser.error("--minutes, --tables and --check-interval must be positive")

    def say(text: str) -> None:
        if not args.json:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        workdir = Path(args.keep or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        result = soak(args.minutes, args.tables, args.check_interval, args.fault_seconds,
                      args.clean_seconds, workdir, say)
    if args.json:
        print(json.dumps(result))
    else:
        print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
