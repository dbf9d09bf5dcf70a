"""A small, fast CloudWatch for benchmarks and tests: GetMetricData and PutMetricData only.

moto's CloudWatch scans every stored datapoint for every query, so one GetMetricData of
500 queries over 40,000 stored points takes more than a minute: the server, not the code
under test, becomes what a benchmark measures. This server keeps each series under its
exact identity (namespace, metric name, dimension set) and answers a query from that
series alone.

It speaks the protocol botocore uses for CloudWatch by default (``awsJson1_0``: a POST
to ``/`` with ``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``; CloudWatch is
"query compatible", so errors carry their query-protocol code in ``x-amzn-query-error``).
botocore gzips large PutMetricData bodies; that is handled. A request in another protocol
(the older query protocol, or RPCv2-CBOR) gets a clear 400.

Semantics, as CloudWatch's for the subset implemented: a series matches only when the
namespace, metric name and the whole dimension set are equal; datapoints in
[StartTime, EndTime) are grouped into ``Period``-second buckets starting at StartTime;
``Sum``, ``Average``, ``Minimum``, ``Maximum`` and ``SampleCount``; at most 500 queries
per call; ``ScanBy``; ``ReturnData``; ``NextToken`` when a response would exceed
``MaxDatapoints`` (pages end between queries). Metric math (``Expression``) is not
supported. No signature check: any credentials do.

Run it with ``python -m dynamic_dynamodb.localaws.fast_cloudwatch --port 0`` (prints its URL,
serves until SIGTERM), in a thread with :class:`FastCloudWatch`, or as a child process with
:class:`FastCloudWatchProcess`. ``GET /_fast_cloudwatch/stats`` reports calls and queries
served; ``POST /_fast_cloudwatch/reset`` forgets every datapoint and count.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from dynamic_dynamodb.localaws.serving import (
    child_env,
    serve_until_signalled,
    server_url,
    stop_process,
)

TARGET_PREFIX = "GraniteServiceVersion20100801"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
CONTROL_PREFIX = "/_fast_cloudwatch/"
MAX_QUERIES_PER_CALL = 500
MAX_DATUMS_PER_PUT = 1000
DEFAULT_MAX_DATAPOINTS = 100_800
STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")

# (namespace, metric name, dimension set): how CloudWatch identifies a series.
SeriesKey = tuple[str, str, frozenset[tuple[str, str]]]


class CloudWatchError(Exception):
    """A request CloudWatch would refuse: rendered as an AWS error of ``code``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------
class Aggregate:
    """What CloudWatch keeps per series and timestamp: sum, count, min and max."""

    __slots__ = ("count", "maximum", "minimum", "sum")

    def __init__(self) -> None:
        self.sum = 0.0
        self.count = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf

    def add(self, total: float, count: float, minimum: float, maximum: float) -> None:
        self.sum += total
        self.count += count
        self.minimum = min(self.minimum, minimum)
        self.maximum = max(self.maximum, maximum)

    def merge(self, other: Aggregate) -> None:
        self.add(other.sum, other.count, other.minimum, other.maximum)

    def statistic(self, stat: str) -> float:
        if stat == "Sum":
            return self.sum
        if stat == "SampleCount":
            return self.count
        if stat == "Average":
            return self.sum / self.count if self.count else 0.0
        if stat == "Minimum":
            return self.minimum
        return self.maximum


class MetricStore:
    """Datapoints by series, then by timestamp (epoch seconds); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[SeriesKey, dict[float, Aggregate]] = {}

    def put(self, key: SeriesKey, timestamp: float, total: float, count: float,
            minimum: float, maximum: float) -> None:
        with self._lock:
            points = self._series.setdefault(key, {})
            aggregate = points.get(timestamp)
            if aggregate is None:
                aggregate = points[timestamp] = Aggregate()
            aggregate.add(total, count, minimum, maximum)

    def query(self, key: SeriesKey, start: float, end: float, period: int,
              stat: str) -> list[tuple[float, float]]:
        """(bucket start, statistic) for the buckets of [start, end) that hold data,
        oldest first."""
        with self._lock:
            points = list(self._series.get(key, {}).items())
        buckets: dict[float, Aggregate] = {}
        for timestamp, aggregate in points:
            if start <= timestamp < end:
                bucket = start + (timestamp - start) // period * period
                buckets.setdefault(bucket, Aggregate()).merge(aggregate)
        return [(bucket, buckets[bucket].statistic(stat)) for bucket in sorted(buckets)]

    def reset(self) -> None:
        with self._lock:
            self._series.clear()

    def sizes(self) -> tuple[int, int]:
        """(series, stored timestamps)."""
        with self._lock:
            return len(self._series), sum(len(p) for p in self._series.values())


# --------------------------------------------------------------------------------------
# Request parsing
# --------------------------------------------------------------------------------------
def _epoch(value: Any, name: str) -> float:
    """A timestamp as botocore's JSON serializer sends it (epoch seconds), or ISO 8601."""
    if isinstance(value, bool):
        raise CloudWatchError("ValidationError", f"{name} must be a timestamp")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise CloudWatchError("ValidationError", f"{name} must be a timestamp, got {value!r}")


def series_key(namespace: Any, metric: Mapping[str, Any]) -> SeriesKey:
    name = metric.get("MetricName")
    if not isinstance(namespace, str) or not namespace:
        raise CloudWatchError("MissingParameter", "The parameter Namespace is required.")
    if not isinstance(name, str) or not name:
        raise CloudWatchError("MissingParameter", "The parameter MetricName is required.")
    dims = frozenset((str(d.get("Name")), str(d.get("Value")))
                     for d in metric.get("Dimensions") or [])
    return namespace, name, dims


def _datum_aggregate(datum: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """(sum, count, min, max) of one MetricDatum: Value, Values/Counts or StatisticValues."""
    if "StatisticValues" in datum:
        s = datum["StatisticValues"]
        return (float(s["Sum"]), float(s["SampleCount"]), float(s["Minimum"]),
                float(s["Maximum"]))
    if "Values" in datum:
        values = [float(v) for v in datum["Values"]]
        counts = [float(c) for c in datum.get("Counts") or [1.0] * len(values)]
        if len(counts) != len(values) or not values:
            raise CloudWatchError("InvalidParameterValue",
                                  "Values and Counts must be non-empty and of equal length")
        return (sum(v * c for v, c in zip(values, counts, strict=True)), sum(counts),
                min(values), max(values))
    if "Value" in datum:
        value = float(datum["Value"])
        return value, 1.0, value, value
    raise CloudWatchError("InvalidParameterCombination",
                          "A metric datum needs Value, Values or StatisticValues.")


# --------------------------------------------------------------------------------------
# The two operations
# --------------------------------------------------------------------------------------
class FastCloudWatchApp:
    """The operations and their bookkeeping, independent of HTTP."""

    def __init__(self) -> None:
        self.store = MetricStore()
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.queries = 0
        self.max_queries_per_call = 0

    def handle(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls[operation] += 1
        if operation == "GetMetricData":
            return self.get_metric_data(params)
        if operation == "PutMetricData":
            return self.put_metric_data(params)
        raise CloudWatchError("InvalidAction",
                              f"fast_cloudwatch implements GetMetricData and PutMetricData "
                              f"only, not {operation}")

    def put_metric_data(self, params: Mapping[str, Any]) -> dict[str, Any]:
        data = params.get("MetricData") or []
        if len(data) > MAX_DATUMS_PER_PUT:
            raise CloudWatchError("InvalidParameterValue",
                                  f"The collection MetricData must not have a size greater "
                                  f"than {MAX_DATUMS_PER_PUT}.")
        now = time.time()
        for datum in data:
            key = series_key(params.get("Namespace"), datum)
            stamp = _epoch(datum["Timestamp"], "Timestamp") if "Timestamp" in datum else now
            self.store.put(key, stamp, *_datum_aggregate(datum))
        return {}

    def get_metric_data(self, params: Mapping[str, Any]) -> dict[str, Any]:
        queries: Sequence[Mapping[str, Any]] = params.get("MetricDataQueries") or []
        if not queries:
            raise CloudWatchError("MissingParameter",
                                  "The parameter MetricDataQueries is required.")
        if len(queries) > MAX_QUERIES_PER_CALL:
            raise CloudWatchError("ValidationError",
                                  f"The collection MetricDataQueries must not have a size "
                                  f"greater than {MAX_QUERIES_PER_CALL}.")
        ids = [q.get("Id") for q in queries]
        if len(set(ids)) != len(ids):
            raise CloudWatchError("ValidationError", "The values for parameter Id in "
                                  "MetricDataQueries must be unique.")
        if "StartTime" not in params or "EndTime" not in params:
            raise CloudWatchError("MissingParameter",
                                  "The parameters StartTime and EndTime are required.")
        start = _epoch(params["StartTime"], "StartTime")
        end = _epoch(params["EndTime"], "EndTime")
        if end <= start:
            raise CloudWatchError("ValidationError",
                                  "The parameter StartTime must be less than EndTime.")
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        limit = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        first = int(params.get("NextToken") or 0)
        with self._lock:
            self.queries += len(queries)
            self.max_queries_per_call = max(self.max_queries_per_call, len(queries))

        results: list[dict[str, Any]] = []
        returned = 0
        for position in range(first, len(queries)):
            query = queries[position]
            points = self._answer(query, start, end)
            if results and returned + len(points) > limit:
                return {"MetricDataResults": results, "NextToken": str(position),
                        "Messages": []}
            returned += len(points)
            if query.get("ReturnData", True) is False:
                continue
            if descending:
                points.reverse()
            results.append({
                "Id": query.get("Id"),
                "Label": query.get("Label") or query["MetricStat"]["Metric"]["MetricName"],
                "Timestamps": [stamp for stamp, _ in points],
                "Values": [value for _, value in points],
                "StatusCode": "Complete",
            })
        return {"MetricDataResults": results, "Messages": []}

    def _answer(self, query: Mapping[str, Any], start: float,
                end: float) -> list[tuple[float, float]]:
        if "Expression" in query:
            raise CloudWatchError("InvalidParameterValue",
                                  "fast_cloudwatch does not evaluate metric math Expression "
                                  "queries")
        stat_spec = query.get("MetricStat")
        if not isinstance(stat_spec, Mapping):
            raise CloudWatchError("MissingParameter", "A query needs MetricStat.")
        metric = stat_spec.get("Metric") or {}
        period = int(stat_spec.get("Period") or 0)
        stat = stat_spec.get("Stat")
        if period <= 0 or (period % 60 and period not in (1, 5, 10, 20, 30)):
            raise CloudWatchError("InvalidParameterValue",
                                  f"Period {period} must be 1, 5, 10, 20, 30 or a "
                                  f"multiple of 60.")
        if stat not in STATISTICS:
            raise CloudWatchError("InvalidParameterValue",
                                  f"fast_cloudwatch supports the statistics "
                                  f"{', '.join(STATISTICS)}, not {stat!r}")
        return self.store.query(series_key(metric.get("Namespace"), metric),
                                start, end, period, stat)

    def stats(self) -> dict[str, Any]:
        series, datapoints = self.store.sizes()
        with self._lock:
            return {"calls": dict(self.calls), "queries": self.queries,
                    "max_queries_per_call": self.max_queries_per_call,
                    "series": series, "datapoints": datapoints}

    def reset(self) -> None:
        self.store.reset()
        with self._lock:
            self.calls.clear()
            self.queries = 0
            self.max_queries_per_call = 0


# --------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as botocore's connection pool expects; no Nagle delay between the
    # header and body writes of a response.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "gzip" in (self.headers.get("Content-Encoding") or ""):
            body = gzip.decompress(body)
        return body

    def _send(self, status: int, payload: Any, headers: Sequence[tuple[str, str]] = (),
              content_type: str = JSON_CONTENT_TYPE) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, error: CloudWatchError) -> None:
        fault = "Sender" if error.status < 500 else "Receiver"
        self._send(error.status,
                   {"__type": f"com.amazonaws.monitoring#{error.code}",
                    "message": error.message},
                   [("x-amzn-query-error", f"{error.code};{fault}")])

    def do_GET(self) -> None:
        if self.path == CONTROL_PREFIX + "stats":
            self._send(200, self.server.app.stats(), content_type="application/json")
        else:
            self._send(404, {"message": "not found"}, content_type="application/json")

    def do_POST(self) -> None:
        try:
            body = self._body()
        except (OSError, ValueError):
            self._error(CloudWatchError("InvalidParameterValue", "unreadable request body"))
            return
        if self.path == CONTROL_PREFIX + "reset":
            self.server.app.reset()
            self._send(200, {"reset": True}, content_type="application/json")
            return
        target = self.headers.get("X-Amz-Target") or ""
        prefix, _, operation = target.rpartition(".")
        if prefix != TARGET_PREFIX or not operation:
            self._error(CloudWatchError(
                "UnsupportedProtocol", "fast_cloudwatch speaks the JSON protocol botocore uses "
                f"for CloudWatch (X-Amz-Target: {TARGET_PREFIX}.<Operation>); this request "
                "is in another protocol (query or CBOR)"))
            return
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise CloudWatchError("SerializationException", "expected a JSON object")
            self._send(200, self.server.app.handle(operation, params))
        except CloudWatchError as exc:
            self._error(exc)
        except ValueError as exc:
            self._error(CloudWatchError("SerializationException", f"bad JSON: {exc}"))
        except (KeyError, TypeError) as exc:
            self._error(CloudWatchError("InvalidParameterValue", f"malformed request: {exc}"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: FastCloudWatchApp,
                 verbose: bool = False) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.verbose = verbose


def control_stats(url: str, timeout: float = 10.0) -> dict[str, Any]:
    """The server's counts: calls by operation, queries served, largest call, data held."""
    with urllib.request.urlopen(url + CONTROL_PREFIX + "stats", timeout=timeout) as reply:
        stats: dict[str, Any] = json.loads(reply.read())
    return stats


def control_reset(url: str, timeout: float = 10.0) -> None:
    request = urllib.request.Request(url + CONTROL_PREFIX + "reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=timeout):
        pass


class FastCloudWatch:
    """The server in a background thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.app = FastCloudWatchApp()
        self._server = _Server((host, port), self.app, verbose)
        self.host = host
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return server_url(self.host, self._server.server_port)

    def start(self) -> FastCloudWatch:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="fast-cloudwatch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FastCloudWatch:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class FastCloudWatchProcess:
    """``python -m dynamic_dynamodb.localaws.fast_cloudwatch`` as a child process, so that
    its CPU time and memory are not the parent's."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 startup_timeout: float = 30.0, python: str = sys.executable) -> None:
        self.command = [python, "-m", "dynamic_dynamodb.localaws.fast_cloudwatch",
                        "--host", host, "--port", str(port)]
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FastCloudWatchProcess is not started")
        return self._url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> FastCloudWatchProcess:
        self._proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, env=child_env(os.environ),
                                      text=True)
        assert self._proc.stdout is not None
        reader = threading.Thread(target=self._read_url, daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if self._url is None:
            self.stop()
            raise RuntimeError("fast_cloudwatch did not start (no URL printed)")
        return self

    def _read_url(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if line.startswith("http"):
            self._url = line

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is None:
            return
        stop_process(self._proc, timeout)
        self._proc = None

    def __enter__(self) -> FastCloudWatchProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dynamic_dynamodb.localaws.fast_cloudwatch",
        description="In-memory CloudWatch (GetMetricData, PutMetricData) for benchmarks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = _Server((args.host, args.port), FastCloudWatchApp(), args.verbose)
    return serve_until_signalled(server, server_url(args.host, server.server_port))


if __name__ == "__main__":
    sys.exit(main())
