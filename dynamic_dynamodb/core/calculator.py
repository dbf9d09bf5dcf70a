"""Step arithmetic of the original Dynamic DynamoDB: percent and unit steps, step tables.

Increases round up, decreases round the step down, exactly as the original did:
    increase 3 by 10 %  -> 4        decrease 3 by 50 % -> 2 (step int(1.5) = 1)
When consumption is above 100 % of provisioned, an increase starts from the
consumed level rather than from the provisioned one (so 150 % +50 % -> 225).
"""

from __future__ import annotations

import math

from dynamic_dynamodb.settings import ScaleTable, Unit


def consumption_based(current: int, consumed_percent: float) -> int:
    """The capacity that the consumption represents, rounded up."""
    return math.ceil(current * consumed_percent / 100.0 - 1e-9)


def increase(current: int, step: float, unit: Unit, consumed_percent: float) -> int:
    """Increase ``current`` by ``step`` percent or units, from the consumed level if higher."""
    base = max(current, consumption_based(current, consumed_percent))
    if unit == "percent":
        return base + math.ceil(base * step / 100.0 - 1e-9)
    return base + math.ceil(step)


def decrease(current: int, step: float, unit: Unit) -> int:
    """Decrease ``current`` by ``step`` percent or units (the step rounds down)."""
    if unit == "percent":
        return current - int(current * step / 100.0 + 1e-9)
    return current - int(step)


def clamp(value: int, minimum: int, maximum: int) -> int:
    return max(minimum, min(maximum, value))


def scale_up_value(table: ScaleTable, metric: float) -> float:
    """Value of the largest key <= metric (0 below every key), as the original's up-scale."""
    value = 0.0
    for key, step in table:
        if key <= metric:
            value = step
        else:
            break
    return value


def scale_down_value(table: ScaleTable, metric: float) -> float:
    """Value of the smallest key >= metric (0 above every key), as the original's down-scale."""
    for key, step in table:
        if key >= metric:
            return step
    return 0.0
