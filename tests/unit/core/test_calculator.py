"""The original's calculator facts (../shared/reference/original-behaviour.md)."""

import pytest

from dynamic_dynamodb.core import calculator

UP_TABLE = ((0, 0), (0.25, 5), (0.5, 10), (1, 20), (2, 50), (5, 100))
DOWN_TABLE = ((10, 20), (20, 10), (30, 5))


@pytest.mark.parametrize(
    "current,step,unit,minimum,expected",
    [
        (200, 90, "percent", 1, 20),
        (20, 50, "percent", 15, 15),
        (20, 120, "percent", 1, 1),
        (200, 90, "units", 1, 110),
        (20, 50, "units", 15, 15),
        (20, 120, "units", 1, 1),
        (5, 50, "percent", 1, 3),
        (3, 50, "percent", 1, 2),
    ],
    ids=[
        "200-90pct",
        "20-50pct-min15",
        "20-120pct",
        "200-90u",
        "20-50u-min15",
        "20-120u",
        "5-50pct",
        "3-50pct",
    ],
)
def test_decrease(current, step, unit, minimum, expected):
    assert calculator.clamp(calculator.decrease(current, step, unit), minimum, 10**6) == expected


@pytest.mark.parametrize(
    "current,step,unit,pct,maximum,expected",
    [
        (200, 50, "percent", 0, 400, 300),
        (20, 50, "percent", 0, 15, 15),
        (20, 120, "percent", 0, 1, 1),
        (200, 90, "units", 0, 300, 290),
        (20, 50, "units", 0, 25, 25),
        (100, 50, "percent", 150, 10**6, 225),
        (100, 50, "percent", 95, 10**6, 150),
        (100, 10, "units", 150, 10**6, 160),
        (3, 10, "percent", 0, 10**6, 4),
        (1, 50, "percent", 95, 10**6, 2),
    ],
    ids=[
        "200+50pct-max400",
        "20+50pct-max15",
        "20+120pct-max1",
        "200+90u-max300",
        "20+50u-max25",
        "from-consumed-150pct",
        "95pct",
        "units-from-consumed",
        "3+10pct",
        "1+50pct",
    ],
)
def test_increase(current, step, unit, pct, maximum, expected):
    value = calculator.increase(current, step, unit, pct)
    assert calculator.clamp(value, 1, maximum) == expected


@pytest.mark.parametrize(
    "metric,expected",
    [
        (0, 0),
        (0.1, 0),
        (0.25, 5),
        (0.3, 5),
        (1, 20),
        (1.01, 20),
        (4.99, 50),
        (5, 100),
        (7, 100),
    ],
)
def test_scale_up_takes_largest_key_at_or_below(metric, expected):
    assert calculator.scale_up_value(UP_TABLE, metric) == expected


@pytest.mark.parametrize(
    "metric,expected",
    [
        (0, 20),
        (10, 20),
        (15, 10),
        (20, 10),
        (25, 5),
        (30, 5),
        (35, 0),
    ],
)
def test_scale_down_takes_smallest_key_at_or_above(metric, expected):
    assert calculator.scale_down_value(DOWN_TABLE, metric) == expected
