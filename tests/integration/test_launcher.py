"""The local AWS-API launcher models DynamoDB's real UpdateTable rules over real HTTP.

Everything here goes through boto3 to the launcher subprocess (endpoint from
AWS_ENDPOINT_URL), the way the daemon's own integration tests will.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from dynamic_dynamodb.localaws import (
    LauncherControl,
    LauncherError,
    LauncherProcess,
    LocalAws,
    create_table,
    metric_timestamps,
    seed_metrics,
)
from dynamic_dynamodb.localaws.environment import isolated_environ
from dynamic_dynamodb.localaws.fast_cloudwatch import control_stats
from dynamic_dynamodb.localaws.seed import metric_query
from dynamic_dynamodb.localaws.serving import child_env

NO_RETRIES = Config(retries={"total_max_attempts": 1})
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc).timestamp()
TABLE = "orders"
GSI = "by_customer"


# -- helpers ---------------------------------------------------------------------------
def set_table(client: Any, reads: int, writes: int, table: str = TABLE) -> dict[str, Any]:
    response: dict[str, Any] = client.update_table(
        TableName=table,
        ProvisionedThroughput={"ReadCapacityUnits": reads, "WriteCapacityUnits": writes},
    )
    return response["TableDescription"]


def set_gsi(client: Any, reads: int, writes: int, index: str = GSI) -> dict[str, Any]:
    response: dict[str, Any] = client.update_table(
        TableName=TABLE,
        GlobalSecondaryIndexUpdates=[{"Update": gsi_update(index, reads, writes)}],
    )
    return response["TableDescription"]


def gsi_update(index: str, reads: int, writes: int) -> dict[str, Any]:
    throughput = {"ReadCapacityUnits": reads, "WriteCapacityUnits": writes}
    return {"IndexName": index, "ProvisionedThroughput": throughput}


def describe(client: Any, table: str = TABLE) -> dict[str, Any]:
    description: dict[str, Any] = client.describe_table(TableName=table)["Table"]
    return description


def throughput_of(client: Any, index: str | None = None) -> dict[str, Any]:
    table = describe(client)
    if index is None:
        result: dict[str, Any] = table["ProvisionedThroughput"]
        return result
    gsi = next(g for g in table["GlobalSecondaryIndexes"] if g["IndexName"] == index)
    found: dict[str, Any] = gsi["ProvisionedThroughput"]
    return found


def capacity(client: Any, index: str | None = None) -> tuple[int, int]:
    throughput = throughput_of(client, index)
    return throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def table(dynamodb_client: Any, launcher: LauncherControl) -> str:
    """Table 10/10 with GSI 5/5; the launcher's clock frozen at noon UTC."""
    create_table(dynamodb_client, TABLE, 10, 10, gsis=[(GSI, 5, 5)])
    launcher.set_time(NOON, frozen=True)
    return TABLE


# -- decrease rule ---------------------------------------------------------------------
def test_four_decreases_are_free_and_the_fifth_is_refused_changing_nothing(
    dynamodb_client: Any, table: str
) -> None:
    for reads in (9, 8, 7, 6):
        set_table(dynamodb_client, reads, 10)

    with pytest.raises(ClientError) as excinfo:
        set_table(dynamodb_client, 5, 10)

    assert error_of(excinfo) == ("LimitExceededException", 400)
    assert "decreases are limited within a given UTC day" in str(excinfo.value)
    assert capacity(dynamodb_client) == (6, 10)
    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == 4


def test_after_four_decreases_one_more_is_allowed_3600_s_after_the_last(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    for reads in (9, 8, 7, 6):
        set_table(dynamodb_client, reads, 10)

    launcher.advance_time(3599)
    with pytest.raises(ClientError) as early:
        set_table(dynamodb_client, 5, 10)
    launcher.advance_time(1)
    set_table(dynamodb_client, 5, 10)
    with pytest.raises(ClientError) as again:
        set_table(dynamodb_client, 4, 10)

    assert error_of(early)[0] == error_of(again)[0] == "LimitExceededException"
    assert capacity(dynamodb_client) == (5, 10)
    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == 5


def test_decrease_counter_resets_at_utc_midnight(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    before_midnight = datetime(2024, 5, 1, 23, 30, tzinfo=timezone.utc)
    launcher.set_time(before_midnight, frozen=True)
    launcher.set_resource(TABLE, decreases_today=4, last_decrease=before_midnight)
    with pytest.raises(ClientError) as excinfo:
        set_table(dynamodb_client, 9, 10)

    launcher.advance_time(31 * 60)  # 00:01 UTC: only 31 min after the last decrease
    set_table(dynamodb_client, 9, 10)

    assert error_of(excinfo)[0] == "LimitExceededException"
    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == 1


@pytest.mark.parametrize(
    ("reads", "writes", "decreases"),
    [
        (9, 10, 1),
        (10, 9, 1),
        (9, 9, 1),
        (11, 11, 0),
        (11, 9, 1),
    ],
    ids=[
        "lower-reads",
        "lower-writes",
        "lower-both-is-one-decrease",
        "raise-both-is-no-decrease",
        "raise-reads-lower-writes-is-a-decrease",
    ],
)
def test_what_counts_as_a_decrease(
    dynamodb_client: Any, table: str, reads: int, writes: int, decreases: int
) -> None:
    set_table(dynamodb_client, reads, writes)

    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == decreases
    assert capacity(dynamodb_client) == (reads, writes)


def test_increases_are_never_limited_and_are_recorded(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    launcher.set_resource(TABLE, decreases_today=27, last_decrease=NOON - 60)

    for reads in (20, 30, 40):
        set_table(dynamodb_client, reads, 10)

    throughput = throughput_of(dynamodb_client)
    assert capacity(dynamodb_client) == (40, 10)
    assert throughput["NumberOfDecreasesToday"] == 27
    assert throughput["LastIncreaseDateTime"].timestamp() == NOON


def test_table_and_gsi_update_is_refused_whole_when_the_gsi_is_over_its_limit(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    launcher.set_resource(TABLE, GSI, decreases_today=4, last_decrease=NOON - 60)

    with pytest.raises(ClientError) as excinfo:
        dynamodb_client.update_table(
            TableName=TABLE,
            ProvisionedThroughput={"ReadCapacityUnits": 8, "WriteCapacityUnits": 8},
            GlobalSecondaryIndexUpdates=[{"Update": gsi_update(GSI, 4, 4)}],
        )

    assert error_of(excinfo) == ("LimitExceededException", 400)
    assert capacity(dynamodb_client) == (10, 10)
    assert capacity(dynamodb_client, GSI) == (5, 5)
    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == 0
    set_table(dynamodb_client, 8, 8)  # the table's own budget is untouched
    assert capacity(dynamodb_client) == (8, 8)


def test_table_and_gsi_keep_separate_counters(dynamodb_client: Any, table: str) -> None:
    set_gsi(dynamodb_client, 4, 5)

    assert throughput_of(dynamodb_client, GSI)["NumberOfDecreasesToday"] == 1
    assert throughput_of(dynamodb_client, GSI)["LastDecreaseDateTime"].timestamp() == NOON
    assert throughput_of(dynamodb_client)["NumberOfDecreasesToday"] == 0
    assert "LastDecreaseDateTime" not in throughput_of(dynamodb_client)


@pytest.mark.parametrize(
    "update",
    [
        {"ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}},
        {"GlobalSecondaryIndexUpdates": [{"Update": gsi_update(GSI, 5, 5)}]},
    ],
    ids=["table", "gsi"],
)
def test_update_that_changes_nothing_is_a_validation_exception(
    dynamodb_client: Any, table: str, update: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as excinfo:
        dynamodb_client.update_table(TableName=TABLE, **update)

    assert error_of(excinfo) == ("ValidationException", 400)
    assert "will not change" in str(excinfo.value)


def test_capacity_above_the_default_quota_is_refused(dynamodb_client: Any, table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        set_table(dynamodb_client, 40_001, 10)

    assert error_of(excinfo)[0] == "LimitExceededException"
    assert capacity(dynamodb_client) == (10, 10)


def test_describe_table_shows_decrease_bookkeeping(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    set_table(dynamodb_client, 5, 10)

    throughput = throughput_of(dynamodb_client)
    assert throughput["NumberOfDecreasesToday"] == 1
    assert throughput["LastDecreaseDateTime"] == datetime.fromtimestamp(NOON, timezone.utc)
    assert "LastIncreaseDateTime" not in throughput
    assert throughput_of(dynamodb_client, GSI)["NumberOfDecreasesToday"] == 0
    assert launcher.get_resource(TABLE)["decreases_today"] == 1


# -- UPDATING --------------------------------------------------------------------------
def test_table_is_updating_for_update_delay_and_refuses_updates_meanwhile(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    launcher.set_update_delay(30)

    returned = set_table(dynamodb_client, 20, 10)
    described = describe(dynamodb_client)
    with pytest.raises(ClientError) as excinfo:
        set_table(dynamodb_client, 30, 10)
    launcher.advance_time(30)

    assert returned["TableStatus"] == described["TableStatus"] == "UPDATING"
    assert error_of(excinfo) == ("ResourceInUseException", 400)
    assert describe(dynamodb_client)["TableStatus"] == "ACTIVE"
    set_table(dynamodb_client, 30, 10)
    assert capacity(dynamodb_client) == (30, 10)


def test_updating_ends_by_itself_on_the_ticking_clock(
    dynamodb_client: Any, launcher: LauncherControl
) -> None:
    create_table(dynamodb_client, TABLE, 10, 10)
    launcher.set_update_delay(1.0)

    set_table(dynamodb_client, 20, 10)
    during = describe(dynamodb_client)["TableStatus"]
    deadline = time.monotonic() + 5
    while describe(dynamodb_client)["TableStatus"] != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.1)

    assert during == "UPDATING"
    assert describe(dynamodb_client)["TableStatus"] == "ACTIVE"


def test_gsi_update_makes_index_and_table_updating(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    launcher.set_update_delay(30)

    set_gsi(dynamodb_client, 6, 6)
    described = describe(dynamodb_client)
    with pytest.raises(ClientError) as excinfo:
        set_table(dynamodb_client, 20, 20)

    assert described["GlobalSecondaryIndexes"][0]["IndexStatus"] == "UPDATING"
    assert described["TableStatus"] == "UPDATING"
    assert error_of(excinfo)[0] == "ResourceInUseException"


# -- faults ----------------------------------------------------------------------------
def _list_tables(dynamodb: Any, cloudwatch: Any) -> Any:
    return dynamodb.list_tables()


def _describe(dynamodb: Any, cloudwatch: Any) -> Any:
    return dynamodb.describe_table(TableName=TABLE)


def _update(dynamodb: Any, cloudwatch: Any) -> Any:
    return set_table(dynamodb, 20, 20)


def _metric_data(dynamodb: Any, cloudwatch: Any) -> Any:
    end = datetime.now(timezone.utc)
    query = metric_query(TABLE, query_id="reads")
    return cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=end - timedelta(minutes=20), EndTime=end
    )


@pytest.mark.parametrize(
    ("service", "operation", "call", "kind", "code", "status"),
    [
        ("dynamodb", "DescribeTable", _describe, "internal_error", "InternalServerError", 500),
        ("dynamodb", "UpdateTable", _update, "throttling", "ThrottlingException", 400),
        ("dynamodb", "ListTables", _list_tables, "internal_error", "InternalServerError", 500),
        (
            "dynamodb",
            "DescribeTable",
            _describe,
            "provisioned_throughput_exceeded",
            "ProvisionedThroughputExceededException",
            400,
        ),
        (
            "cloudwatch",
            "GetMetricData",
            _metric_data,
            "internal_error",
            "InternalServiceError",
            500,
        ),
        ("cloudwatch", "GetMetricData", _metric_data, "throttling", "Throttling", 400),
    ],
    ids=[
        "ddb-describe-500",
        "ddb-update-throttled",
        "ddb-list-500",
        "ddb-describe-pte",
        "cw-500",
        "cw-throttled",
    ],
)
def test_injected_fault_reaches_botocore_as_the_intended_error_once(
    dynamodb_client: Any,
    cloudwatch_client: Any,
    launcher: LauncherControl,
    table: str,
    service: str,
    operation: str,
    call: Any,
    kind: str,
    code: str,
    status: int,
) -> None:
    launcher.inject_fault(service, operation, kind)

    with pytest.raises(ClientError) as excinfo:
        call(dynamodb_client, cloudwatch_client)
    call(dynamodb_client, cloudwatch_client)  # count=1: the next call goes through

    assert error_of(excinfo) == (code, status)
    assert launcher.faults() == []


def test_fault_can_target_one_table_for_several_calls(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    create_table(dynamodb_client, "other", 1, 1)
    launcher.inject_fault("dynamodb", "DescribeTable", "internal_error", count=2, table=TABLE)

    describe(dynamodb_client, "other")
    failures = 0
    for _ in range(2):
        with pytest.raises(ClientError):
            describe(dynamodb_client)
        failures += 1
    describe(dynamodb_client)

    assert failures == 2
    assert launcher.calls()["dynamodb.DescribeTable"] == 4


def test_custom_error_fault_uses_the_given_code_and_status(
    dynamodb_client: Any, launcher: LauncherControl
) -> None:
    launcher.inject_fault(
        "dynamodb", "*", "error", code="AccessDeniedException", status=400, message="nope"
    )

    with pytest.raises(ClientError) as excinfo:
        dynamodb_client.list_tables()

    assert error_of(excinfo) == ("AccessDeniedException", 400)
    assert excinfo.value.response["Error"]["Message"] == "nope"


def test_table_deleted_right_before_describe_vanishes_between_list_and_describe(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    launcher.inject_fault("dynamodb", "DescribeTable", "delete_table", table=TABLE)

    listed = dynamodb_client.list_tables()["TableNames"]
    with pytest.raises(ClientError) as excinfo:
        describe(dynamodb_client)

    assert listed == [TABLE]
    assert error_of(excinfo) == ("ResourceNotFoundException", 400)
    assert dynamodb_client.list_tables()["TableNames"] == []


def _cloudwatch_client_speaking(
    protocol: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A CloudWatch client forced onto ``protocol`` by a service model in AWS_DATA_PATH."""
    model = botocore.session.get_session().get_service_data("cloudwatch")
    model["metadata"]["protocol"] = protocol
    model["metadata"]["protocols"] = [protocol]
    version_dir = data_dir / "cloudwatch" / model["metadata"]["apiVersion"]
    version_dir.mkdir(parents=True)
    (version_dir / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(data_dir))
    return boto3.session.Session().client("cloudwatch", config=NO_RETRIES)


def test_botocore_speaks_json_to_cloudwatch_not_cbor() -> None:
    # The launcher renders no Smithy RPCv2-CBOR (moto cannot parse it either): if a botocore
    # release ever picks CBOR for CloudWatch, this fails first; bring CBOR back with cbor2.
    session = botocore.session.get_session()
    client = session.create_client("cloudwatch", region_name="us-east-1")

    assert client.meta.service_model.resolved_protocol in ("json", "query")


@pytest.mark.parametrize("protocol", ["query", "json"])
@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("throttling", "Throttling", 400), ("internal_error", "InternalServiceError", 500)],
    ids=["throttling", "internal-error"],
)
def test_cloudwatch_fault_parses_in_every_protocol_botocore_may_pick(
    launcher: LauncherControl,
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
    kind: str,
    code: str,
    status: int,
) -> None:
    client = _cloudwatch_client_speaking(protocol, tmp_path, monkeypatch)
    launcher.inject_fault("cloudwatch", "GetMetricData", kind)

    with pytest.raises(ClientError) as excinfo:
        _metric_data(None, client)

    assert client.meta.service_model.resolved_protocol == protocol
    assert error_of(excinfo) == (code, status)
    assert launcher.faults() == []  # the request was recognised as GetMetricData


# -- metrics ---------------------------------------------------------------------------
def _sums(
    cloudwatch: Any, metric: str, index: str | None, now: datetime, span_minutes: int = 30
) -> list[float]:
    query = metric_query(TABLE, metric, index)
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=now - timedelta(minutes=span_minutes), EndTime=now
    )
    values: list[float] = response["MetricDataResults"][0]["Values"]
    return values


def test_seeded_metrics_come_back_from_get_metric_data_as_per_minute_sums(
    cloudwatch_client: Any, launcher: LauncherControl
) -> None:
    now = datetime.now(timezone.utc)
    seed_metrics(
        cloudwatch_client,
        TABLE,
        consumed_read_per_second=10,
        consumed_write_per_second=2.5,
        write_throttles=3,
        now=now,
    )
    seed_metrics(cloudwatch_client, TABLE, GSI, consumed_read_per_second=1, now=now)

    assert _sums(cloudwatch_client, "ConsumedReadCapacityUnits", None, now) == [600.0] * 15
    assert _sums(cloudwatch_client, "ConsumedWriteCapacityUnits", None, now) == [150.0] * 15
    assert _sums(cloudwatch_client, "WriteThrottleEvents", None, now) == [3.0] * 15
    assert _sums(cloudwatch_client, "ReadThrottleEvents", None, now) == []
    assert _sums(cloudwatch_client, "ConsumedReadCapacityUnits", GSI, now) == [60.0] * 15


def test_minutes_without_traffic_publish_no_datapoint(
    cloudwatch_client: Any, launcher: Any
) -> None:
    now = datetime.now(timezone.utc)

    written = seed_metrics(
        cloudwatch_client, TABLE, consumed_read_per_second=[1, 0, 2], minutes=[1, 2, 3], now=now
    )

    assert written == 2
    assert sorted(_sums(cloudwatch_client, "ConsumedReadCapacityUnits", None, now)) == [60, 120]


def test_metric_timestamps_are_whole_minutes_in_the_past() -> None:
    now = datetime(2024, 5, 1, 12, 0, 42, 5, tzinfo=timezone.utc)

    stamps = metric_timestamps(now, range(1, 4))

    assert stamps == [datetime(2024, 5, 1, 11, m, tzinfo=timezone.utc) for m in (59, 58, 57)]


# -- control API and runners -----------------------------------------------------------
def test_reset_forgets_tables_faults_time_and_counters(
    dynamodb_client: Any, launcher: LauncherControl, table: str
) -> None:
    set_table(dynamodb_client, 5, 5)
    launcher.inject_fault("dynamodb", "ListTables", count=-1)
    launcher.set_update_delay(60)

    launcher.reset()

    assert dynamodb_client.list_tables()["TableNames"] == []
    state = launcher.state()
    assert state["faults"] == [] and state["resources"] == []
    assert state["update_delay"] == 0 and not state["frozen"]
    assert abs(state["now"] - time.time()) < 5


def test_control_api_rejects_bad_arguments(launcher: LauncherControl) -> None:
    with pytest.raises(LauncherError, match="kind must be one of"):
        launcher.inject_fault("dynamodb", "ListTables", "explode")
    with pytest.raises(LauncherError, match="needs 'table'"):
        launcher.inject_fault("dynamodb", "DescribeTable", "delete_table")


def test_gzipped_put_metric_data_is_recognised_and_stored(
    cloudwatch_client: Any, launcher: LauncherControl
) -> None:
    # botocore gzips PutMetricData bodies above 10 KiB; the launcher must still route them.
    now = datetime.now(timezone.utc)

    seed_metrics(
        cloudwatch_client, TABLE, consumed_read_per_second=1, minutes=range(1, 121), now=now
    )

    assert launcher.calls()["cloudwatch.PutMetricData"] == 1
    sums = _sums(cloudwatch_client, "ConsumedReadCapacityUnits", None, now, span_minutes=180)
    assert sums == [60.0] * 120


def test_local_aws_runs_in_process_as_a_context_manager(aws_env: dict[str, str]) -> None:
    with LocalAws() as aws:
        client = boto3.client("dynamodb", endpoint_url=aws.url, config=NO_RETRIES)
        create_table(client, TABLE, 3, 3)
        aws.control.set_time(NOON, frozen=True)
        set_table(client, 2, 3)
        url, decreases = aws.url, aws.control.get_resource(TABLE)["decreases_today"]

    assert decreases == 1
    assert not LauncherControl(url, timeout=1).health()


def test_launcher_process_prints_its_url_and_exits_cleanly_on_sigterm() -> None:
    process = LauncherProcess().start()
    child = process._proc
    url = process.url

    process.stop()  # SIGTERM

    assert url.startswith("http://127.0.0.1:")
    assert child is not None and child.returncode == 0


def _lists_tables(url: str) -> Any:
    client = boto3.client("dynamodb", endpoint_url=url, config=NO_RETRIES)
    return client.list_tables()["TableNames"] == []


def _reports_stats(url: str) -> Any:
    return control_stats(url)["calls"] == {}


@pytest.mark.parametrize(
    ("module", "serves"),
    [
        ("dynamic_dynamodb.localaws", _lists_tables),
        ("dynamic_dynamodb.localaws.fast_cloudwatch", _reports_stats),
    ],
    ids=["localaws", "fast_cloudwatch"],
)
def test_python_m_serves_without_a_runtime_warning(
    module: str, serves: Any, aws_scratch_dir: Path
) -> None:
    # runpy warns when a package's __init__ has already imported the module it runs.
    env = child_env(isolated_environ(os.environ, None, aws_scratch_dir))
    command = [sys.executable, "-W", "default", "-m", module, "--port", "0"]
    proc = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        served = serves(url)
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)

    assert url.startswith("http://127.0.0.1:")
    assert served
    assert "Warning" not in stderr, stderr
    assert proc.returncode == 0
