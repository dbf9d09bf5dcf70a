"""decide() with what is not known: unknown metrics, unknown throttle events, a window
without any datapoint, an unknown decrease budget. Unknown never decreases."""

from __future__ import annotations

import dataclasses

import pytest

from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.target import TargetState
from dynamic_dynamodb.core.types import (
    DimensionHistory,
    DimensionUsage,
    ResourceHistory,
    UnknownUsage,
    Usage,
)

from .coretools import NOW, WINDOW, dim_usage, policy, state

UNKNOWN = UnknownUsage("ConsumedReadCapacityUnits: missing from the answer")


def with_throttles(pct: float, throttled: tuple[float | None, ...], why: str = "",
                   current: int = 100) -> DimensionUsage:
    """``pct`` % of ``current`` consumed every minute; throttle events per minute."""
    return dataclasses.replace(dim_usage(pct, current), throttled_per_minute=throttled,
                               throttles_unknown=why)


def idle() -> DimensionUsage:
    return DimensionUsage(0.0, 0.0, WINDOW, (0.0,) * 5, (0.0,) * 5)


THROTTLE_SERIES_MISSING = with_throttles(20, (None,) * 5,
                                         "ReadThrottleEvents: missing from the answer")
THROTTLE_MINUTE_MISSING = with_throttles(20, (0.0, 0.0, 0.0, 0.0, None))

# (id, mode, reads usage, writes usage, allow decreases at 0 %, decreases today,
#  expected (reads, writes), reads reason code, words of the reads reason)
CASES = [
    ("unknown-reads-no-decision-writes-decided", "threshold", UNKNOWN, dim_usage(20, 100),
     False, 0, (100, 50), "metrics-unknown",
     "metrics unknown (ConsumedReadCapacityUnits: missing from the answer)"),
    ("unknown-reads-target-mode", "target", UNKNOWN, dim_usage(90, 100), False, 0,
     (100, 100), "metrics-unknown", "no decision this cycle"),
    ("unknown-reads-never-increase-either", "threshold", UNKNOWN, dim_usage(95, 100), False,
     0, (100, 150), "metrics-unknown", "metrics unknown"),
    ("throttle-series-unknown-holds-a-decrease", "threshold", THROTTLE_SERIES_MISSING,
     dim_usage(50, 100), False, 0, (100, 100), "throttles-unknown",
     "decrease held: throttle events unknown (ReadThrottleEvents: missing from the answer)"),
    ("throttle-minute-unknown-holds-a-decrease", "threshold", THROTTLE_MINUTE_MISSING,
     dim_usage(50, 100), False, 0, (100, 100), "throttles-unknown",
     "1 minute(s) whose consumption is known"),
    ("throttle-series-unknown-lets-an-increase-through", "threshold",
     with_throttles(95, (None,) * 5, "ReadThrottleEvents: missing from the answer"),
     dim_usage(50, 100), False, 0, (150, 100), "above-upper-threshold", "consumed 95.0 %"),
    ("target-mode-idle-window-held-at-0-percent", "target", idle(), dim_usage(90, 100),
     False, 0, (100, 100), "zero-usage", "decreases at 0 % are off"),
    ("target-mode-idle-window-decreases-when-allowed", "target", idle(), dim_usage(90, 100),
     True, 0, (1, 100), "target-drift", "peak of the last 5 min 0.0 units/s"),
    ("threshold-mode-idle-window-held-at-0-percent", "threshold", idle(), dim_usage(50, 100),
     False, 0, (100, 100), "zero-usage", "decreases at 0 % are off"),
    ("unknown-budget-holds-a-decrease", "threshold", dim_usage(20, 100), dim_usage(95, 100),
     False, None, (100, 150), "decrease-budget-unknown",
     "DescribeTable did not say how many decreases were used today"),
]


@pytest.mark.parametrize("mode,reads,writes,allow_zero,decreases,expected,code,words",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_unknown_never_decreases(mode: str, reads: DimensionUsage | UnknownUsage,
                                 writes: DimensionUsage, allow_zero: bool,
                                 decreases: int | None, expected: tuple[int, int], code: str,
                                 words: str) -> None:
    p = policy(reads={"allow_scale_down_at_0_percent": allow_zero}, scaling_mode=mode)
    d = decide(dataclasses.replace(state(), decreases_today=decreases), Usage(reads, writes),
               p, ResourceHistory(), NOW)

    assert (d.reads.target, d.writes.target) == expected
    assert d.reads.reason.code == code
    assert words in d.reads.reason.message


def test_an_unknown_dimension_keeps_what_its_mode_remembers() -> None:
    newest = int(NOW.timestamp() // 60) - 3
    remembered = TargetState(demand=(40.0,) * 5, newest=newest, first_known=newest - 4)
    history = ResourceHistory(reads=DimensionHistory("high", remembered))

    d = decide(state(), Usage(UNKNOWN, dim_usage(50, 100)), policy(scaling_mode="target"),
               history, NOW)

    assert d.history.reads == history.reads


def test_four_decreases_used_and_no_time_of_the_last_holds_a_decrease() -> None:
    # NumberOfDecreasesToday 4 without LastDecreaseDateTime: the hourly allowance is unknown.
    d = decide(state(decreases=4), Usage(dim_usage(20, 100), dim_usage(50, 100)), policy(),
               ResourceHistory(), NOW)

    assert d.reads.target == 100
    assert d.reads.reason.code == "decrease-budget"
    assert "the time of the last unknown" in d.reads.reason.message
