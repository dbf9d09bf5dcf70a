"""What the Scheduler keeps between cycles to watch a large fleet cheaply: the
DescribeTable answers it holds, the tables checked only every slow interval, and when
each table's provisioned-capacity series were last read. The rules are core/polling's;
this only remembers their inputs (no I/O, no clock of its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dynamic_dynamodb.core import polling
from dynamic_dynamodb.core.types import Reason, ResourceId, TableState, Usage


@dataclass(frozen=True)
class Held:
    """A table's DescribeTable answer and the cycle start it was read in (an answer
    arrives after that: its age is never under-counted)."""

    state: TableState
    described_at: datetime


class Watch:
    def __init__(self) -> None:
        self.held: dict[str, Held] = {}
        # Quiet tables: the cycle number of their last check, and why they are quiet.
        self.quiet: dict[str, tuple[int, Reason]] = {}
        self.provisioned_read_at: dict[str, datetime] = {}
        self.cycle = 0

    def next_cycle(self) -> int:
        self.cycle += 1
        return self.cycle

    # -- slow checks --------------------------------------------------------------------
    def resting(self, table: str, every: int) -> Reason | None:
        """Why ``table`` is not checked this cycle, or None when it is."""
        if every <= 1 or table not in self.quiet or table not in self.held:
            return None
        last, why = self.quiet[table]
        if polling.check_due(self.cycle, last, every):
            return None
        left = every - (self.cycle - last)
        return Reason("slow-check", f"quiet ({why.message}): checked every {every} cycles, "
                                    f"next in {left}")

    def checked(self, table: str, verdicts: Iterable[polling.Verdict]) -> None:
        """The quiet verdicts of the table's resources in this cycle's check: quiet
        only when every one is."""
        found = list(verdicts)
        if found and all(v.yes for v in found):
            self.quiet[table] = (self.cycle, found[0].reason)
        else:
            self.quiet.pop(table, None)

    # -- held descriptions --------------------------------------------------------------
    def to_describe(self, tables: Iterable[str], now: datetime, max_age: int,
                    check_interval: int, pending: Mapping[str, object]) -> dict[str, Reason]:
        """The tables to describe this cycle, with why: those whose held answer may not
        be used (core/polling.description_due), and a share renewed early."""
        due: dict[str, Reason] = {}
        ages: dict[str, float] = {}
        for name in tables:
            held = self.held.get(name)
            verdict = polling.description_due(
                held.state if held else None, held.described_at if held else None, now,
                max_age, check_interval, name in pending)
            if verdict.yes:
                due[name] = verdict.reason
            else:
                assert held is not None
                ages[name] = (now - held.described_at).total_seconds()
        for name in polling.refresh_early(ages, len(due), max_age, check_interval):
            due[name] = Reason("renewed-early", "renewed early to spread renewals")
        return due

    def described(self, state: TableState, now: datetime) -> None:
        self.held[state.name] = Held(state, now)

    def drop(self, table: str) -> None:
        """Forget the held answer (after an UpdateTable: the table is UPDATING and its
        decrease counters change, so the next cycle describes it)."""
        self.held.pop(table, None)

    def wants_provisioned(self, table: str, now: datetime) -> bool:
        """Whether to read the table's provisioned series this cycle: it is held (not
        described this cycle) and they were not read in the last five minutes (they are
        five-minute data)."""
        last = self.provisioned_read_at.get(table)
        return last is None or (now - last).total_seconds() >= polling.PROVISIONED_PERIOD

    def provisioned_read(self, table: str, now: datetime) -> None:
        self.provisioned_read_at[table] = now

    def disagrees(self, table: str, usages: Mapping[ResourceId, Usage | None]) -> Reason | None:
        """Why CloudWatch's provisioned capacity contradicts the held answer (``usages``:
        this table's resources), or None."""
        held = self.held.get(table)
        if held is None:
            return None
        seen = {rid: usage.provisioned for rid, usage in usages.items()
                if usage is not None and usage.provisioned is not None}
        return polling.provisioned_disagrees(held.state, held.described_at, seen)

    def keep_only(self, tables: set[str]) -> None:
        for kept in (self.held, self.quiet, self.provisioned_read_at):
            for name in [name for name in kept if name not in tables]:
                del kept[name]
