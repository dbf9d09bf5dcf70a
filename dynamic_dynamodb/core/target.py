"""Target mode: size capacity so that demand sits at a target utilisation.

Demand is consumed plus throttled (what the table was asked for, not only what it
served). Increases go straight to demand / target; decreases go to the recent
peak's need only, so a dip does not spend one of the day's few decreases.
"""

from __future__ import annotations

import math
from datetime import datetime

from dynamic_dynamodb.config.model import DimensionPolicy
from dynamic_dynamodb.core.threshold import Proposal
from dynamic_dynamodb.core.types import DimensionHistory, DimensionUsage, Reason

# How many samples of demand the peak hold remembers.
PEAK_SAMPLES = 60


def demand_of(usage: DimensionUsage) -> float:
    """Units/s asked for: consumed plus throttled events spread over the window."""
    per_minute = usage.per_minute or (usage.consumed,)
    throttled = usage.throttle_events / max(usage.window_seconds, 1)
    return max(per_minute) + throttled


def propose(p: DimensionPolicy, current: int, usage: DimensionUsage,
            history: DimensionHistory, now: datetime) -> Proposal:
    demand = demand_of(usage)
    recent = (*history.recent_demand, demand)[-PEAK_SAMPLES:]
    history = DimensionHistory(history.low_checks, history.alarm, recent, now, history.extra)
    ratio = p.target_utilisation / 100.0
    need_now = math.ceil(demand / ratio - 1e-9)
    if need_now > current:
        return Proposal(need_now, Reason("target", f"demand {demand:.1f} units/s needs {need_now} "
                                                   f"at {p.target_utilisation:g} % target"),
                        history)
    need_peak = math.ceil(max(recent) / ratio - 1e-9)
    if need_peak < current:
        return Proposal(need_peak, Reason("target", f"recent peak {max(recent):.1f} units/s "
                                                    f"needs {need_peak} at "
                                                    f"{p.target_utilisation:g} % target"),
                        history)
    message = f"demand {demand:.1f} units/s fits {current} at {p.target_utilisation:g} % target"
    return Proposal(current, Reason("target-met", message), history)
