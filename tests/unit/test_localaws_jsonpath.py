"""The local AWS's answer edits by path (the answer-mutation faults' tool)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dynamic_dynamodb.localaws.jsonpath import PathError, drop, empty, parse_path, put

ANSWER: dict[str, Any] = {
    "MetricDataResults": [
        {"Id": "a", "Values": [1.0, 2.0], "StatusCode": "Complete"},
        {"Id": "b", "Values": [3.0]},
    ],
    "Messages": [],
    "Table": {"TableName": "t", "ProvisionedThroughput": {"ReadCapacityUnits": 5}},
}


@pytest.mark.parametrize(
    ("edit", "changed", "expected"),
    [
        (lambda d: drop(d, "Table.ProvisionedThroughput"), 1, {"Table": {"TableName": "t"}}),
        (lambda d: drop(d, "Table.Missing"), 0, {}),
        (
            lambda d: drop(d, "MetricDataResults[0]"),
            1,
            {"MetricDataResults": [{"Id": "b", "Values": [3.0]}]},
        ),
        (
            lambda d: put(d, "MetricDataResults[*].Values[*]", -10),
            3,
            {"MetricDataResults": [
                {"Id": "a", "Values": [-10, -10], "StatusCode": "Complete"},
                {"Id": "b", "Values": [-10]},
            ]},
        ),
        (
            lambda d: put(d, "MetricDataResults[*].StatusCode", "PartialData"),
            2,
            {"MetricDataResults": [
                {"Id": "a", "Values": [1.0, 2.0], "StatusCode": "PartialData"},
                {"Id": "b", "Values": [3.0], "StatusCode": "PartialData"},
            ]},
        ),
        (lambda d: put(d, "NextToken", "x"), 1, {"NextToken": "x"}),
        (lambda d: put(d, "Nope.Deeper", 1), 0, {}),
        (lambda d: empty(d), 2, {"MetricDataResults": [], "Messages": []}),
        (
            lambda d: empty(d, "Table.ProvisionedThroughput"),
            1,
            {"Table": {"TableName": "t", "ProvisionedThroughput": {}}},
        ),
    ],
    ids=["drop-key", "drop-missing", "drop-element", "put-every-value", "put-adds-a-key",
         "put-top-level", "put-under-missing", "empty-top-lists", "empty-object"],
)
def test_edit_changes_what_the_path_names_and_nothing_else(
    edit: Any, changed: int, expected: dict[str, Any]
) -> None:
    document = copy.deepcopy(ANSWER)

    count = edit(document)

    assert count == changed
    assert document == {**copy.deepcopy(ANSWER), **expected}


def test_a_value_put_in_several_places_is_copied_for_each() -> None:
    document = copy.deepcopy(ANSWER)
    put(document, "MetricDataResults[*].Extra", {"k": []})

    document["MetricDataResults"][0]["Extra"]["k"].append(1)

    assert document["MetricDataResults"][1]["Extra"] == {"k": []}


@pytest.mark.parametrize("path", ["", "[0]", ".a", "a.", "a..b", "a.[0]", "a[x]", "a]", "a[-1]"])
def test_malformed_path_is_refused(path: str) -> None:
    with pytest.raises(PathError):
        parse_path(path)


def test_path_steps() -> None:
    assert parse_path("A.B[0].C[*]") == ["A", "B", 0, "C", "*"]
