"""The Scheduler on the real edges: boto3 (DynamoDB, CloudWatch, SNS), the HTTP
circuit breaker and the log/SNS notifier.

Shared by the service (``service/wiring.py``), ``status``, the tests and the
benchmarks; it touches nothing process-wide (logging, signals, the garbage
collector): that is the service's business.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from dynamic_dynamodb.aws.metrics import CloudWatchMetrics
from dynamic_dynamodb.aws.pacing import pace
from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables
from dynamic_dynamodb.backend import Clock, Notifier
from dynamic_dynamodb.breaker import HttpBreaker
from dynamic_dynamodb.loop import CycleHooks, Scheduler, SystemClock
from dynamic_dynamodb.notify import FanOut, LogNotifier, SnsNotifier
from dynamic_dynamodb.settings import DEFAULT_ACCOUNT, Config, target_id


def build_scheduler(config: Config, *, stop: threading.Event | None = None,
                    clock: Clock | None = None, hooks: Sequence[CycleHooks] = (),
                    notifier: Notifier | None = None,
                    dry_run: bool | None = None,
                    clients: AwsClients | None = None,
                    target: str | None = None,
                    may_act: Callable[[], bool] | None = None) -> Scheduler:
    """The Scheduler on boto3; ``clock``/``notifier``/``dry_run`` default to the daemon's.

    A fleet passes each target's ``clients`` (its credentials and region), its ``target``
    id (by default the global settings' one target, ``default/<region>``) and
    ``may_act``, asked before each UpdateTable (a lease coordinator's).
    """
    stop = stop or threading.Event()
    if clients is None:
        clients = AwsClients(config.global_)
        # Before any client is made (they copy the session's handlers).
        pace(clients.session.events, config.global_.describe_rate, stop)
    target = target or target_id(DEFAULT_ACCOUNT, clients.region)
    return Scheduler(
        config,
        tables=DynamoTables(clients, stop=stop),
        metrics=CloudWatchMetrics(clients, stop=stop),
        notifier=notifier or FanOut([LogNotifier(), SnsNotifier(clients.sns, target,
                                                                label=config.is_fleet)]),
        clock=clock or SystemClock(stop),
        dry_run=dry_run,
        breaker=HttpBreaker(),
        call_counts=clients.calls.take,
        hooks=hooks,
        stop=stop,
        target=target,
        may_act=may_act,
    )
