"""decide() against the original's reference cases (original-behaviour.md), and more.

Start: 100 reads and 100 writes; upper 90 %, lower 30 %, +-50 %, min 1, max 100000.
"""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.types import ResourceHistory

from .coretools import NOW, policy, state, usage

# (id, state kwargs, usage kwargs, policy kwargs, expected (reads, writes))
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], tuple[int, int]]] = [
    ("reads-95pct-increase", {}, {"read_pct": 95}, {}, (150, 100)),
    ("reads-exactly-upper-unchanged", {}, {"read_pct": 90}, {}, (100, 100)),
    ("reads-exactly-lower-unchanged", {}, {"read_pct": 30}, {}, (100, 100)),
    ("reads-20pct-decrease", {}, {"read_pct": 20}, {}, (50, 100)),
    ("reads-0pct-not-allowed", {}, {"read_pct": 0}, {}, (100, 100)),
    (
        "reads-0pct-allowed",
        {},
        {"read_pct": 0},
        {"reads": {"allow_scale_down_at_0_percent": True}},
        (50, 100),
    ),
    ("consumption-guard", {}, {"read_pct": 25}, {"reads": {"decrease_with": 90}}, (100, 100)),
    ("increase-from-consumed-150pct", {}, {"read_pct": 150}, {}, (225, 100)),
    (
        "plus-10-units",
        {},
        {"read_pct": 95},
        {"reads": {"increase_with": 10, "increase_unit": "units"}},
        (110, 100),
    ),
    (
        "minus-30-units",
        {},
        {"read_pct": 20},
        {"reads": {"decrease_with": 30, "decrease_unit": "units"}},
        (70, 100),
    ),
    ("below-min-corrected", {}, {"read_pct": 50}, {"reads": {"min_provisioned": 150}}, (150, 100)),
    ("above-max-corrected", {}, {"read_pct": 50}, {"reads": {"max_provisioned": 80}}, (80, 100)),
    (
        "decrease-clamped-to-min",
        {},
        {"read_pct": 20},
        {"reads": {"min_provisioned": 60}},
        (60, 100),
    ),
    (
        "read-throttles-over-threshold",
        {},
        {"read_pct": 50, "read_throttles": 10},
        {"reads": {"throttled_upper_threshold": 5}},
        (150, 100),
    ),
    (
        "write-throttles-under-threshold",
        {},
        {"write_pct": 10, "write_throttles": 3},
        {"writes": {"throttled_upper_threshold": 5}},
        (100, 50),
    ),
    (
        "write-throttles-over-threshold",
        {},
        {"write_pct": 10, "write_throttles": 10},
        {"writes": {"throttled_upper_threshold": 5}},
        (100, 150),
    ),
    ("reads-up-writes-down-together", {}, {"read_pct": 95, "write_pct": 20}, {}, (150, 50)),
    ("updating-unchanged", {"status": "UPDATING"}, {"read_pct": 95}, {}, (100, 100)),
    (
        "granular-up-85pct",
        {},
        {"read_pct": 85},
        {"reads": {"increase_consumed_scale": ((0, 0), (80, 10), (100, 100))}},
        (110, 100),
    ),
    (
        "granular-up-120pct",
        {"reads": 110},
        {"read_pct": 120, "reads": 110},
        {"reads": {"increase_consumed_scale": ((0, 0), (80, 10), (100, 100))}},
        (264, 100),
    ),
    (
        "granular-down-5pct",
        {},
        {"read_pct": 5},
        {"reads": {"decrease_consumed_scale": ((10, 90), (25, 50))}},
        (10, 100),
    ),
    (
        "granular-down-20pct",
        {},
        {"read_pct": 20},
        {"reads": {"decrease_consumed_scale": ((10, 90), (25, 50))}},
        (50, 100),
    ),
    (
        "granular-down-28pct-none",
        {},
        {"read_pct": 28},
        {"reads": {"decrease_consumed_scale": ((10, 90), (25, 50))}},
        (100, 100),
    ),
    ("current-1-at-95pct", {"reads": 1}, {"read_pct": 95, "reads": 1}, {}, (2, 100)),
    ("current-3-at-20pct", {"reads": 3}, {"read_pct": 20, "reads": 3}, {}, (2, 100)),
    (
        "no-min-means-1",
        {"reads": 5},
        {"read_pct": 10, "reads": 5},
        {"reads": {"decrease_with": 10, "decrease_unit": "units"}},
        (1, 100),
    ),
    (
        "no-max-means-40000",
        {"reads": 39_000},
        {"read_pct": 95, "reads": 39_000},
        {"reads": {"max_provisioned": None}},
        (40_000, 100),
    ),
    ("reads-disabled", {}, {"read_pct": 95}, {"reads": {"enabled": False}}, (100, 100)),
    ("up-scaling-disabled", {}, {"read_pct": 95}, {"reads": {"up_scaling": False}}, (100, 100)),
    ("down-scaling-disabled", {}, {"read_pct": 10}, {"reads": {"down_scaling": False}}, (100, 100)),
]


@pytest.mark.parametrize(
    "state_kw,usage_kw,policy_kw,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_reference_case(state_kw, usage_kw, policy_kw, expected):
    decision = decide(
        state(**state_kw), usage(**usage_kw), policy(**policy_kw), ResourceHistory(), NOW
    )
    assert (decision.reads.target, decision.writes.target) == expected


def test_unknown_metrics_hold_everything():
    decision = decide(state(), None, policy(), ResourceHistory(), NOW)
    assert not decision.changes
    assert decision.reads.reason.code == "metrics-unknown"


def test_every_decision_has_a_reason():
    decision = decide(state(), usage(read_pct=95, write_pct=50), policy(), ResourceHistory(), NOW)
    assert "upper threshold" in decision.reads.reason.message
    assert "within thresholds" in decision.writes.reason.message


def test_granular_up_twice_in_a_row():
    """{0: 0, 80: 10, 100: 100}: 85 % gives 110, then 120 % of 110 gives 264."""
    p = policy(reads={"increase_consumed_scale": ((0, 0), (80, 10), (100, 100))})
    first = decide(state(), usage(read_pct=85), p, ResourceHistory(), NOW)
    second = decide(
        state(reads=first.reads.target), usage(read_pct=120, reads=110), p, first.history, NOW
    )
    assert (first.reads.target, second.reads.target) == (110, 264)


@pytest.mark.parametrize("policy_kw,throttles,expected", [
    # 3000 events in 300 s = 10/s = 10 % of 100 provisioned -> key 5 -> +50 %.
    ({"increase_throttled_by_provisioned_scale": ((0, 0), (5, 50), (20, 100))}, 3000, 150),
    # 10/s against 50 units/s consumed = 20 % -> key 20 -> +100 %.
    ({"increase_throttled_by_consumed_scale": ((0, 0), (5, 50), (20, 100))}, 3000, 200),
    # Both tables: the larger increase wins.
    ({"increase_throttled_by_provisioned_scale": ((0, 0), (5, 50)),
      "increase_throttled_by_consumed_scale": ((0, 0), (20, 100))}, 3000, 200),
    # Units instead of percent.
    ({"increase_throttled_by_provisioned_scale": ((0, 0), (5, 7)),
      "increase_throttled_by_provisioned_unit": "units"}, 3000, 107),
    # Below the first non-zero key: no increase, and no decrease either (throttled).
    ({"increase_throttled_by_provisioned_scale": ((0, 0), (50, 50))}, 3000, 100),
], ids=["by-provisioned", "by-consumed", "largest-wins", "units", "below-keys"])
def test_granular_throttle_scales(policy_kw, throttles, expected):
    decision = decide(state(), usage(read_pct=50, read_throttles=throttles),
                      policy(reads=policy_kw), ResourceHistory(), NOW)
    assert decision.reads.target == expected
