"""Telling the world the service works: after each cycle, a status line.

After the first cycle systemd hears READY=1 (with the STATUS line) and the caller's
``on_ready`` runs (the daemon's start pipe tells the waiting ``--daemon start``);
after every later cycle systemd hears STATUS=..., which ``systemctl status`` shows.
"""

from __future__ import annotations

from collections.abc import Callable

from dynamic_dynamodb.fleet.report import FleetReport, parts_of
from dynamic_dynamodb.loop import CycleReport
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.settings import Config


def describe_cycle(number: int, report: CycleReport, dry_run: bool) -> str:
    """One line for systemd's STATUS: ``cycle 12: 40 tables, 3 changes``; a fleet's
    ``cycle 12: 4 targets, 160 tables, 3 changes, 1 failed, 2 without a decision`` (a
    table counted once per target, a failed table or a failed target's cycle counted
    once; report.NoDecision's entries counted as they are)."""
    if report.error:
        return f"cycle {number} failed: {report.error}"[:200]
    parts = parts_of(report)
    tables = sum(len({o.resource.table for o in part.outcomes} | set(part.failed_tables))
                 for part in parts)
    changes = sum(1 for o in report.outcomes
                  if o.applied or (dry_run and o.decision is not None and o.decision.changes))
    targets = (f"{len(parts)} target{'s' * (len(parts) != 1)}, "
               if isinstance(report, FleetReport) else "")
    text = (f"cycle {number}: {targets}{tables} table{'s' * (tables != 1)}, "
            f"{changes} {'would-be ' if dry_run else ''}change{'s' * (changes != 1)}")
    if report.failed_tables:
        text += f", {len(report.failed_tables)} failed"
    if report.no_decisions:
        text += f", {len(report.no_decisions)} without a decision"
    return text


class Readiness:
    """A cycle hook: READY=1 and ``on_ready`` after the first cycle, STATUS after each."""

    def __init__(self, notifier: SystemdNotifier, dry_run: bool,
                 on_ready: Callable[[CycleReport, str], None] | None = None) -> None:
        self.notifier = notifier
        self.dry_run = dry_run
        self.on_ready = on_ready
        self.cycles = 0

    def before_cycle(self, config: Config) -> Config:
        return config

    def after_cycle(self, report: CycleReport) -> None:
        self.cycles += 1
        status = describe_cycle(self.cycles, report, self.dry_run)
        if self.cycles > 1:
            self.notifier.status(status)
            return
        self.notifier.ready(status)
        if self.on_ready is not None:
            self.on_ready(report, status)
