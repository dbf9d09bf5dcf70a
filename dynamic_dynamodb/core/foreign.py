"""Did someone else change a table's capacity? The fact behind the warning that another
instance (or another tool) scales the same table, when no lease table coordinates the
instances (fleet/leases.py does that).

After each check this process knows what the resource should look like at the next one:
the capacity it saw, or the capacity it set if it sent an UpdateTable, and DynamoDB's
``LastIncreaseDateTime`` / ``LastDecreaseDateTime``, which only an update moves. A
capacity that differs, or a change timestamp that moved although this process sent
nothing, is a change it did not make. Only consecutive checks are compared (an
expectation older than ``max_age`` proves nothing), and only ACTIVE resources (an update
in progress may show either capacity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dynamic_dynamodb.core.types import Decision, ResourceState


@dataclass(frozen=True)
class Expectation:
    """What a resource should look like at the next check, unless someone else acts."""

    reads: int
    writes: int
    last_increase: datetime | None
    last_decrease: datetime | None
    at: datetime            # the check that set it
    updated: bool = False   # this process sent an UpdateTable: the timestamps may move


def expect(state: ResourceState, now: datetime, sent: Decision | None = None) -> Expectation:
    """The expectation after a check of ``state``, and the update ``sent`` for it, if any."""
    if sent is None or not sent.changes:
        return Expectation(state.reads, state.writes, state.last_increase, state.last_decrease,
                           now)
    return Expectation(sent.reads.target, sent.writes.target, state.last_increase,
                       state.last_decrease, now, updated=True)


def _moved(before: datetime | None, after: datetime | None) -> bool:
    return after is not None and (before is None or after > before)


def unexplained_change(expected: Expectation | None, state: ResourceState, now: datetime,
                       max_age: timedelta) -> str | None:
    """What changed that this process did not do (for the warning), or None."""
    if expected is None or not state.active or now - expected.at > max_age:
        return None
    if (state.reads, state.writes) != (expected.reads, expected.writes):
        return (f"its capacity is {state.reads} reads / {state.writes} writes where this "
                f"process {'set' if expected.updated else 'saw'} {expected.reads} / "
                f"{expected.writes} at {expected.at:%H:%M:%S} UTC")
    if expected.updated:
        return None
    for what, before, after in (("increased", expected.last_increase, state.last_increase),
                                ("decreased", expected.last_decrease, state.last_decrease)):
        if _moved(before, after):
            assert after is not None
            return (f"it was {what} at {after:%H:%M:%S} UTC (LastIncreaseDateTime / "
                    f"LastDecreaseDateTime) without an UpdateTable from this process")
    return None
