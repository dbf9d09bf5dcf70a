"""Run the real CLI as a subprocess against the local AWS-API server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence

README_EXAMPLE = [
    "--reads-upper-threshold", "90", "--reads-lower-threshold", "30",
    "--increase-reads-with", "50", "--decrease-reads-with", "40",
    "--writes-upper-threshold", "90", "--writes-lower-threshold", "40",
    "--increase-writes-with", "40", "--decrease-writes-with", "70", "--check-interval", "300",
]


def run_cli(args: Sequence[str], env: Mapping[str, str],
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynamic_dynamodb", *args], env=dict(env),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def capacity(client: object, table: str, index: str | None = None) -> tuple[int, int]:
    desc = client.describe_table(TableName=table)["Table"]  # type: ignore[attr-defined]
    if index is not None:
        desc = next(g for g in desc["GlobalSecondaryIndexes"] if g["IndexName"] == index)
    t = desc["ProvisionedThroughput"]
    return t["ReadCapacityUnits"], t["WriteCapacityUnits"]
