"""The interfaces the Scheduler talks to. boto3 implements them for the daemon;
the simulator implements them in memory with a simulated clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from dynamic_dynamodb.core.minutes import window_start
from dynamic_dynamodb.core.types import (
    Decision,
    Dimension,
    ResourceId,
    ScaleEvent,
    TableState,
    Usage,
)
from dynamic_dynamodb.settings import DEFAULT_PUBLICATION_ALLOWANCE_MINUTES

# Consumed and throttled, of reads and of writes; ProvisionedRead/WriteCapacityUnits.
USAGE_SERIES_PER_RESOURCE = 4
PROVISIONED_SERIES_PER_RESOURCE = 2


@dataclass(frozen=True)
class MetricRequest:
    """Usage wanted for one resource over a window (minutes back from now)."""

    resource: ResourceId
    window_start_minutes: int
    window_minutes: int
    # A minute without a datapoint older than this is idle, else not known yet.
    publication_allowance_minutes: int = DEFAULT_PUBLICATION_ALLOWANCE_MINUTES
    # The series to ask for, as (dimension, "consumed" | "throttled"); None: all four.
    # A series not asked for is unknown (missing is not zero).
    series: frozenset[tuple[Dimension, str]] | None = None
    # Also CloudWatch's five-minute Provisioned*CapacityUnits (Usage.provisioned), to
    # check a held DescribeTable answer against (core/polling.py).
    provisioned: bool = False

    @property
    def queries(self) -> int:
        """The GetMetricData queries (billed metrics) this request makes: one per usage
        series, and two for the provisioned capacities."""
        usage = USAGE_SERIES_PER_RESOURCE if self.series is None else len(self.series)
        return usage + (PROVISIONED_SERIES_PER_RESOURCE if self.provisioned else 0)

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """[start, end) on whole minutes: from ``window_start_minutes`` ago, for
        ``window_minutes``."""
        start = window_start(now, self.window_start_minutes)
        return start, start + timedelta(minutes=self.window_minutes)


class TablesApi(Protocol):
    def list_tables(self) -> list[str]: ...

    def describe(self, table: str) -> TableState: ...

    def update(self, table: str, decisions: Sequence[Decision]) -> None:
        """One UpdateTable for the decisions that change something; a refusal raises
        AwsError with DynamoDB's code (e.g. LimitExceededException)."""
        ...

    def autoscaling_managed(self, tables: Sequence[str]) -> set[ResourceId]: ...


class MetricsApi(Protocol):
    def read(self, requests: Sequence[MetricRequest],
             now: datetime) -> dict[ResourceId, Usage | None]: ...


class Notifier(Protocol):
    def notify(self, event: ScaleEvent, topic_arn: str | None,
               message_types: frozenset[str]) -> None: ...


class Breaker(Protocol):
    def check(self, targets: Sequence[tuple[str, float, ResourceId]]
              ) -> dict[ResourceId, tuple[bool, str]]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when woken early by a stop request."""
        ...
