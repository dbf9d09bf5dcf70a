"""Value types shared by the decision core and its edges.

Everything here is a frozen dataclass: the core takes values and returns values,
so a decision can be replayed, logged and tested without any AWS call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar


class Dimension(str, enum.Enum):
    """Reads or writes: one code path serves both."""

    READS = "reads"
    WRITES = "writes"

    @property
    def metric(self) -> str:
        return "Read" if self is Dimension.READS else "Write"


@dataclass(frozen=True, order=True)
class ResourceId:
    """A table, or one global secondary index of a table."""

    table: str
    index: str | None = None

    def __str__(self) -> str:
        return self.table if self.index is None else f"{self.table}/{self.index}"

    @property
    def is_gsi(self) -> bool:
        return self.index is not None


@dataclass(frozen=True)
class Reason:
    """Why a step decided what it did; logged and notified verbatim."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ResourceState:
    """What DescribeTable says about a table or a GSI whose capacity numbers are there.

    ``decreases_today`` is None when the answer did not say (or said it in a way that
    cannot be read): the decrease budget is then unknown and no decrease is made.
    """

    id: ResourceId
    status: str
    reads: int
    writes: int
    decreases_today: int | None = 0
    last_decrease: datetime | None = None
    last_increase: datetime | None = None

    def provisioned(self, dim: Dimension) -> int:
        return self.reads if dim is Dimension.READS else self.writes

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class UnusableResource:
    """A table or GSI whose DescribeTable answer lacks a capacity number (or has one that
    is not a whole number): nothing may be computed from it, so it gets no decision."""

    id: ResourceId
    status: str
    reason: str


# A described table or GSI: its facts, or why they cannot be used.
Described = ResourceState | UnusableResource


@dataclass(frozen=True)
class TableState:
    """A table and its GSIs as read by one DescribeTable call."""

    table: Described
    gsis: tuple[Described, ...] = ()
    billing_mode: str = "PROVISIONED"

    @property
    def name(self) -> str:
        return self.table.id.table

    @property
    def resources(self) -> tuple[Described, ...]:
        return (self.table, *self.gsis)


@dataclass(frozen=True)
class DimensionUsage:
    """Consumption of one dimension over the lookback window, from its known minutes.

    ``per_minute`` holds the consumed units/s of each minute of the window, oldest
    first, and ``throttled_per_minute`` the throttle events of each minute; a minute not
    known yet (CloudWatch has not published it, see core/minutes.py) is None, never 0.
    Both may be empty when not fetched: the whole window then counts as known.
    ``consumed`` is the average units/s over the known minutes, ``throttle_events`` the
    events of the known minutes. ``throttles_unknown`` says why the throttle events
    cannot be trusted at all (their series was missing, incomplete or invalid); empty
    when they can.
    """

    consumed: float
    throttle_events: float
    window_seconds: int
    per_minute: tuple[float | None, ...] = ()
    throttled_per_minute: tuple[float | None, ...] = ()
    throttles_unknown: str = ""

    def consumed_percent(self, provisioned: int) -> float:
        if provisioned <= 0:
            return 0.0
        return self.consumed / provisioned * 100.0

    @property
    def known_seconds(self) -> int:
        """The seconds of the window whose consumption is known."""
        if not self.per_minute:
            return self.window_seconds
        return 60 * sum(1 for value in self.per_minute if value is not None)

    def throttles_gap(self) -> str:
        """Why the throttle events of the known minutes are not all known, or ""."""
        if self.throttles_unknown:
            return self.throttles_unknown
        missing = sum(1 for consumed, throttled in zip(self.per_minute,
                                                       self.throttled_per_minute,
                                                       strict=False)
                      if consumed is not None and throttled is None)
        if missing:
            return (f"the throttle events of {missing} minute(s) whose consumption is known "
                    f"are not published yet")
        return ""


@dataclass(frozen=True)
class UnknownUsage:
    """A dimension whose consumption is not known this cycle (the series was missing,
    incomplete or invalid, or no minute of the window is known yet): no decision."""

    reason: str

    def __str__(self) -> str:
        return self.reason


# What the edges know about one dimension's use.
DimensionReading = DimensionUsage | UnknownUsage


@dataclass(frozen=True)
class ProvisionedSeen:
    """CloudWatch's Provisioned*CapacityUnits of one resource: (period start in epoch
    seconds, average) five-minute datapoints per dimension; empty when not asked or not
    published (no datapoint tells nothing: missing is not agreement, but not a change
    either, and the max age still applies)."""

    reads: tuple[tuple[int, float], ...] = ()
    writes: tuple[tuple[int, float], ...] = ()

    def of(self, dim: Dimension) -> tuple[tuple[int, float], ...]:
        return self.reads if dim is Dimension.READS else self.writes


@dataclass(frozen=True)
class Usage:
    """Reads and writes usage of one resource. A failed read is ``None`` at the edge;
    a dimension whose metrics are unknown is an ``UnknownUsage``. ``provisioned``: what
    CloudWatch says the provisioned capacity was, when it was asked (core/polling.py)."""

    reads: DimensionReading
    writes: DimensionReading
    provisioned: ProvisionedSeen | None = None

    def of(self, dim: Dimension) -> DimensionReading:
        return self.reads if dim is Dimension.READS else self.writes

    def known(self, dim: Dimension) -> DimensionUsage | None:
        """The dimension's usage when it is known, else None."""
        reading = self.of(dim)
        return reading if isinstance(reading, DimensionUsage) else None


@dataclass(frozen=True)
class DimensionHistory:
    """What the core remembers about one dimension between cycles."""

    # Active alarm ("high" / "low" / ""), so alarms fire when a condition starts.
    alarm: str = ""
    # The scaling mode's own state (a frozen value of the mode's state type, see
    # core/modes.py); None before the mode's first check.
    mode_state: object | None = None


@dataclass(frozen=True)
class ModeFacts:
    """What a scaling mode may know besides its dimension's usage and capacity: which
    dimension of which resource it is, where the usage window starts, and what
    DescribeTable said about the decrease budget (a mode that plans its own decreases,
    core/modes.py, needs it)."""

    resource: ResourceId
    dimension: Dimension
    # The first minute of the usage window (``DimensionUsage.per_minute[0]``).
    window_start: datetime
    decreases_today: int | None = 0
    last_decrease: datetime | None = None
    last_increase: datetime | None = None


StateT = TypeVar("StateT")


@dataclass(frozen=True)
class Proposal(Generic[StateT]):
    """What a scaling mode wants for one dimension, before min/max and the guards, and
    the mode's state to remember until the next check."""

    target: int
    reason: Reason
    state: StateT


@dataclass(frozen=True)
class ResourceHistory:
    reads: DimensionHistory = field(default_factory=DimensionHistory)
    writes: DimensionHistory = field(default_factory=DimensionHistory)

    def of(self, dim: Dimension) -> DimensionHistory:
        return self.reads if dim is Dimension.READS else self.writes


class Direction(str, enum.Enum):
    UP = "increase"
    DOWN = "decrease"
    NONE = "unchanged"


@dataclass(frozen=True)
class DimensionDecision:
    current: int
    target: int
    reason: Reason

    @property
    def direction(self) -> Direction:
        if self.target > self.current:
            return Direction.UP
        if self.target < self.current:
            return Direction.DOWN
        return Direction.NONE

    def hold(self, reason: Reason) -> DimensionDecision:
        """The same decision, kept at the current capacity for ``reason``."""
        return DimensionDecision(self.current, self.current, reason)


@dataclass(frozen=True)
class Decision:
    """The core's verdict for one resource in one cycle."""

    resource: ResourceId
    reads: DimensionDecision
    writes: DimensionDecision
    history: ResourceHistory
    alarms: tuple[Alarm, ...] = ()

    def of(self, dim: Dimension) -> DimensionDecision:
        return self.reads if dim is Dimension.READS else self.writes

    @property
    def changes(self) -> bool:
        return self.reads.target != self.reads.current or self.writes.target != self.writes.current

    @property
    def is_decrease(self) -> bool:
        """True when any dimension goes down (DynamoDB counts the whole call as a decrease)."""
        return Direction.DOWN in (self.reads.direction, self.writes.direction)

    @property
    def is_increase(self) -> bool:
        return Direction.UP in (self.reads.direction, self.writes.direction)

    def increases_only(self, reason: Reason) -> Decision:
        """This decision with every decrease held, for when a decrease cannot go through."""

        def keep_up(d: DimensionDecision) -> DimensionDecision:
            return d if d.direction is not Direction.DOWN else d.hold(reason)

        return Decision(self.resource, keep_up(self.reads), keep_up(self.writes), self.history,
                        self.alarms)


@dataclass(frozen=True)
class Alarm:
    """A throughput alarm that started this cycle (sent once, not every cycle)."""

    resource: ResourceId
    dimension: Dimension
    kind: str  # "high-throughput-alarm" or "low-throughput-alarm"
    message: str


@dataclass(frozen=True)
class ScaleEvent:
    """Something worth telling people about: a scale, an alarm, an error."""

    kind: str  # scale-up, scale-down, high-throughput-alarm, low-throughput-alarm, error
    resource: ResourceId
    message: str
