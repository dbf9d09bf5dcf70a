"""``dynamic-dynamodb status``: one live dry-run cycle, rendered as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from dynamic_dynamodb.localaws import create_table, seed_metrics
from dynamic_dynamodb.localaws.control import LauncherControl

from .daemon_support import Cli

CONFIG = """
[global]
max-attempts: 1
[logging]
log-file: {log}
[table: ^(orders|users)$]
reads-upper-threshold: 90
reads-lower-threshold: 30
sns-topic-arn: arn:aws:sns:us-east-1:123456789012:scaling
sns-message-types: scale-up, scale-down, error
[gsi: ^by-user$ table: ^(orders|users)$]
reads-lower-threshold: 30
"""


@pytest.fixture
def cli(aws_env: dict[str, str], tmp_path: Path) -> Cli:
    dynamodb = boto3.client("dynamodb")
    cloudwatch = boto3.client("cloudwatch")
    create_table(dynamodb, "orders", reads=10, writes=10, gsis=[("by-user", 10, 10)])
    create_table(dynamodb, "users", reads=20, writes=10)
    seed_metrics(cloudwatch, "orders", consumed_read_per_second=9.5,
                 consumed_write_per_second=5.0)
    seed_metrics(cloudwatch, "orders", "by-user", consumed_read_per_second=1.0,
                 consumed_write_per_second=5.0)
    seed_metrics(cloudwatch, "users", consumed_read_per_second=4.0,
                 consumed_write_per_second=5.0)
    (tmp_path / "dd.conf").write_text(CONFIG.format(log=tmp_path / "daemon.log"))
    return Cli(aws_env, tmp_path)


def test_status_table_shows_capacity_use_decision_reason_and_budget(
        cli: Cli, launcher: LauncherControl, tmp_path: Path) -> None:
    # users has used all 4 free decreases, the last one 10 minutes ago.
    launcher.set_resource("users", decreases_today=4, last_decrease=launcher.now() - 600)

    result = cli.run("status", "-c", "dd.conf")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RESOURCE", "DIM", "PROV", "CONSUMED", "USED", "%",
                                "NEXT", "CYCLE", "DECREASES", "LEFT", "WHY"]
    rows = {(line.split()[0], line.split()[1]): line for line in lines[1:7]
            if line.split()[0] in ("orders", "orders/by-user", "users")}
    orders = rows[("orders", "reads")]
    assert orders.split()[2:6] == ["10", "9.50", "95.0", "increase"]
    assert "increase to 15" in orders and "4 of 4" in orders
    assert "consumed 95.0 % > upper threshold 90 %" in orders
    assert "decrease to 5" in rows[("orders/by-user", "reads")]
    users = rows[("users", "reads")]
    # 20 % wants a decrease, but DynamoDB allows none for another 50 minutes.
    assert users.split()[2:6] == ["20", "4.00", "20.0", "unchanged"]
    assert "0, next" in users and "decrease held: 4 decreases used today" in users


def test_status_json_and_it_changes_nothing_and_notifies_nobody(
        cli: Cli, launcher: LauncherControl, tmp_path: Path) -> None:
    result = cli.run("status", "-c", "dd.conf", "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_name = {(r["table"], r["index"]): r for r in data["resources"]}
    assert set(by_name) == {("orders", None), ("orders", "by-user"), ("users", None)}
    reads = by_name[("orders", None)]["reads"]
    assert (reads["provisioned"], reads["consumed"], reads["utilisation_percent"]) == \
        (10, 9.5, 95.0)
    assert (reads["decision"], reads["target"], reads["reason_code"]) == \
        ("increase", 15, "above-upper-threshold")
    assert by_name[("orders", None)]["decreases"]["free_left"] == 4
    assert data["failed_tables"] == {} and data["error"] is None
    calls = launcher.calls()
    assert "dynamodb.UpdateTable" not in calls and "sns.Publish" not in calls
    assert not (tmp_path / "daemon.log").exists()  # nothing written to the daemon's log


def test_status_reports_a_failing_table_and_exits_1(cli: Cli,
                                                    launcher: LauncherControl) -> None:
    launcher.inject_fault("dynamodb", "DescribeTable", "internal_error", count=-1,
                          table="users")

    result = cli.run("status", "-c", "dd.conf")

    assert result.returncode == 1
    assert "users: FAILED: DescribeTable users: InternalServerError" in result.stdout
    assert "increase to 15" in result.stdout  # orders was still shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "-c", "missing.conf"], "missing.conf"),
        (["status", "-c", "dd.conf", "--reads-upper-threshold", "lots"], "expected a number"),
    ],
    ids=["missing-file", "bad-flag-value"],
)
def test_status_with_a_bad_configuration_exits_2(cli: Cli, args: list[str],
                                                 message: str) -> None:
    result = cli.run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_status_against_a_dead_endpoint_says_so_once_and_exits_1(cli: Cli) -> None:
    result = cli.run("status", "-c", "dd.conf",
                     env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})

    assert result.returncode == 1
    assert result.stdout == ""  # no empty table claiming "(no managed table found)"
    assert result.stderr.count("cannot reach AWS endpoint") == 1, result.stderr
    assert result.stderr.startswith("error: ListTables: cannot reach AWS endpoint")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("fault", "config", "shown"),
    [
        ({"service": "cloudwatch", "operation": "GetMetricData", "kind": "internal_error"},
         "dd.conf", "orders: NO DECISION: metrics unavailable: no decision this cycle"),
        (None, "typo.conf", "NO DECISION: no table matches the configured table names "
                            "(^(odrers|users)-v2$); ListTables returned 2 tables"),
    ],
    ids=["metrics-unavailable", "regex-matches-nothing"],
)
def test_status_exits_1_when_a_matched_resource_got_no_decision(
        cli: Cli, launcher: LauncherControl, tmp_path: Path, fault: dict[str, str] | None,
        config: str, shown: str) -> None:
    (tmp_path / "typo.conf").write_text(CONFIG.replace("^(orders|users)$",
                                                       "^(odrers|users)-v2$"))
    if fault is not None:
        launcher.inject_fault(**fault, count=-1)

    result = cli.run("status", "-c", config)
    as_json = cli.run("status", "-c", config, "--json")

    assert (result.returncode, as_json.returncode) == (1, 1), result.stderr
    assert shown in result.stdout
    entries = json.loads(as_json.stdout)["no_decision"]
    assert entries and all(e["code"] in ("metrics-unknown", "no-match") for e in entries)
    assert "Traceback" not in result.stderr + as_json.stderr


def test_status_shows_each_targets_owner_from_the_lease_table(cli: Cli) -> None:
    """The configured target (the global settings': default/us-east-1) is shown with its
    owner next to its tables; the lease table's items follow, configured here or not."""
    from dynamic_dynamodb.fleet.lease_store import DynamoLeaseStore, LeaseItem

    store = DynamoLeaseStore(boto3.client("dynamodb"), "dd-leases")
    store.ensure_table(timeout=10)
    for target in ("default/us-east-1", "prod/eu-west-1", "prod/us-east-1"):
        store.create(target)
    assert store.take(LeaseItem("prod/eu-west-1", None, 0), "scaler-a", 4e9, 60.0)
    assert store.take(LeaseItem("default/us-east-1", None, 0), "scaler-b", 4e9, 60.0)

    text = cli.run("status", "-c", "dd.conf", "--lease-table", "dd-leases")
    as_json = cli.run("status", "-c", "dd.conf", "--lease-table", "dd-leases", "--json")

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:3] == ["TARGET", "OWNER", "RESOURCE"]
    assert lines[1].split()[:4] == ["default/us-east-1", "scaler-b", "orders", "reads"]
    assert lines[2].split()[:2] == ["writes", "10"]  # target and owner once per target
    start = lines.index("lease table dd-leases:")
    assert lines[start + 1].split() == ["TARGET", "OWNER", "EXPIRES"]
    assert lines[start + 2].split()[:3] == ["default/us-east-1", "scaler-b", "in"]
    assert lines[start + 3].split()[:3] == ["prod/eu-west-1", "scaler-a", "in"]
    assert lines[start + 4].split() == ["prod/us-east-1", "(free)"]
    data = json.loads(as_json.stdout)
    assert data["targets"] == [{"target": "default/us-east-1", "error": None,
                                "owner": "scaler-b"}]
    assert data["leases"] == {
        "default/us-east-1": {"owner": "scaler-b", "expires_at": 4e9},
        "prod/eu-west-1": {"owner": "scaler-a", "expires_at": 4e9},
        "prod/us-east-1": {"owner": None, "expires_at": None}}


def test_status_shows_a_target_nobody_holds_as_free(cli: Cli) -> None:
    text = cli.run("status", "-c", "dd.conf", "--lease-table", "dd-leases")

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[1].split()[:3] == ["default/us-east-1", "(free)", "orders"]
    assert "lease table dd-leases: cannot read it:" in text.stdout  # status creates nothing
