"""The advice's rules, on figures given directly: which provisioned setting per
dimension, when this configuration wins, and the billing mode of a table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.advise.recommend import (
    DimensionAdvice,
    ResourceAdvice,
    advise_table,
    choose,
    config_wins,
)
from dynamic_dynamodb.advise.replay import CONFIG, CURRENT, Figures
from dynamic_dynamodb.advise.series import build_history
from dynamic_dynamodb.core.types import Dimension, ResourceId

T90, T70 = "target-90", "target-70"
BOUND = 0.01


def figs(**named: tuple[float, float]) -> dict[str, Figures]:
    """key=(dollars per month, throttled percent); key names use _ for -."""
    return {k.replace("_", "-"): Figures(d, t, t) for k, (d, t) in named.items()}


@pytest.mark.parametrize("policies, candidates, today, expected", [
    (figs(current=(10, 0), target_90=(5, 0)), [CURRENT, T90], 0.0, T90),
    (figs(current=(3, 0), target_90=(5, 0)), [CURRENT, T90], 0.0, CURRENT),
    (figs(current=(2, 0), target_90=(1, 0.005)), [CURRENT, T90], 0.0, T90),
    (figs(current=(2, 0), target_90=(1, 0.5)), [CURRENT, T90], 0.0, CURRENT),
    (figs(current=(3, 5), target_90=(5, 0.5), target_70=(9, 0.2)),
     [CURRENT, T90, T70], 5.0, T70),
    (figs(current=(3, 0.1), target_90=(2, 0.3)), [CURRENT, T90], 0.1, CURRENT),
    (figs(target_90=(5, 0.5)), [T90], None, None),
    (figs(target_90=(5, 0.5), target_70=(6, 0.0)), [T90, T70], None, T70),
], ids=[
    "cheapest-within-bound", "keep-is-cheapest", "within-bound-though-today-is-zero",
    "over-bound-and-worse-than-today", "least-throttling-when-none-within-bound",
    "never-more-throttling-than-today", "on-demand-today-none-within-bound",
    "on-demand-today-lower-target-within-bound",
])
def test_choose(policies: dict[str, Figures], candidates: list[str], today: float | None,
                expected: str | None) -> None:
    assert choose(policies, candidates, BOUND, today) == expected


START = datetime(2024, 5, 1, tzinfo=timezone.utc)


def dim(d: Dimension, policies: dict[str, Figures], choice: str | None,
        on_demand: float, current: Figures | None = None) -> DimensionAdvice:
    targets = {k: float(k.split("-")[1]) for k in policies if k.startswith("target")}
    return DimensionAdvice(
        dimension=d, policies=policies, labels={k: k for k in policies}, targets=targets,
        choice=choice, target_key=next(iter(targets), None),
        current=current or policies.get(CURRENT, Figures(on_demand, 0, 0)),
        on_demand_dollars_per_month=on_demand, on_demand_throttled_dollars_per_month=0.0,
        consumed_units=1000.0, throttle_events=0.0, demand_units=1000.0, peak_demand=1.0,
        mean_demand=1.0)


def resource(reads: DimensionAdvice, writes: DimensionAdvice, index: str | None = None,
             use_config: bool = False) -> ResourceAdvice:
    history = build_history(ResourceId("t", index), {}, START, 10, 60,
                            START - timedelta(days=1), True)
    return ResourceAdvice(ResourceId("t", index), history, reads, writes, use_config)


def idle_writes() -> DimensionAdvice:
    return dim(Dimension.WRITES, figs(current=(0.5, 0), target_90=(0.5, 0)), CURRENT, 0.0)


def test_provisioned_when_cheaper_than_on_demand() -> None:
    reads = dim(Dimension.READS, figs(current=(10, 0), target_90=(4, 0)), T90, on_demand=8)
    advice = advise_table("t", "PROVISIONED", [resource(reads, idle_writes())], BOUND)
    assert advice.recommended_billing_mode == "PROVISIONED"
    assert advice.total_recommended().dollars_per_month == 4.5
    assert advice.total_current().dollars_per_month == 10.5


def test_on_demand_when_provisioned_costs_more() -> None:
    reads = dim(Dimension.READS, figs(current=(10, 0), target_90=(4, 0)), T90, on_demand=2)
    advice = advise_table("t", "PROVISIONED", [resource(reads, idle_writes())], BOUND)
    assert advice.recommended_billing_mode == "PAY_PER_REQUEST"
    assert advice.total_recommended().dollars_per_month == 2.0
    assert any("at most 4 times in 24 hours" in n for n in advice.notes)


def test_a_gsi_without_an_allowed_setting_takes_its_table_to_on_demand() -> None:
    table = resource(dim(Dimension.READS, figs(target_90=(1, 0)), T90, on_demand=50),
                     dim(Dimension.WRITES, figs(target_90=(1, 0)), T90, on_demand=50))
    gsi = resource(dim(Dimension.READS, figs(target_90=(1, 3.0)), None, on_demand=5),
                   dim(Dimension.WRITES, figs(target_90=(1, 0)), T90, on_demand=5), "by_x")
    advice = advise_table("t", "PAY_PER_REQUEST", [table, gsi], BOUND)
    assert advice.recommended_billing_mode == "PAY_PER_REQUEST"


@pytest.mark.parametrize("reads, writes, wins", [
    (figs(current=(9, 0), target_90=(5, 0), config=(3, 0)),
     figs(current=(1, 0), target_90=(1, 0), config=(1, 0)), True),
    (figs(current=(9, 0), target_90=(5, 0), config=(6, 0)),
     figs(current=(1, 0), target_90=(1, 0), config=(1, 0)), False),
    (figs(current=(9, 0), target_90=(5, 0), config=(3, 0.5)),
     figs(current=(1, 0), target_90=(1, 0), config=(1, 0)), False),
    (figs(current=(9, 0), target_90=(5, 0)),
     figs(current=(1, 0), target_90=(1, 0)), False),
], ids=["cheaper-no-more-throttling", "dearer", "throttles-more", "unmanaged"])
def test_config_wins(reads: dict[str, Figures], writes: dict[str, Figures],
                     wins: bool) -> None:
    r = dim(Dimension.READS, reads, T90, 20)
    w = dim(Dimension.WRITES, writes, CURRENT, 20)
    assert config_wins(r, w, BOUND) is wins
    if wins:
        advice = advise_table("t", "PROVISIONED", [resource(r, w, use_config=True)], BOUND)
        assert advice.total_recommended().dollars_per_month == 4.0
        assert resource(r, w, use_config=True).chosen_key(r) == CONFIG
