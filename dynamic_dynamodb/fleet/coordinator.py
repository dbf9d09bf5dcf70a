"""Which targets this process serves, and whether it may still act on one.

A fleet runner asks ``owned`` once per tick (every check interval) with the id of
every configured target, and serves only those returned; each target's Scheduler asks
``may_act`` right before each UpdateTable and sends nothing when it says no (every
change held with the reason ``lease-not-valid``: core/fallback.without_lease). A lease
coordinator (a DynamoDB lease table shared by replicas, fleet/leases.py) implements
this; without one, this process owns every target and may always act.

Both are called from the runner's threads (``owned`` from its dispatcher, ``may_act``
from the targets' workers, concurrently): an implementation must be thread-safe, and
should answer quickly (``may_act`` from what it holds, not with a call to AWS). An
exception is taken as the safe answer: ``owned`` nothing, ``may_act`` no.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Coordinator(Protocol):
    def owned(self, targets: Sequence[str]) -> set[str]:
        """The ids among ``targets`` (e.g. ``prod/eu-west-1``) this process should serve
        now; called before each round of cycles."""
        ...

    def may_act(self, target: str) -> bool:
        """Whether this process may still change ``target``'s tables now (its lease is
        held, with margin)."""
        ...


class OwnEverything:
    """No coordination: one process serves every target (the default)."""

    def owned(self, targets: Sequence[str]) -> set[str]:
        return set(targets)

    def may_act(self, target: str) -> bool:
        return True
