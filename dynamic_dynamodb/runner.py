"""Wires the real edges (boto3, HTTP breaker, SNS) to the Scheduler."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Sequence

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.backend import Clock, Notifier
from dynamic_dynamodb.breaker import HttpBreaker
from dynamic_dynamodb.logsetup import setup_logging
from dynamic_dynamodb.loop import CycleReport, Scheduler, SystemClock
from dynamic_dynamodb.notify import FanOut, LogNotifier, SnsNotifier
from dynamic_dynamodb.settings import Config

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
        from dynamic_dynamodb.service.prometheus import start_metrics_server

        observers.append(start_metrics_server(metrics_port, clients.calls))
    settle_gc()
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


# Collect the youngest generation every 10,000 allocations rather than Python's 700.
GC_GEN0_THRESHOLD = 10_000


def settle_gc() -> None:
    """Make Python's cyclic garbage collector cheap for a long-running daemon.

    A cycle over 1,000 tables allocates millions of short-lived objects (botocore's
    requests and parsed responses, freed by reference counting anyway); at the default
    threshold the collector ran some 260 times a cycle, its older generations rescanning
    the tens of thousands of objects of start-up (imports, boto3's service models):
    about 0.2 s of CPU a cycle. Start-up's objects are frozen (collected first, so no
    garbage is frozen) and the youngest generation collected less often: about 0.05 s.
    """
    gc.collect()
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, GC_GEN0_THRESHOLD), gen1, gen2)
