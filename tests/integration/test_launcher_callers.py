"""The launcher tells callers apart by their access key id: a journal of the calls it
received (who, what, on which table, when) and faults that bite one caller only."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from dynamic_dynamodb.localaws import LauncherControl, create_table

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def client_as(access_key: str) -> Any:
    return boto3.client("dynamodb", aws_access_key_id=access_key,
                        aws_secret_access_key="dummy", config=NO_RETRIES)


def test_the_journal_records_each_call_with_its_caller(
        aws_env: dict[str, str], launcher: LauncherControl) -> None:
    alice, bob = client_as("AKIDALICE"), client_as("AKIDBOB")
    create_table(alice, "orders", 5, 5)
    before = launcher.now()
    alice.update_table(TableName="orders", ProvisionedThroughput={
        "ReadCapacityUnits": 6, "WriteCapacityUnits": 5})
    bob.describe_table(TableName="orders")
    updates = launcher.journal(operation="UpdateTable")
    assert [(e["access_key"], e["table"], e["service"]) for e in updates] == [
        ("AKIDALICE", "orders", "dynamodb")]
    assert before <= updates[0]["at"] <= launcher.now()
    assert [e["operation"] for e in launcher.journal(access_key="AKIDBOB")] == [
        "DescribeTable"]
    launcher.reset()
    assert launcher.journal() == []


def test_a_fault_can_bite_one_caller_only(aws_env: dict[str, str],
                                          launcher: LauncherControl) -> None:
    alice, bob = client_as("AKIDALICE"), client_as("AKIDBOB")
    create_table(alice, "leases", 1, 1)
    launcher.inject_fault("dynamodb", "*", "internal_error", count=-1, table="leases",
                          access_key="AKIDBOB")
    alice.describe_table(TableName="leases")
    with pytest.raises(ClientError) as caught:
        bob.describe_table(TableName="leases")
    assert caught.value.response["Error"]["Code"] == "InternalServerError"
    bob.list_tables()  # another table (here: none) is not cut off
    assert launcher.faults()[0]["access_key"] == "AKIDBOB"
