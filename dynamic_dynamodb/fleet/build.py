"""A FleetRunner on the real edges: each target's Scheduler on boto3, reached with its
account's credentials in its region (fleet/sessions.py), built on the target's first
cycle, in its worker thread, so that a target whose credentials cannot even be loaded
fails alone. Used by the service (service/wiring.py) and ``status``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import botocore.exceptions

from dynamic_dynamodb.backend import Clock, Notifier
from dynamic_dynamodb.errors import AwsSetupError
from dynamic_dynamodb.fleet.coordinator import Coordinator
from dynamic_dynamodb.fleet.runner import FleetRunner, Heartbeat
from dynamic_dynamodb.fleet.sessions import default_region, target_clients
from dynamic_dynamodb.fleet.targets import Target, plan_targets
from dynamic_dynamodb.loop import CycleHooks, Scheduler
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.settings import Config


def build_fleet(config: Config, *, stop: threading.Event,
                wake: threading.Event | None = None, clock: Clock | None = None,
                hooks: Sequence[CycleHooks] = (), coordinator: Coordinator | None = None,
                heartbeat: Heartbeat | None = None, notifier: Notifier | None = None,
                dry_run: bool | None = None) -> FleetRunner:
    """Every target of ``config`` served on boto3. ``notifier`` replaces each target's
    log-and-SNS notifier (``status`` passes a silent one)."""
    def build(target: Target, may_act: Callable[[], bool]) -> Scheduler:
        try:
            clients = target_clients(target, stop)
            return build_scheduler(target.config, stop=stop, clients=clients,
                                   target=target.id, may_act=may_act, notifier=notifier,
                                   dry_run=dry_run)
        except botocore.exceptions.BotoCoreError as exc:
            # A client is made with its credentials: a profile's credential_process or
            # SSO token that fails says so here. This target only; retried next tick.
            raise AwsSetupError(f"account {target.account_name}: cannot load its "
                                f"credentials: {exc}", type(exc).__name__) from None

    return FleetRunner(config, plan_targets(config, default_region), build, stop=stop,
                       wake=wake, clock=clock, hooks=hooks, coordinator=coordinator,
                       heartbeat=heartbeat, prefix_logs=config.is_fleet)
