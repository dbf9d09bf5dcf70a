"""Wires the real edges (boto3, HTTP breaker, SNS) to the Scheduler."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.backend import Clock, Notifier
from dynamic_dynamodb.breaker import HttpBreaker
from dynamic_dynamodb.config.model import Config
from dynamic_dynamodb.logsetup import setup_logging
from dynamic_dynamodb.loop import CycleReport, Scheduler, SystemClock
from dynamic_dynamodb.notify import FanOut, LogNotifier, SnsNotifier

__all__ = ["build_scheduler", "setup_logging"]


def build_scheduler(config: Config, stop: threading.Event | None = None,
                    metrics_port: int | None = None,
                    observers: Sequence[Callable[[CycleReport], None]] = (),
                    clock: Clock | None = None, notifier: Notifier | None = None,
                    dry_run: bool | None = None) -> Scheduler:
    """The Scheduler on boto3; ``clock``/``notifier``/``dry_run`` default to the daemon's."""
    stop = stop or threading.Event()
    clients = AwsClients(config.global_)
    observers = list(observers)
    if metrics_port is not None:
        from dynamic_dynamodb.prometheus import start_metrics_server

        observers.append(start_metrics_server(metrics_port, clients.calls))
    return Scheduler(
        config,
        tables=DynamoTables(clients),
        metrics=CloudWatchMetrics(clients),
        notifier=notifier or FanOut([LogNotifier(), SnsNotifier(clients.sns)]),
        clock=clock or SystemClock(stop),
        dry_run=dry_run,
        breaker=HttpBreaker(),
        call_counts=clients.calls.take,
        observers=observers,
        stop=stop,
    )
