"""CloudWatchMetrics.read: the GetMetricData batches of one read run concurrently, each
bounded by its page limit, all ended by a stop.

The CloudWatch client is a stand-in that only answers (empty series) after two calls
are in flight together: read in turn, the first call would wait for a second that
never comes and the barrier would break."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from dynamic_dynamodb.aws.metrics import MAX_CONCURRENT_BATCHES, CloudWatchMetrics, max_pages
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core.types import Dimension, ResourceId
from dynamic_dynamodb.errors import Stopped


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


class EndlessPages:
    """Every answer has a new NextToken (paging that never ends); ``stop_at`` sets the
    stop Event during that call, as a signal handler would."""

    def __init__(self, stop: threading.Event | None = None, stop_at: int = 0) -> None:
        self.stop = stop
        self.stop_at = stop_at
        self.calls = 0
        self._lock = threading.Lock()
        self.meta = SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None))

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            if self.stop is not None and self.calls == self.stop_at:
                self.stop.set()
            token = f"token-{self.calls}"
        return {"NextToken": token,
                "MetricDataResults": [{"Id": q["Id"], "StatusCode": "PartialData",
                                       "Timestamps": [], "Values": []}
                                      for q in kwargs["MetricDataQueries"]]}


NOW = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)


def test_each_concurrent_batch_is_bounded_by_its_page_limit():
    clients = SimpleNamespace(cloudwatch=EndlessPages())
    metrics = CloudWatchMetrics(clients, max_queries_per_call=4)  # type: ignore[arg-type]
    requests = [MetricRequest(ResourceId(f"t{i}"), 8, 5) for i in range(6)]
    start, end = requests[0].window(NOW)

    usages = metrics.read(requests, NOW)

    assert usages == dict.fromkeys(r.resource for r in requests)  # unknown, each batch
    assert clients.cloudwatch.calls == 6 * max_pages(4, start, end)


def test_a_stop_ends_concurrent_batches_before_their_next_call():
    stop = threading.Event()
    clients = SimpleNamespace(cloudwatch=EndlessPages(stop, stop_at=1))
    metrics = CloudWatchMetrics(clients, max_queries_per_call=4,  # type: ignore[arg-type]
                                stop=stop)
    requests = [MetricRequest(ResourceId(f"t{i}"), 8, 5) for i in range(6)]

    with pytest.raises(Stopped):
        metrics.read(requests, NOW)

    # At most one page per batch in flight when the stop came; none started after it.
    assert 1 <= clients.cloudwatch.calls <= MAX_CONCURRENT_BATCHES
