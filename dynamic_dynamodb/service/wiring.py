"""One running service, wired in one place: the foreground run, ``--daemon
foreground`` and the daemon started by ``--daemon start`` are all this.

``build_service`` puts the parts together, each built complete, in this order:

* signals:    SIGTERM/SIGINT set the stop Event, SIGHUP the reload Event;
* systemd:    a notifier from ``NOTIFY_SOCKET`` (a no-op without it);
* hooks:      what the Scheduler runs around each cycle, in this order: the
              heartbeat (busy from before a cycle to after it; the watchdog reads
              it), the reloader (SIGHUP's reload, before a cycle), readiness
              (READY=1 and ``on_ready`` after the first cycle, STATUS after each),
              and the Prometheus metrics (``--metrics-port``);
* scheduler:  the real edges (``runner.build_scheduler``: boto3, breaker, SNS) with
              a clock whose sleep ends when the stop Event is set.
* a fleet:    with [account: NAME] sections, or a coordinator that shares targets
              between replicas (a lease table), a ``fleet.runner.FleetRunner`` in the
              Scheduler's place: one Scheduler per target (an account in one region),
              each owned target's cycle once per check interval, concurrently, each
              Scheduler asking the coordinator ``may_act`` right before an UpdateTable.
              It gets the same hooks but the heartbeat, which it keeps itself (busy
              since its oldest running target began). Without either, the one
              Scheduler runs as it always did.

``Service.run`` installs the signal handlers, starts the watchdog, runs the
Scheduler until it stops (or for one cycle), then says STOPPING and restores the
handlers. ``serve`` is the process-level entry: it sets up logging, starts the lease
coordinator when ``lease-table`` is set (fleet/leases.py: its leases are released once
the service has stopped, so on SIGTERM the other replicas take the targets over at
their next round) and, for a long-running process, tunes the garbage collector.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Protocol

from dynamic_dynamodb.backend import Clock
from dynamic_dynamodb.errors import AwsSetupError
from dynamic_dynamodb.fleet.coordinator import Coordinator
from dynamic_dynamodb.fleet.leases import lease_coordination
from dynamic_dynamodb.fleet.logcontext import in_target
from dynamic_dynamodb.logsetup import secrets_of, setup_logging
from dynamic_dynamodb.loop import CycleHooks, CycleReport, ReportObserver, Scheduler, SystemClock
from dynamic_dynamodb.runner import build_scheduler
from dynamic_dynamodb.service.options import ServiceOptions
from dynamic_dynamodb.service.readiness import Readiness
from dynamic_dynamodb.service.reload import Reloader
from dynamic_dynamodb.service.signals import Signals
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.service.watchdog import Heartbeat, Watchdog, stall_limit
from dynamic_dynamodb.settings import Config

log = logging.getLogger("dynamic_dynamodb.service")


class SchedulerFactory(Protocol):
    def __call__(self, config: Config, *, stop: threading.Event, clock: Clock,
                 hooks: Sequence[CycleHooks]) -> Scheduler: ...


class Runner(Protocol):
    """What a Service runs: one Scheduler, or a fleet of them."""

    config: Config

    def run(self, run_once: bool = False) -> CycleReport: ...


class FleetFactory(Protocol):
    def __call__(self, config: Config, *, stop: threading.Event, wake: threading.Event,
                 clock: Clock, hooks: Sequence[CycleHooks], coordinator: Coordinator | None,
                 heartbeat: Heartbeat) -> Runner: ...


def _build_fleet(config: Config, *, stop: threading.Event, wake: threading.Event,
                 clock: Clock, hooks: Sequence[CycleHooks], coordinator: Coordinator | None,
                 heartbeat: Heartbeat) -> Runner:
    from dynamic_dynamodb.fleet.build import build_fleet

    return build_fleet(config, stop=stop, wake=wake, clock=clock, hooks=hooks,
                       coordinator=coordinator, heartbeat=heartbeat)


def configure_logging(config: Config) -> None:
    """The configuration's logging, secrets masked (at start and on each reload)."""
    setup_logging(config.logging, secrets_of(config))


class Service:
    """A service ready to run: every part built, nothing left to attach."""

    def __init__(self, config: Config, scheduler: Runner, signals: Signals,
                 notifier: SystemdNotifier, watchdog: Watchdog, *, run_once: bool,
                 reloads: bool) -> None:
        self.config = config
        self.scheduler = scheduler
        self.signals = signals
        self.notifier = notifier
        self.watchdog = watchdog
        self.run_once = run_once
        self.reloads = reloads

    def run(self) -> CycleReport:
        """Run until stopped (or one cycle); the last cycle's report."""
        config = self.config
        in_main_thread = threading.current_thread() is threading.main_thread()
        if in_main_thread:  # Python delivers signals to the main thread only
            self.signals.install(reload=self.reloads)
        self.watchdog.start()
        if not self.run_once:
            log.info("dynamic-dynamodb started: %d table section%s, %scheck interval %d s%s",
                     len(config.tables), "s" * (len(config.tables) != 1), self._targets(),
                     config.global_.check_interval, ", dry run" if config.global_.dry_run else "")
        try:
            with self._labelled():
                report = self.scheduler.run(run_once=self.run_once)
        except AwsSetupError as exc:
            # cli.py prints the error; on a terminal, where the log goes by default,
            # logging it as well would say it twice.
            if config.logging.file or config.logging.config_file:
                log.critical("cannot work with AWS, stopping: %s", exc)
            raise
        finally:
            self.watchdog.stop()
            if not self.run_once:
                self.notifier.stopping()
            if in_main_thread:
                self.signals.restore()
        if self.signals.received:
            log.info("stopped on %s", self.signals.received)
        return report

    def _targets(self) -> str:
        """"4 targets (prod/eu-west-1, ...), " for a fleet; nothing for one Scheduler."""
        ids: list[str] | None = getattr(self.scheduler, "target_ids", None)
        if ids is None:
            return ""
        return f"{len(ids)} target{'s' * (len(ids) != 1)} ({', '.join(ids)}), "

    def _labelled(self) -> contextlib.AbstractContextManager[None]:
        """One Scheduler's log lines name its target in JSON (a fleet labels its own)."""
        target = getattr(self.scheduler, "target", None)
        return in_target(target, prefix=False) if isinstance(target, str) else nullcontext()


def build_service(config: Config, options: ServiceOptions, *,
                  load_config: Callable[[], Config] | None = None,
                  on_ready: Callable[[CycleReport, str], None] | None = None,
                  stop: threading.Event | None = None,
                  notifier: SystemdNotifier | None = None,
                  reconfigure_logging: Callable[[Config], None] = configure_logging,
                  scheduler_factory: SchedulerFactory = build_scheduler,
                  coordinator: Coordinator | None = None,
                  fleet_factory: FleetFactory = _build_fleet) -> Service:
    """Every part of one service, built in order (see the module's docstring).

    ``load_config`` builds the configuration again on SIGHUP (no reload without it,
    nor with ``run_once``); ``on_ready`` hears the first cycle's report and status.
    ``coordinator`` (a lease table's) says which targets this process serves; with it,
    or with [account: NAME] sections, the service runs a fleet.
    """
    stop = stop or threading.Event()
    signals = Signals(stop)
    notifier = notifier or SystemdNotifier()
    heartbeat = Heartbeat(stall_limit(config.global_.check_interval))
    reloader = (Reloader(load_config, signals.reload, notifier, reconfigure_logging)
                if load_config is not None and not options.run_once else None)
    hooks: list[CycleHooks] = [*([reloader] if reloader else []),
                               Readiness(notifier, config.global_.dry_run, on_ready)]
    if options.metrics_port is not None:
        from dynamic_dynamodb.service.prometheus import start_metrics_server

        hooks.append(ReportObserver(start_metrics_server(options.metrics_port)))
    clock = SystemClock(stop, signals.wake)
    scheduler: Runner
    if config.is_fleet or coordinator is not None:
        scheduler = fleet_factory(config, stop=stop, wake=signals.wake, clock=clock,
                                  hooks=hooks, coordinator=coordinator, heartbeat=heartbeat)
    else:
        scheduler = scheduler_factory(config, stop=stop, clock=clock,
                                      hooks=[heartbeat, *hooks])
    return Service(config, scheduler, signals, notifier, Watchdog(notifier, heartbeat),
                   run_once=options.run_once, reloads=reloader is not None)


def serve(config: Config, options: ServiceOptions, *,
          load_config: Callable[[], Config] | None = None,
          on_ready: Callable[[CycleReport, str], None] | None = None,
          coordinator: Coordinator | None = None) -> CycleReport:
    """This process becomes the service: its logging, the lease coordinator (``coordinator``,
    else the one ``lease-table`` asks for, if any), the service, and (unless it runs once)
    the garbage-collector tuning of a long-running process. The last report."""
    configure_logging(config)
    coordination: contextlib.AbstractContextManager[Coordinator | None] = (
        nullcontext(coordinator) if coordinator is not None
        else lease_coordination(config.global_))
    # The coordinator runs before the first cycle and stops after the last one: its leases
    # are released only once no Scheduler acts any more.
    with coordination as leases:
        service = build_service(config, options, load_config=load_config,
                                on_ready=on_ready, coordinator=leases)
        if not options.run_once:
            settle_gc()  # after building: start-up's objects, boto3's models among them
        return service.run()


# Collect the youngest generation every 10,000 allocations rather than Python's 700.
GC_GEN0_THRESHOLD = 10_000


def settle_gc() -> None:
    """Make Python's cyclic garbage collector cheap for a long-running daemon.

    Process-wide, so only ``serve`` calls it: never ``status``, the tests or a library
    caller of ``build_scheduler``.

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
