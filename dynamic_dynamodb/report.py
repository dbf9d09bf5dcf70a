"""What a cycle did, and how it reads in the log.

The Scheduler (loop.py) returns a CycleReport with one Outcome per table or GSI it
decided on; this module turns them into the log's words. The texts of notifications
(SNS, the error notice) are in notify.py.

"No decision" is one thing wherever it comes from: a matched table or GSI that got
none (its facts could not be used, its metrics were unknown, a skip that is not a
decision, a stop came first), or a configuration that matched no table, is one
``NoDecision`` in ``CycleReport.no_decisions``, with a reason code and message. A
report with any is not ``ok``: ``--run-once`` and ``status`` exit 1, ``status`` lists
them, Prometheus counts the cycle as partial. A fleet's report holds those of every
target (fleet/report.py), each naming its target.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from dynamic_dynamodb.core.types import (
    Decision,
    DimensionUsage,
    Direction,
    Reason,
    ResourceId,
    ResourceState,
    Usage,
)

# Reason codes of a dimension's decision that mean the core made none (it held the
# capacity because a fact was unknown), as opposed to deciding to keep it.
UNDECIDED_REASONS = frozenset({"metrics-unknown"})
# Reasons to skip a whole table that are decisions in themselves: an on-demand table
# has no provisioned capacity to scale. Any other skip is no decision.
DECIDED_SKIPS = frozenset({"on-demand"})


@dataclass(frozen=True)
class NoDecision:
    """A matched table or GSI that got no decision this cycle, and why. ``subject`` is
    the table or ``table/index``; "" for the configuration as a whole (no table
    matched). ``target`` is set in a fleet's report (the account and region)."""

    subject: str
    code: str
    message: str
    target: str | None = None

    @property
    def name(self) -> str:
        """The subject as a fleet report's failed tables name it ("target table")."""
        if self.target is None:
            return self.subject
        return f"{self.target} {self.subject}" if self.subject else self.target

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.name else self.message

    def of_target(self, target: str) -> NoDecision:
        return replace(self, target=target)


def undecided(decision: Decision) -> Reason | None:
    """Why ``decision`` is no decision (a dimension held because something was
    unknown), or None when it is one."""
    for d in (decision.reads, decision.writes):
        if d.reason.code in UNDECIDED_REASONS:
            return d.reason
    return None


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
    # The change was sent but its outcome is unknown (a timeout, an unreadable answer):
    # the next cycle's DescribeTable tells.
    unconfirmed: bool = False


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
    # Matched tables and GSIs (or the configuration) that got no decision, and why.
    no_decisions: list[NoDecision] = field(default_factory=list)
    # A stop request ended the cycle before every table was handled.
    stopped: bool = False

    def no_decision(self, subject: object, code: str, message: str) -> None:
        """Record that ``subject`` (a table, a ResourceId, "" for the configuration) got
        no decision this cycle; the first reason given for a subject is kept."""
        name = str(subject)
        if all(entry.subject != name for entry in self.no_decisions):
            self.no_decisions.append(NoDecision(name, code, message))

    @property
    def failed(self) -> bool:
        """Something failed: the cycle as a whole, or a table (no decision for another
        reason is not a failure)."""
        return self.error is not None or bool(self.failed_tables)

    @property
    def ok(self) -> bool:
        """Every matched table and GSI got a decision and nothing failed."""
        return not self.failed and not self.no_decisions

    def problems(self) -> list[str]:
        """What made the cycle not ``ok``, one line each."""
        lines = [] if self.error is None else [f"cycle failed: {self.error}"]
        lines += [f"{table}: {why}" for table, why in sorted(self.failed_tables.items())]
        lines += [f"{entry}" for entry in self.no_decisions
                  if entry.name not in self.failed_tables]
        return lines

    @property
    def undecided(self) -> dict[str, NoDecision]:
        """``no_decisions`` by name (``table``, ``table/index``; in a fleet's report
        ``target table``)."""
        return {entry.name: entry for entry in self.no_decisions}


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


def update_unconfirmed(message: str) -> str:
    """The note on an outcome whose UpdateTable's outcome is unknown."""
    return f"unconfirmed: {message}; DescribeTable tells next cycle"


def update_confirmed(table: str, shown: str) -> str:
    """The log line when DescribeTable shows that an unconfirmed UpdateTable was applied."""
    return f"{table}: the unconfirmed UpdateTable of an earlier cycle was applied ({shown})"


def update_not_applied(why: str, shown: str) -> str:
    """The failure of a table whose unconfirmed UpdateTable turned out not applied."""
    return (f"the UpdateTable of an earlier cycle was not applied (its outcome was unknown: "
            f"{why}); DescribeTable shows {shown}")


def no_match(regexes: list[str], listed: int) -> str:
    """Why a configuration got no decision at all: its table names matched nothing."""
    names = ", ".join(regexes) or "(none)"
    return (f"no table matches the configured table names ({names}); ListTables returned "
            f"{listed} table{'s' * (listed != 1)}")


def run_once_failed(report: CycleReport) -> str:
    """Why ``--run-once`` (or ``status``) exits 1: what got no decision, in short."""
    problems = report.problems()
    shown = "; ".join(problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return f"not every matched table got a decision: {shown}{more}"


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
