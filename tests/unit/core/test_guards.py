"""Guards in decide(): each holds a decrease (never an increase, unless asked) with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dynamic_dynamodb.core.policy import Facts, decide
from dynamic_dynamodb.core.types import ResourceHistory
from dynamic_dynamodb.settings import DecreasePlan, MaintenanceWindow

from .coretools import NOW, policy, state, usage


def test_checks_before_scale_down_are_consecutive():
    """The original counted low checks cumulatively; a normal pass must reset the count."""
    p = policy(reads={"checks_before_scale_down": 3})
    history = ResourceHistory()
    targets = []
    for pct in (20, 20, 50, 20, 20, 20):
        d = decide(state(), usage(read_pct=pct), p, history, NOW)
        history = d.history
        targets.append(d.reads.target)
    assert targets == [100, 100, 100, 100, 100, 50]


def test_checks_before_scale_down_reason_counts():
    p = policy(reads={"checks_before_scale_down": 2})
    d = decide(state(), usage(read_pct=20), p, ResourceHistory(), NOW)
    assert d.reads.reason.code == "checks-before-scale-down"
    assert "check 1 of 2" in d.reads.reason.message


def test_checks_reset_percent_resets_counter():
    p = policy(reads={"checks_before_scale_down": 2, "checks_reset_percent": 15})
    history = ResourceHistory()
    for _ in range(3):
        d = decide(state(), usage(read_pct=20), p, history, NOW)
        history = d.history
    assert d.reads.target == 100
    d = decide(state(), usage(read_pct=10), p, history, NOW)
    d = decide(state(), usage(read_pct=10), p, d.history, NOW)
    assert d.reads.target == 50


@pytest.mark.parametrize("read_pct,write_pct,expected", [
    (20, 50, (100, 100)),   # only reads want down: held (the original let it through)
    (50, 20, (100, 100)),   # only writes want down: held
    (20, 20, (50, 50)),     # both: both go down
    (95, 20, (150, 100)),   # an increase is never held; writes wait for reads
], ids=["reads-only", "writes-only", "both", "increase-and-decrease"])
def test_always_decrease_rw_together(read_pct, write_pct, expected):
    p = policy(always_decrease_rw_together=True)
    d = decide(state(), usage(read_pct=read_pct, write_pct=write_pct), p, ResourceHistory(), NOW)
    assert (d.reads.target, d.writes.target) == expected


@pytest.mark.parametrize("windows,hour,minute,decreases", [
    (((22 * 60, 23 * 60 + 59), (0, 6 * 60)), 12, 0, False),
    (((22 * 60, 23 * 60 + 59), (0, 6 * 60)), 23, 30, True),
    (((22 * 60, 23 * 60 + 59), (0, 6 * 60)), 3, 0, True),
    (((23 * 60, 60),), 0, 30, True),          # wraps midnight (the original never matched)
    (((23 * 60, 60),), 23, 0, True),
    (((23 * 60, 60),), 12, 0, False),
    (((0, 6 * 60),), 12, 0, False),           # 0:00-6:00 does not match noon
], ids=["noon-outside", "late-evening", "night", "wrap-after-midnight", "wrap-start",
        "wrap-noon", "no-leading-zero-noon"])
def test_maintenance_windows_gate_decreases(windows, hour, minute, decreases):
    p = policy(maintenance_windows=tuple(MaintenanceWindow(a, b) for a, b in windows))
    now = NOW.replace(hour=hour, minute=minute)
    d = decide(state(), usage(read_pct=20, write_pct=95), p, ResourceHistory(), now)
    assert d.writes.target == 150  # increases always
    assert (d.reads.target == 50) is decreases
    if not decreases:
        assert "outside maintenance window" in d.reads.reason.message


def test_open_breaker_holds_decreases_not_increases():
    facts = Facts(breaker_open=True, breaker_message="http://svc answered 503")
    d = decide(state(), usage(read_pct=20, write_pct=95), policy(), ResourceHistory(), NOW,
               facts)
    assert (d.reads.target, d.writes.target) == (100, 150)
    assert "circuit breaker open" in d.reads.reason.message


def test_open_breaker_can_freeze_increases_too():
    facts = Facts(breaker_open=True, breaker_message="timeout")
    p = policy(breaker_freezes_increases=True)
    d = decide(state(), usage(read_pct=20, write_pct=95), p, ResourceHistory(), NOW, facts)
    assert (d.reads.target, d.writes.target) == (100, 100)


# (id, managed by AWS Application Auto Scaling, ignore-aws-autoscaling, usage, expected)
COEXISTENCE = [
    ("managed-held", True, False, {"read_pct": 20, "write_pct": 95}, (100, 100, "aws-autoscaling")),
    ("managed-held-without-metrics", True, False, None, (100, 100, "aws-autoscaling")),
    ("managed-but-ignored", True, True, {"read_pct": 20, "write_pct": 95},
     (50, 150, "below-lower-threshold")),
    ("not-managed", False, False, {"read_pct": 20, "write_pct": 95},
     (50, 150, "below-lower-threshold")),
]


@pytest.mark.parametrize("managed,ignore,used,expected", [c[1:] for c in COEXISTENCE],
                         ids=[c[0] for c in COEXISTENCE])
def test_a_resource_aws_autoscaling_manages_is_left_alone(managed, ignore, used, expected):
    facts = Facts(managed_by_aws_autoscaling=managed)
    p = policy(ignore_aws_autoscaling=ignore)
    history = ResourceHistory()
    d = decide(state(), None if used is None else usage(**used), p, history, NOW, facts)
    assert (d.reads.target, d.writes.target, d.reads.reason.code) == expected
    if expected[2] == "aws-autoscaling":
        assert "ignore-aws-autoscaling" in d.writes.reason.message  # says how to override
        assert d.history is history


def test_throttled_dimension_is_never_decreased():
    d = decide(state(), usage(read_pct=20, read_throttles=1), policy(), ResourceHistory(), NOW)
    assert d.reads.target == 100
    assert d.reads.reason.code == "throttled"


def test_decrease_budget_spent_holds_decrease_keeps_increase():
    spent = state(decreases=4, last_decrease=NOW - timedelta(minutes=10))
    d = decide(spent, usage(read_pct=20, write_pct=95), policy(), ResourceHistory(), NOW)
    assert (d.reads.target, d.writes.target) == (100, 150)
    assert "next at 12:50 UTC" in d.reads.reason.message


def test_decrease_budget_yesterday_does_not_count():
    stale = state(decreases=4, last_decrease=NOW - timedelta(days=1))
    d = decide(stale, usage(read_pct=20), policy(), ResourceHistory(), NOW)
    assert d.reads.target == 50


def test_small_saving_not_worth_a_decrease():
    p = policy(reads={"decrease_with": 5}, decrease_plan=DecreasePlan(min_saving_percent=10))
    d = decide(state(), usage(read_pct=20), p, ResourceHistory(), NOW)
    assert d.reads.target == 100
    assert d.reads.reason.code == "not-worth-a-decrease"


def test_alarm_fires_when_condition_starts_only():
    p = policy(reads={"upper_alarm_threshold": 80})
    first = decide(state(), usage(read_pct=85), p, ResourceHistory(), NOW)
    second = decide(state(), usage(read_pct=86), p, first.history, NOW)
    third = decide(state(), usage(read_pct=50), p, second.history, NOW)
    fourth = decide(state(), usage(read_pct=85), p, third.history, NOW)
    assert [len(d.alarms) for d in (first, second, third, fourth)] == [1, 0, 0, 1]
    assert first.alarms[0].kind == "high-throughput-alarm"


def test_low_alarm():
    p = policy(writes={"lower_alarm_threshold": 10})
    d = decide(state(), usage(write_pct=5), p, ResourceHistory(), NOW)
    assert [a.kind for a in d.alarms] == ["low-throughput-alarm"]
