"""``--metrics-port``: Prometheus metrics about the loop, the decisions and AWS calls.

Optional: needs ``prometheus-client`` (``pip install 'dynamic-dynamodb[metrics]'``).
Served at ``http://<host>:<port>/metrics`` on all interfaces, from a private
registry, by a small threaded HTTP server; updated once per cycle from the
Scheduler's CycleReport, so scraping never calls AWS.

Every series names its ``target`` (an account in one region, ``prod/eu-west-1``;
without account sections the one target ``default/<region>``); a fleet's cycle
reports hold one report per target (fleet/report.py), each counted under its own.

Metrics (all prefixed ``dynamic_dynamodb_``, each also labelled ``target``):
  cycles_total{result}                      ok / partial (some tables failed, or a matched
                                            table or GSI got no decision) / failed
  no_decisions_total{code}                  matched tables and GSIs (or the configuration)
                                            that got no decision, by reason code
                                            (report.NoDecision: metrics-unknown, ...)
  cycle_duration_seconds                    histogram
  last_cycle_timestamp_seconds              when the last cycle ended (alert on staleness)
  decisions_total{dimension,decision}       increase / decrease / unchanged
  changes_applied_total{dimension,decision} what UpdateTable actually did
  errors_total{kind}                        AWS error code or exception type
  provisioned_capacity_units{table,index,dimension}
  consumed_capacity_units{table,index,dimension}   average units/s over the lookback window
  throttle_events{table,index,dimension}    throttle events in the lookback window
  aws_calls_total{operation}                e.g. dynamodb.DescribeTable
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dynamic_dynamodb.core.types import Dimension, Direction
from dynamic_dynamodb.errors import ConfigError, DynamicDynamoDBError, Problem
from dynamic_dynamodb.fleet.report import parts_of
from dynamic_dynamodb.loop import CycleReport

log = logging.getLogger(__name__)

PREFIX = "dynamic_dynamodb"
DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


def require_client() -> Any:
    """The prometheus_client module, or a configuration error saying how to get it."""
    try:
        import prometheus_client
    except ImportError:
        raise ConfigError(Problem(
            "serving metrics needs the prometheus-client package: "
            "pip install 'dynamic-dynamodb[metrics]'", "metrics-port")) from None
    return prometheus_client


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape would drown the log


class CycleMetrics:
    """The metric families, updated from each CycleReport."""

    def __init__(self) -> None:
        client = require_client()
        self.registry = client.CollectorRegistry(auto_describe=True)
        labels = ("table", "index", "dimension")

        def counter(name: str, doc: str, names: tuple[str, ...] = ()) -> Any:
            return client.Counter(f"{PREFIX}_{name}", doc, ("target", *names),
                                  registry=self.registry)

        def gauge(name: str, doc: str, names: tuple[str, ...] = ()) -> Any:
            return client.Gauge(f"{PREFIX}_{name}", doc, ("target", *names),
                                registry=self.registry)

        self.cycles = counter("cycles", "Cycles run, by result", ("result",))
        self.duration = client.Histogram(f"{PREFIX}_cycle_duration_seconds",
                                         "Duration of a cycle", ("target",),
                                         buckets=DURATION_BUCKETS, registry=self.registry)
        self.last_cycle = gauge("last_cycle_timestamp_seconds",
                                "Unix time at which the last cycle ended")
        self.decisions = counter("decisions", "Decisions per resource and dimension",
                                 ("dimension", "decision"))
        self.applied = counter("changes_applied", "Capacity changes UpdateTable applied",
                               ("dimension", "decision"))
        self.errors = counter("errors", "Failed tables and failed cycles, by kind", ("kind",))
        self.no_decisions = counter("no_decisions", "Matched tables and GSIs that got no "
                                    "decision, by reason code", ("code",))
        self.provisioned = gauge("provisioned_capacity_units",
                                 "Provisioned capacity units", labels)
        self.consumed = gauge("consumed_capacity_units",
                              "Consumed capacity, average units/s over the lookback window",
                              labels)
        self.throttled = gauge("throttle_events", "Throttle events in the lookback window",
                               labels)
        self.calls = counter("aws_calls", "AWS API calls by operation", ("operation",))
        # Per target, the (table, index, dimension) series last set.
        self._series: dict[str, set[tuple[str, str, str]]] = {}
        self._lock = threading.Lock()

    def observe(self, report: CycleReport) -> None:
        with self._lock:
            for part in parts_of(report):
                self._observe(part)

    def _observe(self, report: CycleReport) -> None:
        target = report.target or ""
        error = report.error
        result = "failed" if error else ("ok" if report.ok else "partial")
        self.cycles.labels(target, result).inc()
        self.duration.labels(target).observe(report.duration)
        self.last_cycle.labels(target).set_to_current_time()
        kinds = report.failure_kinds
        for table in report.failed_tables:
            self.errors.labels(target, kinds.get(table, "error")).inc()
        if error:
            self.errors.labels(target, report.error_kind or "error").inc()
        for entry in report.no_decisions:
            self.no_decisions.labels(target, entry.code).inc()
        for operation, count in report.calls.items():
            self.calls.labels(target, operation).inc(count)

        seen: set[tuple[str, str, str]] = set()
        for outcome in report.outcomes:
            decision = outcome.decision
            if decision is None:
                continue
            rid = outcome.resource
            for dim in Dimension:
                d = decision.of(dim)
                self.decisions.labels(target, dim.value, d.direction.value).inc()
                changed = outcome.applied and d.direction is not Direction.NONE
                if changed:
                    self.applied.labels(target, dim.value, d.direction.value).inc()
                key = (rid.table, rid.index or "", dim.value)
                seen.add(key)
                self.provisioned.labels(target, *key).set(d.target if changed else d.current)
                use = outcome.usage.known(dim) if outcome.usage is not None else None
                if use is not None:
                    self.consumed.labels(target, *key).set(use.consumed)
                    self.throttled.labels(target, *key).set(use.throttle_events)
                else:  # unknown is neither 0 nor the last value known
                    self._drop((target, *key), (self.consumed, self.throttled))
        if not error:
            self._forget_gone(target, seen, set(report.failed_tables))

    def _forget_gone(self, target: str, seen: set[tuple[str, str, str]],
                     failed: set[str]) -> None:
        """Drop the target's series of tables/GSIs no longer managed (a failed table keeps
        its last); other targets' series are theirs to drop."""
        for key in self._series.get(target, set()) - seen:
            if key[0] in failed:
                seen.add(key)
                continue
            self._drop((target, *key), (self.provisioned, self.consumed, self.throttled))
        self._series[target] = seen

    @staticmethod
    def _drop(labels: tuple[str, ...], families: tuple[Any, ...]) -> None:
        """Remove the series of these label values (target, table, index, dimension)."""
        for family in families:
            try:
                family.remove(*labels)
            except KeyError:
                pass


class MetricsServer:
    """The HTTP endpoint; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, metrics: CycleMetrics, port: int, host: str = "0.0.0.0") -> None:
        app = require_client().make_wsgi_app(metrics.registry)
        try:
            self.server = make_server(host, port, app, _ThreadingServer,
                                      handler_class=_QuietHandler)
        except OSError as exc:
            raise DynamicDynamoDBError(
                f"cannot serve metrics on port {port}: {exc.strerror}") from None
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="metrics",
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_metrics_server(port: int, host: str = "0.0.0.0") -> Callable[[CycleReport], None]:
    """Serve metrics on ``port``; return the observer the Scheduler calls after each cycle.

    AWS call counts come from each report's ``calls``, so scraping never calls AWS.
    """
    metrics = CycleMetrics()
    server = MetricsServer(metrics, port, host)
    log.info("serving Prometheus metrics on http://%s:%d/metrics", host, server.port)
    return metrics.observe
