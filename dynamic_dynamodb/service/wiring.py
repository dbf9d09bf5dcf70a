"""The Scheduler as a long-running service: signals, reload, readiness and watchdog.

Used by the plain foreground run, ``--daemon foreground`` and the daemon started by
``--daemon start`` alike, so all three behave the same:

* SIGTERM and SIGINT set the stop Event: the table in hand finishes, the sleep
  between cycles wakes at once, and the process exits 0.
* SIGHUP sets the reload Event: between cycles the configuration is built again
  from the same flags and file; a valid one is swapped in (and the log file
  reopened), an invalid one is logged with its full problem report and the
  running configuration is kept.
* systemd hears READY=1 after the first cycle, STATUS after each cycle, and
  WATCHDOG=1 while the loop is healthy (sleeping, or in a cycle younger than
  the stall limit).

Signal handlers only set Events; everything else happens in the main loop.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from types import FrameType
from typing import Any

from dynamic_dynamodb.errors import EXIT_OK, EXIT_RUNTIME, AwsSetupError, ConfigError
from dynamic_dynamodb.logsetup import secrets_of, setup_logging
from dynamic_dynamodb.loop import CycleReport, Scheduler
from dynamic_dynamodb.service.systemd import SystemdNotifier
from dynamic_dynamodb.settings import Config, GlobalConfig

log = logging.getLogger("dynamic_dynamodb.service")

# A cycle running longer than this is taken as stuck: the watchdog pings stop, and
# systemd restarts the service. Every AWS call has timeouts, so only a bug gets here.
MIN_STALL_LIMIT = 900.0

# The longest the sleep between cycles goes without looking at the stop Event.
WAKE_SLICE = 0.5

# Settings the boto3 clients are built from: a reload cannot change them in place.
RESTART_ONLY = ("region", "profile", "aws_access_key_id", "aws_secret_access_key",
                "connect_timeout", "read_timeout", "max_attempts", "describe_concurrency")


class Signals:
    """SIGTERM/SIGINT -> stop, SIGHUP -> reload; both also wake the sleep between cycles."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.reload = threading.Event()
        self.wake = threading.Event()
        self.received: str | None = None
        self._previous: dict[int, Any] = {}

    def on_stop(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signal.Signals(signum).name
        self.stop.set()
        self.wake.set()

    def on_reload(self, _signum: int, _frame: FrameType | None) -> None:
        self.reload.set()
        self.wake.set()

    def install(self, reload: bool) -> None:
        wanted: dict[int, Callable[[int, FrameType | None], None]] = {
            signal.SIGTERM: self.on_stop, signal.SIGINT: self.on_stop}
        if reload:
            wanted[signal.SIGHUP] = self.on_reload
        for signum, handler in wanted.items():
            self._previous[signum] = signal.signal(signum, handler)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


class Heartbeat:
    """Whether the loop is alive: sleeping, or in a cycle that has not run too long."""

    def __init__(self, stall_limit: float) -> None:
        self.stall_limit = stall_limit
        self._busy_since: float | None = None

    def busy(self) -> None:
        if self._busy_since is None:
            self._busy_since = time.monotonic()

    def idle(self) -> None:
        self._busy_since = None

    def stuck_for(self) -> float:
        """Seconds the current cycle has run past the stall limit (0 when healthy)."""
        since = self._busy_since
        if since is None:
            return 0.0
        return max(0.0, time.monotonic() - since - self.stall_limit)


class Watchdog:
    """Pings systemd every half watchdog period while the heartbeat is healthy."""

    def __init__(self, notifier: SystemdNotifier, heartbeat: Heartbeat) -> None:
        self.notifier = notifier
        self.heartbeat = heartbeat
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        timeout = self.notifier.watchdog_timeout
        if timeout is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, args=(timeout / 2,),
                                        name="systemd-watchdog", daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        warned = False
        while not self._done.wait(every):
            if self.heartbeat.stuck_for() <= 0:
                self.notifier.watchdog()
                warned = False
            elif not warned:
                warned = True
                log.error("the current cycle has run over %.0f s: no more watchdog pings, so "
                          "systemd will restart the service", self.heartbeat.stall_limit)

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=2)


class ServiceClock:
    """Wall-clock time whose sleep wakes for stop and handles reloads between cycles."""

    def __init__(self, signals: Signals, heartbeat: Heartbeat,
                 on_reload: Callable[[], None]) -> None:
        self.signals = signals
        self.heartbeat = heartbeat
        self.on_reload = on_reload

    def now(self) -> datetime:
        self.heartbeat.busy()  # the Scheduler asks for the time as a cycle starts
        return datetime.now(timezone.utc)

    def wait(self, seconds: float) -> bool:
        self.heartbeat.idle()
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            # Flags are checked after every wake-up (and wake cleared before), so a
            # signal that lands at any moment is never lost.
            if self.signals.stop.is_set():
                return True
            if self.signals.reload.is_set():
                self.signals.reload.clear()
                self.on_reload()
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            # Signals set ``wake``; a stop set by another thread is seen within a slice.
            self.signals.wake.wait(min(remaining, WAKE_SLICE))
            self.signals.wake.clear()


def describe_cycle(number: int, report: CycleReport, dry_run: bool) -> str:
    """One line for systemd's STATUS: ``cycle 12: 40 tables, 3 changes``."""
    error = getattr(report, "error", None)
    if error:
        return f"cycle {number} failed: {error}"[:200]
    tables = {o.resource.table for o in report.outcomes} | set(report.failed_tables)
    changes = sum(1 for o in report.outcomes
                  if o.applied or (dry_run and o.decision is not None and o.decision.changes))
    text = (f"cycle {number}: {len(tables)} table{'s' * (len(tables) != 1)}, "
            f"{changes} {'would-be ' if dry_run else ''}change{'s' * (changes != 1)}")
    if report.failed_tables:
        text += f", {len(report.failed_tables)} failed"
    return text


class Service:
    """Owns one Scheduler run: what happens after each cycle and on SIGHUP."""

    def __init__(self, config: Config, notifier: SystemdNotifier,
                 load_config: Callable[[], Config] | None,
                 on_ready: Callable[[CycleReport, str], None] | None) -> None:
        self.config = config
        self.notifier = notifier
        self.load_config = load_config
        self.on_ready = on_ready
        self.scheduler: Scheduler | None = None
        self.cycles = 0
        self.last_status = "starting"

    def after_cycle(self, report: CycleReport) -> None:
        self.cycles += 1
        self.last_status = describe_cycle(self.cycles, report,
                                          self.config.global_.dry_run)
        if self.cycles == 1:
            self.notifier.ready(self.last_status)
            if self.on_ready is not None:
                self.on_ready(report, self.last_status)
        else:
            self.notifier.status(self.last_status)

    def reload(self) -> None:
        """SIGHUP: build the configuration again; swap it in only when it is valid."""
        if self.load_config is None or self.scheduler is None:
            return
        self.notifier.reloading()
        source = self.config.source or "the command line"
        log.info("SIGHUP: reloading the configuration from %s", source)
        try:
            new = self.load_config()
            setup_logging(new.logging, secrets_of(new))
        except ConfigError as exc:
            log.error("configuration reload rejected; keeping the running configuration:\n%s",
                      exc.report())
        except Exception:
            log.exception("configuration reload failed; keeping the running configuration")
        else:
            changed = restart_only_changes(self.config.global_, new.global_)
            if changed:
                log.warning("the new configuration changes %s: that takes effect after a "
                            "restart", ", ".join(changed))
            self.scheduler.reload(new)
            self.config = new
            log.info("configuration reloaded: %d table section%s, check interval %d s",
                     len(new.tables), "s" * (len(new.tables) != 1), new.global_.check_interval)
        self.notifier.ready(self.last_status)


def restart_only_changes(old: GlobalConfig, new: GlobalConfig) -> list[str]:
    """Names (never values: some are secrets) of AWS client settings that changed."""
    return [name.replace("_", "-") for name in RESTART_ONLY
            if getattr(old, name) != getattr(new, name)]


def serve(config: Config, *, run_once: bool = False, metrics_port: int | None = None,
          load_config: Callable[[], Config] | None = None,
          on_ready: Callable[[CycleReport, str], None] | None = None,
          stop: threading.Event | None = None) -> int:
    """Run the Scheduler in this process until stopped (or for one cycle); the exit code."""
    from dynamic_dynamodb.runner import build_scheduler

    setup_logging(config.logging, secrets_of(config))
    stop = stop or threading.Event()
    signals = Signals(stop)
    notifier = SystemdNotifier()
    heartbeat = Heartbeat(max(MIN_STALL_LIMIT, 3.0 * config.global_.check_interval))
    service = Service(config, notifier, None if run_once else load_config, on_ready)
    clock = ServiceClock(signals, heartbeat, service.reload)
    scheduler = build_scheduler(config, stop=stop, metrics_port=metrics_port,
                                observers=[service.after_cycle], clock=clock)
    service.scheduler = scheduler
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        signals.install(reload=service.load_config is not None)
    watchdog = Watchdog(notifier, heartbeat)
    watchdog.start()
    if not run_once:
        log.info("dynamic-dynamodb started: %d table section%s, check interval %d s%s",
                 len(config.tables), "s" * (len(config.tables) != 1),
                 config.global_.check_interval, ", dry run" if config.global_.dry_run else "")
    try:
        report = scheduler.run(run_once=run_once)
    except AwsSetupError as exc:
        log.critical("cannot work with AWS, stopping: %s", exc)
        raise
    finally:
        watchdog.stop()
        if not run_once:
            notifier.stopping()
        if in_main_thread:
            signals.restore()
    if signals.received:
        log.info("stopped on %s", signals.received)
    if run_once:
        return EXIT_OK if report is not None and report.ok else EXIT_RUNTIME
    return EXIT_OK
