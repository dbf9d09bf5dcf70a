"""What a cycle did, and how it reads in the log.

The Scheduler (loop.py) returns a CycleReport with one Outcome per table or GSI it
decided on; this module turns them into the log's words. The texts of notifications
(SNS, the error notice) are in notify.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dynamic_dynamodb.core.types import (
    Decision,
    DimensionUsage,
    Direction,
    ResourceId,
    ResourceState,
    Usage,
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one resource in one cycle."""

    resource: ResourceId
    decision: Decision | None
    usage: Usage | None
    applied: bool = False
    error: str | None = None
    note: str = ""
    # What DescribeTable said (decrease bookkeeping for ``status``); None in old reports.
    state: ResourceState | None = None


@dataclass
class CycleReport:
    started: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    failed_tables: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    # Per failed table, the kind of failure (AWS's error code, or the exception's type).
    failure_kinds: dict[str, str] = field(default_factory=dict)
    # Set when the whole cycle failed (e.g. ListTables): no table was handled.
    error: str | None = None
    error_kind: str | None = None
    # The target (an account in one region, e.g. "prod/eu-west-1") the cycle served.
    target: str | None = None
    # Matched tables or GSIs skipped because DescribeTable's answer cannot be used
    # (core/scope.py), and why: they got no decision.
    unusable: dict[ResourceId, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed_tables and self.error is None

    @property
    def undecided(self) -> dict[ResourceId, str]:
        """Every matched table or GSI that got no decision this cycle, for either
        dimension, because its facts or its metrics were unknown; and why."""
        found = dict(self.unusable)
        for outcome in self.outcomes:
            if outcome.decision is None:
                continue
            for d in (outcome.decision.reads, outcome.decision.writes):
                if d.reason.code == "metrics-unknown":
                    found.setdefault(outcome.resource, d.reason.message)
        return found


def format_outcome(outcome: Outcome, dry_run: bool = False) -> str:
    """One log line per resource per cycle: current, consumed %, decision and reason."""
    decision = outcome.decision
    assert decision is not None
    parts = []
    for dim, d in (("reads", decision.reads), ("writes", decision.writes)):
        pct = ""
        if outcome.usage is not None:
            used = outcome.usage.reads if dim == "reads" else outcome.usage.writes
            if isinstance(used, DimensionUsage):
                pct = f" ({used.consumed_percent(d.current):.1f} % used)"
        if d.direction is Direction.NONE:
            parts.append(f"{dim} {d.current}{pct} unchanged: {d.reason.message}")
        else:
            verb = "would change to" if dry_run else "->"
            parts.append(f"{dim} {d.current}{pct} {verb} {d.target}: {d.reason.message}")
    suffix = f" [{outcome.note}]" if outcome.note else ""
    prefix = "[dry-run] " if dry_run and decision.changes else ""
    return f"{prefix}{decision.resource}: " + "; ".join(parts) + suffix


def table_failed(table: str, count: int, message: str, next_cycle: bool) -> str:
    """The log line for a table that failed this cycle. A retry is promised only when
    a next cycle will run (not for ``--run-once`` or ``status``)."""
    if not next_cycle:
        return f"{table}: cycle failed: {message}"
    return f"{table}: cycle failed ({count} in a row), retrying next cycle: {message}"


def cycle_failed(message: str, next_cycle: bool) -> str:
    """The log line for a cycle that failed as a whole (e.g. ListTables)."""
    if not next_cycle:
        return f"cycle failed: {message}"
    return f"cycle failed, retrying next cycle: {message}"
