"""The classic threshold mode: the original Dynamic DynamoDB's algorithm for one dimension.

Consumed % strictly above the upper threshold increases by the step; strictly below
the lower threshold decreases by the step, never below the current consumption and
only after ``checks_before_scale_down`` consecutive checks that wanted it. Granular
step tables and throttle triggers work with the original's semantics; when several
triggers want an increase, the largest wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from dynamic_dynamodb.core import calculator
from dynamic_dynamodb.core.types import DimensionUsage, ModeFacts, Proposal, Reason
from dynamic_dynamodb.settings import DimensionPolicy


@dataclass(frozen=True)
class ThresholdState:
    """What the threshold mode remembers about one dimension."""

    # Consecutive checks that wanted a decrease (the original counted cumulatively).
    low_checks: int = 0


RESET = ThresholdState()


def _increase_candidates(p: DimensionPolicy, current: int, usage: DimensionUsage,
                         pct: float) -> list[tuple[int, Reason]]:
    candidates: list[tuple[int, Reason]] = []
    # Throttle events of the known minutes, per second of them.
    throttles_per_s = usage.throttle_events / max(usage.known_seconds, 1)

    if p.increase_throttled_by_provisioned_scale and usage.throttle_events > 0:
        metric = throttles_per_s / max(current, 1) * 100.0
        step = calculator.scale_up_value(p.increase_throttled_by_provisioned_scale, metric)
        if step:
            unit = p.increase_throttled_by_provisioned_unit or p.increase_unit
            candidates.append((
                calculator.increase(current, step, unit, pct),
                Reason("throttled-by-provisioned",
                       f"throttled {metric:.1f} % of provisioned: +{step:g} {unit}"),
            ))

    if p.increase_throttled_by_consumed_scale and usage.throttle_events > 0:
        metric = (throttles_per_s / usage.consumed * 100.0) if usage.consumed > 0 else math.inf
        step = calculator.scale_up_value(p.increase_throttled_by_consumed_scale, metric)
        if step:
            unit = p.increase_throttled_by_consumed_unit or p.increase_unit
            candidates.append((
                calculator.increase(current, step, unit, pct),
                Reason("throttled-by-consumed",
                       f"throttled {metric:.1f} % of consumed: +{step:g} {unit}"),
            ))

    unit = p.increase_consumed_unit or p.increase_unit
    if p.increase_consumed_scale:
        step = calculator.scale_up_value(p.increase_consumed_scale, pct)
        if step:
            candidates.append((
                calculator.increase(current, step, unit, pct),
                Reason("consumed-scale", f"consumed {pct:.1f} %: +{step:g} {unit} (step table)"),
            ))
    elif pct > p.upper_threshold:
        step = p.increase_consumed_with if p.increase_consumed_with is not None else p.increase_with
        candidates.append((
            calculator.increase(current, step, unit, pct),
            Reason("above-upper-threshold",
                   f"consumed {pct:.1f} % > upper threshold {p.upper_threshold:g} %: "
                   f"+{step:g} {unit}"),
        ))

    if p.throttled_upper_threshold > 0 and usage.throttle_events > p.throttled_upper_threshold:
        candidates.append((
            calculator.increase(current, p.increase_with, p.increase_unit, pct),
            Reason("throttled",
                   f"{usage.throttle_events:g} throttle events > threshold "
                   f"{p.throttled_upper_threshold}: +{p.increase_with:g} {p.increase_unit}"),
        ))
    return candidates


def _decrease_candidate(p: DimensionPolicy, current: int, pct: float) -> tuple[int, Reason] | None:
    unit = p.decrease_consumed_unit or p.decrease_unit
    if p.decrease_consumed_scale:
        step = calculator.scale_down_value(p.decrease_consumed_scale, pct)
        if not step:
            return None
        return (calculator.decrease(current, step, unit),
                Reason("consumed-scale", f"consumed {pct:.1f} %: -{step:g} {unit} (step table)"))
    if pct < p.lower_threshold:
        step = p.decrease_consumed_with if p.decrease_consumed_with is not None else p.decrease_with
        return (calculator.decrease(current, step, unit),
                Reason("below-lower-threshold",
                       f"consumed {pct:.1f} % < lower threshold {p.lower_threshold:g} %: "
                       f"-{step:g} {unit}"))
    return None


def propose(p: DimensionPolicy, current: int, usage: DimensionUsage, state: ThresholdState,
            now: datetime, facts: ModeFacts) -> Proposal[ThresholdState]:
    """The threshold mode's proposal (``now`` and ``facts`` are unused: every mode has one
    signature, see core/modes.py)."""
    pct = usage.consumed_percent(current)

    increases = _increase_candidates(p, current, usage, pct)
    if increases:
        target, reason = max(increases, key=lambda c: c[0])
        return Proposal(target, reason, RESET)

    if pct == 0 and not p.allow_scale_down_at_0_percent:
        return Proposal(current, Reason("zero-usage", "consumed 0 %: decreases at 0 % are off "
                                        "(allow-scaling-down-*-on-0-percent)"),
                        RESET)

    wanted = _decrease_candidate(p, current, pct)
    if wanted is None:
        return Proposal(current, Reason("within-thresholds",
                                        f"consumed {pct:.1f} % within thresholds "
                                        f"{p.lower_threshold:g}-{p.upper_threshold:g} %"),
                        RESET)
    target, reason = wanted
    # As in the original's calculators, a decrease stops at the minimum...
    target = max(target, p.min_capacity)

    # ...and never goes below what is being consumed right now.
    if target < math.ceil(usage.consumed - 1e-9):
        return Proposal(current, Reason("consumption-guard",
                                        f"decrease to {target} would be below the consumed "
                                        f"{usage.consumed:.1f} units/s"),
                        RESET)

    # Consecutive low checks (the original counted them cumulatively).
    low_checks = state.low_checks + 1
    if (p.checks_before_scale_down > 1 and p.checks_reset_percent > 0
            and pct >= p.checks_reset_percent):
        low_checks = 0
    if low_checks < p.checks_before_scale_down:
        return Proposal(current, Reason("checks-before-scale-down",
                                        f"{reason.message}; held: check {low_checks} of "
                                        f"{p.checks_before_scale_down} before scaling down"),
                        ThresholdState(low_checks))
    return Proposal(target, reason, RESET)
