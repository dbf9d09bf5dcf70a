"""core/modes.py: one table of scaling modes, one signature, a typed state per mode."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from dynamic_dynamodb.core.modes import MODES
from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.target import TargetState
from dynamic_dynamodb.core.threshold import ThresholdState
from dynamic_dynamodb.core.types import ResourceHistory
from dynamic_dynamodb.settings import ScalingMode

from .coretools import NOW, dim_usage, mode_facts, policy, state, usage


def test_every_configurable_mode_has_an_entry() -> None:
    assert set(MODES) == set(typing.get_args(ScalingMode))


@pytest.mark.parametrize("name", sorted(MODES))
def test_a_mode_state_is_frozen_and_fresh_without_arguments(name: str) -> None:
    fresh = MODES[name].state_type()

    assert dataclasses.is_dataclass(fresh)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fresh, dataclasses.fields(fresh)[0].name, None)


@pytest.mark.parametrize("name", sorted(MODES))
def test_one_signature_for_every_mode(name: str) -> None:
    mode = MODES[name]

    proposal = mode.propose(policy().reads, 100, dim_usage(50, 100), mode.state_type(), NOW,
                            mode_facts())

    assert isinstance(proposal.state, mode.state_type)
    assert proposal.reason.message


def test_a_reload_that_switches_mode_starts_the_new_modes_state_fresh() -> None:
    threshold = policy(reads={"checks_before_scale_down": 3})
    target = policy(scaling_mode="target")
    low = usage(read_pct=20)

    first = decide(state(), low, threshold, ResourceHistory(), NOW)
    assert first.history.reads.mode_state == ThresholdState(low_checks=1)

    switched = decide(state(), low, target, first.history, NOW)
    assert isinstance(switched.history.reads.mode_state, TargetState)
    assert switched.history.reads.mode_state.demand == (20.0,) * 5  # this window only

    back = decide(state(), low, threshold, switched.history, NOW)
    assert back.history.reads.mode_state == ThresholdState(low_checks=1)  # counts anew
    assert back.reads.reason.code == "checks-before-scale-down"


def test_only_the_target_mode_plans_its_own_decreases() -> None:
    assert {name: mode.plans_decreases for name, mode in MODES.items()} == {
        "threshold": False, "target": True}
