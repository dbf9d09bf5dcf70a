"""The scaling modes: a mode's name (``scaling-mode`` in the configuration) to its
state type and its proposal function.

Every mode proposes with one signature, ``propose(policy, current, usage, state, now)
-> Proposal[State]``, and keeps its own typed, frozen state per dimension, built fresh
with no arguments. A third mode is one module (a state type and ``propose``) and one
entry below (and its name in ``settings.ScalingMode``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from dynamic_dynamodb.core import target, threshold
from dynamic_dynamodb.core.types import DimensionUsage, Proposal
from dynamic_dynamodb.settings import DimensionPolicy

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class Mode(Generic[StateT]):
    """A scaling mode: its state type and how it proposes a capacity."""

    state_type: type[StateT]
    propose: Callable[[DimensionPolicy, int, DimensionUsage, StateT, datetime],
                      Proposal[StateT]]

    def state_from(self, remembered: object) -> StateT:
        """The remembered state when it is this mode's, else a fresh one (nothing
        remembered yet, or a reload switched the mode)."""
        if isinstance(remembered, self.state_type):
            return remembered
        return self.state_type()


MODES: dict[str, Mode[Any]] = {
    "threshold": Mode(threshold.ThresholdState, threshold.propose),
    "target": Mode(target.TargetState, target.propose),
}
