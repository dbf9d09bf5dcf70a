"""The scaling modes: a mode's name (``scaling-mode`` in the configuration) to its
state type and its proposal function.

Every mode proposes with one signature, ``propose(policy, current, usage, state, now,
facts) -> Proposal[State]``, and keeps its own typed, frozen state per dimension, built
fresh with no arguments. A third mode is one module (a state type and ``propose``) and
one entry below (and its name in ``settings.ScalingMode``).

A mode that ``plans_decreases`` chooses itself which decreases are worth one of the
day's few and when to spend them (the target mode's drop and drift rules): core/policy.py
then applies none of the decrease plan's own rules (``min-saving-*``, pacing,
core/budget.py) on top of it. DynamoDB's own limit and every guard still apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from dynamic_dynamodb.core import target, threshold
from dynamic_dynamodb.core.types import DimensionUsage, ModeFacts, Proposal
from dynamic_dynamodb.settings import DimensionPolicy

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class Mode(Generic[StateT]):
    """A scaling mode: its state type, how it proposes a capacity, and whether it plans
    its own decreases."""

    state_type: type[StateT]
    propose: Callable[[DimensionPolicy, int, DimensionUsage, StateT, datetime, ModeFacts],
                      Proposal[StateT]]
    plans_decreases: bool = False

    def state_from(self, remembered: object) -> StateT:
        """The remembered state when it is this mode's, else a fresh one (nothing
        remembered yet, or a reload switched the mode)."""
        if isinstance(remembered, self.state_type):
            return remembered
        return self.state_type()


MODES: dict[str, Mode[Any]] = {
    "threshold": Mode(threshold.ThresholdState, threshold.propose),
    "target": Mode(target.TargetState, target.propose, plans_decreases=True),
}
