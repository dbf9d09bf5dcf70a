"""What to send after DynamoDB refuses an UpdateTable: the increases alone; and nothing
when this replica's lease on the target is not valid (fleet/leases.py).

DynamoDB refuses a whole UpdateTable (the table and its GSIs together) when a decrease
in it is over the day's limit (LimitExceededException), even if the request also
raises capacity elsewhere. An increase must never wait for a decrease, so after such
a refusal every decrease of the table is held, with the refusal as its reason, and
what still goes up is sent on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dynamic_dynamodb.core.types import Decision, DimensionDecision, Direction, Reason

# DynamoDB's error code for a decrease over the day's limit.
DECREASE_REFUSED = "LimitExceededException"

REFUSED = "decrease refused by DynamoDB (LimitExceededException)"
NOT_LEASED = "not sent: this replica's lease on the target is not valid now"
INCREASES_ALONE = "decrease refused by DynamoDB; increases sent alone"


@dataclass(frozen=True)
class Fallback:
    """The table's decisions after a refusal, and what to send next."""

    # Every decision of the table, each decrease held with the refusal as its reason.
    decisions: tuple[Decision, ...]
    # The decisions that still change capacity (increases), for one more UpdateTable;
    # empty when nothing is left to send.
    send: tuple[Decision, ...]
    # One line for the table's log lines: what happened to the request.
    note: str


def after_refusal(decisions: Sequence[Decision], error_code: str) -> Fallback | None:
    """The fallback for an UpdateTable of ``decisions`` refused with ``error_code``;
    None when the refusal is not a refused decrease (the error stands)."""
    if error_code != DECREASE_REFUSED:
        return None
    held = Reason("decrease-refused", f"decrease held: {REFUSED}")
    after = tuple(d.increases_only(held) if d.is_decrease else d for d in decisions)
    send = tuple(d for d in after if d.changes)
    return Fallback(after, send, INCREASES_ALONE if send else REFUSED)


def without_lease(decisions: Sequence[Decision]) -> Fallback:
    """The table's decisions when this replica may not act on its target (its lease has
    lapsed, or it waits for the previous owner to stop): every change held, nothing sent.
    Another replica (or this one, once its lease is valid) decides again next cycle."""
    held = Reason("lease-not-valid", f"held: {NOT_LEASED}")

    def hold(d: DimensionDecision) -> DimensionDecision:
        return d if d.direction is Direction.NONE else d.hold(held)

    after = tuple(Decision(d.resource, hold(d.reads), hold(d.writes), d.history, d.alarms)
                  for d in decisions)
    return Fallback(after, (), NOT_LEASED)
