"""Serving many targets at once, each failing alone.

Each target (an account in one region) has its own Scheduler: its own boto3 clients
(credentials, region, DescribeTable pacing), history, failure counts and reports. The
runner's dispatcher (the thread that calls ``run``) ticks once per check interval:

* at a tick it runs the ``before_cycle`` hooks (a SIGHUP reload), asks the
  coordinator which targets it owns, and hands every owned target that is idle to a
  thread pool of at most ``target-concurrency`` threads, which runs that target's
  cycle (``Scheduler.guarded_cycle``; the target's failure is its report, never an
  exception);
* ticks are start-to-start, one check interval apart, whatever the targets do: a
  slow target never delays another's next cycle (a SIGHUP brings the next tick
  forward, so that a reload is served at once, as one Scheduler does). A target
  still running its previous cycle at a tick skips that tick (logged) and starts again
  at the first tick after it finishes: a target never runs two cycles at once, and a
  slow one costs one thread;
* a fleet cycle ends when every target started at its tick has finished, or at the
  next tick (whichever comes first); its FleetReport (fleet/report.py), holding the
  reports of the targets that finished in it, goes to the ``after_cycle`` hooks
  (readiness, Prometheus).

Isolation: a target's credentials that fail, its region that is down, its throttled
calls are that target's cycle failing (logged, retried next tick); the others' cycles
run on their own threads with their own clients. Only when the fleet's very first
cycle fails with a set-up error for *every* target (no credentials at all, no region)
does ``run`` raise it, as one Scheduler does on its first cycle.

The systemd heartbeat, when given, is busy since the oldest running target's cycle
began (or the tick in progress), so one stuck target still stops the watchdog pings.
On stop, no target is started any more; those running finish the table in hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dynamic_dynamodb.backend import Clock
from dynamic_dynamodb.errors import AwsSetupError
from dynamic_dynamodb.fleet.coordinator import Coordinator, OwnEverything
from dynamic_dynamodb.fleet.logcontext import in_target
from dynamic_dynamodb.fleet.report import FleetReport, merge
from dynamic_dynamodb.fleet.targets import Target, config_for
from dynamic_dynamodb.loop import CycleHooks, Scheduler, SystemClock, hooks_after, hooks_before
from dynamic_dynamodb.report import CycleReport, cycle_failed
from dynamic_dynamodb.settings import Config

log = logging.getLogger("dynamic_dynamodb.fleet")

# (the target, its may-act check) -> its Scheduler; may raise AwsSetupError (a profile
# that does not exist, no credentials at all): that target's cycle fails, not the fleet.
SchedulerBuilder = Callable[[Target, Callable[[], bool]], Scheduler]
ExecutorFactory = Callable[[int], Executor]


class Heartbeat(Protocol):
    """The service's heartbeat (service/watchdog.py): busy since a monotonic time."""

    def busy_since(self, since: float | None) -> None: ...


def _thread_pool(workers: int) -> Executor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="target")


@dataclass
class _Slot:
    """One target and what the dispatcher knows of it."""

    target: Target
    config: Config
    scheduler: Scheduler | None = None
    future: Future[tuple[CycleReport, AwsSetupError | None]] | None = None
    started: float | None = None  # monotonic, while a cycle runs
    owned: bool = False
    said_idle: bool = False  # "no section applies" said once

    @property
    def id(self) -> str:
        return self.target.id


@dataclass
class _FleetCycle:
    started: datetime
    began: float  # monotonic
    dispatched: set[str] = field(default_factory=set)
    reports: dict[str, CycleReport] = field(default_factory=dict)
    setup_errors: dict[str, AwsSetupError] = field(default_factory=dict)

    def complete(self) -> bool:
        return self.dispatched <= set(self.reports)


class FleetRunner:
    """Runs each owned target's cycle once per check interval, concurrently (see the
    module's docstring); ``run`` has the Scheduler's contract."""

    def __init__(self, config: Config, targets: Sequence[Target], build: SchedulerBuilder,
                 *, stop: threading.Event, clock: Clock | None = None,
                 wake: threading.Event | None = None,
                 hooks: Sequence[CycleHooks] = (),
                 coordinator: Coordinator | None = None,
                 heartbeat: Heartbeat | None = None,
                 prefix_logs: bool = True,
                 executor: ExecutorFactory = _thread_pool,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if len({target.id for target in targets}) != len(targets):
            raise ValueError("target ids must be unique")
        self.config = config
        self.slots = [_Slot(target, target.config) for target in targets]
        self._build = build
        self.stop_requested = stop
        # Set by each finished target (and by SIGHUP): ends the dispatcher's wait, which
        # is ``clock.wait`` (a SystemClock(stop, wake) by default).
        self._wake = wake or threading.Event()
        self._clock = clock or SystemClock(stop, self._wake)
        self._hooks = list(hooks)
        self._coordinator = coordinator or OwnEverything()
        self._heartbeat = heartbeat
        self._prefix = prefix_logs
        self._executor = executor
        self._monotonic = monotonic
        self._worked = False  # some target's cycle has worked (set-up errors no longer fatal)

    @property
    def target_ids(self) -> list[str]:
        return [slot.id for slot in self.slots]

    # -- configuration ---------------------------------------------------------------
    def reload(self, config: Config) -> None:
        """A new configuration (SIGHUP): each target takes its sections before its next
        cycle. Targets come from the account sections, fixed at start: a change to them
        takes effect after a restart (target-concurrency too: service/reload.py's
        Reloader says so)."""
        if config.accounts != self.config.accounts:
            log.warning("the new configuration changes the [account: ...] sections: that "
                        "takes effect after a restart")
        self.config = config
        for slot in self.slots:
            target = slot.target
            slot.config = (config if target.account is None
                           else config_for(config, target.account.name, target.region))

    # -- the loop --------------------------------------------------------------------
    def run(self, run_once: bool = False) -> CycleReport:
        """Tick until stopped; with ``run_once``, one fleet cycle that waits for every
        target it started. Returns the last fleet cycle's report."""
        workers = max(1, min(self.config.global_.target_concurrency, len(self.slots)))
        pool = self._executor(workers)
        last: CycleReport | None = None
        cycle: _FleetCycle | None = None
        ticked = False
        next_tick = self._monotonic()
        try:
            while True:
                cycle = self._collect(cycle)
                now = self._monotonic()
                # A fleet cycle ends when all its targets are done, or at the next tick.
                if cycle is not None and (cycle.complete()
                                          or (not run_once and now >= next_tick)):
                    last, cycle = self._close(cycle, now), None
                    if run_once:
                        return last
                if self.stop_requested.is_set():
                    break
                if now >= next_tick and not (run_once and ticked):
                    cycle, ticked = self._tick(pool, run_once), True
                    interval = self.config.global_.check_interval
                    next_tick += interval
                    if next_tick <= self._monotonic():  # the tick itself overran
                        next_tick = self._monotonic() + interval
                    continue
                # Until the next tick, or until a target finishes (it sets the wake
                # Event), or a stop. Run once: until a target finishes.
                timeout = (self.config.global_.check_interval if run_once
                           else next_tick - self._monotonic())
                self._clock.wait(max(0.0, timeout))
                if not run_once and not self._finished() and self._monotonic() < next_tick:
                    # Woken early by nobody finishing: a SIGHUP. Serve it now, as one
                    # Scheduler does: the next tick (its reload, then the idle targets'
                    # cycles) starts at once, and the ticks go on from there.
                    next_tick = self._monotonic()
        finally:
            # On stop, targets not yet started are dropped; running ones finish the
            # table in hand (their Scheduler sees the stop).
            pool.shutdown(wait=True, cancel_futures=True)
        cycle = self._collect(cycle)
        self._beat(None)
        if cycle is not None and (cycle.reports or last is None):
            last = self._close(cycle, self._monotonic())
        return last or CycleReport(started=self._clock.now())

    def _finished(self) -> bool:
        """Whether a target's cycle has finished and waits to be collected."""
        return any(slot.future is not None and slot.future.done() for slot in self.slots)

    def _tick(self, pool: Executor, run_once: bool) -> _FleetCycle:
        began = self._monotonic()
        self._beat(began)
        config = hooks_before(self._hooks, self.config)
        if config is not self.config:
            self.reload(config)
        cycle = _FleetCycle(self._clock.now(), began)
        owned = self._owned()
        for slot in self.slots:
            was_owned, slot.owned = slot.owned, slot.id in owned
            if not slot.owned:
                if was_owned:
                    self._say(slot, logging.INFO, "no longer served by this process")
                continue
            if not slot.config.tables:
                if not slot.said_idle:
                    slot.said_idle = True
                    self._say(slot, logging.INFO, "no table or GSI section applies to "
                              "account %s; not served", slot.target.account_name)
                continue
            slot.said_idle = False
            if slot.future is not None:
                self._say(slot, logging.WARNING, "still in its previous cycle (%.0f s so "
                          "far); it skips this one", began - (slot.started or began))
                continue
            if not was_owned and slot.scheduler is not None:
                # Served elsewhere meanwhile: what this process learned is out of date.
                slot.scheduler.history.clear()
                slot.scheduler.failures.clear()
            cycle.dispatched.add(slot.id)
            slot.started = self._monotonic()
            slot.future = pool.submit(self._serve, slot, not run_once)
            slot.future.add_done_callback(lambda _: self._wake.set())
        return cycle

    def _owned(self) -> set[str]:
        ids = [slot.id for slot in self.slots]
        try:
            return set(self._coordinator.owned(ids)) & set(ids)
        except Exception:  # the safe answer: serve nothing this tick
            log.exception("the coordinator failed to say which targets are ours; none "
                          "is served this cycle")
            return set()

    def _serve(self, slot: _Slot, next_cycle: bool) -> tuple[CycleReport, AwsSetupError | None]:
        """One cycle of one target, in a worker thread; never raises."""
        target = slot.target
        with in_target(target.id, self._prefix):
            started = self._clock.now()
            try:
                if slot.scheduler is None:
                    slot.scheduler = self._build(target, self._may_act_for(target.id))
                scheduler = slot.scheduler
                if scheduler.config is not slot.config:
                    scheduler.reload(slot.config)
                return scheduler.guarded_cycle(setup_fatal=True, next_cycle=next_cycle), None
            except AwsSetupError as exc:
                log.error("%s", cycle_failed(str(exc), next_cycle))
                return CycleReport(started=started, error=str(exc), error_kind=exc.code,
                                   target=target.id), exc
            except Exception as exc:  # a bug building the target: this target only
                log.exception("cannot serve this target")
                return CycleReport(started=started, error=f"unexpected error: {exc!r}",
                                   error_kind=type(exc).__name__, target=target.id), None

    def _may_act_for(self, target: str) -> Callable[[], bool]:
        return lambda: self._coordinator.may_act(target)

    def _collect(self, cycle: _FleetCycle | None) -> _FleetCycle | None:
        """Take the reports of finished targets into the open fleet cycle."""
        for slot in self.slots:
            future = slot.future
            if future is None or not future.done():
                continue
            slot.future, slot.started = None, None
            if future.cancelled():
                continue
            report, setup_error = future.result()
            report.target = slot.id
            if report.error is None:
                self._worked = True
            if cycle is None:  # finished after its fleet cycle closed: goes in the next
                cycle = _FleetCycle(report.started, self._monotonic())
            cycle.reports[slot.id] = report
            if setup_error is not None:
                cycle.setup_errors[slot.id] = setup_error
        self._beat(None)
        return cycle

    def _close(self, cycle: _FleetCycle, now: float) -> FleetReport:
        report = merge(cycle.started, cycle.reports, now - cycle.began)
        if not self._worked and cycle.dispatched and \
                set(cycle.setup_errors) >= cycle.dispatched:
            # Nothing has ever worked and every target failed to set up: no credentials
            # or no region anywhere. Fail fast, as one Scheduler does.
            first = cycle.setup_errors[min(cycle.setup_errors)]
            if len(cycle.dispatched) == 1:
                raise first
            raise AwsSetupError(f"every target failed to set up; "
                                f"{min(cycle.setup_errors)}: {first}", first.code)
        hooks_after(self._hooks, report)
        return report

    # -- heartbeat, logging ----------------------------------------------------------
    def _beat(self, tick: float | None) -> None:
        """Busy since the oldest running target's start (or the tick in progress)."""
        if self._heartbeat is None:
            return
        starts = [slot.started for slot in self.slots
                  if slot.future is not None and slot.started is not None]
        if tick is not None:
            starts.append(tick)
        self._heartbeat.busy_since(min(starts) if starts else None)

    def _say(self, slot: _Slot, level: int, message: str, *args: object) -> None:
        with in_target(slot.id, self._prefix):
            log.log(level, message, *args)
