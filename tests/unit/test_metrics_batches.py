"""CloudWatchMetrics.read: the GetMetricData batches of one read run concurrently.

The CloudWatch client is a stand-in that only answers (empty series) after two calls
are in flight together: read in turn, the first call would wait for a second that
never comes and the barrier would break."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import Dimension, ResourceId


class TwoAtOnce:
    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)
        self.calls = 0

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        self.barrier.wait()
        return {"MetricDataResults": [{"Id": q["Id"], "StatusCode": "Complete",
                                       "Timestamps": [], "Values": []}
                                       for q in kwargs["MetricDataQueries"]]}


class Clients:
    def __init__(self) -> None:
        self.cloudwatch = TwoAtOnce()


def test_two_batches_are_in_flight_together():
    clients = Clients()
    metrics = CloudWatchMetrics(clients, max_queries_per_call=4)  # type: ignore[arg-type]
    requests = [MetricRequest(ResourceId(f"t{i}"), 8, 5) for i in range(2)]

    usages = metrics.read(requests, datetime(2026, 5, 4, 12, tzinfo=timezone.utc))

    assert clients.cloudwatch.calls == 2
    assert sorted(str(rid) for rid in usages) == ["t0", "t1"]
    reads = [usage.known(Dimension.READS) if usage else None for usage in usages.values()]
    assert [r.consumed if r else None for r in reads] == [0.0, 0.0]  # idle, known
