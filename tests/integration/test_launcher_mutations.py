"""Answer mutation: what a boto3 client sees when the launcher bends a real answer.

Each case arms faults through the control API, makes real boto3 calls against the
launcher subprocess, and states what the client sees. The table is the model for a
fault matrix: a case is plain data (fault dicts), a call and an expectation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, PaginationError, ReadTimeoutError

from dynamic_dynamodb.localaws import LauncherControl, LauncherError, create_table, seed_metrics
from dynamic_dynamodb.localaws.seed import metric_query

NO_RETRIES = Config(retries={"total_max_attempts": 1})
THROUGHPUT = "ProvisionedThroughput"
TABLE, OTHER, GSI = "orders", "other", "by_customer"
READS_PER_SECOND = 10.0
SEEDED_MINUTES = 15


@dataclass
class Aws:
    """boto3 clients on the launcher, and when the metrics were seeded."""

    url: str
    dynamodb: Any
    cloudwatch: Any
    autoscaling: Any
    sns: Any
    now: datetime

    def quick_dynamodb(self, read_timeout: float) -> Any:
        """A DynamoDB client that gives up on an answer after ``read_timeout`` seconds."""
        config = Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout)
        return boto3.client("dynamodb", endpoint_url=self.url, config=config)


@pytest.fixture
def aws(launcher: LauncherControl, launcher_url: str, aws_env: dict[str, str]) -> Aws:
    """Table ``orders`` 10/10 (GSI 5/5), table ``other`` 1/1, 15 minutes of 10 reads/s."""
    dynamodb = boto3.client("dynamodb", config=NO_RETRIES)
    cloudwatch = boto3.client("cloudwatch", config=NO_RETRIES)
    create_table(dynamodb, TABLE, 10, 10, gsis=[(GSI, 5, 5)])
    create_table(dynamodb, OTHER, 1, 1)
    now = datetime.now(timezone.utc)
    seed_metrics(cloudwatch, TABLE, consumed_read_per_second=READS_PER_SECOND, now=now)
    return Aws(
        launcher_url,
        dynamodb,
        cloudwatch,
        boto3.client("application-autoscaling", config=NO_RETRIES),
        boto3.client("sns", config=NO_RETRIES),
        now,
    )


# -- calls -------------------------------------------------------------------------------
def describe(aws: Aws, table: str = TABLE) -> Any:
    return aws.dynamodb.describe_table(TableName=table)


def list_tables(aws: Aws, **kwargs: Any) -> Any:
    return aws.dynamodb.list_tables(**kwargs)


def metric_data(aws: Aws, **kwargs: Any) -> Any:
    query = metric_query(TABLE, query_id="reads")
    start = aws.now - timedelta(minutes=30)
    return aws.cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=start, EndTime=aws.now, **kwargs
    )


def scaling_policies(aws: Aws, **kwargs: Any) -> Any:
    return aws.autoscaling.describe_scaling_policies(ServiceNamespace="dynamodb", **kwargs)


def three_pages(call: Callable[..., Any], request_field: str, answer_field: str) -> Callable:
    """Follow the answer's token by hand for three pages; the answers."""

    def run(aws: Aws) -> list[Any]:
        answers, token = [], None
        for _ in range(3):
            answers.append(call(aws, **({request_field: token} if token else {})))
            token = answers[-1].get(answer_field)
        return answers

    return run


def paginate_list_tables(aws: Aws) -> Any:
    return list(aws.dynamodb.get_paginator("list_tables").paginate())


def raise_table(read_timeout: float) -> Callable[[Aws], Any]:
    def run(aws: Aws) -> Any:
        client = aws.quick_dynamodb(read_timeout)
        throughput = {"ReadCapacityUnits": 20, "WriteCapacityUnits": 10}
        return client.update_table(TableName=TABLE, ProvisionedThroughput=throughput)

    return run


def twice(call: Callable[[Aws], Any]) -> Callable[[Aws], list[Any]]:
    def run(aws: Aws) -> list[Any]:
        return [_outcome(call, aws) for _ in range(2)]

    return run


def three_times(call: Callable[[Aws], Any]) -> Callable[[Aws], list[Any]]:
    def run(aws: Aws) -> list[Any]:
        return [_outcome(call, aws) for _ in range(3)]

    return run


def _outcome(call: Callable[[Aws], Any], aws: Aws) -> Any:
    try:
        return call(aws)
    except Exception as exc:  # noqa: BLE001 - what the client sees, raised or returned
        return exc


def throughput(seen: Any) -> dict[str, Any]:
    result: dict[str, Any] = seen["Table"]["ProvisionedThroughput"]
    return result


def values(seen: Any) -> list[float]:
    result: list[float] = seen["MetricDataResults"][0]["Values"]
    return result


# -- expectations ------------------------------------------------------------------------
def no_table_throughput(seen: Any) -> None:
    table = seen["Table"]
    assert "ProvisionedThroughput" not in table
    assert table["TableName"] == TABLE and table["TableStatus"] == "ACTIVE"  # the rest is real
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


def no_gsi_throughput(seen: Any) -> None:
    assert "ProvisionedThroughput" not in seen["Table"]["GlobalSecondaryIndexes"][0]
    assert throughput(seen)["ReadCapacityUnits"] == 10


def absurd_reads(seen: Any) -> None:
    assert throughput(seen)["ReadCapacityUnits"] == 1e30
    assert throughput(seen)["WriteCapacityUnits"] == 10


def status_null(seen: Any) -> None:
    assert seen["Table"].get("TableStatus") is None
    assert throughput(seen)["ReadCapacityUnits"] == 10


def no_metric_results(seen: Any) -> None:
    assert "MetricDataResults" not in seen


def negative_values(seen: Any) -> None:
    assert values(seen) == [-10.0] * SEEDED_MINUTES
    assert len(seen["MetricDataResults"][0]["Timestamps"]) == SEEDED_MINUTES  # real


def empty_results(seen: Any) -> None:
    assert seen["MetricDataResults"] == []


def no_tables(seen: Any) -> None:
    assert seen["TableNames"] == []


def partial_data(seen: Any) -> None:
    assert seen["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert values(seen) == [READS_PER_SECOND * 60] * SEEDED_MINUTES


def partial_data_with_a_token(seen: Any) -> None:
    partial_data(seen)
    assert seen["NextToken"]


def endless(answer_field: str, same: bool) -> Callable[[Any], None]:
    def expect(seen: list[Any]) -> None:
        tokens = [answer[answer_field] for answer in seen]
        assert all(tokens)  # every page says there is more
        assert len(set(tokens)) == (1 if same else 3)

    return expect


def endless_real_pages(answer_field: str, same: bool, check: Callable[[Any], None]) -> Callable:
    def expect(seen: list[Any]) -> None:
        endless(answer_field, same)(seen)
        for answer in seen:  # each page is moto's real first page
            check(answer)

    return expect


def both_tables(seen: Any) -> None:
    assert sorted(seen["TableNames"]) == [TABLE, OTHER]


def real_values(seen: Any) -> None:
    assert values(seen) == [READS_PER_SECOND * 60] * SEEDED_MINUTES


def pagination_error(seen: Any) -> None:
    assert isinstance(seen, PaginationError)
    assert "same next token was received twice" in str(seen)


def parses_as_nothing(key: str) -> Callable[[Any], None]:
    # botocore answers a 200 whose body is not JSON with an empty result, no error.
    def expect(seen: Any) -> None:
        assert not isinstance(seen, Exception), seen
        assert key not in seen

    return expect


def parser_crash(seen: Any) -> None:
    # A JSON list where botocore expects an object: its parser fails outright.
    assert isinstance(seen, AttributeError)


def timed_out(seen: Any) -> None:
    assert isinstance(seen, ReadTimeoutError)


def mutation_needs_json(seen: Any) -> None:
    assert isinstance(seen, ClientError)
    assert seen.response["Error"]["Code"] == "LauncherMutationError"
    assert "needs a JSON answer" in seen.response["Error"]["Message"]


def policies_replaced(seen: Any) -> None:
    assert seen["ScalingPolicies"] == [{"PolicyName": "nonsense", "PolicyARN": 7}]


def first_two_bent_then_real(seen: list[Any]) -> None:
    assert ["ProvisionedThroughput" in answer["Table"] for answer in seen] == [False, False, True]


def error_first_then_mutation(seen: list[Any]) -> None:
    assert isinstance(seen[0], ClientError)
    assert seen[0].response["Error"]["Code"] == "InternalServerError"
    assert "ProvisionedThroughput" not in seen[1]["Table"]  # the mutation was not spent


@dataclass(frozen=True)
class Case:
    id: str
    faults: tuple[dict[str, Any], ...]
    call: Callable[[Aws], Any]
    expect: Callable[[Any], None]
    takes_effect: bool = True  # every fault counts the call it changed in ``applied``


def fault(service: str, operation: str, kind: str, **arguments: Any) -> dict[str, Any]:
    return {"service": service, "operation": operation, "kind": kind, **arguments}


def ddb(operation: str, kind: str, **arguments: Any) -> dict[str, Any]:
    return fault("dynamodb", operation, kind, **arguments)


def cw(kind: str, **arguments: Any) -> dict[str, Any]:
    return fault("cloudwatch", "GetMetricData", kind, **arguments)


DESCRIBE_DROP = ddb("DescribeTable", "drop", path="Table.ProvisionedThroughput")
CASES = [
    Case("drop-table-throughput", (DESCRIBE_DROP,), describe, no_table_throughput),
    Case(
        "drop-gsi-throughput",
        (ddb("DescribeTable", "drop", path=f"Table.GlobalSecondaryIndexes[0].{THROUGHPUT}"),),
        describe,
        no_gsi_throughput,
    ),
    Case(
        "replace-capacity-1e30",
        (
            ddb(
                "DescribeTable",
                "replace",
                path="Table.ProvisionedThroughput.ReadCapacityUnits",
                value=1e30,
            ),
        ),
        describe,
        absurd_reads,
    ),
    Case(
        "replace-with-null",
        (ddb("DescribeTable", "replace", path="Table.TableStatus", value=None),),
        describe,
        status_null,
    ),
    Case(
        "drop-metric-data-results",
        (cw("drop", path="MetricDataResults"),),
        metric_data,
        no_metric_results,
    ),
    Case(
        "negative-metric-values",
        (cw("replace", path="MetricDataResults[*].Values[*]", value=-10),),
        metric_data,
        negative_values,
    ),
    Case("empty-metric-data-results", (cw("empty"),), metric_data, empty_results),
    Case("empty-list-tables", (ddb("ListTables", "empty"),), list_tables, no_tables),
    Case("partial-data", (cw("partial_data"),), metric_data, partial_data),
    Case(
        "partial-data-with-a-token",
        (cw("partial_data"), cw("endless_token")),
        metric_data,
        partial_data_with_a_token,
    ),
    Case(
        "endless-new-token-get-metric-data",
        (cw("endless_token", count=-1),),
        three_pages(metric_data, "NextToken", "NextToken"),
        endless_real_pages("NextToken", False, real_values),
    ),
    Case(
        "endless-same-token-get-metric-data",
        (cw("endless_token", token="same", count=-1),),
        three_pages(metric_data, "NextToken", "NextToken"),
        endless_real_pages("NextToken", True, real_values),
    ),
    Case(
        "endless-new-token-list-tables",
        (ddb("ListTables", "endless_token", count=-1),),
        three_pages(list_tables, "ExclusiveStartTableName", "LastEvaluatedTableName"),
        endless_real_pages("LastEvaluatedTableName", False, both_tables),
    ),
    Case(
        "endless-same-token-list-tables-paginator",
        (ddb("ListTables", "endless_token", token="same", count=-1),),
        paginate_list_tables,
        pagination_error,
    ),
    Case(
        "endless-token-scaling-policies",
        (fault("application-autoscaling", "DescribeScalingPolicies", "endless_token", count=-1),),
        three_pages(scaling_policies, "NextToken", "NextToken"),
        endless("NextToken", False),
    ),
    Case(
        "replace-scaling-policies",
        (
            fault(
                "application-autoscaling",
                "DescribeScalingPolicies",
                "replace",
                path="ScalingPolicies",
                value=[{"PolicyName": "nonsense", "PolicyARN": 7}],
            ),
        ),
        scaling_policies,
        policies_replaced,
    ),
    Case(
        "non-json-describe-table",
        (ddb("DescribeTable", "non_json"),),
        describe,
        parses_as_nothing("Table"),
    ),
    Case(
        "non-json-get-metric-data",
        (cw("non_json", body="upstream timed out"),),
        metric_data,
        parses_as_nothing("MetricDataResults"),
    ),
    Case(
        "wrong-shape-list-describe-table",
        (ddb("DescribeTable", "wrong_shape"),),
        describe,
        parser_crash,
    ),
    Case(
        "wrong-shape-object-get-metric-data",
        (cw("wrong_shape", value={"Unexpected": True}),),
        metric_data,
        no_metric_results,
    ),
    Case(
        "query-protocol-answer-cannot-be-path-mutated",
        (fault("sns", "ListTopics", "drop", path="Topics"),),
        lambda aws: aws.sns.list_topics(),
        mutation_needs_json,
        takes_effect=False,
    ),
    Case(
        "next-two-calls-only",
        ({**DESCRIBE_DROP, "count": 2},),
        three_times(describe),
        first_two_bent_then_real,
    ),
    Case(
        "error-before-mutation",
        (ddb("DescribeTable", "internal_error"), DESCRIBE_DROP),
        twice(describe),
        error_first_then_mutation,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_mutated_answer_as_the_client_sees_it(
    aws: Aws, launcher: LauncherControl, case: Case
) -> None:
    injected = launcher.inject_faults(*case.faults)

    seen = _outcome(case.call, aws)

    case.expect(seen)
    held = {f["id"]: f for f in [*launcher.faults(), *launcher.spent_faults()]}
    assert all((held[f["id"]]["applied"] >= 1) == case.takes_effect for f in injected)


def test_a_fault_for_one_table_leaves_the_others_real(aws: Aws, launcher: LauncherControl) -> None:
    launcher.inject_fault("dynamodb", "DescribeTable", "drop", path="Table", table=TABLE)

    other = describe(aws, OTHER)
    bent = describe(aws, TABLE)

    assert other["Table"]["TableName"] == OTHER
    assert "Table" not in bent


def test_delayed_update_table_is_applied_though_the_client_timed_out(
    aws: Aws, launcher: LauncherControl
) -> None:
    launcher.inject_fault("dynamodb", "UpdateTable", "delay", seconds=3)

    seen = _outcome(raise_table(read_timeout=1), aws)

    timed_out(seen)
    assert throughput(describe(aws))["ReadCapacityUnits"] == 20  # applied before the delay


def test_hung_update_table_times_out_and_is_never_applied(
    aws: Aws, launcher: LauncherControl
) -> None:
    launcher.inject_fault("dynamodb", "UpdateTable", "hang", seconds=1.5)

    started = time.monotonic()
    seen = _outcome(raise_table(read_timeout=0.5), aws)
    time.sleep(max(0.0, 1.5 - (time.monotonic() - started)) + 0.3)  # the hang is over

    timed_out(seen)
    assert throughput(describe(aws))["ReadCapacityUnits"] == 10
    assert launcher.spent_faults()[-1]["applied"] == 1


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"kind": "drop"}, "needs 'path'"),
        ({"kind": "replace", "path": "Table"}, "needs 'value'"),
        ({"kind": "drop", "path": "Table..Name"}, "cannot parse path"),
        ({"kind": "delay"}, "needs 'seconds' > 0"),
        ({"kind": "hang", "seconds": 0}, "needs 'seconds' > 0"),
        ({"kind": "endless_token", "token": "sometimes"}, "'token' must be one of"),
    ],
    ids=["drop-no-path", "replace-no-value", "bad-path", "delay-no-seconds", "hang-zero",
         "bad-token-mode"],
)
def test_control_api_refuses_a_mutation_it_cannot_apply(
    launcher: LauncherControl, arguments: dict[str, Any], error: str
) -> None:
    with pytest.raises(LauncherError, match=error):
        launcher.inject_fault("dynamodb", "DescribeTable", **arguments)

    assert launcher.faults() == []
