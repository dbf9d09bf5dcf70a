"""Prometheus metrics never show an unknown consumption: not as 0, not as the last value
known; a cycle that left a matched resource without a decision is partial
(service/prometheus.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.types import ResourceHistory, UnknownUsage, Usage
from dynamic_dynamodb.fleet.report import merge
from dynamic_dynamodb.report import CycleReport, Outcome
from dynamic_dynamodb.service.prometheus import CycleMetrics

from .core.coretools import NOW, dim_usage, policy, state

LABELS = {"target": "", "table": "t", "index": "", "dimension": "reads"}  # no target named


def report(usage: Usage) -> CycleReport:
    decision = decide(state(), usage, policy(), ResourceHistory(), NOW)
    return CycleReport(started=datetime(2026, 3, 2, tzinfo=timezone.utc),
                       outcomes=[Outcome(decision.resource, decision, usage)])


def consumed(metrics: CycleMetrics, dimension: str = "reads") -> float | None:
    value: float | None = metrics.registry.get_sample_value(
        "dynamic_dynamodb_consumed_capacity_units", {**LABELS, "dimension": dimension})
    return value


def test_an_unknown_dimension_drops_its_consumption_series() -> None:
    metrics = CycleMetrics()
    metrics.observe(report(Usage(dim_usage(50, 100), dim_usage(40, 100))))
    assert consumed(metrics) == 50.0

    metrics.observe(report(Usage(UnknownUsage("PartialData"), dim_usage(40, 100))))

    assert consumed(metrics) is None
    assert consumed(metrics, "writes") == 40.0
    assert metrics.registry.get_sample_value(
        "dynamic_dynamodb_provisioned_capacity_units", LABELS) == 100


def cycles(metrics: CycleMetrics, target: str, result: str) -> float | None:
    value: float | None = metrics.registry.get_sample_value(
        "dynamic_dynamodb_cycles_total", {"target": target, "result": result})
    return value


def test_a_cycle_with_a_resource_without_a_decision_is_partial_per_target() -> None:
    metrics = CycleMetrics()
    decided = report(Usage(dim_usage(50, 100), dim_usage(40, 100)))
    undecided = report(Usage(dim_usage(50, 100), dim_usage(40, 100)))
    undecided.no_decision("t/by_day", "unusable-facts", "skipped: no ProvisionedThroughput")
    for part, target in ((decided, "a/eu-west-1"), (undecided, "b/eu-west-1")):
        part.target = target

    metrics.observe(merge(decided.started, {"a/eu-west-1": decided,
                                            "b/eu-west-1": undecided}, 1.0))

    assert cycles(metrics, "a/eu-west-1", "ok") == 1
    assert cycles(metrics, "b/eu-west-1", "partial") == 1
    assert cycles(metrics, "b/eu-west-1", "ok") is None
    assert metrics.registry.get_sample_value(
        "dynamic_dynamodb_no_decisions_total",
        {"target": "b/eu-west-1", "code": "unusable-facts"}) == 1
