"""Target mode: provision for the demand a few minutes ahead, spend decreases sparingly,
and tune itself to the table's own traffic every night.

Per dimension, every check (a minute, by default: settings.TARGET_MODE_DEFAULTS):

1. Learn: each known minute of the usage window (consumed plus throttled units/s;
   core/minutes.py says which minutes are known) replaces what was remembered of that
   minute, by its timestamp. A minute not known is never read as 0.
2. Tune (core/tuning.py): once a UTC night, over six checks, replay yesterday through
   the rule's four candidates and AWS native at 70 % and 90 %, and keep the candidate
   closest to native 70 %'s throttling at native 90 %'s cost.
3. Decide with the running candidate's constants (core/target_rule.py): increase to
   the level plus the trusted trend, or to the burst floor; decrease on a drop or a
   drift, planned against DynamoDB's decrease rule. The mode plans its own decreases
   (core/modes.py): the decrease plan's worth-it and pacing rules do not apply on top;
   DynamoDB's limit and every guard of core/policy.py still do.

``target-*-constants`` pins one candidate (no tuning). Every reason names the running
candidate and carries the rule's numbers; a check that tuned says what it replayed.

State per dimension: the demand of the last ``MEMORY_MINUTES`` (a day, the replay's
warm-up and the tuning's spread: about 1,900 floats), the trend's trust and the
tuning's scores (6 x 14 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from dynamic_dynamodb.core import budget, minutes, target_rule, tuning
from dynamic_dynamodb.core.target_rule import CANDIDATES, Params, Plan, Trust
from dynamic_dynamodb.core.tuning import TuningState
from dynamic_dynamodb.core.types import DimensionUsage, ModeFacts, Proposal, Reason
from dynamic_dynamodb.settings import DimensionPolicy

# Yesterday, the replay's warm-up, the spread of the tuning's start, and an hour for
# the six checks of a night at a longer check interval.
MEMORY_MINUTES = tuning.DAY + tuning.WARMUP + tuning.START_MINUTE + tuning.SPREAD + 60
AUTO = "auto"


@dataclass(frozen=True)
class TargetState:
    """What the target mode remembers about one dimension."""

    # Demand per minute (units/s; None: not known), the last one at ``newest`` (minutes
    # since the epoch); at most MEMORY_MINUTES.
    demand: tuple[float | None, ...] = ()
    newest: int = -1
    # The first minute known since the mode started (the cold start; the tuning needs
    # a whole known day).
    first_known: int = -1
    trust: Trust = field(default_factory=Trust)
    tuning: TuningState = field(default_factory=TuningState)


def _epoch_minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _window_demand(usage: DimensionUsage) -> list[float | None]:
    """Demand (consumed plus throttled units/s) of each minute of the window; None for a
    minute not known. A window without per-minute values is its average throughout."""
    if not usage.per_minute:
        minutes_in = max(1, usage.window_seconds // 60)
        average = usage.consumed + usage.throttle_events / max(usage.window_seconds, 1)
        return [average] * minutes_in
    throttled = usage.throttled_per_minute
    out: list[float | None] = []
    for i, consumed in enumerate(usage.per_minute):
        events = throttled[i] if i < len(throttled) else 0.0
        out.append(None if consumed is None else consumed + (events or 0.0) / minutes.PERIOD)
    return out


def learn(state: TargetState, window: list[float | None], first_minute: int) -> TargetState:
    """``state`` with the window's known minutes (minute ``first_minute + i`` is
    ``window[i]``) written over what it remembered."""
    known = [(first_minute + i, v) for i, v in enumerate(window) if v is not None]
    if not known:
        return state
    newest = max(state.newest, known[-1][0])
    first_known = known[0][0] if state.first_known < 0 else min(state.first_known,
                                                                 known[0][0])
    length = min(MEMORY_MINUTES, newest - first_known + 1)
    start = newest - length + 1
    demand: list[float | None] = [None] * length
    old_start = state.newest - len(state.demand) + 1
    for i, v in enumerate(state.demand):
        k = old_start + i - start
        if 0 <= k < length:
            demand[k] = v
    for minute, v in known:
        if minute >= start:
            demand[minute - start] = v
    return replace(state, demand=tuple(demand), newest=newest, first_known=first_known)


def _since(now: datetime, then: datetime | None) -> int | None:
    if then is None:
        return None
    return max(0, int((now - then).total_seconds() // 60))


def _clock(minute_of_day: float) -> str:
    whole = int(minute_of_day)
    return f"{whole // 60:02d}:{whole % 60:02d} UTC"


def _paced_until(params: Params, facts: target_rule.Facts) -> float:
    """When the candidate's pace lets the next quick decrease go (minute of the day): its
    slot, or an hour after the last decrease if that is sooner."""
    opens = params.pace_hours * 60 * (facts.decreases_used or 0)
    hour = facts.minute_of_day - (facts.since_decrease or 0) + target_rule.DECREASE_INTERVAL
    return min(opens, hour)


def explain(plan: Plan, params: Params, facts: target_rule.Facts, scale: float) -> str:
    """The rule's answer in words, with its numbers."""
    up = min(1.0, params.up * scale) * 100
    down = min(1.0, params.down * scale) * 100
    cap = facts.capacity
    floor = (f"burst floor {plan.floor:.1f} ({params.burst_q * 100:g}th percentile of "
             f"{params.burst_minutes} min / {params.burst_div:g})")
    level = (f"demand {plan.level:.1f} units/s (peak of {params.level_minutes} min) at "
             f"{up:.0f} % = {plan.level / (up / 100):.1f}, + trend {plan.slope:.2f}/min "
             f"x trust {plan.trust:.2f} x {target_rule.HORIZON} min")
    code = plan.code
    if code in ("target-increase", "target-small-increase"):
        need = plan.level / (up / 100) + plan.slope * plan.trust * target_rule.HORIZON
        basis = floor if plan.floor > 0 and plan.floor >= need else level
        if code == "target-increase":
            return f"increase to {plan.target}: {basis}"
        return (f"{basis}: an increase under {target_rule.SMALL_INCREASE * 100:g} % of "
                f"{cap} waits while the demand fits")
    if code == "target-met":
        return f"{level}: {cap} fits"
    if code == "too-few-known-minutes":
        return (f"{level}; decrease held: {plan.known} of the last {plan.needed} minute(s) "
                f"of demand known, a decrease needs them all (the candidate's "
                f"{params.needs_known} and a lookback period)")
    if code == "target-drop":
        return (f"drop: the last {target_rule.DROP_MINUTES} min peak {plan.basis:.1f} "
                f"units/s < {params.drop * 100:g} % of {cap}: decrease to {plan.target} "
                f"(at {down:.0f} %)")
    peak = (f"peak of the last {params.hold_minutes} min {plan.basis:.1f} units/s needs "
              f"{max(1, target_rule.units(max(plan.basis / (down / 100), plan.floor)))} at "
              f"{down:.0f} %")
    if code == "target-drift":
        return f"drift: {peak}: decrease to {plan.target}"
    held = {
        "target-after-increase": f"an increase {facts.since_increase} min ago (< "
                                 f"{params.after_increase})",
        "target-not-worth": f"it would save less than {params.min_saving * 100:g} % of "
                            f"{cap}",
        "target-drift-hourly": f"the last decrease {facts.since_decrease} min ago: a drift "
                               f"waits {target_rule.DECREASE_INTERVAL} min, the day's quick "
                               f"decreases are kept for drops",
        "target-paced": f"decrease {(facts.decreases_used or 0) + 1} of the day waits until "
                        f"{_clock(_paced_until(params, facts))} (pace {params.pace_hours:g} h)",
        "decrease-budget": f"DynamoDB allows no decrease now ({facts.decreases_used} used "
                           f"today, the last {facts.since_decrease} min ago)",
        "decrease-budget-unknown": "DescribeTable did not say how many decreases were "
                                   "used today",
    }
    return f"{peak}; decrease held: {held[code]}"


def propose(p: DimensionPolicy, current: int, usage: DimensionUsage, state: TargetState,
            now: datetime, facts: ModeFacts) -> Proposal[TargetState]:
    minute = _epoch_minute(now)
    state = learn(state, _window_demand(usage), _epoch_minute(facts.window_start))
    if state.newest < 0:
        return Proposal(current, Reason("target-met", "no minute of demand known yet"),
                        state)
    key = f"{facts.resource}/{facts.dimension.value}"
    pinned = p.target_constants != AUTO
    tuned = ""
    if not pinned:
        memory = tuning.Memory(state.demand, state.newest - len(state.demand) + 1,
                               state.first_known, state.newest)
        tuning_state, tuned = tuning.step(state.tuning, memory, minute, key, p)
        state = replace(state, tuning=tuning_state)
    params = (next(c for c in CANDIDATES if c.name == p.target_constants) if pinned
              else CANDIDATES[state.tuning.running])
    used = (None if facts.decreases_today is None else
            budget.decreases_used_today(facts.decreases_today, facts.last_decrease, now))
    rule_facts = target_rule.Facts(minute, minute % tuning.DAY, current, used,
                                   _since(now, facts.last_decrease),
                                   _since(now, facts.last_increase))
    start = state.newest - len(state.demand) + 1
    scale = p.target_utilisation / target_rule.DESIGN_TARGET
    plan, trust = target_rule.plan(params, scale, state.demand, len(state.demand) - 1,
                                   state.first_known - start, rule_facts, state.trust,
                                   len(usage.per_minute))
    state = replace(state, trust=trust)
    why = "pinned by target-*-constants" if pinned else state.tuning.why
    message = f"{params.name} ({why}): {explain(plan, params, rule_facts, scale)}"
    if tuned:
        message = f"{message}; {tuned}"
    return Proposal(plan.target, Reason(plan.code, message), state)
