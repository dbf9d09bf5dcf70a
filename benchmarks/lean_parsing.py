"""What parsing one cycle's answers costs: botocore's JSON parser against aws/fastparse.py.

One 1,000-table cycle (each with one GSI) gets about 1,000 DescribeTable answers and 16
GetMetricData answers of 500 series. This parses synthetic answers of that shape, with the
daemon's timestamp parser, and prints the CPU time (``time.process_time``) of each parser,
the least of ``--repeat`` runs. No server, no network.

    python benchmarks/lean_parsing.py
    python benchmarks/lean_parsing.py --minutes 15 --repeat 5

Numbers belong in the README, not in assertions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import botocore.parsers  # noqa: E402
import botocore.session  # noqa: E402

from dynamic_dynamodb.aws.fastparse import LeanParserFactory  # noqa: E402
from dynamic_dynamodb.aws.session import parse_timestamp  # noqa: E402

T0 = 1767225600


def describe_table(name: str) -> dict[str, Any]:
    throughput = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5, "NumberOfDecreasesToday": 1,
                  "LastIncreaseDateTime": T0 - 600.25, "LastDecreaseDateTime": T0 - 7200.5}
    return {"Table": {
        "TableName": name, "TableStatus": "ACTIVE", "CreationDateTime": T0 - 86400.5,
        "TableSizeBytes": 1024, "ItemCount": 10, "ProvisionedThroughput": throughput,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{"IndexName": "by_owner", "IndexStatus": "ACTIVE",
                                    "ProvisionedThroughput": dict(throughput),
                                    "KeySchema": [{"AttributeName": "o", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}],
    }}


def get_metric_data(series: int, minutes: int) -> dict[str, Any]:
    return {"MetricDataResults": [
        {"Id": f"q{i}", "Label": "ConsumedReadCapacityUnits", "StatusCode": "Complete",
         "Timestamps": [T0 + 60 * k for k in range(minutes)], "Values": [60.0] * minutes}
        for i in range(series)], "Messages": []}


def cpu_ms(factory: Any, shape: Any, bodies: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for body in bodies:
            factory.create_parser("json").parse(
                {"status_code": 200, "headers": {}, "body": body}, shape)
        best = min(best, time.process_time() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--minutes", type=int, default=15, help="datapoints per series")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    session = botocore.session.get_session()
    shapes = {
        "DescribeTable": session.get_service_model("dynamodb")
        .operation_model("DescribeTable").output_shape,
        "GetMetricData": session.get_service_model("cloudwatch")
        .operation_model("GetMetricData").output_shape,
    }
    queries = args.tables * 2 * 4  # table and GSI, four series each
    answers = {
        "DescribeTable": [json.dumps(describe_table(f"t{i}")).encode()
                          for i in range(args.tables)],
        "GetMetricData": [json.dumps(get_metric_data(500, args.minutes)).encode()
                          for _ in range(-(-queries // 500))],
    }
    print(f"{'answers':>28}  {'botocore ms':>11}  {'lean ms':>8}")
    for operation, bodies in answers.items():
        timings = []
        for factory in (botocore.parsers.ResponseParserFactory(), LeanParserFactory()):
            factory.set_parser_defaults(timestamp_parser=parse_timestamp)
            timings.append(cpu_ms(factory, shapes[operation], bodies, args.repeat))
        label = f"{len(bodies)} x {operation}"
        print(f"{label:>28}  {timings[0]:11.1f}  {timings[1]:8.1f}")


if __name__ == "__main__":
    main()
