"""The original's README example, end to end over HTTP against the local AWS-API server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.localaws.seed import create_table, seed_metrics

from .clitools import README_EXAMPLE, capacity, run_cli


def _busy_table(dynamodb, cloudwatch, name: str, reads_per_s: float = 95,
                writes_per_s: float = 20) -> None:
    create_table(dynamodb, name, reads=100, writes=100)
    seed_metrics(cloudwatch, name, consumed_read_per_second=reads_per_s,
                 consumed_write_per_second=writes_per_s)


def test_readme_example_run_once(aws_env, dynamodb_client, cloudwatch_client):
    for name in ("my-table", "my-table-2", "other-table"):
        _busy_table(dynamodb_client, cloudwatch_client, name)
    before = capacity(dynamodb_client, "my-table")
    result = run_cli(["--table-name", "my-table", *README_EXAMPLE, "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert before == (100, 100)
    # reads at 95 % > 90: +50 %; writes at 20 % < 40: -70 %.
    assert capacity(dynamodb_client, "my-table") == (150, 30)
    # The name is a regex matched from the start: my-table-2 matches too.
    assert capacity(dynamodb_client, "my-table-2") == (150, 30)
    assert capacity(dynamodb_client, "other-table") == (100, 100)
    assert "my-table: reads 100 (95.0 % used) -> 150" in result.stderr
    assert "Traceback" not in result.stderr


def test_anchored_regex_matches_only_itself(aws_env, dynamodb_client, cloudwatch_client):
    for name in ("my-table", "my-table-2"):
        _busy_table(dynamodb_client, cloudwatch_client, name)
    result = run_cli(["--table-name", "^my-table$", *README_EXAMPLE, "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert capacity(dynamodb_client, "my-table") == (150, 30)
    assert capacity(dynamodb_client, "my-table-2") == (100, 100)


def test_dry_run_changes_nothing(aws_env, dynamodb_client, cloudwatch_client):
    _busy_table(dynamodb_client, cloudwatch_client, "my-table")
    result = run_cli(["-t", "my-table", *README_EXAMPLE, "--run-once", "--dry-run"], aws_env)
    assert result.returncode == 0, result.stderr
    assert capacity(dynamodb_client, "my-table") == (100, 100)
    assert "[dry-run]" in result.stderr and "would change to 150" in result.stderr


def test_unit_steps_min_and_max(aws_env, dynamodb_client, cloudwatch_client):
    _busy_table(dynamodb_client, cloudwatch_client, "my-table", reads_per_s=95, writes_per_s=20)
    result = run_cli(["-t", "my-table", "--increase-reads-unit", "units",
                      "--increase-reads-with", "500", "--max-provisioned-reads", "400",
                      "--decrease-writes-unit", "units", "--decrease-writes-with", "90",
                      "--min-provisioned-writes", "25", "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert capacity(dynamodb_client, "my-table") == (400, 25)


def test_empty_metrics_are_zero_use(aws_env, dynamodb_client):
    create_table(dynamodb_client, "idle", reads=100, writes=100)
    result = run_cli(["-t", "idle", "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    # 0 % use: no decrease unless allow-scaling-down-*-on-0-percent.
    assert capacity(dynamodb_client, "idle") == (100, 100)
    result = run_cli(["-t", "idle", "--allow-scaling-down-reads-on-0-percent", "true",
                      "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert capacity(dynamodb_client, "idle") == (50, 100)


def test_failed_metrics_call_is_unknown(aws_env, launcher, dynamodb_client, cloudwatch_client):
    _busy_table(dynamodb_client, cloudwatch_client, "my-table", reads_per_s=5, writes_per_s=5)
    launcher.inject_fault("cloudwatch", "GetMetricData", "internal_error", count=-1)
    result = run_cli(["-t", "my-table", "--run-once"], aws_env)
    assert capacity(dynamodb_client, "my-table") == (100, 100)
    assert "metrics unavailable" in result.stderr


def test_updating_table_is_skipped(aws_env, launcher, dynamodb_client, cloudwatch_client):
    _busy_table(dynamodb_client, cloudwatch_client, "my-table")
    launcher.set_update_delay(600)
    first = run_cli(["-t", "my-table", *README_EXAMPLE, "--run-once"], aws_env)
    assert first.returncode == 0, first.stderr
    assert capacity(dynamodb_client, "my-table") == (150, 30)
    second = run_cli(["-t", "my-table", *README_EXAMPLE, "--run-once"], aws_env)
    assert second.returncode == 0, second.stderr
    assert "status UPDATING: skipped this cycle" in second.stderr
    assert capacity(dynamodb_client, "my-table") == (150, 30)


def test_refused_decrease_does_not_block_increase(aws_env, launcher, dynamodb_client,
                                                   cloudwatch_client):
    """DynamoDB refuses the combined call (its clock says the budget is spent although the
    daemon thought otherwise): the increase is sent alone."""
    _busy_table(dynamodb_client, cloudwatch_client, "my-table")
    launcher_now = datetime.now(timezone.utc) - timedelta(hours=3)
    launcher.set_time(launcher_now)
    launcher.set_resource("my-table", decreases_today=4,
                          last_decrease=launcher_now - timedelta(minutes=10))
    result = run_cli(["-t", "my-table", *README_EXAMPLE, "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert capacity(dynamodb_client, "my-table") == (150, 100)
    assert "LimitExceededException" in result.stderr


def test_on_demand_table_is_skipped(aws_env, dynamodb_client):
    create_table(dynamodb_client, "od", billing_mode="PAY_PER_REQUEST")
    result = run_cli(["-t", "od", "--run-once"], aws_env)
    assert result.returncode == 0, result.stderr
    assert "on-demand (PAY_PER_REQUEST)" in result.stderr


@pytest.mark.parametrize("args,message", [
    (["--no-such-flag"], "No such option"),
    (["--reads-upper-threshold", "lots"], "expected a number"),
    (["--reads-lower-threshold", "-5"], "must not be negative"),
    (["--min-provisioned-reads", "50", "--max-provisioned-reads", "10"],
     "min-provisioned-reads (50) is above max-provisioned-reads (10)"),
    (["--increase-reads-unit", "bananas"], "expected 'percent' or 'units'"),
    ([], "no table to manage"),
], ids=["unknown-flag", "ill-typed", "negative", "min-above-max", "bad-unit", "no-table"])
def test_bad_input_exits_2_without_traceback(aws_env, dynamodb_client, args, message):
    create_table(dynamodb_client, "my-table", reads=100, writes=100)
    table = [] if not args else ["-t", "my-table"]
    result = run_cli([*table, *args, "--run-once"], aws_env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert capacity(dynamodb_client, "my-table") == (100, 100)


def test_missing_credentials_exit_1(aws_env, tmp_path):
    env = {k: v for k, v in aws_env.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    result = run_cli(["-t", "my-table", "--run-once"], env)
    assert result.returncode == 1
    assert "no AWS credentials" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_endpoint_exit_1(aws_env):
    env = dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
    result = run_cli(["-t", "my-table", "--run-once"], env)
    assert result.returncode == 1
    assert "cannot reach AWS endpoint" in result.stderr
    assert "Traceback" not in result.stderr


def test_version(aws_env):
    result = run_cli(["--version"], aws_env)
    assert result.returncode == 0 and "dynamic-dynamodb" in result.stdout
