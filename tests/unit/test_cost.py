"""The monthly CloudWatch (GetMetricData) cost estimate: figures, --show-config, the log."""

from __future__ import annotations

import json
import logging

import pytest

from dynamic_dynamodb import cost
from dynamic_dynamodb.aws.metrics import SERIES
from dynamic_dynamodb.cli import main
from dynamic_dynamodb.loop import Scheduler
from dynamic_dynamodb.settings import Config, GlobalConfig, GsiPolicy, TablePolicy

from .schedtools import FakeClock, FakeMetrics, FakeNotifier, FakeTables, table


@pytest.mark.parametrize(
    ("interval", "tables", "gsis", "metrics_per_month", "usd_per_month"),
    [
        (300, 1, 0, 34_560, 0.3456),        # 4 x 8,640 cycles
        (300, 1, 1, 69_120, 0.6912),        # a table and its GSI
        (300, 1000, 1000, 69_120_000, 691.2),
        (60, 10, 0, 1_728_000, 17.28),      # 43,200 cycles a month
        (3600, 100, 50, 432_000, 4.32),     # 720 cycles a month
    ],
    ids=["one-table", "table-and-gsi", "thousand-with-gsis", "every-minute", "hourly"],
)
def test_monthly_figures(interval: int, tables: int, gsis: int, metrics_per_month: int,
                         usd_per_month: float) -> None:
    estimate = cost.for_resources(interval, tables, gsis)

    assert estimate.metrics_per_month == pytest.approx(metrics_per_month)
    assert estimate.usd_per_month == pytest.approx(usd_per_month)


def test_metrics_per_resource_is_what_a_cycle_requests() -> None:
    assert len(SERIES) == cost.METRICS_PER_RESOURCE


def test_show_config_has_a_per_resource_cost_estimate(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["-t", "^orders", "--check-interval", "60", "--show-config"])

    shown = json.loads(capsys.readouterr().out)["cost_estimate"]
    assert exited.value.code == 0

    assert shown["check_interval_seconds"] == 60
    assert shown["cycles_per_month"] == 43_200
    assert shown["metrics_per_resource_per_cycle"] == 4
    assert shown["usd_per_resource_per_month"] == pytest.approx(1.728)
    assert shown["usd_per_month_examples"]["1000 tables with 1 scaled GSI each"] == (
        pytest.approx(3456.0))
    assert "multiply usd_per_resource_per_month" in shown["how_to_total"]


# -- the daemon logs the estimate for what it found, once ---------------------------------
@pytest.mark.parametrize(
    ("gsi_sections", "expected"),
    [
        ((GsiPolicy(key=".*", table_key="^t"),), "3 table(s) + 3 GSI(s)"),
        ((), "3 table(s) + 0 GSI(s)"),  # a GSI no [gsi:] section matches is not read
    ],
    ids=["gsis-scaled", "gsis-not-scaled"],
)
def test_the_first_cycle_logs_the_estimate_once(caplog: pytest.LogCaptureFixture,
                                                gsi_sections: tuple[GsiPolicy, ...],
                                                expected: str) -> None:
    config = Config(global_=GlobalConfig(check_interval=300),
                    tables=(TablePolicy(key="^t", gsis=gsi_sections),))
    tables = FakeTables([table(name, 10, 10, "by_owner") for name in ("t1", "t2", "t3",
                                                                      "other")])
    scheduler = Scheduler(config, tables, FakeMetrics(), FakeNotifier(), FakeClock())

    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        scheduler.run_cycle()
        scheduler.run_cycle()

    lines = [r.getMessage() for r in caplog.records if "cost estimate" in r.getMessage()]
    assert len(lines) == 1
    assert expected in lines[0]
    assert "8,640 cycles/month" in lines[0]
