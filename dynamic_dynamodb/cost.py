"""What the daemon's own AWS calls cost per month: CloudWatch GetMetricData.

GetMetricData is billed per metric requested: $0.01 per 1,000 (us-east-1; the free
tier does not cover it). Each cycle requests four metrics per scaled resource (a table,
or a GSI that a [gsi: ...] section matches): consumed reads, consumed writes, read
throttle events and write throttle events. How many datapoints come back, and how
the queries are packed into calls (500 per call), does not change the bill. The
DynamoDB calls (ListTables, DescribeTable, UpdateTable) are free.

    metrics per month = 4 x resources x cycles per month
    cycles per month  = 30 x 86,400 / check-interval

Table sections are regular expressions, so the number of resources is only known when
the daemon lists the tables: ``--show-config`` gives the figure per resource (multiply
by the tables plus scaled GSIs the sections will match), and the daemon logs the total
for what it found, once, after its first cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.settings import Config

log = logging.getLogger(__name__)

USD_PER_1000_METRICS = 0.01
METRICS_PER_RESOURCE = 4  # the four series aws/metrics.py requests per table or GSI
SECONDS_PER_MONTH = 30 * 86_400
EXAMPLE_SIZES = (10, 100, 1000)  # tables, each with one scaled GSI, for --show-config


@dataclass(frozen=True)
class CostEstimate:
    """The monthly GetMetricData bill for ``resources`` at ``check_interval`` seconds."""

    check_interval: int
    resources: int

    @property
    def cycles_per_month(self) -> float:
        return SECONDS_PER_MONTH / self.check_interval

    @property
    def metrics_per_cycle(self) -> int:
        return METRICS_PER_RESOURCE * self.resources

    @property
    def metrics_per_month(self) -> float:
        return self.metrics_per_cycle * self.cycles_per_month

    @property
    def usd_per_month(self) -> float:
        return self.metrics_per_month / 1000 * USD_PER_1000_METRICS


def per_resource(check_interval: int) -> CostEstimate:
    return CostEstimate(check_interval, 1)


def for_resources(check_interval: int, tables: int, gsis: int = 0) -> CostEstimate:
    return CostEstimate(check_interval, tables + gsis)


def log_line(check_interval: int, tables: int, gsis: int) -> str:
    """The start-up log line, for what the first cycle found."""
    total = for_resources(check_interval, tables, gsis)
    one = per_resource(check_interval)
    return (f"CloudWatch cost estimate: {tables} table(s) + {gsis} GSI(s) x "
            f"{METRICS_PER_RESOURCE} metrics x {total.cycles_per_month:,.0f} cycles/month "
            f"(check-interval {check_interval} s) = {total.metrics_per_month:,.0f} "
            f"metrics/month = ${total.usd_per_month:,.2f}/month of GetMetricData at "
            f"${USD_PER_1000_METRICS} per 1,000 metrics (${one.usd_per_month:,.4f} per "
            f"table or GSI)")


def log_estimate(check_interval: int, tables: int, gsis: int) -> None:
    log.info("%s", log_line(check_interval, tables, gsis))


class FirstEstimate:
    """Logs the estimate for the first cycle that finds something to scale, once."""

    def __init__(self) -> None:
        self._logged = False

    def found(self, check_interval: int, resources: Iterable[ResourceId]) -> None:
        if self._logged:
            return
        found = list(resources)
        if not found:
            return
        self._logged = True
        tables = sum(1 for rid in found if rid.index is None)
        log_estimate(check_interval, tables, len(found) - tables)


def estimate_for_config(config: Config) -> dict[str, Any]:
    """The ``cost_estimate`` entry of ``--show-config``: per resource, with examples,
    since which tables the sections match is only known at run time."""
    interval = config.global_.check_interval
    one = per_resource(interval)
    return {
        "service": "CloudWatch GetMetricData",
        "usd_per_1000_metrics": USD_PER_1000_METRICS,
        "check_interval_seconds": interval,
        "cycles_per_month": round(one.cycles_per_month, 2),
        "metrics_per_resource_per_cycle": METRICS_PER_RESOURCE,
        "metrics_per_resource_per_month": round(one.metrics_per_month, 2),
        "usd_per_resource_per_month": round(one.usd_per_month, 4),
        "usd_per_month_examples": {
            f"{n} tables with 1 scaled GSI each": round(
                for_resources(interval, n, n).usd_per_month, 2)
            for n in EXAMPLE_SIZES
        },
        "how_to_total": (
            "a resource is a table, or a GSI matched by a [gsi: ...] section; multiply "
            "usd_per_resource_per_month by the number of tables and scaled GSIs the "
            "table sections match (known only at run time: the daemon logs the total "
            "for what it finds after its first cycle). DynamoDB calls are free."),
    }
