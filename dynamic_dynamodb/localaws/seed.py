"""Seed a local AWS API with tables and the CloudWatch metrics DynamoDB would publish.

moto publishes no DynamoDB metrics, so tests write them with PutMetricData in the shape
DynamoDB uses: namespace ``AWS/DynamoDB``, dimension ``TableName`` (+
``GlobalSecondaryIndexName``), one datapoint per minute whose value is that minute's Sum.
:func:`metric_query` builds the GetMetricData query that reads one back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

NAMESPACE = "AWS/DynamoDB"
# PutMetricData accepts up to 1000 datapoints per call; stay well below.
_PUT_BATCH = 500

# A value per minute: one number for every minute, or one per entry of ``minutes``.
PerMinute = float | Sequence[float]


def create_table(
    client: Any,
    name: str,
    reads: int = 5,
    writes: int = 5,
    gsis: Iterable[tuple[str, int, int]] = (),
    billing_mode: str = "PROVISIONED",
) -> dict[str, Any]:
    """Create a table (hash key ``pk``) with GSIs ``(name, reads, writes)``; return its description.

    Each GSI gets its own hash key ``<gsi>_pk``. With ``PAY_PER_REQUEST`` the capacities
    are ignored, as DynamoDB requires.
    """
    provisioned = billing_mode == "PROVISIONED"
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    indexes = []
    for gsi_name, gsi_reads, gsi_writes in gsis:
        attributes.append({"AttributeName": f"{gsi_name}_pk", "AttributeType": "S"})
        index: dict[str, Any] = {
            "IndexName": gsi_name,
            "KeySchema": [{"AttributeName": f"{gsi_name}_pk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
        if provisioned:
            index["ProvisionedThroughput"] = _throughput(gsi_reads, gsi_writes)
        indexes.append(index)
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": attributes,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": billing_mode,
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(reads, writes)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    description: dict[str, Any] = client.create_table(**request)["TableDescription"]
    return description


def _throughput(reads: int, writes: int) -> dict[str, int]:
    return {"ReadCapacityUnits": reads, "WriteCapacityUnits": writes}


def metric_timestamps(now: datetime | None, minutes: Iterable[int]) -> list[datetime]:
    """Whole-minute UTC timestamps ``m`` minutes before the minute that holds ``now``."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    minute = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    return [minute - timedelta(minutes=m) for m in minutes]


def dimensions(table: str, index: str | None = None) -> list[dict[str, str]]:
    """The CloudWatch dimensions DynamoDB uses for a table or one of its GSIs."""
    dims = [{"Name": "TableName", "Value": table}]
    if index is not None:
        dims.append({"Name": "GlobalSecondaryIndexName", "Value": index})
    return dims


def metric_query(
    table: str,
    metric: str = "ConsumedReadCapacityUnits",
    index: str | None = None,
    *,
    query_id: str = "m",
    stat: str = "Sum",
    period: int = 60,
) -> dict[str, Any]:
    """One GetMetricData query for a DynamoDB metric of ``table`` (or its GSI ``index``),
    to read back what :func:`seed_metrics` wrote."""
    metric_spec = {
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Dimensions": dimensions(table, index),
    }
    return {"Id": query_id, "MetricStat": {"Metric": metric_spec, "Period": period, "Stat": stat}}


def _at(value: PerMinute, position: int) -> float:
    return float(value) if isinstance(value, (int, float)) else float(value[position])


def seed_metrics(
    cw_client: Any,
    table: str,
    index: str | None = None,
    *,
    consumed_read_per_second: PerMinute = 0.0,
    consumed_write_per_second: PerMinute = 0.0,
    read_throttles: PerMinute = 0.0,
    write_throttles: PerMinute = 0.0,
    minutes: Iterable[int] = range(1, 16),
    now: datetime | None = None,
    publish_zeros: bool = False,
) -> int:
    """Write per-minute DynamoDB metrics for ``table`` (or its GSI ``index``).

    ``minutes``: how many minutes before ``now`` each datapoint lies (default: the last 15
    whole minutes). Consumed capacity is given in units per second and written as the
    per-minute Sum (× 60), as DynamoDB publishes it. Values may be one number or a sequence
    aligned with ``minutes``. Zeros are skipped unless ``publish_zeros``, because DynamoDB
    publishes nothing for a minute without traffic. Returns the number of datapoints written.
    """
    minute_list = list(minutes)
    stamps = metric_timestamps(now, minute_list)
    series = {
        "ConsumedReadCapacityUnits": (consumed_read_per_second, 60.0),
        "ConsumedWriteCapacityUnits": (consumed_write_per_second, 60.0),
        "ReadThrottleEvents": (read_throttles, 1.0),
        "WriteThrottleEvents": (write_throttles, 1.0),
    }
    data = []
    for metric, (per_minute, scale) in series.items():
        for position, stamp in enumerate(stamps):
            value = _at(per_minute, position) * scale
            if value or publish_zeros:
                data.append(_datapoint(metric, table, index, stamp, value))
    for start in range(0, len(data), _PUT_BATCH):
        cw_client.put_metric_data(Namespace=NAMESPACE, MetricData=data[start : start + _PUT_BATCH])
    return len(data)


def _datapoint(
    metric: str, table: str, index: str | None, stamp: datetime, value: float
) -> dict[str, Any]:
    return {
        "MetricName": metric,
        "Dimensions": dimensions(table, index),
        "Timestamp": stamp,
        "Value": value,
        "Unit": "Count",
    }
