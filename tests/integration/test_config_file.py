"""A configuration file in the original's documented style drives the real command line
(`python -m dynamic_dynamodb --config FILE --run-once`, a subprocess) against the local
AWS API: every table and GSI section lands on the resources it names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.localaws import create_table, seed_metrics

ROOT = Path(__file__).resolve().parents[2]

# The original's format: [global] with keys, [logging], [default_options], two table
# sections and a GSI section naming its table by the table section's key.
CONFIG = """\
    [global]
    # AWS access keys
    aws-access-key-id: testing
    aws-secret-access-key-id: testing

    # AWS region to use
    region: us-east-1

    # How often should Dynamic DynamoDB monitor changes (in seconds)
    check-interval: 300

    [logging]
    # Log level [debug|info|warning|error]
    log-level: info

    [default_options]
    reads-upper-threshold: 90
    reads-lower-threshold: 30
    increase-reads-with: 50
    decrease-reads-with: 50
    increase-reads-unit: percent
    decrease-reads-unit: percent
    writes-upper-threshold: 90
    writes-lower-threshold: 30
    increase-writes-with: 50
    decrease-writes-with: 50
    increase-writes-unit: percent
    decrease-writes-unit: percent

    [table: ^orders$]
    # Maximum and minimum read provisioning
    min-provisioned-reads: 5
    max-provisioned-reads: 500

    [table: ^events]
    increase-reads-unit: units
    increase-reads-with: 7

    [gsi: ^by_customer$ table: ^orders$]
    increase-reads-with: 100
    allow-scaling-down-writes-on-0-percent: true
    """


def capacities(client: Any, table: str) -> dict[str | None, tuple[int, int]]:
    """(reads, writes) of the table (key None) and of each of its GSIs, from DescribeTable."""
    description = client.describe_table(TableName=table)["Table"]

    def pair(throughput: dict[str, int]) -> tuple[int, int]:
        return throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]

    result: dict[str | None, tuple[int, int]] = {None: pair(description["ProvisionedThroughput"])}
    for gsi in description.get("GlobalSecondaryIndexes", []):
        result[gsi["IndexName"]] = pair(gsi["ProvisionedThroughput"])
    return result


def test_config_file_drives_run_once_to_expected_capacities(
        tmp_path: Path, aws_env: dict[str, str], dynamodb_client: Any,
        cloudwatch_client: Any) -> None:
    create_table(dynamodb_client, "orders", 10, 10, gsis=[("by_customer", 5, 5)])
    create_table(dynamodb_client, "events-2024", 20, 20)
    create_table(dynamodb_client, "unmanaged", 10, 10)
    # Units per second over the lookback window (seeded for the last 15 minutes).
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=9.5,     # 95 %
                 consumed_write_per_second=1.0)                                 # 10 %
    seed_metrics(cloudwatch_client, "orders", "by_customer",
                 consumed_read_per_second=4.8)                                  # 96 %, 0 %
    seed_metrics(cloudwatch_client, "events-2024", consumed_read_per_second=19,  # 95 %
                 consumed_write_per_second=10)                                  # 50 %
    seed_metrics(cloudwatch_client, "unmanaged", consumed_read_per_second=9.5)
    config = tmp_path / "dynamic-dynamodb.conf"
    config.write_text(textwrap.dedent(CONFIG))

    result = subprocess.run(
        [sys.executable, "-m", "dynamic_dynamodb", "--config", str(config), "--run-once"],
        env=aws_env, capture_output=True, text=True, timeout=120, cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert capacities(dynamodb_client, "orders") == {
        None: (15, 5),            # reads +50 %, writes -50 % ([default_options])
        "by_customer": (10, 3),   # reads +100 %, writes down at 0 % (its GSI section)
    }
    assert capacities(dynamodb_client, "events-2024") == {None: (27, 20)}  # +7 units
    assert capacities(dynamodb_client, "unmanaged") == {None: (10, 10)}    # no section


@pytest.mark.parametrize("flag,expected", [
    ([], (15, 5)),
    (["--increase-reads-with", "100"], (20, 5)),
], ids=["file", "flag-beats-file"])
def test_flags_override_the_file_in_a_real_run(
        tmp_path: Path, aws_env: dict[str, str], dynamodb_client: Any,
        cloudwatch_client: Any, flag: list[str], expected: tuple[int, int]) -> None:
    create_table(dynamodb_client, "orders", 10, 10, gsis=[("by_customer", 5, 5)])
    seed_metrics(cloudwatch_client, "orders", consumed_read_per_second=9.5,
                 consumed_write_per_second=1.0)
    config = tmp_path / "dynamic-dynamodb.conf"
    config.write_text(textwrap.dedent(CONFIG))

    result = subprocess.run(
        [sys.executable, "-m", "dynamic_dynamodb", "-c", str(config), "--run-once", *flag],
        env=aws_env, capture_output=True, text=True, timeout=120, cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert capacities(dynamodb_client, "orders")[None] == expected
