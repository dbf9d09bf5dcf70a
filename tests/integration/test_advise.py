"""``dynamic-dynamodb advise`` end to end: the real CLI, as a process, against a local
AWS holding a day of minute-level history for a small fleet (DynamoDB: the launcher;
CloudWatch: fast_cloudwatch; both over HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.advise.pricing import MINUTES_PER_MONTH
from dynamic_dynamodb.aws.history import (
    CloudWatchHistory,
    ReadStopped,
    history_queries,
    plan_calls,
)
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.settings import GlobalConfig

from .advise_support import History, LocalFleet

DAYS = 1
MINUTES = DAYS * 1440 + 60  # history written: the window and an hour more
READ_PRICE = 0.125 / 1e6  # us-east-1 list price per read request unit
STEADY_READS = [20.0 + (m % 7) / 10 for m in range(MINUTES)]
BURSTS = [200.0 if m % 360 < 5 else 0.0 for m in range(MINUTES)]
ON_DEMAND_READS = [30.0 + (m % 3) / 4 for m in range(MINUTES)]


@dataclass
class Advised:
    fleet: LocalFleet
    now: datetime
    out: Path
    document: dict[str, Any]
    stderr: str

    def table(self, name: str) -> dict[str, Any]:
        return next(t for t in self.document["tables"] if t["table"] == name)


def run_cli(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynamic_dynamodb", "advise", *args],
                          env=env, cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def outage_start(now: datetime) -> int:
    """An index of the history whose minute starts a 5-minute period, mid-window."""
    first = now - timedelta(minutes=MINUTES)
    k = 700
    while (first + timedelta(minutes=k)).minute % 5:
        k += 1
    return k


@pytest.fixture(scope="module")
def advised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advised]:
    scratch = tmp_path_factory.mktemp("advise")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    old = now - timedelta(days=DAYS + 2)
    with LocalFleet(scratch) as fleet:
        fleet.make_table("steady", old, 40, 5, gsis=[("by_owner", 10, 10)])
        fleet.write_history("steady", History(STEADY_READS, [2.0] * MINUTES,
                                              provisioned=(40, 5)), now)
        fleet.write_history("steady", History([1.0] * MINUTES, [2.0] * MINUTES,
                                              provisioned=(10, 10)), now, "by_owner")
        fleet.make_table("bursty", old, 200, 1)
        fleet.write_history("bursty", History(BURSTS, provisioned=(200, 1)), now)
        fleet.make_table("throttled", old, 5, 1)
        fleet.write_history("throttled", History([5.0] * MINUTES, read_throttles=[180.0] *
                                                 MINUTES, provisioned=(5, 1)), now)
        fleet.make_table("ondemand", old, billing_mode="PAY_PER_REQUEST")
        fleet.write_history("ondemand", History(ON_DEMAND_READS, [1.0] * MINUTES), now)
        k = outage_start(now)
        fleet.make_table("outage", old, 10, 2)
        fleet.write_history("outage", History([4.0] * MINUTES, provisioned=(10, 2),
                                              outage=range(k, k + 30)), now)
        fleet.make_table("fresh", now - timedelta(hours=3), 5, 5, gsis=[("by_day", 5, 5)])
        fleet.write_history("fresh", History([1.0] * 180, provisioned=(5, 5)), now)
        fleet.write_history("fresh", History([0.5] * 180, [1.0] * 180, provisioned=(5, 5)),
                            now, "by_day")
        mine = scratch / "mine.conf"
        mine.write_text("[table: ^steady$]\nreads-upper-threshold: 80\n")
        result = run_cli(fleet.env, "--days", str(DAYS), "--json", "--yes", "--jobs", "2",
                         "-c", str(mine), "-t", ".*",
                         "--write-config", str(scratch / "advised.conf"), cwd=scratch)
        assert result.returncode == 0, result.stderr
        yield Advised(fleet, now, scratch, json.loads(result.stdout), result.stderr)


def test_a_steady_table_is_advised_provisioned(advised: Advised) -> None:
    steady = advised.table("steady")
    assert steady["billing_mode"] == "PROVISIONED"
    assert steady["recommended_billing_mode"] == "PROVISIONED"
    assert steady["recommended_settings"]["reads"]["policy"] == "target"
    assert steady["recommended_dollars_per_month"] < steady["current_dollars_per_month"]
    assert steady["recommended_dollars_per_month"] < steady["on_demand_dollars_per_month"]
    assert steady["recommended_throttled_percent"] == 0.0
    (gsi,) = steady["indexes"]
    assert gsi["index"] == "by_owner" and gsi["recommended_billing_mode"] == "PROVISIONED"
    for key in ("current_dollars_per_month", "on_demand_dollars_per_month",
                "recommended_dollars_per_month", "recommended_throttled_percent"):
        assert isinstance(gsi[key], float)
    assert steady["saving_dollars_per_month"] == pytest.approx(
        steady["current_dollars_per_month"] - steady["recommended_dollars_per_month"])


def test_this_configuration_is_replayed_for_the_tables_it_manages(advised: Advised) -> None:
    steady = advised.table("steady")
    assert steady["base_table"]["policies"]["config"] is not None
    reads = steady["base_table"]["dimensions"]["reads"]["policies"]["config"]
    assert reads["label"] == "your configuration (threshold mode, check every 300 s)"
    # Its GSI has no [gsi: ...] section: the daemon would not scale it.
    assert steady["indexes"][0]["policies"]["config"] is None
    assert steady["policies"]["config"] is None  # not for the whole table, then
    assert advised.table("bursty")["base_table"]["policies"]["config"] is None
    assert advised.document["config"].endswith("mine.conf")


def test_a_table_idle_but_for_short_bursts_is_advised_on_demand(advised: Advised) -> None:
    bursty = advised.table("bursty")
    assert bursty["recommended_billing_mode"] == "PAY_PER_REQUEST"
    assert bursty["recommended_dollars_per_month"] == bursty["on_demand_dollars_per_month"]
    # The target mode could not keep up with 5-minute bursts, even at the lowest target:
    # each burst's first minutes are throttled (and, idle between bursts, it holds its
    # capacity: 0 % use decreases nothing by default), at more than on-demand costs.
    target = bursty["base_table"]["dimensions"]["reads"]["policies"]
    assert {k for k in target if k.startswith("target-")} == {"target-90", "target-50"}
    for k in ("target-90", "target-50"):
        assert target[k]["throttled_percent"] > 10
        assert target[k]["dollars_per_month"] > bursty["on_demand_dollars_per_month"]
    assert any("at most 4 times in 24 hours" in note for note in bursty["notes"])


def test_a_throttled_table_is_never_advised_more_throttling(advised: Advised) -> None:
    throttled = advised.table("throttled")
    assert throttled["current_throttled_percent"] > 30
    assert throttled["recommended_throttled_percent"] <= throttled["current_throttled_percent"]
    reads = throttled["base_table"]["dimensions"]["reads"]
    chosen = reads["policies"][reads["provisioned_choice"]]
    assert chosen["throttled_percent"] <= reads["current"]["throttled_percent"]
    assert reads["throttle_events"] == 180.0 * DAYS * 1440
    assert any("throttle events recorded" in note for note in throttled["notes"])


def test_the_on_demand_figure_is_consumed_units_times_the_list_price(
        advised: Advised) -> None:
    table = advised.table("ondemand")
    window = advised.document["window"]
    end = datetime.fromisoformat(window["end"])
    minutes = DAYS * 1440
    first = MINUTES - int((advised.now - end).total_seconds() // 60) - minutes
    consumed_units = sum(r * 60 for r in ON_DEMAND_READS[first:first + minutes])
    reads = table["base_table"]["dimensions"]["reads"]
    assert reads["consumed_units"] == pytest.approx(consumed_units, rel=1e-12)
    expected = consumed_units * READ_PRICE * MINUTES_PER_MONTH / minutes
    assert reads["on_demand_dollars_per_month"] == pytest.approx(expected, rel=1e-12)
    assert table["current_dollars_per_month"] == pytest.approx(
        table["on_demand_dollars_per_month"], rel=1e-12)
    # Steady traffic: provisioned is cheaper, and switching is allowed at any time.
    assert table["recommended_billing_mode"] == "PROVISIONED"
    assert any("switching to provisioned is allowed at any time" in n for n in table["notes"])


def test_an_outage_is_a_gap_and_a_young_table_says_so(advised: Advised) -> None:
    outage = advised.table("outage")["confidence"]
    assert outage["gap_minutes"] == 30 and len(outage["gaps"]) == 1
    assert "1 gap(s)" in outage["note"]
    assert advised.table("outage")["base_table"]["minutes_with_data"] == DAYS * 1440 - 30
    fresh = advised.table("fresh")["confidence"]
    assert fresh["younger_than_window"] and fresh["level"] == "low"
    assert "after the window began" in fresh["note"]


def test_the_read_was_batched_and_costed(advised: Advised) -> None:
    cost = advised.document["advice_cost"]
    # 6 tables + 2 GSIs, 6 series each, one day: all in one call.
    assert cost["metrics_requested"] == 48 and cost["get_metric_data_calls"] == 1
    assert cost["dollars"] == pytest.approx(48 / 1000 * 0.01)
    assert "48 metrics" in advised.stderr and "1 GetMetricData call(s)" in advised.stderr


def test_the_written_config_is_one_the_daemon_loads(advised: Advised) -> None:
    path = advised.out / "advised.conf"
    config = from_command_line(None, {}, {}, {}, config_file=str(path))
    assert config.global_.check_interval == 60
    keys = {t.key: t for t in config.tables}
    advised_provisioned = {f"^{t['table']}$" for t in advised.document["tables"]
                           if t["recommended_billing_mode"] == "PROVISIONED"}
    assert set(keys) == advised_provisioned
    assert {"^steady$", "^throttled$", "^ondemand$"} <= set(keys) and "^bursty$" not in keys
    steady = keys["^steady$"]
    assert steady.scaling_mode == "target" and steady.reads.target_utilisation == 90
    assert [g.key for g in steady.gsis] == ["^by_owner$"]
    assert not keys["^throttled$"].writes.enabled  # idle writes: kept as they are
    text = path.read_text()
    assert "# bursty: PROVISIONED now" in text and "advised PAY_PER_REQUEST" in text
    shown = subprocess.run([sys.executable, "-m", "dynamic_dynamodb", "--config", str(path),
                            "--show-config"], env=advised.fleet.env, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr


def test_a_costly_read_is_not_made_without_yes(advised: Advised) -> None:
    before = advised.fleet.stats()["calls"].get("GetMetricData", 0)
    result = run_cli(advised.fleet.env, "--days", str(DAYS), "--confirm-above", "0",
                     cwd=advised.out)
    assert result.returncode == 2
    assert "pass --yes to go ahead" in result.stderr and "Traceback" not in result.stderr
    assert advised.fleet.stats()["calls"].get("GetMetricData", 0) == before


def test_a_bad_price_file_is_a_usage_error(advised: Advised) -> None:
    bad = advised.out / "bad-prices.json"
    bad.write_text('{"read_capacity_unit_hour": "cheap"}')
    result = run_cli(advised.fleet.env, "--price-file", str(bad), cwd=advised.out)
    assert result.returncode == 2
    assert "read_capacity_unit_hour: expected a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_table_output_dir_and_a_price_file(advised: Advised) -> None:
    """One more run, on the young table (three hours: quick): the table on stdout, a CSV
    and a plot and advice.json in --output-dir, prices from a price file."""
    prices = advised.out / "prices.json"
    prices.write_text(json.dumps({"region": "elsewhere",
                                  "read_request_units_per_million": 0.25}))
    out = advised.out / "out"
    result = run_cli(advised.fleet.env, "--days", str(DAYS), "-t", "^fresh$", "--yes", "-q",
                     "--price-file", str(prices), "--output-dir", str(out), cwd=advised.out)
    assert result.returncode == 0, result.stderr

    rows = result.stdout.splitlines()
    assert rows[0].split()[:3] == ["RESOURCE", "BILLING", "NOW"]
    assert rows[1].startswith("fresh ") and rows[1].split()[1] == "provisioned"
    assert rows[2].startswith("  by_day ") and rows[3].startswith("TOTAL ")
    assert "fresh: confidence low: 0.1 days of 1-minute data" in result.stdout
    assert "the prices of " in result.stdout and "(elsewhere)" in result.stdout

    document = json.loads((out / "advice.json").read_text())
    assert document["prices"]["region"] == "elsewhere"
    (table,) = document["tables"]
    before = advised.table("fresh")["base_table"]["dimensions"]["reads"]
    after = table["base_table"]["dimensions"]["reads"]
    assert after["on_demand_dollars_per_month"] == pytest.approx(
        2 * before["on_demand_dollars_per_month"], rel=1e-12)

    minutes = table["base_table"]["minutes_with_data"]
    lines = (out / "fresh.csv").read_text().splitlines()
    assert lines[0].startswith("time,resource,dimension,has_data,demand,consumed")
    assert len(lines) == 1 + 2 * 2 * minutes  # table and GSI, reads and writes
    assert lines[1].split(",")[1:4] == ["fresh", "reads", "1"]
    assert lines[-1].split(",")[1:3] == ["fresh/by_day", "writes"]
    assert (out / "fresh.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def clients(advised: Advised, monkeypatch: pytest.MonkeyPatch) -> AwsClients:
    for name, value in advised.fleet.env.items():
        monkeypatch.setenv(name, value)
    return AwsClients(GlobalConfig())


def test_many_small_calls_read_what_one_call_reads(advised: Advised,
                                                   clients: AwsClients) -> None:
    queries = history_queries(ResourceId("steady"), 60) + history_queries(
        ResourceId("steady", "by_owner"), 60)
    end = advised.now - timedelta(minutes=5)
    start = end - timedelta(hours=6)
    one = CloudWatchHistory(clients).read(plan_calls(queries, start, end))
    small = plan_calls(queries, start, end, max_queries=5, max_datapoints=1000)
    assert len(small) == 4  # 3 consumed/throttle series of 360 points each fit in 1,000
    many = CloudWatchHistory(clients).read(small)
    assert many.calls == len(small) and one.calls == 1
    assert many.points == one.points and not many.failed
    assert len(one.points[queries[0]]) == 360


def test_a_stop_is_honoured_between_calls(advised: Advised, clients: AwsClients) -> None:
    queries = history_queries(ResourceId("steady"), 60)
    end = advised.now - timedelta(minutes=5)
    stop = threading.Event()
    stop.set()
    before = advised.fleet.stats()["calls"].get("GetMetricData", 0)
    with pytest.raises(ReadStopped):
        CloudWatchHistory(clients).read(plan_calls(queries, end - timedelta(hours=1), end),
                                        stop)
    assert advised.fleet.stats()["calls"].get("GetMetricData", 0) == before
