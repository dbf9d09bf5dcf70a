"""Builders for decision-core tests: inputs stated in the original's terms."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any

from dynamic_dynamodb.core.minutes import window_start
from dynamic_dynamodb.core.types import (
    Dimension,
    DimensionUsage,
    ModeFacts,
    ResourceId,
    ResourceState,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, ResourcePolicy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
WINDOW = 300
# The reference cases' start: upper 90, lower 30, +-50 %, min 1, max 100000, 1 check.
REFERENCE_DIM = DimensionPolicy(
    upper_threshold=90,
    lower_threshold=30,
    increase_with=50,
    decrease_with=50,
    max_provisioned=100_000,
)


def state(
    reads: int = 100,
    writes: int = 100,
    status: str = "ACTIVE",
    decreases: int = 0,
    last_decrease: datetime | None = None,
    index: str | None = None,
) -> ResourceState:
    return ResourceState(ResourceId("t", index), status, reads, writes, decreases, last_decrease)


def dim_usage(pct: float, current: int, throttles: float = 0) -> DimensionUsage:
    consumed = pct * current / 100.0
    return DimensionUsage(consumed, throttles, WINDOW, (consumed,) * 5, (throttles / 5,) * 5)


def usage(
    read_pct: float = 50,
    write_pct: float = 50,
    reads: int = 100,
    writes: int = 100,
    read_throttles: float = 0,
    write_throttles: float = 0,
) -> Usage:
    return Usage(
        dim_usage(read_pct, reads, read_throttles), dim_usage(write_pct, writes, write_throttles)
    )


def policy(
    reads: dict[str, Any] | None = None, writes: dict[str, Any] | None = None, **top: Any
) -> ResourcePolicy:
    return ResourcePolicy(
        key="t",
        reads=dataclasses.replace(REFERENCE_DIM, **(reads or {})),
        writes=dataclasses.replace(REFERENCE_DIM, **(writes or {})),
        **top,
    )


def mode_facts(window_minutes_ago: int = 8, dimension: Dimension = Dimension.READS,
               decreases_today: int | None = 0, last_decrease: datetime | None = None,
               last_increase: datetime | None = None, now: datetime = NOW) -> ModeFacts:
    """What decide() tells a mode: the window starts ``window_minutes_ago`` whole minutes
    before ``now``."""
    return ModeFacts(ResourceId("t"), dimension, window_start(now, window_minutes_ago),
                     decreases_today, last_decrease, last_increase)
