"""One fleet cycle's report: the reports of the targets whose cycles ended in it.

A ``FleetReport`` is a CycleReport, so the service's hooks (readiness, systemd status,
``--run-once``'s exit code) read it as they read one Scheduler's; the targets' own
reports are in ``parts`` (Prometheus labels series by them, ``status`` prints a row
per target). Table names repeat across accounts, so merged keys name the target:
``failed_tables["prod/eu-west-1 orders"]``, and a target whose whole cycle failed is
``failed_tables["prod/eu-west-1"]``. Each target's no-decision entries are merged too,
each naming its target (``NoDecision.target``): ``ok`` is false when any target left a
matched table without a decision, so ``--run-once`` and ``status`` exit 1 for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dynamic_dynamodb.report import CycleReport


@dataclass
class FleetReport(CycleReport):
    parts: dict[str, CycleReport] = field(default_factory=dict)


def merge(started: datetime, parts: Mapping[str, CycleReport], duration: float) -> FleetReport:
    """The fleet's view of ``parts`` (by target id). The fleet cycle failed as a whole
    (``error``) only when every target's did."""
    report = FleetReport(started=started, duration=duration, parts=dict(parts))
    calls: Counter[str] = Counter()
    for target, part in parts.items():
        report.outcomes.extend(part.outcomes)
        calls.update(part.calls)
        for table, why in part.failed_tables.items():
            report.failed_tables[f"{target} {table}"] = why
            report.failure_kinds[f"{target} {table}"] = part.failure_kinds.get(table, "error")
        if part.error is not None:
            report.failed_tables[target] = part.error
            report.failure_kinds[target] = part.error_kind or "error"
        report.no_decisions.extend(entry.of_target(target) for entry in part.no_decisions)
        report.stopped = report.stopped or part.stopped
    report.calls = dict(calls)
    failed = [part for part in parts.values() if part.error is not None]
    if parts and len(failed) == len(parts):
        report.error = (failed[0].error if len(parts) == 1 else
                        f"every target failed; {failed[0].target}: {failed[0].error}")
        report.error_kind = failed[0].error_kind
    return report


def parts_of(report: CycleReport) -> list[CycleReport]:
    """The per-target reports inside ``report`` (itself when it is one target's)."""
    if isinstance(report, FleetReport):
        return list(report.parts.values())
    return [report]
