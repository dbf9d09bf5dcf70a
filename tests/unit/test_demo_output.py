"""How the demo prints: utilisation against the capacity that served the load, repeated
decisions folded into one line, and a summary that says why capacity stays where it is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dynamic_dynamodb.core.types import (
    Decision,
    DimensionDecision,
    Reason,
    ResourceHistory,
    ResourceId,
)
from dynamic_dynamodb.demo import FoldingPrinter, Minute, describe_minute, summary

T0 = datetime(2026, 5, 1, 14, 0, tzinfo=timezone.utc)
WITHIN = Reason("within-thresholds", "consumed within thresholds")
HELD = Reason("decrease-budget", "decrease held: 3 decreases used today: next at 15:40 UTC")
UP = Reason("above-upper-threshold", "consumed > upper threshold 90 %: +50 percent")
DOWN = Reason("below-lower-threshold", "consumed < lower threshold 30 %: -40 percent")


def minute(
    at: int,
    demand: tuple[float, float],
    capacity: tuple[int, int],
    reads: tuple[int, Reason] | None = None,
    writes: tuple[int, Reason] | None = None,
) -> Minute:
    read_target, read_reason = reads or (capacity[0], WITHIN)
    write_target, write_reason = writes or (capacity[1], WITHIN)
    decision = Decision(
        ResourceId("demo-orders"),
        DimensionDecision(capacity[0], read_target, read_reason),
        DimensionDecision(capacity[1], write_target, write_reason),
        ResourceHistory(),
    )
    return Minute(T0 + timedelta(minutes=at), demand, capacity, decision)


def printed(minutes: list[Minute]) -> list[str]:
    lines: list[str] = []
    printer = FoldingPrinter(lines.append)
    for m in minutes:
        printer.add(m)
    printer.flush()
    return lines


def test_utilisation_is_against_the_capacity_that_served_the_load() -> None:
    # 30 r/s asked of 20 provisioned: 20 served, 100 % of the capacity in force.
    lines = describe_minute(minute(0, (30.0, 5.0), (20, 10), reads=(30, UP)))

    assert "reads    20 (100.0 % used) -> 30" in lines[0]
    assert "writes   10 ( 50.0 % used) unchanged" in lines[1]


def test_minutes_with_the_same_decision_fold_into_one_line() -> None:
    held = [minute(m, (10.0 - m, 4.0), (83, 17), reads=(83, HELD)) for m in range(4)]
    then = minute(4, (200.0, 4.0), (83, 17), reads=(125, UP))

    lines = printed([*held, then])

    assert len(lines) == 5  # 2 for the first, 1 folded, 2 for the change
    assert lines[2].strip() == "(same for 3 more minutes: demand 7.0-9.0 r/s, 4.0 w/s)"
    assert lines[3].startswith("14:04")


def test_a_change_of_reason_or_capacity_is_never_folded() -> None:
    lines = printed([
        minute(0, (10.0, 4.0), (83, 17)),
        minute(1, (10.0, 4.0), (83, 17), reads=(83, HELD)),
        minute(2, (10.0, 4.0), (50, 17), reads=(50, HELD)),
    ])

    assert len(lines) == 6
    assert not any("same for" in line for line in lines)


def test_summary_says_why_a_held_dimension_stays_and_explains_the_rule_once() -> None:
    history = [
        minute(0, (30.0, 5.0), (138, 56), reads=(83, DOWN), writes=(17, DOWN)),
        minute(1, (8.0, 4.0), (83, 17), reads=(83, HELD), writes=(17, HELD)),
    ]

    lines = summary(history, (83, 17), throttled_share=0.5)

    assert lines[0].startswith("done: 2 simulated minutes (14:00-14:01 UTC)")
    assert "capacity 138 r 56 w -> 83 r 17 w" in lines[0]
    assert lines[1] == "decreases made: 2 (14:00 reads 138->83, 14:00 writes 56->17)"
    assert lines[2] == (
        "why reads stay at 83 for 8.0 units/s (10 % used): decrease held: 3 decreases used "
        "today: next at 15:40 UTC."
    )
    assert sum("4 free decreases" in line for line in lines) == 1
    assert any(line.startswith("why writes stay at 17") for line in lines)
