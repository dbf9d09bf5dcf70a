"""decide(): one path for reads and writes, tables and GSIs.

A scaling mode (core/modes.py) proposes a capacity per dimension; min/max clamp it; the
guards may hold a decrease (or, for a frozen breaker, an increase), from the facts
the edges gathered (``Facts``): a resource AWS Application Auto Scaling manages is
left alone, an open circuit breaker holds decreases. Every step
returns a reason, and the final reason is what the log line and notification say.
Unknown never leads to a decrease: missing metrics or a resource that is not
ACTIVE hold everything; a dimension whose consumption is unknown gets no decision;
unknown throttle events or an unknown decrease budget hold decreases.

The decrease plan (core/budget.py: a decrease must be worth it, the quick ones are
paced over the day) applies to modes that do not plan their own decreases. A mode
that does (``Mode.plans_decreases``: the target mode) is held to DynamoDB's own limit
and to every guard above, never to the plan's rules on top of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dynamic_dynamodb.core import budget, minutes, windows
from dynamic_dynamodb.core.modes import MODES
from dynamic_dynamodb.core.types import (
    Alarm,
    Decision,
    Dimension,
    DimensionDecision,
    DimensionHistory,
    DimensionReading,
    DimensionUsage,
    Direction,
    ModeFacts,
    Proposal,
    Reason,
    ResourceHistory,
    ResourceState,
    UnknownUsage,
    Usage,
)
from dynamic_dynamodb.settings import DimensionPolicy, ResourcePolicy


@dataclass(frozen=True)
class Facts:
    """What the edges found out this cycle, besides state and usage, that a guard needs."""

    # The circuit breaker's verdict for this resource, and why.
    breaker_open: bool = False
    breaker_message: str = ""
    # An AWS Application Auto Scaling policy scales this resource: two scalers would fight.
    managed_by_aws_autoscaling: bool = False


def hold_all(state: ResourceState, history: ResourceHistory, reason: Reason) -> Decision:
    return Decision(
        state.id,
        DimensionDecision(state.reads, state.reads, reason),
        DimensionDecision(state.writes, state.writes, reason),
        history,
    )


def _clamp(p: DimensionPolicy, current: int, proposal: Proposal[Any]) -> tuple[int, Reason]:
    clamped = max(p.min_capacity, min(p.max_capacity, proposal.target))
    if clamped == proposal.target:
        return clamped, proposal.reason
    if clamped == p.min_capacity:
        why = f"min-provisioned {p.min_capacity}"
    else:
        why = f"max-provisioned {p.max_capacity}"
    if clamped == current:
        return clamped, Reason("clamped", f"{proposal.reason.message}; held at {why}")
    return clamped, Reason("clamped", f"{proposal.reason.message}; limited to {why}")


def _throttled(p: DimensionPolicy, usage: DimensionUsage) -> bool:
    """Throttled beyond what the user tolerates (any event when no threshold is set)."""
    return usage.throttle_events > p.throttled_upper_threshold


def _alarm(state: ResourceState, dim: Dimension, p: DimensionPolicy, pct: float,
           history: DimensionHistory) -> tuple[DimensionHistory, Alarm | None]:
    kind = ""
    if p.upper_alarm_threshold > 0 and pct > p.upper_alarm_threshold:
        kind = "high"
    elif p.lower_alarm_threshold > 0 and pct < p.lower_alarm_threshold:
        kind = "low"
    new_history = DimensionHistory(kind, history.mode_state)
    if not kind or kind == history.alarm:
        return new_history, None
    limit = p.upper_alarm_threshold if kind == "high" else p.lower_alarm_threshold
    word = "above" if kind == "high" else "below"
    return new_history, Alarm(
        state.id, dim, f"{kind}-throughput-alarm",
        f"{state.id} {dim.value}: consumed {pct:.1f} % is {word} the alarm threshold {limit:g} %",
    )


def _decide_dimension(state: ResourceState, dim: Dimension, policy: ResourcePolicy,
                      usage: DimensionReading, history: DimensionHistory, now: datetime,
                      facts: Facts) -> tuple[DimensionDecision, DimensionHistory, Alarm | None]:
    p = policy.of(dim.value)
    current = state.provisioned(dim)
    if not p.enabled and isinstance(usage, UnknownUsage):
        # Nothing to decide, and no series asked for it unless it raises alarms
        # (core/polling.needed_series): disabled, not unknown.
        return (DimensionDecision(current, current,
                                  Reason("disabled", f"autoscaling of {dim.value} is disabled")),
                history, None)
    if isinstance(usage, UnknownUsage):
        # No decision: what the mode and the alarm remember stays as it was.
        return (DimensionDecision(current, current, Reason(
            "metrics-unknown", f"metrics unknown ({usage.reason}): no decision this cycle")),
                history, None)
    history, alarm = _alarm(state, dim, p, usage.consumed_percent(current), history)
    if not p.enabled:
        return (DimensionDecision(current, current,
                                  Reason("disabled", f"autoscaling of {dim.value} is disabled")),
                history, alarm)

    mode = MODES[policy.scaling_mode]
    mode_facts = ModeFacts(state.id, dim,
                           minutes.window_start(now, policy.lookback_window_start),
                           state.decreases_today, state.last_decrease, state.last_increase)
    proposal = mode.propose(p, current, usage, mode.state_from(history.mode_state), now,
                            mode_facts)
    target_units, reason = _clamp(p, current, proposal)
    decision = DimensionDecision(current, target_units, reason)
    history = DimensionHistory(history.alarm, proposal.state)

    if decision.direction is Direction.UP:
        if not p.up_scaling:
            decision = decision.hold(Reason("up-scaling-disabled",
                                            f"{reason.message}; held: up-scaling disabled"))
        elif facts.breaker_open and policy.breaker_freezes_increases:
            decision = decision.hold(Reason("breaker-open",
                                            f"increase held: circuit breaker open "
                                            f"({facts.breaker_message})"))
    elif decision.direction is Direction.DOWN:
        hold = _decrease_hold(policy, p, usage, now, facts)
        if hold is not None:
            decision = decision.hold(Reason(hold.code, f"{hold.message} (wanted {target_units}: "
                                                       f"{reason.message})"))
        elif not mode.plans_decreases:
            worth = budget.worth_it(current, target_units, policy.decrease_plan)
            if not worth.allowed:
                decision = decision.hold(Reason("not-worth-a-decrease",
                                                f"decrease held: {worth.message}"))
    return decision, history, alarm


def _decrease_hold(policy: ResourcePolicy, p: DimensionPolicy, usage: DimensionUsage,
                   now: datetime, facts: Facts) -> Reason | None:
    """The first guard that refuses a decrease of this dimension, if any."""
    if not p.down_scaling:
        return Reason("down-scaling-disabled", "decrease held: down-scaling disabled")
    throttles_gap = usage.throttles_gap()
    if throttles_gap:
        return Reason("throttles-unknown", f"decrease held: throttle events unknown "
                                           f"({throttles_gap})")
    if _throttled(p, usage):
        return Reason("throttled", f"decrease held: {usage.throttle_events:g} throttle events "
                                   f"in the window")
    if usage.consumed == 0 and not p.allow_scale_down_at_0_percent:
        # Every mode: a window without a datapoint is 0 % use (threshold mode says so in
        # its own proposal; this holds the other modes' decreases alike).
        return Reason("zero-usage", "decrease held: consumed 0 % (no datapoint in the "
                                    "window); decreases at 0 % are off "
                                    "(allow-scaling-down-*-on-0-percent)")
    if facts.breaker_open:
        return Reason("breaker-open",
                      f"decrease held: circuit breaker open ({facts.breaker_message})")
    if not windows.in_any_window(policy.maintenance_windows, now):
        return Reason("outside-maintenance-window",
                      "decrease held: outside maintenance window "
                      + ",".join(str(w) for w in policy.maintenance_windows))
    return None


def _apply_rw_together(reads: DimensionDecision,
                       writes: DimensionDecision) -> tuple[DimensionDecision, DimensionDecision]:
    """always-decrease-rw-together: a decrease only when both dimensions want one."""
    r_down, w_down = reads.direction is Direction.DOWN, writes.direction is Direction.DOWN
    if r_down == w_down:
        return reads, writes
    if r_down:
        return reads.hold(Reason("rw-together", "decrease of reads held: writes do not want a "
                                                "decrease (always-decrease-rw-together)")), writes
    return reads, writes.hold(Reason("rw-together", "decrease of writes held: reads do not want "
                                                    "a decrease (always-decrease-rw-together)"))


def _apply_budget(state: ResourceState, policy: ResourcePolicy, decision: Decision,
                  now: datetime) -> Decision:
    if not decision.is_decrease:
        return decision
    if state.decreases_today is None:
        # Unknown is never a budget: a decrease DynamoDB might refuse is not sent.
        return decision.increases_only(Reason(
            "decrease-budget-unknown", "decrease held: DescribeTable did not say how many "
                                       "decreases were used today"))
    # A mode that plans its own decreases is held to DynamoDB's limit only (core/modes.py).
    pacing = policy.decrease_plan.pacing and not MODES[policy.scaling_mode].plans_decreases
    verdict = budget.may_decrease(state.decreases_today, state.last_decrease, now,
                                  policy.decrease_plan, pacing)
    if verdict.allowed:
        return decision
    return decision.increases_only(Reason("decrease-budget", f"decrease held: {verdict.message}"))


def decide(state: ResourceState, usage: Usage | None, policy: ResourcePolicy,
           history: ResourceHistory, now: datetime, facts: Facts | None = None) -> Decision:
    """The decision for one table or GSI in one cycle. Pure: ``now`` is a parameter."""
    facts = facts or Facts()
    if facts.managed_by_aws_autoscaling and not policy.ignore_aws_autoscaling:
        return hold_all(state, history, Reason(
            "aws-autoscaling", "left alone: managed by AWS Application Auto Scaling "
                               "(set ignore-aws-autoscaling to manage it anyway)"))
    if usage is None:
        return hold_all(state, history, Reason("metrics-unknown",
                                                "metrics unavailable: no decision this cycle"))
    if not state.active:
        return hold_all(state, history, Reason("not-active",
                                                f"status {state.status}: skipped this cycle"))

    reads, reads_history, reads_alarm = _decide_dimension(
        state, Dimension.READS, policy, usage.reads, history.reads, now, facts)
    writes, writes_history, writes_alarm = _decide_dimension(
        state, Dimension.WRITES, policy, usage.writes, history.writes, now, facts)
    if policy.always_decrease_rw_together:
        reads, writes = _apply_rw_together(reads, writes)

    alarms = tuple(a for a in (reads_alarm, writes_alarm) if a is not None)
    decision = Decision(state.id, reads, writes, ResourceHistory(reads_history, writes_history),
                        alarms)
    return _apply_budget(state, policy, decision, now)
