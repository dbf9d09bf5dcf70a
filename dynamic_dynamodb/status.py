"""``dynamic-dynamodb status``: what each table and GSI looks like now, and why the
next cycle would (not) change it.

It runs one dry-run cycle of the real Scheduler, live against AWS, with a notifier
that sends nothing, and renders the cycle's outcomes: provisioned and consumed
capacity, utilisation, the decision and its reason, and the decreases left today.
A fresh process has no history, so options that count consecutive checks
(``num-*-checks-before-scale-down``) show the first check's view; the running
daemon may be further along.

With [account: NAME] sections, or a lease table, every target (an account in one
region) runs its dry-run cycle concurrently (fleet/runner.py) and each row names its
target; a target that fails is shown failed, the others as usual. ``--json`` names
each resource's target always. With a lease table each target's rows also name its
owner (the replica holding its lease), and the lease table's items follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dynamic_dynamodb.core.budget import (
    FREE_DECREASES_PER_DAY,
    decreases_used_today,
    dynamodb_allows,
)
from dynamic_dynamodb.core.types import (
    Dimension,
    DimensionDecision,
    Direction,
    ResourceState,
    ScaleEvent,
)
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.fleet.report import FleetReport, parts_of
from dynamic_dynamodb.report import CycleReport, Outcome
from dynamic_dynamodb.settings import Config, LoggingConfig

# target -> (owner, expires_at): fleet/lease_store.owners' answer.
LeaseOwners = Mapping[str, tuple[str | None, float | None]]


class SilentNotifier:
    """``status`` changes nothing and tells nobody."""

    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None:
        return None


@dataclass(frozen=True)
class DecreaseBudget:
    used_today: int
    free_left: int
    allowed_now: bool
    next_at: datetime | None

    def text(self) -> str:
        if self.free_left:
            return f"{self.free_left} of {FREE_DECREASES_PER_DAY}"
        if self.allowed_now:
            return "1 now, then 1/h"
        return f"0, next {self.next_at:%H:%M} UTC" if self.next_at else "0"


def decrease_budget(state: ResourceState | None, now: datetime) -> DecreaseBudget | None:
    """DynamoDB's decreases left today for one table or GSI (core/budget.py's rule)."""
    if state is None or state.decreases_today is None:
        return None
    used = decreases_used_today(state.decreases_today, state.last_decrease, now)
    verdict = dynamodb_allows(state.decreases_today, state.last_decrease, now)
    return DecreaseBudget(used, max(0, FREE_DECREASES_PER_DAY - used), verdict.allowed,
                          verdict.next_at)


def _verdict(d: DimensionDecision) -> str:
    if d.direction is Direction.NONE:
        return "unchanged"
    return f"{d.direction.value} to {d.target}"


def _dimension(outcome: Outcome, dim: Dimension) -> dict[str, Any]:
    assert outcome.decision is not None
    d = outcome.decision.of(dim)
    entry: dict[str, Any] = {
        "provisioned": d.current, "consumed": None, "utilisation_percent": None,
        "throttle_events": None, "decision": d.direction.value, "target": d.target,
        "reason_code": d.reason.code, "reason": d.reason.message,
    }
    use = outcome.usage.known(dim) if outcome.usage is not None else None
    if use is not None:
        entry.update(consumed=round(use.consumed, 3),
                     utilisation_percent=round(use.consumed_percent(d.current), 1),
                     throttle_events=use.throttle_events)
    return entry


def as_dict(report: CycleReport, owners: LeaseOwners | str | None = None) -> dict[str, Any]:
    """The report as JSON-ready data (``status --json``); with a lease table's
    ``owners``, each target's ``owner`` too."""
    resources = []
    for target, outcome in _outcomes(report):
        if outcome.decision is None:
            continue
        budget = decrease_budget(outcome.state, report.started)
        resources.append({
            "target": target,
            "table": outcome.resource.table,
            "index": outcome.resource.index,
            "status": outcome.state.status if outcome.state else None,
            "reads": _dimension(outcome, Dimension.READS),
            "writes": _dimension(outcome, Dimension.WRITES),
            "decreases": None if budget is None else {
                "used_today": budget.used_today, "free_left": budget.free_left,
                "allowed_now": budget.allowed_now,
                "next_allowed_at": budget.next_at.isoformat() if budget.next_at else None,
            },
        })
    shown: dict[str, Any] = {
        "checked_at": report.started.isoformat(),
        "resources": resources,
        "failed_tables": dict(report.failed_tables),
        "no_decision": [{"target": part.target, "subject": entry.subject, "code": entry.code,
                         "message": entry.message}
                        for part in _parts(report) for entry in part.no_decisions],
        "error": getattr(report, "error", None),
    }
    if isinstance(report, FleetReport):
        shown["targets"] = [{"target": target, "error": part.error,
                             **({} if owners is None else {"owner": _owner(owners, target)})}
                            for target, part in sorted(report.parts.items())]
    if owners is not None:
        shown["leases"] = leases_as_dict(owners)
    return shown


def _owner(owners: LeaseOwners | str | None, target: str | None) -> str | None:
    """The worker holding ``target``'s lease; None when free, not in the table yet, or
    the table cannot be read (the lease section says why)."""
    if owners is None or isinstance(owners, str) or target is None:
        return None
    return owners.get(target, (None, None))[0]


def _parts(report: CycleReport) -> list[CycleReport]:
    """The per-target reports, targets in id order."""
    return sorted(parts_of(report), key=lambda part: part.target or "")


def _outcomes(report: CycleReport) -> list[tuple[str | None, Outcome]]:
    """Each outcome with its target, targets in id order."""
    return [(part.target, outcome) for part in _parts(report) for outcome in part.outcomes]


def render_table(report: CycleReport, owners: LeaseOwners | str | None = None) -> str:
    """A plain-text table: two rows (reads, writes) per table or GSI; a fleet's start
    with the TARGET and, with a lease table's ``owners``, its OWNER."""
    fleet = isinstance(report, FleetReport)
    leased = fleet and owners is not None
    header: tuple[str, ...] = ("RESOURCE", "DIM", "PROV", "CONSUMED", "USED %", "NEXT CYCLE",
                               "DECREASES LEFT", "WHY")
    rows: list[tuple[str, ...]] = []
    for target, outcome in _outcomes(report):
        if outcome.decision is None:
            continue
        budget = decrease_budget(outcome.state, report.started)
        for dim in Dimension:
            entry = _dimension(outcome, dim)
            d = outcome.decision.of(dim)
            rows.append((
                *((target or "",) if fleet else ()),
                *((_owner(owners, target) or "(free)",) if leased else ()),
                str(outcome.resource) if dim is Dimension.READS else "",
                dim.value,
                str(d.current),
                "?" if entry["consumed"] is None else f"{entry['consumed']:.2f}",
                "?" if entry["utilisation_percent"] is None
                else f"{entry['utilisation_percent']:.1f}",
                _verdict(d),
                (budget.text() if budget else "?") if dim is Dimension.READS else "",
                d.reason.message,
            ))
    named = (("TARGET",) if fleet else ()) + (("OWNER",) if leased else ())
    header = (*named, *header)
    if fleet:
        # The target (and its owner) once per target, as the resource is once per
        # resource.
        rows = [(*(row[:len(named)] if k == 0 or rows[k - 1][0] != row[0]
                   else ("",) * len(named)), *row[len(named):])
                for k, row in enumerate(rows)]
    left = {*range(len(named)), *(i + len(named) for i in (0, 1, 5, 6))}
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
                 for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    if not rows:
        lines.append("(no managed table found)")
    for table, why in sorted(report.failed_tables.items()):
        lines.append(f"{table}: FAILED: {why}")
    for missing in report.no_decisions:
        if missing.name not in report.failed_tables:
            lines.append(f"{missing.name}: NO DECISION: {missing.message}" if missing.name
                         else f"NO DECISION: {missing.message}")
    error = getattr(report, "error", None)
    if error:
        lines.append(f"cycle failed: {error}")
    lines.append(f"checked at {report.started:%Y-%m-%d %H:%M:%S} UTC (consumed: average units/s "
                 f"over each table's lookback window)")
    return "\n".join(lines)




def lease_owners(config: Config) -> LeaseOwners | str:
    """Each target's owner in the configured lease table, or why it cannot be read."""
    from dynamic_dynamodb.errors import AwsError
    from dynamic_dynamodb.fleet.lease_store import owners, store_from_config

    try:
        return owners(store_from_config(config.global_))
    except AwsError as exc:
        return str(exc)


def leases_as_dict(owners: LeaseOwners | str) -> dict[str, Any]:
    if isinstance(owners, str):
        return {"error": owners}
    return {target: {"owner": owner, "expires_at": expires_at}
            for target, (owner, expires_at) in sorted(owners.items())}


def render_leases(table: str, owners: LeaseOwners | str, now: float) -> str:
    """Who serves each target, from the lease table (``expires`` by this host's clock;
    the workers themselves never compare clocks)."""
    if isinstance(owners, str):
        return f"lease table {table}: cannot read it: {owners}"
    header = ("TARGET", "OWNER", "EXPIRES")
    rows = [(target, owner or "(free)",
             "" if owner is None or expires_at is None
             else f"in {expires_at - now:.0f} s" if expires_at >= now
             else f"{now - expires_at:.0f} s ago")
            for target, (owner, expires_at) in sorted(owners.items())]
    if not rows:
        return f"lease table {table}: no lease yet"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    lines = [f"lease table {table}:"]
    lines += ["  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2]]).rstrip()
              for row in [header, *rows]]
    return "\n".join(lines)


def status_report(config: Config) -> CycleReport:
    """One dry-run cycle of the real Scheduler, live from AWS; notifies nobody.

    A cycle that fails as a whole (AWS unreachable, no credentials) raises its
    AwsError: there is nothing to show but that. With account sections, one dry-run
    cycle of every target; it raises only when every target's failed.
    """
    from dynamic_dynamodb.fleet.logcontext import in_target
    from dynamic_dynamodb.logsetup import secrets_of, setup_logging
    from dynamic_dynamodb.runner import build_scheduler

    # Warnings and errors to stderr only: never into the daemon's log file.
    setup_logging(LoggingConfig(level="warning"), secrets_of(config))
    if config.is_fleet or config.global_.lease_table:
        return _fleet_status(config)
    scheduler = build_scheduler(config, notifier=SilentNotifier(), dry_run=True)
    with in_target(scheduler.target or "", prefix=False):
        return scheduler.run_cycle()


def _fleet_status(config: Config) -> CycleReport:
    import threading

    from dynamic_dynamodb.fleet.build import build_fleet

    runner = build_fleet(config, stop=threading.Event(), notifier=SilentNotifier(),
                         dry_run=True)
    report = runner.run(run_once=True)
    if report.error is not None:
        raise AwsError(report.error, report.error_kind or "error")
    return report
