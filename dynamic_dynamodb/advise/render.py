"""The advice as a table (like ``status``) and as JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dynamic_dynamodb.advise.pricing import Prices
from dynamic_dynamodb.advise.recommend import (
    DimensionAdvice,
    ResourceAdvice,
    TableAdvice,
)
from dynamic_dynamodb.advise.replay import CONFIG, CURRENT, Figures, native_key
from dynamic_dynamodb.aws.table_facts import PAY_PER_REQUEST

if TYPE_CHECKING:
    from dynamic_dynamodb.advise.command import AdviceRun

MODE_NAMES = {"PROVISIONED": "provisioned", PAY_PER_REQUEST: "on-demand"}


# -- settings ------------------------------------------------------------------------
def dimension_setting(resource: ResourceAdvice, dim: DimensionAdvice) -> dict[str, Any]:
    """The advised provisioned setting of one dimension."""
    key = resource.chosen_key(dim)
    if key == CONFIG:
        return {"policy": "config"}
    if key == CURRENT:
        return {"policy": "keep"}
    if key is not None and key in dim.targets:
        return {"policy": "target", "target_utilisation": dim.targets[key]}
    return {"policy": "none"}


def settings(table: TableAdvice, resource: ResourceAdvice) -> dict[str, Any]:
    if not table.provisioned:
        return {"policy": "on-demand"}
    return {d.dimension.value: dimension_setting(resource, d) for d in resource.dimensions}


def settings_text(table: TableAdvice, resource: ResourceAdvice) -> str:
    if not table.provisioned:
        return "on-demand"
    parts = []
    for d in resource.dimensions:
        s = dimension_setting(resource, d)
        text = {"config": "your config", "keep": "keep",
                "none": "?"}.get(s["policy"], f"target {s.get('target_utilisation', 0):g} %")
        parts.append(f"{d.dimension.value[0].upper()}: {text}")
    return ", ".join(parts)


# -- JSON (figures unrounded, so that a reader can check them exactly) ---------------
def _figures(f: Figures | None) -> dict[str, float] | None:
    if f is None:
        return None
    return {"dollars_per_month": f.dollars_per_month,
            "throttled_percent": f.throttled_percent}


def _dimension(resource: ResourceAdvice, d: DimensionAdvice) -> dict[str, Any]:
    return {
        "consumed_units": d.consumed_units,
        "throttle_events": d.throttle_events,
        "demand_units": d.demand_units,
        "mean_demand_units_per_second": d.mean_demand,
        "peak_demand_units_per_second": d.peak_demand,
        "on_demand_dollars_per_month": d.on_demand_dollars_per_month,
        "current": _figures(d.current),
        "policies": {key: {"label": d.labels[key], **(_figures(f) or {})}
                     for key, f in d.policies.items()},
        "provisioned_choice": resource.chosen_key(d),
    }


def _money(table: TableAdvice, resource: ResourceAdvice | None) -> dict[str, Any]:
    """The figures the issue names, for a whole table (``resource`` None) or one part."""
    if resource is None:
        current, recommended = table.total_current(), table.total_recommended()
        on_demand = table.on_demand_dollars_per_month
        on_demand_full = sum(r.on_demand_full for r in table.resources)
    else:
        current, recommended = resource.current, table.recommended(resource)
        on_demand, on_demand_full = resource.on_demand_dollars_per_month, resource.on_demand_full
    return {
        "recommended_billing_mode": table.recommended_billing_mode,
        "current_dollars_per_month": current.dollars_per_month,
        "current_throttled_percent": current.throttled_percent,
        "on_demand_dollars_per_month": on_demand,
        "on_demand_throttled_dollars_per_month": on_demand_full - on_demand,
        "recommended_dollars_per_month": recommended.dollars_per_month,
        "recommended_throttled_percent": recommended.throttled_percent,
        "saving_dollars_per_month": current.dollars_per_month
                                       - recommended.dollars_per_month,
    }


def _policies(table: TableAdvice, resource: ResourceAdvice | None,
              native: str) -> dict[str, Any]:
    if resource is None:
        return {"target": _figures(table.target_total()), "native": _figures(table.total(native)),
                "config": _figures(table.total(CONFIG))}
    return {"target": _figures(resource.target_total()),
            "native": _figures(resource.total(native)),
            "config": _figures(resource.total(CONFIG))}


def _resource_json(table: TableAdvice, resource: ResourceAdvice, native: str) -> dict[str, Any]:
    h = resource.history
    return {
        **_money(table, resource),
        "recommended_settings": settings(table, resource),
        "policies": _policies(table, resource, native),
        "minutes_with_data": h.covered_minutes,
        "gap_minutes": h.gap_minutes,
        "dimensions": {d.dimension.value: _dimension(resource, d) for d in resource.dimensions},
    }


def table_json(table: TableAdvice, native: str) -> dict[str, Any]:
    base = table.resources[0]
    c = table.confidence
    return {
        "table": table.table,
        "billing_mode": table.billing_mode,
        **_money(table, None),
        "recommended_settings": settings(table, base),
        "policies": _policies(table, None, native),
        "confidence": {"level": c.level, "days": c.days,
                       "resolution_seconds": c.resolution, "gap_minutes": c.gap_minutes,
                       "gaps": [{"start": g.start.isoformat(), "minutes": g.minutes}
                                for g in c.gaps],
                       "younger_than_window": c.younger_than_window,
                       "created": (base.history.created.isoformat()
                                   if base.history.created else None),
                       "note": c.note},
        "notes": list(table.notes),
        "base_table": _resource_json(table, base, native),
        "indexes": [{"index": r.resource.index, **_resource_json(table, r, native)}
                    for r in table.resources[1:]],
    }


def _totals(run: AdviceRun) -> dict[str, float]:
    current = sum(t.total_current().dollars_per_month for t in run.tables)
    recommended = sum(t.total_recommended().dollars_per_month for t in run.tables)
    return {"current_dollars_per_month": current,
            "on_demand_dollars_per_month": sum(t.on_demand_dollars_per_month
                                                  for t in run.tables),
            "recommended_dollars_per_month": recommended,
            "saving_dollars_per_month": current - recommended}


def to_json(run: AdviceRun) -> str:
    w = run.window
    native = native_key(run.options.native_target)
    document = {
        "region": run.region,
        "window": {"start": w.start.isoformat(), "end": w.end.isoformat(),
                   "days": run.options.days, "resolution_seconds": w.resolution},
        "prices": run.prices.as_dict(),
        "max_throttled_percent": run.options.max_throttled_percent,
        "native_target_percent": run.options.native_target,
        "config": run.config_source,
        "advice_cost": {"get_metric_data_calls": run.calls,
                        "metrics_requested": run.metrics_requested,
                        "dollars": run.advice_dollars},
        "elapsed_seconds": run.seconds,
        "tables": [table_json(t, native) for t in run.tables],
        "totals": _totals(run),
        "no_data": run.no_data,
        "failed_tables": run.failed,
    }
    return json.dumps(document, indent=2)


def prices_text(prices: Prices) -> str:
    if prices.source == "built-in":
        return "us-east-1 list prices"
    return f"the prices of {prices.source} ({prices.region})"


# -- text -------------------------------------------------------------------------------
HEADER = ("RESOURCE", "BILLING", "NOW $/MO", "NOW THR %", "ON-DEMAND", "TARGET",
          "NATIVE {n}%", "CONFIG", "ADVICE", "ADVISED $/MO", "THR %", "SAVING", "CONFIDENCE")
LEFT = {0, 1, 8, 12}


def _cell(f: Figures | None) -> str:
    if f is None:
        return "-"
    return f"{f.dollars_per_month:,.2f} ({f.throttled_percent:.3f}%)"


def _row(table: TableAdvice, resource: ResourceAdvice | None, native: str) -> tuple[str, ...]:
    if resource is None:
        name, billing = table.table, MODE_NAMES.get(table.billing_mode, table.billing_mode)
        current, recommended = table.total_current(), table.total_recommended()
        on_demand = table.on_demand_dollars_per_month
        target, nat, conf = table.target_total(), table.total(native), table.total(CONFIG)
        advice = (f"{MODE_NAMES[table.recommended_billing_mode].upper()}: "
                  f"{settings_text(table, table.resources[0])}" if table.provisioned
                  else "ON-DEMAND")
        confidence = table.confidence.level
    else:
        name, billing = f"  {resource.resource.index}", ""
        current, recommended = resource.current, table.recommended(resource)
        on_demand = resource.on_demand_dollars_per_month
        target, nat = resource.target_total(), resource.total(native)
        conf = resource.total(CONFIG)
        advice = settings_text(table, resource) if table.provisioned else "(follows table)"
        confidence = ""
    return (name, billing, f"{current.dollars_per_month:,.2f}",
            f"{current.throttled_percent:.3f}", f"{on_demand:,.2f}", _cell(target),
            _cell(nat), _cell(conf), advice, f"{recommended.dollars_per_month:,.2f}",
            f"{recommended.throttled_percent:.3f}",
            f"{current.dollars_per_month - recommended.dollars_per_month:,.2f}", confidence)


def _layout(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) if i in LEFT else cell.rjust(widths[i])
                      for i, cell in enumerate(row)).rstrip() for row in rows]


def table_text(run: AdviceRun) -> str:
    native = native_key(run.options.native_target)
    header = tuple(h.format(n=f"{run.options.native_target:g}") for h in HEADER)
    rows = [header]
    for t in run.tables:
        rows.append(_row(t, None, native))
        rows.extend(_row(t, r, native) for r in t.resources[1:])
    totals = _totals(run)
    rows.append(("TOTAL", "", f"{totals['current_dollars_per_month']:,.2f}", "",
                 f"{totals['on_demand_dollars_per_month']:,.2f}", "", "", "", "",
                 f"{totals['recommended_dollars_per_month']:,.2f}", "",
                 f"{totals['saving_dollars_per_month']:,.2f}", ""))
    lines = _layout(rows) if run.tables else ["(no table to advise)"]
    for t in run.tables:
        lines.append("")
        lines.append(f"{t.table}: confidence {t.confidence.level}: {t.confidence.note}")
        lines.extend(f"  - {note}" for note in t.notes)
    for name in run.no_data:
        lines.append(f"{name}: no CloudWatch data in the window: not advised")
    for name, why in sorted(run.failed.items()):
        lines.append(f"{name}: FAILED: {why}")
    w = run.window
    lines += [
        "",
        f"window: {w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} UTC ({run.options.days} "
        f"days of {w.resolution // 60}-minute data); $/month = 730 hours at "
        f"{prices_text(run.prices)}; a table's row includes its GSIs (indented below it)",
        f"columns: cost per month (throttled % of demand) replayed in the simulator's model; "
        f"TARGET = target mode, NATIVE = AWS auto scaling at "
        f"{run.options.native_target:g} %, CONFIG = this configuration; advice keeps "
        f"throttling within {run.options.max_throttled_percent:g} % or no worse than now",
        f"this advice read {run.metrics_requested:,} metrics in {run.calls:,} GetMetricData "
        f"call(s): ${run.advice_dollars:,.4f}",
    ]
    return "\n".join(lines)
