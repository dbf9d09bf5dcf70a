"""The fault matrix's rows (test_fault_matrix.py runs them): each a fault or a few, what
may change while they last, and what the log shows.

Every row runs on the same world (``World``): four matched tables and one that is not.
With no fault, one cycle brings them from INITIAL to NORMAL and they stay there:

* ``hot``       10/10, reads at 95 %          -> reads 15 (+50 %), then 63 %: stays
* ``cold``      100/10, reads at 25 %         -> reads 50 (-50 %), then 50 %: stays
* ``cold/by_day`` (its GSI) likewise          -> reads 50
* ``throttled`` 100/10, reads at 25 % with throttle events: its decrease is held
* ``untouched`` 10/10 at 95 %, outside the configured regex: never changed (it has an
  Application Auto Scaling policy: DescribeScalingPolicies has something to list)

While a row's faults are armed, each resource may keep its INITIAL capacity or reach
its NORMAL one, nothing else (no wrong change); a resource in ``held`` must keep its
INITIAL one (no decision, or a decrease held). After the faults are cleared, one clean
cycle leaves every resource at NORMAL (minus ``gone``).

A fault's ``table`` is a role (``hot``...), made the row's table name when injected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOT, COLD, GSI, THROTTLED, UNTOUCHED = "hot", "cold", "cold/by_day", "throttled", "untouched"
MATCHED = (HOT, COLD, GSI, THROTTLED)
ALL = frozenset(MATCHED)
DECREASES = frozenset({COLD, GSI})  # the resources whose NORMAL is a decrease
INITIAL = {HOT: (10, 10), COLD: (100, 10), GSI: (100, 10), THROTTLED: (100, 10),
           UNTOUCHED: (10, 10)}
NORMAL = {HOT: (15, 10), COLD: (50, 10), GSI: (50, 10), THROTTLED: (100, 10),
          UNTOUCHED: (10, 10)}
# Per resource: (reads, writes, read throttle events) per second, per minute of traffic.
TRAFFIC = {HOT: (9.5, 5.0, 0.0), COLD: (25.0, 5.0, 0.0), GSI: (25.0, 5.0, 0.0),
           THROTTLED: (25.0, 5.0, 4.0), UNTOUCHED: (9.5, 5.0, 0.0)}
# Configured bounds of every matched resource.
MIN_CAPACITY, MAX_CAPACITY = 5, 200
# The AWS calls wait this long for an answer; a hang or a delay lasts longer.
READ_TIMEOUT = 2
SLOW = 3.0

# Answers of the GetMetricData call: four queries per resource, in the order asked
# (consumed reads, consumed writes, read throttles, write throttles), four resources.
READ_THROTTLE_RESULTS = (14, 10, 6, 2)  # dropped from the last, so the others keep place


def fault(service: str, operation: str, kind: str, table: str | None = None,
          count: int = -1, **arguments: Any) -> dict[str, Any]:
    """A launcher fault (LauncherControl.inject_fault's arguments); ``table`` a role."""
    return {"service": service, "operation": operation, "kind": kind, "table": table,
            "count": count, **arguments}


def ddb(operation: str, kind: str, table: str | None = None, **arguments: Any) -> dict[str, Any]:
    return fault("dynamodb", operation, kind, table, **arguments)


def cw(kind: str, **arguments: Any) -> dict[str, Any]:
    return fault("cloudwatch", "GetMetricData", kind, **arguments)


def scaling(kind: str, **arguments: Any) -> dict[str, Any]:
    return fault("application-autoscaling", "DescribeScalingPolicies", kind, **arguments)


@dataclass(frozen=True)
class Row:
    id: str
    faults: tuple[dict[str, Any], ...]
    # Resources that must keep their INITIAL capacity while the faults last.
    held: frozenset[str] = frozenset()
    # In the log of the cycle with the faults; of the clean cycle after it.
    logged: str = ""
    clean_logged: str = ""
    # Extra lines for the [table] and [gsi] sections; the breaker's path on the test
    # server while the fault lasts ("refused": a port that refuses connections).
    options: str = ""
    breaker: str | None = None
    # Run as two --run-once processes (faulty, then clean) instead of two cycles of the
    # shared daemon: the faulty one's exit code, and its environment's extra variables
    # (``clean_logged`` needs a cycle after the faulty one in the same process: daemon
    # rows only).
    run_once: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Resources the fault deletes (absent afterwards).
    gone: frozenset[str] = frozenset()


# What the core says of a dimension without a decision, whatever made its metrics
# unknown (a failed call: "metrics unavailable: ...", a series that cannot be used:
# "metrics unknown (...): ...").
METRICS_UNKNOWN = "no decision this cycle"
ZERO_ALLOWED = ("allow-scaling-down-reads-on-0-percent: true\n"
                "allow-scaling-down-writes-on-0-percent: true\n")
UNCONFIRMED = "DescribeTable tells next cycle"
APPLIED_AFTER_ALL = "the unconfirmed UpdateTable of an earlier cycle was applied"
NOT_APPLIED = "the UpdateTable of an earlier cycle was not applied"

ROWS: tuple[Row, ...] = (
    # -- transport: errors, throttling, timeouts, credentials ------------------------------
    Row("list-tables-500", (ddb("ListTables", "internal_error"),), ALL,
        "cycle failed, retrying next cycle: ListTables: InternalServerError"),
    Row("list-tables-throttled", (ddb("ListTables", "throttling"),), ALL,
        "ListTables: ThrottlingException"),
    Row("list-tables-timeout", (ddb("ListTables", "hang", seconds=SLOW, count=1),), ALL,
        "ListTables: timed out"),
    Row("describe-500-one-table", (ddb("DescribeTable", "internal_error", HOT),),
        frozenset({HOT}), "DescribeTable m{n}-hot: InternalServerError"),
    Row("describe-throttled", (ddb("DescribeTable", "throttling"),), ALL,
        "ThrottlingException"),
    Row("describe-timeout-one-table",
        (ddb("DescribeTable", "hang", COLD, seconds=SLOW, count=1),), frozenset({COLD, GSI}),
        "DescribeTable m{n}-cold: timed out"),
    Row("describe-expired-token",
        (ddb("DescribeTable", "error", code="ExpiredTokenException", status=400,
             message="The security token included in the request is expired"),), ALL,
        "ExpiredTokenException"),
    Row("metrics-500", (cw("internal_error"),), ALL, METRICS_UNKNOWN),
    Row("metrics-throttled", (cw("throttling"),), ALL, "GetMetricData: Throttling"),
    Row("metrics-timeout", (cw("hang", seconds=SLOW, count=1),), ALL,
        "GetMetricData: timed out"),
    Row("metrics-access-denied",
        (cw("error", code="AccessDenied", status=403, message="not authorized"),), ALL,
        "GetMetricData: AccessDenied"),
    Row("metrics-expired-token",
        (cw("error", code="ExpiredTokenException", status=400, message="expired"),), ALL,
        "ExpiredTokenException"),
    Row("metrics-connection-refused", (), ALL, METRICS_UNKNOWN, run_once=1,
        env={"AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:9"}),
    Row("dynamodb-connection-refused", (), ALL, "cannot reach AWS endpoint", run_once=1,
        env={"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9"}),
    # Unreadable policies count as none (warned about once per process: not looked for).
    Row("scaling-policies-500", (scaling("internal_error"),), frozenset()),
    Row("update-500-one-table", (ddb("UpdateTable", "internal_error", HOT),),
        frozenset({HOT}), "UpdateTable m{n}-hot: InternalServerError"),
    Row("update-throttled", (ddb("UpdateTable", "throttling", COLD),),
        frozenset({COLD, GSI}), "UpdateTable m{n}-cold: ThrottlingException"),
    Row("update-resource-in-use",
        (ddb("UpdateTable", "error", HOT, code="ResourceInUseException", status=400),),
        frozenset({HOT}), "ResourceInUseException"),
    Row("update-limit-exceeded",
        (ddb("UpdateTable", "error", COLD, code="LimitExceededException", status=400,
             message="Subscriber limit exceeded: decreases of provisioned throughput"),),
        frozenset({COLD, GSI}), "decrease held"),
    Row("update-timeout-not-applied", (ddb("UpdateTable", "hang", HOT, seconds=SLOW),),
        frozenset({HOT}), UNCONFIRMED, NOT_APPLIED),
    Row("update-timeout-applied", (ddb("UpdateTable", "delay", HOT, seconds=SLOW),),
        frozenset(), UNCONFIRMED, APPLIED_AFTER_ALL),
    Row("update-timeout-applied-table-and-gsi",
        (ddb("UpdateTable", "delay", COLD, seconds=SLOW),), frozenset(), UNCONFIRMED,
        APPLIED_AFTER_ALL),
    Row("table-deleted-mid-cycle", (ddb("DescribeTable", "delete_table", COLD, count=1),),
        frozenset(), "m{n}-cold: deleted since the table list was read",
        gone=frozenset({COLD, GSI})),
    # -- answers that are not what they should be -----------------------------------------
    Row("list-tables-not-json", (ddb("ListTables", "non_json"),), ALL,
        "ListTables: the answer has no list of table names", run_once=1),
    Row("list-tables-wrong-shape", (ddb("ListTables", "wrong_shape"),), ALL,
        "ListTables: the answer could not be read"),
    Row("list-tables-endless-token", (ddb("ListTables", "endless_token"),), ALL,
        "listed twice; paging stopped"),
    Row("list-tables-same-token", (ddb("ListTables", "endless_token", token="same"),), ALL,
        "ListTables: table"),
    Row("list-tables-empty", (ddb("ListTables", "empty"),), ALL,
        "no table matches the configured table names", run_once=1),
    Row("describe-not-json-one-table", (ddb("DescribeTable", "non_json", HOT),),
        frozenset({HOT}), "DescribeTable m{n}-hot: the answer", run_once=1),
    Row("describe-wrong-shape", (ddb("DescribeTable", "wrong_shape"),), ALL,
        "the answer could not be read"),
    Row("describe-capacity-not-a-number",
        (ddb("DescribeTable", "replace", HOT,
             path="Table.ProvisionedThroughput.ReadCapacityUnits", value="lots"),),
        frozenset({HOT}), "m{n}-hot"),
    Row("describe-table-missing", (ddb("DescribeTable", "drop", COLD, path="Table"),),
        frozenset({COLD, GSI}), "DescribeTable m{n}-cold: the answer"),
    Row("describe-no-status", (ddb("DescribeTable", "drop", HOT, path="Table.TableStatus"),),
        frozenset({HOT}), "status UNKNOWN"),
    Row("describe-no-provisioned-throughput",
        (ddb("DescribeTable", "drop", COLD, path="Table.ProvisionedThroughput"),),
        frozenset({COLD}), "m{n}-cold"),
    Row("describe-absurd-capacity",
        (ddb("DescribeTable", "replace", COLD,
             path="Table.ProvisionedThroughput.ReadCapacityUnits", value=1e30),),
        frozenset({COLD}), "m{n}-cold"),
    Row("describe-gsi-without-capacity",
        (ddb("DescribeTable", "drop", COLD,
             path="Table.GlobalSecondaryIndexes[0].ProvisionedThroughput"),),
        frozenset({GSI}), "m{n}-cold/by_day"),
    Row("metrics-not-json", (cw("non_json"),), ALL, METRICS_UNKNOWN),
    Row("metrics-wrong-shape", (cw("wrong_shape", value={"MetricDataResults": "none"}),),
        ALL, METRICS_UNKNOWN),
    Row("metrics-endless-token", (cw("endless_token"),), ALL, "still paging after"),
    Row("metrics-same-token", (cw("endless_token", token="same"),), ALL, "came back twice"),
    Row("metrics-partial-data-endless", (cw("partial_data"), cw("endless_token")), ALL,
        "still paging after"),
    Row("metrics-timestamps-dropped", (cw("drop", path="MetricDataResults[*].Timestamps"),),
        ALL, METRICS_UNKNOWN),
    Row("metrics-value-not-a-number",
        (cw("replace", path="MetricDataResults[*].Values[*]", value="ten"),), ALL,
        METRICS_UNKNOWN),
    Row("metrics-empty", (cw("empty"),), ALL, METRICS_UNKNOWN, options=ZERO_ALLOWED),
    Row("metrics-negative-values",
        (cw("replace", path="MetricDataResults[*].Values[*]", value=-10),), ALL,
        METRICS_UNKNOWN),
    Row("metrics-partial-data", (cw("partial_data"),), ALL, METRICS_UNKNOWN),
    Row("metrics-throttle-series-missing",
        tuple(cw("drop", path=f"MetricDataResults[{i}]") for i in READ_THROTTLE_RESULTS),
        DECREASES | {THROTTLED}, "throttle events unknown"),
    Row("scaling-policies-not-json", (scaling("non_json"),), frozenset()),
    Row("scaling-policies-endless-token", (scaling("endless_token"),), frozenset()),
    Row("update-not-json-applied", (ddb("UpdateTable", "non_json", HOT),), frozenset(),
        UNCONFIRMED, APPLIED_AFTER_ALL),
    Row("update-wrong-shape-applied", (ddb("UpdateTable", "wrong_shape", HOT),),
        frozenset(), UNCONFIRMED, APPLIED_AFTER_ALL),
    # An unknown outcome is not a missing decision: --run-once exits 0.
    Row("update-timeout-applied-run-once", (ddb("UpdateTable", "delay", HOT, seconds=SLOW),),
        frozenset(), UNCONFIRMED, run_once=0),
    # -- the circuit breaker: open holds decreases, credentials stay home ------------------
    Row("breaker-503", (), DECREASES, "answered 503", breaker="/fail"),
    Row("breaker-timeout", (), DECREASES, "circuit breaker open", breaker="/hang"),
    Row("breaker-refused", (), DECREASES, "circuit breaker open", breaker="refused"),
    Row("breaker-redirect-loop", (), DECREASES, "circuit breaker open",
        breaker="/redirect/302/loop"),
    Row("breaker-cross-origin-redirect-with-credentials", (), DECREASES,
        "circuit breaker open", breaker="/redirect/302/other/ok"),
)
