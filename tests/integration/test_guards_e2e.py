"""Each guard end to end: the real Scheduler and boto3 edges over HTTP against the local
AWS-API launcher (UPDATING state and decrease limit), a local breaker service, and SNS
messages read back through an SQS subscription."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from dynamic_dynamodb.breaker import HttpBreaker
from dynamic_dynamodb.core.types import ResourceId
from dynamic_dynamodb.localaws.seed import create_table, seed_metrics
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import (
    Config,
    DimensionPolicy,
    GlobalConfig,
    GsiPolicy,
    MaintenanceWindow,
    TablePolicy,
)

from .breaker_server import BreakerService
from .clitools import capacity

DIM = DimensionPolicy(upper_threshold=90, lower_threshold=30, increase_with=50,
                      decrease_with=50)


def table_policy(**kw) -> TablePolicy:
    kw.setdefault("reads", DIM)
    kw.setdefault("writes", DIM)
    return TablePolicy(key="^orders$", **kw)


def config(*tables: TablePolicy, **glob) -> Config:
    return Config(global_=GlobalConfig(check_interval=60, max_attempts=1, **glob),
                  tables=tables)


@pytest.fixture
def orders(aws_env, dynamodb_client):
    create_table(dynamodb_client, "orders", reads=100, writes=100, gsis=[("by-user", 100, 100)])
    return "orders"


def load(cloudwatch, *, reads=50.0, writes=50.0, gsi_reads=50.0, gsi_writes=50.0,
         read_throttles=0.0):
    seed_metrics(cloudwatch, "orders", consumed_read_per_second=reads,
                 consumed_write_per_second=writes, read_throttles=read_throttles)
    seed_metrics(cloudwatch, "orders", "by-user", consumed_read_per_second=gsi_reads,
                 consumed_write_per_second=gsi_writes)


def run_cycle(cfg: Config):
    scheduler = build_scheduler(cfg)
    return scheduler, scheduler.run_cycle()


def reason(report, rid: ResourceId, dim: str = "reads") -> str:
    outcome = next(o for o in report.outcomes if o.resource == rid)
    return getattr(outcome.decision, dim).reason.message


def test_table_and_gsi_change_in_one_update(orders, launcher, dynamodb_client,
                                            cloudwatch_client):
    load(cloudwatch_client, reads=95, gsi_reads=95)
    cfg = config(table_policy(gsis=(GsiPolicy(key=".*", table_key="^orders$", reads=DIM,
                                              writes=DIM),)))
    before = launcher.calls().get("dynamodb.UpdateTable", 0)
    _, report = run_cycle(cfg)
    assert report.ok
    assert capacity(dynamodb_client, "orders") == (150, 100)
    assert capacity(dynamodb_client, "orders", "by-user") == (150, 100)
    assert launcher.calls().get("dynamodb.UpdateTable", 0) - before == 1


def test_gsi_without_section_is_not_scaled(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=95, gsi_reads=95)
    _, report = run_cycle(config(table_policy()))
    assert capacity(dynamodb_client, "orders") == (150, 100)
    assert capacity(dynamodb_client, "orders", "by-user") == (100, 100)


def test_spent_gsi_budget_holds_its_decrease_not_the_table_increase(
        orders, launcher, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=95, gsi_reads=10)
    launcher.set_resource("orders", "by-user", decreases_today=4,
                          last_decrease=datetime.now(timezone.utc) - timedelta(minutes=10))
    cfg = config(table_policy(gsis=(GsiPolicy(key=".*", table_key="^orders$", reads=DIM,
                                              writes=DIM),)))
    _, report = run_cycle(cfg)
    assert capacity(dynamodb_client, "orders") == (150, 100)
    assert capacity(dynamodb_client, "orders", "by-user") == (100, 100)
    message = reason(report, ResourceId("orders", "by-user"))
    assert "decrease held: 4 decreases used today, next at" in message


def test_outside_maintenance_window_holds_decrease(orders, dynamodb_client, cloudwatch_client,
                                                    caplog):
    load(cloudwatch_client, reads=10, writes=95)
    now = datetime.now(timezone.utc)
    start = (now.hour * 60 + now.minute + 120) % 1440
    window = MaintenanceWindow(start, (start + 60) % 1440)
    with caplog.at_level(logging.INFO, logger="dynamic_dynamodb"):
        _, report = run_cycle(config(table_policy(maintenance_windows=(window,))))
    assert capacity(dynamodb_client, "orders") == (100, 150)
    assert "decrease held: outside maintenance window" in caplog.text


def test_inside_maintenance_window_decreases(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=10)
    now = datetime.now(timezone.utc)
    start = (now.hour * 60 + now.minute - 30) % 1440
    window = MaintenanceWindow(start, (start + 60) % 1440)
    run_cycle(config(table_policy(maintenance_windows=(window,))))
    assert capacity(dynamodb_client, "orders") == (50, 100)


@pytest.mark.parametrize("path,decreased", [("/ok", True), ("/fail", False), ("/hang", False)],
                         ids=["200-go", "503-open", "timeout-open"])
def test_circuit_breaker(orders, dynamodb_client, cloudwatch_client, path, decreased):
    load(cloudwatch_client, reads=10, writes=95)
    with BreakerService() as service:
        policy = table_policy(circuit_breaker_url=service.url + path,
                              circuit_breaker_timeout_ms=300)
        started = time.monotonic()
        _, report = run_cycle(config(policy))
        elapsed = time.monotonic() - started
        headers = service.requests[0]["headers"]
    assert capacity(dynamodb_client, "orders") == ((50 if decreased else 100), 150)
    assert headers["x-table-name"] == "orders"
    if not decreased:
        assert "circuit breaker open" in reason(report, ResourceId("orders"))
    if path == "/hang":
        assert elapsed < 2.5, "a slow breaker must not stall the cycle past its timeout"


def test_breaker_basic_auth_is_sent_and_never_logged(orders, dynamodb_client, cloudwatch_client,
                                                     caplog):
    load(cloudwatch_client, reads=10)
    with BreakerService() as service:
        url = service.url.replace("http://", "http://user:s3cret@") + "/auth"
        with caplog.at_level(logging.DEBUG):
            run_cycle(config(table_policy(circuit_breaker_url=url)))
        assert service.requests[0]["headers"]["authorization"] == BreakerService.AUTH
    assert capacity(dynamodb_client, "orders") == (50, 100)
    assert "s3cret" not in caplog.text


def test_breaker_redirect_to_another_origin_holds_decreases(orders, dynamodb_client,
                                                            cloudwatch_client, caplog):
    load(cloudwatch_client, reads=10)
    with BreakerService() as other, BreakerService(other=other) as service:
        url = service.url.replace("http://", "http://user:s3cret@") + "/redirect/302/other/ok"
        with caplog.at_level(logging.DEBUG):
            _, report = run_cycle(config(table_policy(circuit_breaker_url=url)))
    assert capacity(dynamodb_client, "orders") == (100, 100)
    assert "redirected to another origin" in reason(report, ResourceId("orders"))
    assert other.requests == []
    assert "s3cret" not in caplog.text


def test_one_probe_per_distinct_url(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client)
    with BreakerService() as service:
        gsi = GsiPolicy(key=".*", table_key="^orders$", reads=DIM, writes=DIM,
                        circuit_breaker_url=service.url + "/ok")
        run_cycle(config(table_policy(circuit_breaker_url=service.url + "/ok", gsis=(gsi,))))
        assert len(service.requests) == 1


def test_breaker_freeze_option_holds_increases(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=95)
    with BreakerService() as service:
        run_cycle(config(table_policy(circuit_breaker_url=service.url + "/fail",
                                      breaker_freezes_increases=True)))
    assert capacity(dynamodb_client, "orders") == (100, 100)


def test_throttled_dimension_never_decreased(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=10, writes=10, read_throttles=2)
    _, report = run_cycle(config(table_policy()))
    assert capacity(dynamodb_client, "orders") == (100, 50)
    assert "throttle events" in reason(report, ResourceId("orders"))


def test_throttle_threshold_triggers_increase(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=50, read_throttles=20)
    reads = DimensionPolicy(throttled_upper_threshold=10)
    run_cycle(config(table_policy(reads=reads)))
    assert capacity(dynamodb_client, "orders")[0] == 150


@pytest.fixture
def sns_queue(aws_env):
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic = sns.create_topic(Name="scaling")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="scaling-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})

    def messages() -> list[str]:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
        return [m["Body"] for m in received]

    return topic, messages


def test_sns_scale_messages(orders, dynamodb_client, cloudwatch_client, sns_queue):
    topic, messages = sns_queue
    load(cloudwatch_client, reads=95, writes=10)
    run_cycle(config(table_policy(sns_topic_arn=topic,
                                  sns_message_types=frozenset({"scale-up"}))))
    bodies = messages()
    assert len(bodies) == 1
    assert "orders reads 100 -> 150" in bodies[0]


def test_sns_alarm_once_while_condition_lasts(orders, dynamodb_client, cloudwatch_client,
                                              sns_queue):
    topic, messages = sns_queue
    load(cloudwatch_client, reads=60)
    reads = DimensionPolicy(upper_alarm_threshold=50)
    scheduler = build_scheduler(config(table_policy(
        reads=reads, sns_topic_arn=topic,
        sns_message_types=frozenset({"high-throughput-alarm"}))))
    scheduler.run_cycle()
    scheduler.run_cycle()
    bodies = messages()
    assert len(bodies) == 1 and "above the alarm threshold 50 %" in bodies[0]


def test_sns_error_after_repeated_failures(orders, launcher, dynamodb_client, sns_queue):
    topic, messages = sns_queue
    launcher.inject_fault("dynamodb", "DescribeTable", "internal_error", count=-1,
                          table="orders")
    scheduler = build_scheduler(config(table_policy(sns_topic_arn=topic,
                                                    sns_message_types=frozenset({"error"})),
                                       failures_before_error=2))
    for _ in range(3):
        report = scheduler.run_cycle()
        assert "orders" in report.failed_tables
    bodies = messages()
    assert len(bodies) == 1 and "failed 2 cycles in a row" in bodies[0]


def test_failed_publish_is_not_fatal(orders, dynamodb_client, cloudwatch_client, caplog):
    load(cloudwatch_client, reads=95)
    with caplog.at_level(logging.WARNING):
        _, report = run_cycle(config(table_policy(
            sns_topic_arn="arn:aws:sns:us-east-1:123456789012:missing",
            sns_message_types=frozenset({"scale-up"}))))
    assert report.ok
    assert capacity(dynamodb_client, "orders") == (150, 100)
    assert "SNS publish" in caplog.text


def _register_aas(resource_id: str) -> None:
    aas = boto3.client("application-autoscaling")
    aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=resource_id,
                                 ScalableDimension="dynamodb:table:ReadCapacityUnits",
                                 MinCapacity=1, MaxCapacity=1000)
    aas.put_scaling_policy(
        PolicyName="reads", ServiceNamespace="dynamodb", ResourceId=resource_id,
        ScalableDimension="dynamodb:table:ReadCapacityUnits", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "DynamoDBReadCapacityUtilization"}})


def test_aws_autoscaling_managed_table_left_alone(orders, dynamodb_client, cloudwatch_client):
    load(cloudwatch_client, reads=95)
    _register_aas("table/orders")
    _, report = run_cycle(config(table_policy()))
    assert capacity(dynamodb_client, "orders") == (100, 100)
    assert "managed by AWS Application Auto Scaling" in reason(report, ResourceId("orders"))
    run_cycle(config(table_policy(ignore_aws_autoscaling=True)))
    assert capacity(dynamodb_client, "orders") == (150, 100)


def test_breaker_probe_reports_refused_connection():
    verdicts = HttpBreaker().check([("http://127.0.0.1:9/health", 500, ResourceId("t"))])
    assert verdicts[ResourceId("t")][0] is True

