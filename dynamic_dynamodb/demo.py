"""``dynamic-dynamodb demo``: the real loop against a local AWS API, no account needed.

A moto server runs in this process on 127.0.0.1; the daemon's own boto3 edges reach
it through ``AWS_ENDPOINT_URL`` exactly as they would reach a local stack. A load
curve (a quiet morning, a sale in the afternoon, a quiet night) is fed in as
CloudWatch datapoints one simulated minute at a time, the table consumes what its
provisioned capacity allows, and every cycle's decision is printed.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from datetime import datetime, timedelta, timezone

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.config.presets import ORIGINAL_README_SETTINGS
from dynamic_dynamodb.errors import EXIT_OK, EXIT_RUNTIME
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.notify import LogNotifier

TABLE = "demo-orders"
# The original README's example settings.
SETTINGS = ORIGINAL_README_SETTINGS


def load_curve(minute: int, minutes: int) -> tuple[float, float]:
    """Reads/s and writes/s at ``minute``: quiet, a sale peak in the middle, quiet again."""
    x = minute / max(minutes - 1, 1)
    sale = math.exp(-((x - 0.5) ** 2) / 0.02)
    return 8 + 140 * sale, 4 + 45 * sale


class DemoClock:
    """Simulated minutes; each wait advances one minute and sleeps ``speed`` seconds."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.current = start
        self.speed = speed

    def now(self) -> datetime:
        return self.current

    def wait(self, seconds: float) -> bool:
        time.sleep(self.speed)
        self.current += timedelta(seconds=60)
        return False


def _start_server(clock: DemoClock) -> tuple[object, str]:
    """moto's server plus DynamoDB's rules (UPDATING, the decrease limit) on the demo's clock."""
    try:
        import moto  # noqa: F401  (the launcher imports it lazily)
    except ImportError:
        raise SystemExit("the demo needs moto: pip install 'dynamic-dynamodb[demo]'") from None
    from dynamic_dynamodb.localaws.inprocess import LocalAws

    server = LocalAws(clock=lambda: clock.now().timestamp())
    server.start()
    return server, server.url


def run_demo(minutes: int = 60, speed: float = 0.05) -> int:
    # The sale starts in the afternoon (UTC) of a simulated day.
    start = datetime.now(timezone.utc).replace(hour=14, minute=0, second=0, microsecond=0)
    clock = DemoClock(start, speed)
    server, url = _start_server(clock)
    os.environ.update({
        "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    })
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout, force=True)
    for noisy in ("botocore", "werkzeug", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    print(f"local AWS API (moto) on {url}; table {TABLE}, 1 check per simulated minute")

    config = from_command_line(f"^{TABLE}$", {**SETTINGS, "lookback-window-start": "2",
                                              "lookback-period": "1"},
                               {"check-interval": "60"}, {})
    clients = AwsClients(config.global_)
    clients.dynamodb.create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 20, "WriteCapacityUnits": 10})

    tables = DynamoTables(clients)
    scheduler = Scheduler(config, tables, CloudWatchMetrics(clients), LogNotifier(), clock)
    throttled_total = demand_total = 0.0
    try:
        for minute in range(minutes):
            state = tables.describe(TABLE).table
            reads, writes = load_curve(minute, minutes)
            served_r, served_w = min(reads, state.reads), min(writes, state.writes)
            throttled_total += (reads - served_r) + (writes - served_w)
            demand_total += reads + writes
            stamp = clock.now() - timedelta(minutes=1)
            _put(clients, stamp, served_r, served_w, reads - served_r, writes - served_w)
            print(f"[minute {minute:3d}] demand {reads:6.1f} r/s {writes:5.1f} w/s; "
                  f"provisioned {state.reads} r {state.writes} w")
            report = scheduler.run_cycle()
            if not report.ok:
                print(f"cycle failed: {report.failed_tables}")
                return EXIT_RUNTIME
            clock.wait(60)
        final = tables.describe(TABLE).table
    finally:
        server.stop()  # type: ignore[attr-defined]
    print(f"done: {minutes} simulated minutes; capacity 20 r 10 w -> {final.reads} r "
          f"{final.writes} w; throttled {100 * throttled_total / demand_total:.2f} % of demand")
    return EXIT_OK


def _put(clients: AwsClients, stamp: datetime, reads: float, writes: float,
         read_throttles: float, write_throttles: float) -> None:
    dims = [{"Name": "TableName", "Value": TABLE}]
    data = [
        ("ConsumedReadCapacityUnits", reads * 60), ("ConsumedWriteCapacityUnits", writes * 60),
        ("ReadThrottleEvents", round(read_throttles * 60)),
        ("WriteThrottleEvents", round(write_throttles * 60)),
    ]
    points = [{"MetricName": name, "Dimensions": dims, "Timestamp": stamp, "Value": value,
               "Unit": "Count"} for name, value in data if value > 0]
    if points:
        clients.cloudwatch.put_metric_data(Namespace="AWS/DynamoDB", MetricData=points)
