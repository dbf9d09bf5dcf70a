"""Prometheus metrics never show an unknown consumption: not as 0, not as the last value
known (service/prometheus.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from dynamic_dynamodb.core.policy import decide
from dynamic_dynamodb.core.types import ResourceHistory, UnknownUsage, Usage
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
