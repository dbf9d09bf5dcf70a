"""Fleets against the local AWS: two accounts reached by STS AssumeRole, two regions
each; every table scaled in its own account and region, a section restricted to one
account, targets whose credentials fail (an expired token, a profile whose credential
process fails, a refused AssumeRole), a slow target, and credentials refreshed by
botocore. moto keeps each account's tables and metrics apart: credentials from an
AssumeRole into 111111111111 see that account's tables, in the region they sign for."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.fleet.sessions import target_clients
from dynamic_dynamodb.fleet.targets import plan_targets
from dynamic_dynamodb.localaws import LauncherControl
from dynamic_dynamodb.localaws.seed import create_table, seed_metrics
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import AccountConfig, Config, GlobalConfig, TablePolicy

from .conftest import NO_RETRIES
from .daemon_support import Cli, read, stopping, wait_for

ALPHA, BETA, GAMMA = "111111111111", "222222222222", "333333333333"
EU, US = "eu-west-1", "us-east-1"


def role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/dynamic-dynamodb"


# The configuration of the two-account test (README, "Fleets"), with two more accounts
# whose credentials fail: gamma's calls get ExpiredTokenException, delta's profile runs a
# credential process that fails.
FLEET_CONFIG = f"""\
[global]
region: {EU}
check-interval: 60
max-attempts: 1

[account: alpha]
role-arn: {role(ALPHA)}
external-id: alpha-external-id
regions: {EU}, {US}

[account: beta]
role-arn: {role(BETA)}
role-session-name: dd-beta
regions: {EU}, {US}

[account: gamma]
role-arn: {role(GAMMA)}

[account: delta]
profile: broken

[table: ^orders$]
reads-upper-threshold: 90
increase-reads-with: 50

[table: ^alpha-only$]
accounts: alpha
reads-upper-threshold: 90
increase-reads-with: 50
sns-topic-arn: arn:aws:sns:{EU}:{ALPHA}:scaling
sns-message-types: scale-up
"""

# (account, region, table): (provisioned reads, consumed reads per second). Reads above
# 90 % of provisioned are increased by 50 %.
SEED = {
    (ALPHA, EU, "orders"): (100, 95.0),      # -> 150
    (ALPHA, US, "orders"): (40, 38.0),       # -> 60
    (BETA, EU, "orders"): (200, 100.0),      # 50 %: unchanged
    (BETA, US, "orders"): (10, 9.5),         # -> 15
    (ALPHA, EU, "alpha-only"): (20, 19.0),   # -> 30
    (BETA, EU, "alpha-only"): (20, 19.0),    # no section applies in beta: stays 20
    (BETA, US, "alpha-only"): (20, 19.0),    # likewise
    (GAMMA, EU, "orders"): (10, 9.5),        # its calls fail: stays 10
}


def clients_in(account: str, region: str, service: str) -> Any:
    """A client acting in ``account`` (an AssumeRole there, as the daemon does)."""
    sts = boto3.client("sts", region_name=region)
    credentials = sts.assume_role(RoleArn=role(account),
                                  RoleSessionName="test")["Credentials"]
    return boto3.client(service, region_name=region, config=NO_RETRIES,
                        aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])


def reads_of(account: str, region: str, table: str) -> int:
    description = clients_in(account, region, "dynamodb").describe_table(TableName=table)
    return int(description["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"])


@pytest.fixture
def fleet(aws_env: dict[str, str], launcher: LauncherControl, tmp_path: Path
          ) -> tuple[Cli, Path]:
    """The seeded accounts, gamma's calls failing, delta's profile broken, and the CLI
    with the fleet's configuration file."""
    for (account, region, table), (reads, consumed) in SEED.items():
        create_table(clients_in(account, region, "dynamodb"), table, reads=reads, writes=10)
        seed_metrics(clients_in(account, region, "cloudwatch"), table,
                     consumed_read_per_second=consumed, consumed_write_per_second=5.0)
    launcher.inject_fault("dynamodb", "*", "error", count=-1, account=GAMMA, status=400,
                          code="ExpiredTokenException",
                          message="The security token included in the request is expired")
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile broken]\ncredential_process = false\n")
    config = tmp_path / "fleet.conf"
    config.write_text(FLEET_CONFIG)
    cli = Cli({**aws_env, "AWS_CONFIG_FILE": str(aws_config)}, tmp_path)
    return cli, config


def sns_messages(account: str, region: str, topic: str) -> Any:
    """An SQS queue subscribed to ``topic`` in ``account``; call the result to read it."""
    sns = clients_in(account, region, "sns")
    sqs = clients_in(account, region, "sqs")
    arn = sns.create_topic(Name=topic)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{topic}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict[str, Any]]:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in answer.get("Messages", [])]

    return received


def test_each_table_is_scaled_in_its_own_account_and_region_and_failures_stay_alone(
        fleet, launcher):
    cli, config = fleet
    inbox = sns_messages(ALPHA, EU, "scaling")

    result = cli.run("-c", str(config), "--run-once", timeout=120)

    assert result.returncode == 1, result.stderr  # gamma and delta failed
    launcher.clear_faults()  # to read gamma's table
    assert {key: reads_of(*key) for key in SEED} == {
        (ALPHA, EU, "orders"): 150, (ALPHA, US, "orders"): 60,
        (BETA, EU, "orders"): 200, (BETA, US, "orders"): 15,
        (ALPHA, EU, "alpha-only"): 30,
        (BETA, EU, "alpha-only"): 20, (BETA, US, "alpha-only"): 20,
        (GAMMA, EU, "orders"): 10,
    }
    log = result.stderr
    assert "[alpha/eu-west-1] orders: reads 100 (95.0 % used) -> 150" in log
    assert "[beta/us-east-1] orders: reads 10 (95.0 % used) -> 15" in log
    assert "[beta/eu-west-1] orders: reads 200 (50.0 % used) unchanged" in log
    assert "[gamma/eu-west-1] cycle failed: ListTables: ExpiredTokenException" in log
    assert "[delta/eu-west-1] cycle failed: account delta: cannot load its credentials: " \
        "Error when retrieving credentials from custom-process" in log
    assert "Traceback" not in log
    (message,) = inbox()
    assert message["Subject"] == "dynamic-dynamodb scale-up: [alpha/eu-west-1] alpha-only"
    assert message["Message"].startswith("[alpha/eu-west-1] alpha-only reads 20 -> 30")
    assert message["MessageAttributes"]["target"]["Value"] == "alpha/eu-west-1"


def test_status_shows_every_target_and_which_one_failed(fleet):
    cli, config = fleet

    text = cli.run("status", "-c", str(config))
    shown = json.loads(cli.run("status", "-c", str(config), "--json").stdout)

    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:2] == ["TARGET", "RESOURCE"]
    assert any(line.startswith("alpha/us-east-1") and " orders " in line for line in lines)
    assert "gamma/eu-west-1: FAILED: ListTables: ExpiredTokenException" in text.stdout
    targets = {(r["target"], r["table"]) for r in shown["resources"]}
    assert (BETA and ("beta/us-east-1", "orders")) in targets
    assert ("beta/eu-west-1", "alpha-only") not in targets
    assert {t["target"]: bool(t["error"]) for t in shown["targets"]} == {
        "alpha/eu-west-1": False, "alpha/us-east-1": False, "beta/eu-west-1": False,
        "beta/us-east-1": False, "gamma/eu-west-1": True, "delta/eu-west-1": True}
    assert reads_of(ALPHA, EU, "orders") == 100  # status changes nothing


def test_a_target_stuck_in_a_slow_call_delays_nobody(fleet, launcher):
    """gamma's ListTables hangs 10 s per call; alpha and beta go on every second."""
    cli, config = fleet
    launcher.clear_faults()
    launcher.inject_fault("dynamodb", "ListTables", "hang", count=-1, account=GAMMA,
                          seconds=10)
    log = config.parent / "fleet.log"
    config.write_text(FLEET_CONFIG.replace("check-interval: 60", "check-interval: 1")
                      .replace("[account: delta]\nprofile: broken\n", "")
                      + f"\n[logging]\nlog-file: {log}\n")

    with stopping(cli.popen("-c", str(config))) as process:
        wait_for(lambda: read(log).count("[alpha/eu-west-1] orders:") >= 3, timeout=9,
                 what="three cycles of alpha/eu-west-1")
        seen = read(log)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0

    assert seen.count("[beta/us-east-1] orders:") >= 2
    assert "[gamma/eu-west-1] cycle failed" not in seen  # still in its first ListTables
    assert "[gamma/eu-west-1] still in its previous cycle" in seen
    assert reads_of(ALPHA, EU, "orders") >= 150


# -- in-process: the sessions themselves -----------------------------------------------------
def _clients(account: AccountConfig, **kwargs: Any) -> Any:
    config = Config(global_=GlobalConfig(region=EU), tables=(TablePolicy(key=".*"),),
                    accounts=(account,))
    (target,) = plan_targets(config, lambda _: EU)
    return target_clients(target, **kwargs)


def test_assumed_role_credentials_are_refreshed_before_they_expire(aws_env, launcher):
    alpha = AccountConfig(name="alpha", role_arn=role(ALPHA), regions=(EU,))
    create_table(clients_in(ALPHA, EU, "dynamodb"), "orders")
    before = launcher.calls().get("sts.AssumeRole", 0)

    lasting = DynamoTables(_clients(alpha))
    for _ in range(3):
        assert lasting.list_tables() == ["orders"]
    after_lasting = launcher.calls().get("sts.AssumeRole", 0)
    # STS's shortest session, 15 minutes: always inside botocore's 15-minute advisory
    # window, so each use refreshes it first.
    short = DynamoTables(_clients(alpha, duration_seconds=900))
    for _ in range(3):
        assert short.list_tables() == ["orders"]

    assert after_lasting - before == 1  # fetched once, on first use
    # Refreshed before each call (botocore may look at them more than once per call).
    assert launcher.calls().get("sts.AssumeRole", 0) - after_lasting >= 3


def test_a_refused_assume_role_names_the_role(aws_env, launcher):
    launcher.inject_fault("sts", "AssumeRole", "error", count=-1, status=403,
                          code="AccessDenied", message="not authorized to perform "
                                                       "sts:AssumeRole")
    alpha = AccountConfig(name="alpha", role_arn=role(ALPHA), regions=(EU,))

    with pytest.raises(AwsError, match=rf"ListTables: cannot assume role {role(ALPHA)}: "
                                       r"AccessDenied: not authorized"):
        DynamoTables(_clients(alpha)).list_tables()


def test_the_launcher_fails_only_the_named_accounts_calls(aws_env, launcher):
    launcher.inject_fault("dynamodb", "ListTables", "error", count=-1, account=GAMMA,
                          code="ExpiredTokenException", status=400)

    assert clients_in(ALPHA, EU, "dynamodb").list_tables()["TableNames"] == []
    assert boto3.client("dynamodb", config=NO_RETRIES).list_tables()["TableNames"] == []
    with pytest.raises(Exception, match="ExpiredTokenException"):
        clients_in(GAMMA, EU, "dynamodb").list_tables()


@pytest.mark.parametrize("fleet_target", [True, False], ids=["account-target", "no-accounts"])
def test_describe_table_is_paced_at_the_targets_rate(aws_env, launcher, fleet_target):
    """describe-rate 2: eight describes of a target take at least three seconds (two
    go at once, one second's worth, then one every half second). Without account
    sections, [global] describe-rate paces the one target the same way."""
    if fleet_target:
        alpha = AccountConfig(name="alpha", role_arn=role(ALPHA), regions=(EU,),
                              describe_rate=2)
        create_table(clients_in(ALPHA, EU, "dynamodb"), "orders")
        tables = DynamoTables(_clients(alpha, stop=threading.Event()))
    else:
        create_table(boto3.client("dynamodb"), "orders")
        config = Config(global_=GlobalConfig(describe_rate=2), tables=(TablePolicy(key=".*"),))
        tables = build_scheduler(config).tables  # type: ignore[assignment]
    stamps: list[float] = []

    for _ in range(8):
        tables.describe("orders")
        stamps.append(time.monotonic())

    assert stamps[-1] - stamps[0] >= 2.9


def test_run_once_and_status_exit_1_when_one_targets_table_got_no_decision(fleet, launcher):
    """Without the failing accounts every table of every target gets a decision (exit 0);
    with one target's metrics unavailable, its table got none: --run-once and status
    exit 1 and name that target's table, the other targets are served as usual."""
    cli, config = fleet
    config.write_text(FLEET_CONFIG.split("[account: gamma]")[0]
                      + "[table: ^orders$]" + FLEET_CONFIG.split("[table: ^orders$]")[1])
    launcher.clear_faults()
    assert cli.run("status", "-c", str(config)).returncode == 0

    launcher.inject_fault("cloudwatch", "GetMetricData", "internal_error", count=-1,
                          account=BETA, region=US)
    result = cli.run("-c", str(config), "--run-once", timeout=120)
    text = cli.run("status", "-c", str(config))
    shown = json.loads(cli.run("status", "-c", str(config), "--json").stdout)

    assert result.returncode == 1, result.stderr
    assert "error: not every matched table got a decision: beta/us-east-1 orders: metrics " \
        "unavailable" in result.stderr
    assert reads_of(ALPHA, EU, "orders") == 150  # the other targets were served
    assert reads_of(BETA, US, "orders") == 10
    assert text.returncode == 1, text.stderr
    assert "beta/us-east-1 orders: NO DECISION: metrics unavailable" in text.stdout
    assert [(e["target"], e["subject"], e["code"]) for e in shown["no_decision"]] == [
        ("beta/us-east-1", "orders", "metrics-unknown")]
    assert "Traceback" not in result.stderr + text.stderr
