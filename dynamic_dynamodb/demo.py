"""``dynamic-dynamodb demo``: the real loop against a local AWS API, no account needed.

The local AWS (:mod:`dynamic_dynamodb.localaws`: moto plus DynamoDB's UpdateTable rules)
runs in this process on 127.0.0.1; the daemon's own boto3 edges reach it through
``AWS_ENDPOINT_URL`` exactly as they would reach AWS. A load curve (quiet, a sale, quiet
again) is fed in as CloudWatch datapoints one simulated minute at a time, the table serves
what its provisioned capacity allows, and each cycle's decision is printed.

Each cycle reads the minute just fed, so the utilisation printed is against the capacity
that served that load (the one in force when it was measured). Minutes whose decision is
the same as the minute before (same action, same reason, same capacities) are folded
into one "(same for N more minutes)" line, and the summary says why the capacity ends
where it does.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.config.presets import ORIGINAL_README_SETTINGS
from dynamic_dynamodb.core.types import (
    Decision,
    DimensionDecision,
    Direction,
    UnusableResource,
)
from dynamic_dynamodb.errors import EXIT_OK, EXIT_RUNTIME, DynamicDynamoDBError
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.notify import LogNotifier

TABLE = "demo-orders"
START_CAPACITY = (20, 10)  # reads, writes
# The original README's example settings; each cycle reads the one minute just fed.
SETTINGS = {**ORIGINAL_README_SETTINGS, "lookback-window-start": "1", "lookback-period": "1"}
DIMENSIONS = ("reads", "writes")

# What a hold reason means, for the summary (the reason's own message says until when).
HOLD_EXPLANATIONS = {
    "decrease-budget": (
        "DynamoDB allows 4 free decreases per table (and per GSI) and UTC day, then one "
        "an hour; the daemon also paces the free ones so that a morning dip cannot spend "
        "what the evening drop needs (decrease-pacing, README: Guards)"
    ),
    "not-worth-a-decrease": "a small saving is not worth one of the day's few decreases",
    "checks-before-scale-down": "a decrease waits for several low checks in a row",
}


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


@dataclass(frozen=True)
class Minute:
    """One simulated minute: the load, the capacity that served it, and the decision."""

    at: datetime
    demand: tuple[float, float]  # units/s asked for (reads, writes)
    capacity: tuple[int, int]  # provisioned while the load was served
    decision: Decision

    @property
    def served(self) -> tuple[float, float]:
        return min(self.demand[0], self.capacity[0]), min(self.demand[1], self.capacity[1])

    def used_percent(self, position: int) -> float:
        return 100.0 * self.served[position] / self.capacity[position]

    def dimension(self, position: int) -> DimensionDecision:
        return self.decision.reads if position == 0 else self.decision.writes

    def signature(self) -> tuple[object, ...]:
        """What must match for two minutes to print as the same line."""
        return tuple(
            (d.direction, d.reason.code, d.current, d.target)
            for d in (self.decision.reads, self.decision.writes)
        )


def describe_minute(minute: Minute) -> list[str]:
    """Two lines: the load and the reads decision, then the writes decision."""
    lines = []
    for position, dim in enumerate(DIMENSIONS):
        d = minute.dimension(position)
        action = "unchanged" if d.direction is Direction.NONE else f"-> {d.target}"
        decision = (
            f"{dim:<6} {d.current:>4} ({minute.used_percent(position):5.1f} % used) "
            f"{action}: {d.reason.message}"
        )
        if position == 0:
            reads, writes = minute.demand
            load = f"{minute.at:%H:%M}  demand {reads:6.1f} r/s {writes:5.1f} w/s  "
        else:
            load = " " * 36
        lines.append(load + decision)
    return lines


@dataclass
class FoldingPrinter:
    """Prints each minute, folding a run of minutes with the same decision into one line."""

    write: Callable[[str], object]
    _run: list[Minute] = field(default_factory=list)

    def add(self, minute: Minute) -> None:
        if self._run and self._run[-1].signature() == minute.signature():
            self._run.append(minute)
            return
        self.flush()
        for line in describe_minute(minute):
            self.write(line)
        self._run = [minute]

    def flush(self) -> None:
        folded = self._run[1:]
        if folded:
            reads = [m.demand[0] for m in folded]
            writes = [m.demand[1] for m in folded]
            self.write(
                f"{'':36}(same for {len(folded)} more minute{'s' if len(folded) > 1 else ''}: "
                f"demand {_span(reads)} r/s, {_span(writes)} w/s)"
            )
        self._run = []


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}-{high:.1f}"


def summary(minutes: list[Minute], final: tuple[int, int], throttled_share: float) -> list[str]:
    """What happened, and why each dimension ends at its capacity."""
    first, last = minutes[0], minutes[-1]
    lines = [
        f"done: {len(minutes)} simulated minutes ({first.at:%H:%M}-{last.at:%H:%M} UTC); "
        f"capacity {first.capacity[0]} r {first.capacity[1]} w -> {final[0]} r {final[1]} w; "
        f"throttled {throttled_share:.2f} % of demand (while increases caught up)"
    ]
    decreases = [
        f"{m.at:%H:%M} {dim} {m.dimension(p).current}->{m.dimension(p).target}"
        for m in minutes
        for p, dim in enumerate(DIMENSIONS)
        if m.dimension(p).direction is Direction.DOWN
    ]
    if decreases:
        lines.append(f"decreases made: {len(decreases)} ({', '.join(decreases)})")
    explained: set[str] = set()
    for position, dim in enumerate(DIMENSIONS):
        held = last.dimension(position)
        if held.direction is not Direction.NONE or held.reason.code not in HOLD_EXPLANATIONS:
            continue
        lines.append(
            f"why {dim} stay at {held.current} for {last.served[position]:.1f} units/s "
            f"({last.used_percent(position):.0f} % used): {held.reason.message}."
        )
        if held.reason.code not in explained:
            explained.add(held.reason.code)
            lines.append(f"  {HOLD_EXPLANATIONS[held.reason.code]}.")
    return lines


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


def run_demo(minutes: int = 60, speed: float = 0.05, out: TextIO | None = None) -> int:
    stream = out or sys.stdout

    def say(line: str) -> None:
        print(line, file=stream, flush=True)

    # The sale starts in the afternoon (UTC) of a simulated day.
    start = datetime.now(timezone.utc).replace(hour=14, minute=0, second=0, microsecond=0)
    clock = DemoClock(start, speed)
    server, url = _start_server(clock)
    os.environ.update({
        "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    })
    # The demo prints each decision itself; the daemon's own log shows warnings only.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=stream, force=True)
    say(f"local AWS API (moto + DynamoDB's update rules) on {url}; table {TABLE} "
        f"({START_CAPACITY[0]} reads, {START_CAPACITY[1]} writes); one check per simulated "
        "minute, on the minute just served")

    config = from_command_line(f"^{TABLE}$", SETTINGS, {"check-interval": "60"}, {})
    clients = AwsClients(config.global_)
    clients.dynamodb.create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": START_CAPACITY[0],
                               "WriteCapacityUnits": START_CAPACITY[1]})

    tables = DynamoTables(clients)
    scheduler = Scheduler(config, tables, CloudWatchMetrics(clients), LogNotifier(), clock)
    printer = FoldingPrinter(say)
    history: list[Minute] = []
    throttled_total = demand_total = 0.0
    try:
        for minute in range(minutes):
            demand = load_curve(minute, minutes)
            capacity = _capacity(tables)
            served = (min(demand[0], capacity[0]), min(demand[1], capacity[1]))
            throttled = (demand[0] - served[0], demand[1] - served[1])
            throttled_total += sum(throttled)
            demand_total += sum(demand)
            # The minute that just ended, stamped as CloudWatch stamps it.
            _put(clients, clock.now() - timedelta(minutes=1), served, throttled)
            report = scheduler.run_cycle()
            decision = next((o.decision for o in report.outcomes if o.decision), None)
            if not report.ok or decision is None:
                printer.flush()
                say(f"cycle failed: {report.error or report.failed_tables or 'no decision'}")
                return EXIT_RUNTIME
            record = Minute(clock.now(), demand, capacity, decision)
            history.append(record)
            printer.add(record)
            clock.wait(60)
        printer.flush()
        final = _capacity(tables)
    finally:
        server.stop()  # type: ignore[attr-defined]
    share = 100 * throttled_total / demand_total if demand_total else 0.0
    for line in summary(history, final, share):
        say(line)
    return EXIT_OK


def _capacity(tables: DynamoTables) -> tuple[int, int]:
    """The demo table's provisioned reads and writes, as DescribeTable says."""
    state = tables.describe(TABLE).table
    if isinstance(state, UnusableResource):
        raise DynamicDynamoDBError(f"{TABLE}: DescribeTable's answer cannot be used: "
                                   f"{state.reason}")
    return state.reads, state.writes


def _put(clients: AwsClients, stamp: datetime, served: tuple[float, float],
         throttled: tuple[float, float]) -> None:
    dims = [{"Name": "TableName", "Value": TABLE}]
    data = [
        ("ConsumedReadCapacityUnits", served[0] * 60),
        ("ConsumedWriteCapacityUnits", served[1] * 60),
        ("ReadThrottleEvents", round(throttled[0] * 60)),
        ("WriteThrottleEvents", round(throttled[1] * 60)),
    ]
    # DynamoDB publishes nothing for a metric without events in a minute.
    points = [{"MetricName": name, "Dimensions": dims, "Timestamp": stamp, "Value": value,
               "Unit": "Count"} for name, value in data if value > 0]
    if points:
        clients.cloudwatch.put_metric_data(Namespace="AWS/DynamoDB", MetricData=points)
