"""The Scheduler: one cycle every check interval, the same for the daemon, the
foreground run, ``--run-once``, ``status`` and the simulator.

A cycle lists tables, describes the matching ones (concurrently, bounded), reads
every resource's metrics in batched calls, checks the circuit breakers, asks the
pure core for decisions, applies them and reports. A failure in one table is
logged and that table is retried next cycle; the others go on.

A stop request is honoured between the cycle's steps and between tables (the edges
honour it between their calls, raising Stopped): the table in hand is finished, the
others get no decision. Every matched table or GSI that gets no decision is recorded
in the report (report.NoDecision), so ``--run-once`` and ``status`` can say so. An
UpdateTable whose outcome is unknown (a timeout after sending) is checked against the
next cycle's DescribeTable: applied, it is logged as such; not applied, it is that
table's failure.

The Scheduler only schedules: the decisions are core/'s, what they look like in a
log line is report.py's, in a notification notify.py's; the Application Auto Scaling
facts are cached by coexistence.py and the cost estimate is cost.py's.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from dynamic_dynamodb.backend import (
    Breaker,
    Clock,
    MetricRequest,
    MetricsApi,
    Notifier,
    TablesApi,
)
from dynamic_dynamodb.coexistence import AutoscalingPolicies
from dynamic_dynamodb.core import fallback
from dynamic_dynamodb.core.policy import Facts, decide
from dynamic_dynamodb.core.scope import scope
from dynamic_dynamodb.core.types import (
    Decision,
    ResourceHistory,
    ResourceId,
    ResourceState,
    ScaleEvent,
    TableState,
    Usage,
)
from dynamic_dynamodb.cost import FirstEstimate
from dynamic_dynamodb.errors import (
    AwsError,
    AwsSetupError,
    DynamicDynamoDBError,
    Stopped,
    UpdateUnconfirmed,
)
from dynamic_dynamodb.foreign_watch import ForeignChanges
from dynamic_dynamodb.notify import failures_event, outcome_events
from dynamic_dynamodb.report import (
    DECIDED_SKIPS,
    CycleReport,
    Outcome,
    cycle_failed,
    format_outcome,
    no_match,
    table_failed,
    undecided,
    update_confirmed,
    update_not_applied,
    update_unconfirmed,
)
from dynamic_dynamodb.settings import Config, ResourcePolicy, TablePolicy

__all__ = ["CycleReport", "Outcome", "Scheduler", "SystemClock"]

log = logging.getLogger("dynamic_dynamodb")

# The longest the sleep goes without looking at the stop Event when a ``wake`` Event
# is also watched (a stop set by another thread, not by a signal handler).
WAKE_SLICE = 0.5


class SystemClock:
    """Wall-clock time; ``wait`` ends at once when ``stop`` is set, and early (returning
    False) when ``wake`` is set: a request that should not wait out the interval, such
    as a SIGHUP, so that the next cycle starts now and serves it in its hooks."""

    def __init__(self, stop: threading.Event | None = None,
                 wake: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()
        self.wake = wake

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def wait(self, seconds: float) -> bool:
        if self.wake is None:
            return self.stop.wait(max(0.0, seconds))
        deadline = time.monotonic() + max(0.0, seconds)
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.wake.wait(min(remaining, WAKE_SLICE)):
                self.wake.clear()
                return self.stop.is_set()
        return True


class CycleHooks(Protocol):
    """What runs around each cycle of ``Scheduler.run``: the service's heartbeat,
    reload, readiness and metrics. Hooks are called in the order given, before and
    after; a hook that raises is logged and never stops the loop."""

    def before_cycle(self, config: Config) -> Config:
        """Called before each cycle with the running configuration; returns the one the
        cycle runs with (a reload returns a new one, which ``Scheduler.reload`` swaps in)."""
        ...

    def after_cycle(self, report: CycleReport) -> None:
        """Called after each cycle with its report, failed cycles included."""
        ...


class ReportObserver:
    """A plain ``report -> None`` callable (metrics, a test's list) as a cycle hook."""

    def __init__(self, observe: Callable[[CycleReport], None]) -> None:
        self.observe = observe

    def before_cycle(self, config: Config) -> Config:
        return config

    def after_cycle(self, report: CycleReport) -> None:
        self.observe(report)

    def __repr__(self) -> str:
        return f"ReportObserver({self.observe!r})"


@dataclass
class _Work:
    """One matched table in a cycle."""

    name: str
    policy: TablePolicy
    state: TableState | None = None
    error: str | None = None
    error_kind: str = "error"
    # Left alone by design (on-demand, deleted since listed): not a missing decision.
    skipped: bool = False
    resources: list[tuple[ResourceState, ResourcePolicy]] = field(default_factory=list)


@dataclass(frozen=True)
class _SentUpdate:
    """An UpdateTable whose outcome is unknown: the capacities it asked for, and why
    its outcome is unknown."""

    targets: dict[ResourceId, tuple[int, int]]
    why: str


class Scheduler:
    def __init__(self, config: Config, tables: TablesApi, metrics: MetricsApi,
                 notifier: Notifier, clock: Clock, breaker: Breaker | None = None,
                 dry_run: bool | None = None,
                 call_counts: Callable[[], dict[str, int]] | None = None,
                 observers: Sequence[Callable[[CycleReport], None]] = (),
                 stop: threading.Event | None = None,
                 hooks: Sequence[CycleHooks] = (),
                 target: str | None = None,
                 may_act: Callable[[], bool] | None = None) -> None:
        self.config = config
        # The target served (an account in one region); it labels every report.
        self.target = target
        self.tables = tables
        self.metrics = metrics
        self.notifier = notifier
        self.clock = clock
        self.breaker = breaker
        self.dry_run = config.global_.dry_run if dry_run is None else dry_run
        self.history: dict[ResourceId, ResourceHistory] = {}
        self.failures: dict[str, int] = {}
        # Tables whose last UpdateTable has an unknown outcome, until DescribeTable tells.
        self.unconfirmed: dict[str, _SentUpdate] = {}
        self._call_counts = call_counts
        # ``observers`` are hooks that only look at reports; they run after ``hooks``.
        self._hooks: list[CycleHooks] = [*hooks]
        self._hooks += [ReportObserver(observe) for observe in observers]
        self._warned: set[str] = set()
        self._autoscaling = AutoscalingPolicies(tables)
        # Changes to managed tables that this process did not make (another instance).
        self._foreign = ForeignChanges()
        # Asked right before each UpdateTable: False while this worker does not hold a
        # valid lease on the target (fleet/leases.py); None: no coordination.
        self.may_act = may_act
        self._cost_estimate = FirstEstimate()
        # Whether another cycle follows this one (not for run(run_once=True)): failure
        # lines promise a retry only then.
        self._next_cycle = True
        # Set by signal handlers: the table in hand finishes, then the loop ends.
        self.stop_requested = stop or threading.Event()

    # -- configuration -------------------------------------------------------------
    def reload(self, config: Config) -> None:
        """Swap in a new configuration between cycles (SIGHUP); history is kept."""
        self.config = config

    def _match(self, names: Sequence[str]) -> list[_Work]:
        work = []
        for name in names:
            match = self.config.match_table(name)
            if match is None:
                continue
            if match.also_matched:
                self._warn_once(f"table:{name}", "table %s matches several sections; using "
                                "the first, [table: %s]", name, match.section.key)
            work.append(_Work(name, match.section))
        return work

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)

    # -- one cycle -----------------------------------------------------------------
    def run_cycle(self) -> CycleReport:
        started = time.monotonic()
        now = self.clock.now()
        report = CycleReport(started=now, target=self.target)
        work: list[_Work] = []
        try:
            self._cycle(work, report, now)
        except Stopped as exc:
            report.stopped = True
            log.info("stop requested: leaving the remaining tables for the next run (%s)", exc)
            handled = {o.resource.table for o in report.outcomes} | set(report.failed_tables)
            for item in work:
                if item.name not in handled and not item.skipped:
                    report.no_decision(item.name, "stopped", "stop requested before its "
                                                             "decision")
        report.duration = time.monotonic() - started
        if self._call_counts is not None:
            report.calls = self._call_counts()
            log.debug("AWS calls this cycle: %s", ", ".join(
                f"{op}={n}" for op, n in sorted(report.calls.items())) or "none")
        return report

    def _cycle(self, work: list[_Work], report: CycleReport, now: datetime) -> None:
        """The steps of one cycle; ``work`` is filled with the matched tables as they
        are found. Stopped ends it between steps and between tables."""
        names = self.tables.list_tables()
        work.extend(self._match(names))
        if not work:
            message = no_match([t.key for t in self.config.tables], len(names))
            log.warning("%s", message)
            report.no_decision("", "no-match", message)
        self._forget_gone({item.name for item in work})
        self._check_stop("before DescribeTable")
        self._describe_all(work)
        self._check_stop("after DescribeTable")
        self._collect_resources(work, report)
        self._cost_estimate.found(self.config.global_.check_interval,
                                  (state.id for item in work if not item.error
                                   for state, _ in item.resources))
        usages = self._read_metrics(work, now)
        self._check_stop("after GetMetricData")
        breaker_verdicts = self._check_breakers(work)
        managed_elsewhere = self._autoscaling_managed(work, now)
        for item in work:
            if item.state is None or item.error:
                continue
            self._check_stop("between tables")
            try:
                settled = self._handle_table(item, usages, breaker_verdicts, managed_elsewhere,
                                             now, report)
                if settled:
                    self.failures.pop(item.name, None)
            except DynamicDynamoDBError as exc:
                self._foreign.forget(item.name)
                self._table_failed(item.name, str(exc), report, _error_kind(exc))
            except Exception as exc:  # a bug or an odd answer: this table only, with traceback
                log.exception("%s: unexpected error", item.name)
                self._foreign.forget(item.name)
                self._table_failed(item.name, f"unexpected error: {exc!r}", report,
                                   type(exc).__name__)

    def _check_stop(self, where: str) -> None:
        if self.stop_requested.is_set():
            raise Stopped(where)

    def _forget_gone(self, managed: set[str]) -> None:
        """Drop what is kept about tables no longer managed (deleted, or no longer
        matched), so a daemon that runs for years through table churn does not grow."""
        for rid in [rid for rid in self.history if rid.table not in managed]:
            del self.history[rid]
        for name in [name for name in self.failures if name not in managed]:
            del self.failures[name]
        for name in [name for name in self.unconfirmed if name not in managed]:
            del self.unconfirmed[name]
        self._foreign.keep_only(managed)

    def _describe_all(self, work: list[_Work]) -> None:
        def describe(item: _Work) -> None:
            try:
                item.state = self.tables.describe(item.name)
            except AwsSetupError:
                raise
            except AwsError as exc:
                item.error, item.error_kind = str(exc), exc.code
            except Stopped as exc:  # the cycle ends after this step
                item.error, item.error_kind = str(exc), "Stopped"
            except Exception as exc:  # an odd answer for one table must not end the cycle
                log.exception("%s: unexpected error describing the table", item.name)
                item.error, item.error_kind = f"unexpected error: {exc!r}", type(exc).__name__

        workers = max(1, min(self.config.global_.describe_concurrency, len(work)))
        if workers == 1:
            for item in work:
                describe(item)
            return
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="describe") as pool:
            # Each call in a copy of this context: log lines keep naming the target.
            for future in [pool.submit(contextvars.copy_context().run, describe, item)
                           for item in work]:
                future.result()

    def _collect_resources(self, work: list[_Work], report: CycleReport) -> None:
        for item in work:
            if item.error_kind == "ResourceNotFoundException":
                # Deleted between ListTables and DescribeTable: gone, not failing.
                log.info("%s: deleted since the table list was read; skipped", item.name)
                item.skipped = True
                continue
            if item.error:
                self._table_failed(item.name, item.error, report, item.error_kind)
                continue
            assert item.state is not None
            if item.name in self.unconfirmed:
                self._confirm_update(item.name, item.state, report)
            found = scope(item.state, item.policy)
            if found.skipped is not None:
                log.info("%s: %s", item.name, found.skipped.message)
                item.error = found.skipped.code
                if found.skipped.code in DECIDED_SKIPS:
                    item.skipped = True
                else:
                    report.no_decision(item.name, found.skipped.code, found.skipped.message)
                continue
            for rid, why in found.unusable:
                log.warning("%s: %s", rid, why.message)
                report.no_decision(rid, why.code, why.message)
            for gsi, key in found.ambiguous:
                self._warn_once(f"gsi:{gsi}", "GSI %s matches several sections; using the "
                                "first, [gsi: %s]", gsi, key)
            item.resources.extend(found.resources)

    def _confirm_update(self, table: str, state: TableState, report: CycleReport) -> None:
        """What DescribeTable says about the table's UpdateTable of unknown outcome:
        applied (logged), still UPDATING (asked again next cycle), or not applied (the
        table's failure, counted like any other)."""
        sent = self.unconfirmed.pop(table)
        # Only what DescribeTable said in full (a resource without readable capacities
        # can confirm nothing).
        states = {resource.id: resource for resource in state.resources
                  if isinstance(resource, ResourceState)}
        shown = ", ".join(
            f"{rid} reads {states[rid].reads}, writes {states[rid].writes}" if rid in states
            else f"{rid} unreadable or absent" for rid in sorted(sent.targets, key=str))
        if all(rid in states and (states[rid].reads, states[rid].writes) == wanted
               for rid, wanted in sent.targets.items()):
            log.info("%s", update_confirmed(table, shown))
            return
        if any(states[rid].status == "UPDATING" for rid in sent.targets if rid in states):
            self.unconfirmed[table] = sent  # DynamoDB is still at it: look again next cycle
            return
        self._table_failed(table, update_not_applied(sent.why, shown), report,
                           "UpdateNotApplied")

    def _read_metrics(self, work: list[_Work], now: datetime) -> dict[ResourceId, Usage | None]:
        requests = [
            MetricRequest(state.id, policy.lookback_window_start, policy.lookback_period,
                          policy.metrics_publication_allowance)
            for item in work if not item.error for state, policy in item.resources
        ]
        if not requests:
            return {}
        try:
            return self.metrics.read(requests, now)
        except AwsSetupError:
            raise
        except AwsError as exc:
            log.warning("metrics unavailable this cycle: %s", exc)
            return {}

    def _check_breakers(self, work: list[_Work]) -> dict[ResourceId, tuple[bool, str]]:
        if self.breaker is None:
            return {}
        targets = [
            (policy.circuit_breaker_url, policy.circuit_breaker_timeout_ms, state.id)
            for item in work if not item.error for state, policy in item.resources
            if policy.circuit_breaker_url
        ]
        return self.breaker.check(targets) if targets else {}

    def _autoscaling_managed(self, work: list[_Work], now: datetime) -> set[ResourceId]:
        """Resources with an Application Auto Scaling policy; not read at all when every
        section says ignore-aws-autoscaling."""
        if all(policy.ignore_aws_autoscaling
               for item in work if not item.error for _, policy in item.resources):
            return set()
        return self._autoscaling.managed({item.name for item in work if not item.error}, now)

    def _handle_table(self, item: _Work, usages: dict[ResourceId, Usage | None],
                      breakers: dict[ResourceId, tuple[bool, str]],
                      managed_elsewhere: set[ResourceId], now: datetime,
                      report: CycleReport) -> bool:
        """Decide and apply one table's changes; False when the outcome of its
        UpdateTable is unknown (neither a success nor a failure yet)."""
        decisions: list[Decision] = []
        for state, policy in item.resources:
            open_, why = breakers.get(state.id, (False, ""))
            facts = Facts(breaker_open=open_, breaker_message=why,
                          managed_by_aws_autoscaling=state.id in managed_elsewhere)
            decisions.append(decide(state, usages.get(state.id), policy,
                                    self.history.get(state.id, ResourceHistory()), now, facts))

        applied = self._apply(item.name, decisions)
        if applied.unconfirmed:  # DynamoDB may or may not have applied it: start over
            self._foreign.forget(item.name)
        elif self.config.global_.lease_table is None:  # with leases, hand-overs are expected
            self._foreign.checked(
                [state for state, _ in item.resources if state.id not in managed_elsewhere],
                [d for d in applied.decisions if d.resource in applied.sent], now,
                self.config.global_.check_interval)
        policies = {state.id: policy for state, policy in item.resources}
        states = {state.id: state for state, _ in item.resources}
        for decision in applied.decisions:
            self.history[decision.resource] = decision.history
            changed = decision.resource in applied.sent and decision.changes
            outcome = Outcome(decision.resource, decision, usages.get(decision.resource),
                              applied=changed and not applied.unconfirmed,
                              note=applied.note, state=states.get(decision.resource),
                              unconfirmed=changed and applied.unconfirmed)
            report.outcomes.append(outcome)
            why_not = undecided(decision)
            if why_not is not None:
                report.no_decision(decision.resource, why_not.code, why_not.message)
            self._report(outcome, policies[decision.resource])
        return not applied.unconfirmed

    def _apply(self, table: str, decisions: list[Decision]) -> _Applied:
        """Send the table's changes; the decisions as they stand after DynamoDB's answer,
        the resources changed and a note (core/fallback.py decides what a refusal means).
        An outcome that is unknown is remembered, for the next cycle to check."""
        changing = [d for d in decisions if d.changes]
        if not changing or self.dry_run:
            return _Applied(decisions)
        if self._lease_lapsed(table):
            held = fallback.without_lease(decisions)
            return _Applied(list(held.decisions), note=held.note)
        try:
            return self._send(table, decisions, changing)
        except AwsError as exc:
            plan = fallback.after_refusal(decisions, exc.code)
            if plan is None:
                raise
        if plan.send and self._lease_lapsed(table):
            held = fallback.without_lease(plan.decisions)  # the lease lapsed in between
            return _Applied(list(held.decisions), note=f"{plan.note}; {held.note}")
        return self._send(table, list(plan.decisions), plan.send, plan.note)

    def _send(self, table: str, decisions: list[Decision], send: Sequence[Decision],
              note: str = "") -> _Applied:
        if not send:
            return _Applied(decisions, note=note)
        try:
            self.tables.update(table, send)
        except UpdateUnconfirmed as exc:
            self.unconfirmed[table] = _SentUpdate(
                {d.resource: (d.reads.target, d.writes.target) for d in send}, str(exc))
            unknown = update_unconfirmed(str(exc))
            return _Applied(decisions, {d.resource for d in send},
                            f"{note}; {unknown}" if note else unknown, unconfirmed=True)
        return _Applied(decisions, {d.resource for d in send}, note)

    def _lease_lapsed(self, table: str) -> bool:
        """Whether this process may not change the target's tables now (no valid lease);
        asked right before each UpdateTable. A check that fails counts as lapsed: the
        safe answer holds the change (core/fallback.without_lease), the next cycle
        decides again."""
        if self.may_act is None:
            return False
        try:
            return not self.may_act()
        except Exception:
            log.exception("%s: the lease check failed; holding its changes", table)
            return True

    def _report(self, outcome: Outcome, policy: ResourcePolicy) -> None:
        level = logging.WARNING if outcome.unconfirmed else logging.INFO
        log.log(level, "%s", format_outcome(outcome, self.dry_run))
        for event in outcome_events(outcome):
            self._notify(event, policy)

    def _notify(self, event: ScaleEvent, policy: ResourcePolicy) -> None:
        try:
            self.notifier.notify(event, policy.sns_topic_arn, policy.sns_message_types)
        except Exception as exc:  # noqa: BLE001 - a failed notification is never fatal
            log.warning("notification failed for %s: %s", event.resource, exc)

    def _table_failed(self, table: str, message: str, report: CycleReport,
                      kind: str = "error") -> None:
        count = self.failures.get(table, 0) + 1
        self.failures[table] = count
        report.failed_tables[table] = message
        report.failure_kinds[table] = kind
        log.error("%s", table_failed(table, count, message, self._next_cycle))
        if count == self.config.global_.failures_before_error:
            policy = self.config.table_policy(table)
            if policy is not None:
                self._notify(failures_event(table, count, message), policy)

    # -- the loop --------------------------------------------------------------------
    def run(self, run_once: bool = False) -> CycleReport:
        """Cycle until stopped; with ``run_once`` do one cycle and return its report.

        Each cycle is framed by the hooks: ``before_cycle`` (which may swap in a new
        configuration), the cycle, ``after_cycle`` with its report (a failed cycle's
        too). Between cycles the clock's ``wait`` sleeps; a stop request ends it.
        """
        worked = False
        while True:
            cycle_started = time.monotonic()
            self._before_cycle()
            # Before any cycle has worked a set-up error (no credentials, no region) fails
            # fast. Later (credentials that failed to refresh) it is retried.
            last = self.guarded_cycle(setup_fatal=run_once or not worked,
                                      next_cycle=not run_once)
            worked = worked or last.error is None
            self._after_cycle(last)
            if run_once or self.stop_requested.is_set():
                return last
            elapsed = time.monotonic() - cycle_started
            if self.clock.wait(self.config.global_.check_interval - elapsed):
                return last

    def guarded_cycle(self, *, setup_fatal: bool, next_cycle: bool) -> CycleReport:
        """One cycle whose failure is its report, never an exception, except an
        AwsSetupError when ``setup_fatal``. ``next_cycle``: whether a cycle follows (the
        failure lines promise a retry only then)."""
        self._next_cycle = next_cycle
        try:
            return self.run_cycle()
        except AwsSetupError as exc:
            if setup_fatal:
                raise
            return self._cycle_failed(exc, str(exc), exc.code)
        except DynamicDynamoDBError as exc:
            return self._cycle_failed(exc, str(exc), _error_kind(exc))
        except Exception as exc:  # never let a bug end the daemon; --run-once exits 1
            log.exception("unexpected error in the cycle")
            return self._cycle_failed(exc, f"unexpected error: {exc!r}", type(exc).__name__)

    def _before_cycle(self) -> None:
        config = hooks_before(self._hooks, self.config)
        if config is not self.config:
            self.reload(config)

    def _after_cycle(self, report: CycleReport) -> None:
        hooks_after(self._hooks, report)

    def _cycle_failed(self, exc: BaseException, message: str, kind: str) -> CycleReport:
        if isinstance(exc, DynamicDynamoDBError):  # others were logged with a traceback
            log.error("%s", cycle_failed(str(exc), self._next_cycle))
        return CycleReport(started=self.clock.now(), error=message, error_kind=kind,
                           target=self.target)


def hooks_before(hooks: Sequence[CycleHooks], config: Config) -> Config:
    """Each hook's ``before_cycle`` in order, each given what the previous returned; the
    configuration to run with. A hook that raises is logged and skipped."""
    for hook in hooks:
        try:
            config = hook.before_cycle(config)
        except Exception:  # a hook must never stop the loop
            log.exception("cycle hook %r failed before the cycle", hook)
    return config


def hooks_after(hooks: Sequence[CycleHooks], report: CycleReport) -> None:
    """Each hook's ``after_cycle`` in order; a hook that raises is logged and skipped."""
    for hook in hooks:
        try:
            hook.after_cycle(report)
        except Exception:  # metrics or readiness must never stop the loop
            log.exception("cycle hook %r failed after the cycle", hook)


@dataclass(frozen=True)
class _Applied:
    """A table's decisions after UpdateTable: as they stand after DynamoDB's answer, the
    resources whose change was sent, a note, and whether the outcome is unknown."""

    decisions: list[Decision]
    sent: set[ResourceId] = field(default_factory=set)
    note: str = ""
    unconfirmed: bool = False


def _error_kind(exc: BaseException) -> str:
    """AWS's error code for AWS errors, else the exception's type."""
    return exc.code if isinstance(exc, AwsError) else type(exc).__name__
