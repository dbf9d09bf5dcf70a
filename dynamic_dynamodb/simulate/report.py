"""Costs and throttling of a replay, and how they are shown (table, JSON, CSV, plot).

Costs are for the replayed dimension only, at us-east-1 prices. The oracle
provisions exactly each minute's demand (fractional units, no burst needed), so
"x oracle" is provisioned cost over the least any provisioned policy could pay.
A month is 730 hours, as on AWS's price pages.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.simulate.runner import PolicyRun, minute_rows
from dynamic_dynamodb.simulate.trace import Trace

PROVISIONED_PER_UNIT_HOUR = {Dimension.READS: 0.00013, Dimension.WRITES: 0.00065}
ON_DEMAND_PER_MILLION = {Dimension.READS: 0.125, Dimension.WRITES: 0.625}
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Summary:
    """One row of the comparison."""

    policy: str
    throttled_percent: float | None
    cost_ratio: float
    dollars_per_month: float
    updates_per_day_mean: float | None = None
    updates_per_day_max: int | None = None
    decreases_per_day_mean: float | None = None
    decreases_per_day_max: int | None = None
    failed_cycles: int | None = None


def _per_month(unit_minutes: float, minutes: int, dimension: Dimension) -> float:
    hours = unit_minutes / 60.0
    return hours * PROVISIONED_PER_UNIT_HOUR[dimension] * HOURS_PER_MONTH * 60.0 / minutes


def oracle_unit_minutes(trace: Trace) -> float:
    return sum(trace.demand)


def summarize(run: PolicyRun, oracle: float, dimension: Dimension) -> Summary:
    table = run.table
    minutes = len(table.demand)
    demand = sum(table.demand)
    throttled = sum(table.throttle_events) / 60.0
    provisioned = float(sum(table.provisioned))
    days = table.day_of(minutes - 1) - table.day_of(0) + 1
    updates = [0] * days
    decreases = [0] * days
    first_day = table.day_of(0)
    for u in table.updates:
        day = table.day_of(u.minute) - first_day
        updates[day] += 1
        decreases[day] += u.decrease
    return Summary(
        policy=run.name,
        throttled_percent=100.0 * throttled / demand if demand > 0 else 0.0,
        cost_ratio=provisioned / oracle if oracle > 0 else float("inf"),
        dollars_per_month=_per_month(provisioned, minutes, dimension),
        updates_per_day_mean=sum(updates) / days,
        updates_per_day_max=max(updates),
        decreases_per_day_mean=sum(decreases) / days,
        decreases_per_day_max=max(decreases),
        failed_cycles=run.failed_cycles,
    )


def reference_rows(trace: Trace, dimension: Dimension) -> list[Summary]:
    """Oracle, on-demand and provisioned-for-the-peak: the yardsticks."""
    minutes = trace.minutes
    oracle = oracle_unit_minutes(trace)
    peak = max(trace.demand) * minutes
    # On-demand bills every unit served: demand (units/s) x 60 per minute.
    on_demand_dollars = oracle * 60.0 / 1e6 * ON_DEMAND_PER_MILLION[dimension]
    oracle_dollars = _per_month(oracle, minutes, dimension)
    on_demand_month = on_demand_dollars * HOURS_PER_MONTH * 60.0 / minutes
    return [
        Summary("oracle (demand, exactly)", 0.0, 1.0, oracle_dollars),
        Summary("on-demand (pay per request)", 0.0,
                on_demand_month / oracle_dollars if oracle_dollars else float("inf"),
                on_demand_month),
        Summary("provisioned for the peak", 0.0, peak / oracle if oracle else float("inf"),
                _per_month(peak, minutes, dimension)),
    ]


def _fmt(value: float | int | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table_text(rows: Sequence[Summary]) -> str:
    """A Markdown table (it reads well in a terminal too)."""
    header = ("| policy | throttled % of demand | cost x oracle | $/month | updates/day "
              "mean (max) | decreases/day mean (max) |")
    lines = [header, "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        updates = ("-" if r.updates_per_day_mean is None else
                   f"{r.updates_per_day_mean:.1f} ({r.updates_per_day_max})")
        decreases = ("-" if r.decreases_per_day_mean is None else
                     f"{r.decreases_per_day_mean:.1f} ({r.decreases_per_day_max})")
        lines.append(f"| {r.policy} | {_fmt(r.throttled_percent, '.4f')} | "
                     f"{r.cost_ratio:.3f} | {r.dollars_per_month:,.2f} | {updates} | "
                     f"{decreases} |")
    return "\n".join(lines)


def to_json(trace: Trace, dimension: Dimension, rows: Sequence[Summary],
            extra: dict[str, object] | None = None) -> str:
    document: dict[str, object] = {
        "trace": trace.source, "start": trace.start.isoformat(), "minutes": trace.minutes,
        "dimension": dimension.value, "policies": [asdict(r) for r in rows],
    }
    document.update(extra or {})
    return json.dumps(document, indent=2)


def write_csv(run: PolicyRun, path: str | Path) -> None:
    fields = ["minute", "demand", "provisioned", "consumed", "throttled"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in minute_rows(run):
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                             for k, v in row.items()})
