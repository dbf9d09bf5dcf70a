"""core/fallback.py: after DynamoDB refuses an UpdateTable, what goes next and why."""

from __future__ import annotations

import pytest

from dynamic_dynamodb.core import fallback
from dynamic_dynamodb.core.types import (
    Decision,
    DimensionDecision,
    Reason,
    ResourceHistory,
    ResourceId,
)

WHY = Reason("test", "wanted")


def _decision(index: str | None, reads: tuple[int, int], writes: tuple[int, int]) -> Decision:
    return Decision(ResourceId("t", index), DimensionDecision(*reads, WHY),
                    DimensionDecision(*writes, WHY), ResourceHistory())


TABLE_UP_GSI_DOWN = [_decision(None, (10, 15), (5, 5)), _decision("g", (10, 5), (5, 5))]
MIXED = [_decision(None, (10, 15), (10, 5))]
ONLY_DOWN = [_decision(None, (10, 5), (10, 5)), _decision("g", (10, 10), (5, 5))]

# (id, decisions, error code, expected send (resource, reads, writes), note)
CASES = [
    ("table-up-gsi-down", TABLE_UP_GSI_DOWN, "LimitExceededException",
     [("t", 15, 5)], fallback.INCREASES_ALONE),
    ("mixed-in-one-resource", MIXED, "LimitExceededException",
     [("t", 15, 10)], fallback.INCREASES_ALONE),
    ("only-decreases", ONLY_DOWN, "LimitExceededException", [], fallback.REFUSED),
]


@pytest.mark.parametrize("decisions,code,send,note", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_after_a_refused_decrease_the_increases_go_alone(
        decisions: list[Decision], code: str, send: list[tuple[str, int, int]],
        note: str) -> None:
    plan = fallback.after_refusal(decisions, code)

    assert plan is not None
    assert [(str(d.resource), d.reads.target, d.writes.target) for d in plan.send] == send
    assert plan.note == note
    assert not any(d.is_decrease for d in plan.decisions)  # every decrease held...
    held = [dim for d in plan.decisions for dim in (d.reads, d.writes)
            if dim.reason.code == "decrease-refused"]
    assert held and all("LimitExceededException" in dim.reason.message for dim in held)
    assert len(plan.decisions) == len(decisions)  # ...and every resource still reported


@pytest.mark.parametrize("code", ["ResourceInUseException", "ValidationException",
                                  "ThrottlingException"])
def test_other_refusals_are_not_a_fallback(code: str) -> None:
    assert fallback.after_refusal(MIXED, code) is None


@pytest.mark.parametrize("decisions", [TABLE_UP_GSI_DOWN, MIXED, ONLY_DOWN],
                         ids=["table-up-gsi-down", "mixed-in-one-resource", "only-decreases"])
def test_without_a_valid_lease_every_change_is_held_and_nothing_sent(
        decisions: list[Decision]) -> None:
    result = fallback.without_lease(decisions)

    assert result.send == ()
    assert result.note == fallback.NOT_LEASED
    for before, after in zip(decisions, result.decisions, strict=True):
        assert not after.changes
        for was, now in ((before.reads, after.reads), (before.writes, after.writes)):
            expected = "lease-not-valid" if was.target != was.current else WHY.code
            assert now.reason.code == expected
