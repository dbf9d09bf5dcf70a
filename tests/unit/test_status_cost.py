"""``status`` shows what watching each target costs in GetMetricData, and the total."""

from __future__ import annotations

from dynamic_dynamodb.fleet.report import merge
from dynamic_dynamodb.report import CycleReport
from dynamic_dynamodb.status import as_dict, render_table

from .schedtools import NOW


def _part(target: str, metrics: int, monthly: float) -> CycleReport:
    return CycleReport(started=NOW, target=target, metrics_requested=metrics,
                       monthly_metrics=monthly)


def test_each_target_and_the_total() -> None:
    report = merge(NOW, {"a/eu-west-1": _part("a/eu-west-1", 12, 155_520.0),
                         "b/us-east-1": _part("b/us-east-1", 4, 51_840.0)}, 1.0)

    shown = as_dict(report)["monitoring_cost"]

    assert shown["targets"] == [
        {"target": "a/eu-west-1", "resources": 0, "metrics_per_cycle": 12,
         "metrics_per_month": 155_520, "usd_per_month": 1.56},
        {"target": "b/us-east-1", "resources": 0, "metrics_per_cycle": 4,
         "metrics_per_month": 51_840, "usd_per_month": 0.52}]
    assert shown["total"] == {"resources": 0, "metrics_per_cycle": 16,
                              "metrics_per_month": 207_360, "usd_per_month": 2.07}
    lines = [line for line in render_table(report).splitlines() if "monitoring cost" in line]
    assert lines == [
        "monitoring cost a/eu-west-1: 0 resource(s), 12 metric(s) this cycle, 155,520 a "
        "month = $1.56/month of GetMetricData",
        "monitoring cost b/us-east-1: 0 resource(s), 4 metric(s) this cycle, 51,840 a "
        "month = $0.52/month of GetMetricData",
        "monitoring cost (total): 0 resource(s), 16 metric(s) this cycle, 207,360 a month "
        "= $2.07/month of GetMetricData"]
    assert report.metrics_requested == 16  # the fleet's report sums its targets'


def test_one_target_has_no_total_line() -> None:
    lines = [line for line in render_table(_part("default/us-east-1", 4, 51_840.0))
             .splitlines() if "monitoring cost" in line]

    assert lines == ["monitoring cost default/us-east-1: 0 resource(s), 4 metric(s) this "
                     "cycle, 51,840 a month = $0.52/month of GetMetricData"]
