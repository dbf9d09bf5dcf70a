"""Several replicas share the targets through a DynamoDB lease table.

``LeaseCoordinator`` implements the fleet's ``Coordinator`` (fleet/coordinator.py; its
shape, as this module relies on it)::

    class Coordinator(Protocol):
        def owned(self, all_targets: Sequence[str]) -> set[str]:
            '''The targets this worker should serve now.'''
        def may_act(self, target_id: str) -> bool:
            '''True while this worker's lease on the target is valid with margin;
            checked right before each UpdateTable.'''

How it works (the README's "Running several replicas: the lease table" says it for
users):

* one lease item per target (lease_store.py); ``start`` creates the table on demand;
* a thread runs a round every ``renew_interval``: renew the held leases, scan the table,
  take leases by the fair-share rule of lease_plan.py; every write is conditional;
* ``may_act(target)`` is True from when the lease may be acted on (at once for a free or
  expired lease; for one taken from a live worker, a lease duration after its last
  renewal was seen) until ``validity`` seconds after the *sending* of the last successful
  renewal or take. A worker cut off from the table thus stops acting by itself, a margin
  (settings.LeaseTiming) before any other worker can see its lease as expired;
* no worker compares its wall clock with another's: expiry is a counter that this
  worker's own monotonic clock has seen unchanged for a lease duration (lease_plan.py),
  so clock skew between hosts does not matter. ``expires_at`` is written for people;
* ``stop`` ends the thread and releases the held leases, so that a successor takes
  them over at once instead of after a lease duration.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.fleet.lease_plan import Plan, Sighting, act_from, observe, plan_round
from dynamic_dynamodb.fleet.lease_store import LeaseItem, store_from_config
from dynamic_dynamodb.settings import GlobalConfig, LeaseTiming

log = logging.getLogger("dynamic_dynamodb.leases")

T = TypeVar("T")

# How long ``start`` waits for a lease table it created to become ACTIVE.
TABLE_WAIT = 120.0


class Coordinator(Protocol):
    def owned(self, all_targets: Sequence[str]) -> set[str]: ...

    def may_act(self, target_id: str) -> bool: ...


class LeaseStore(Protocol):
    """The lease table's calls (lease_store.DynamoLeaseStore)."""

    def ensure_table(self, timeout: float) -> None: ...

    def scan(self) -> list[LeaseItem]: ...

    def create(self, key: str) -> bool: ...

    def take(self, seen: LeaseItem, worker: str, expires_at: float,
             duration: float) -> LeaseItem | None: ...

    def renew(self, key: str, worker: str, expires_at: float,
              duration: float) -> LeaseItem | None: ...

    def release(self, key: str, worker: str) -> bool: ...


def default_worker_id() -> str:
    """Host name and process id: unique among replicas without configuration."""
    return f"{socket.gethostname()}:{os.getpid()}"


def coordinator_from_config(glob: GlobalConfig) -> LeaseCoordinator:
    """The coordinator the configuration asks for (``lease-table`` set), not started."""
    return LeaseCoordinator(store_from_config(glob), glob.worker_id or default_worker_id(),
                            glob.lease_timing)


@contextmanager
def lease_coordination(glob: GlobalConfig) -> Iterator[LeaseCoordinator | None]:
    """The running coordinator while the service runs (None without ``lease-table``):
    started before the first cycle, stopped with its leases released when the block
    ends, which must be after the Schedulers have stopped acting."""
    if glob.lease_table is None:
        yield None
        return
    coordinator = coordinator_from_config(glob)
    coordinator.start()
    try:
        yield coordinator
    finally:
        coordinator.stop(release=True)


@dataclass
class _Held:
    counter: int
    act_from: float     # monotonic time from which the lease may be acted on
    renewed_at: float   # monotonic time the last successful take or renewal was sent
    lapse_logged: bool = False


class LeaseCoordinator:
    """One worker's leases: taken, renewed and released by a thread of its own."""

    def __init__(self, store: LeaseStore, worker_id: str, timing: LeaseTiming, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.worker_id = worker_id
        self.timing = timing
        self._monotonic = monotonic
        self._wall = wall
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._round_done = threading.Condition(self._lock)
        self._rounds = 0
        self._targets: frozenset[str] = frozenset()
        self._held: dict[str, _Held] = {}
        self._seen: dict[str, Sighting] = {}
        self._stopping = False
        self._table_ready = False
        self._failing: set[str] = set()  # what failed last round, so it is logged once
        self._last_summary = ""
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the Coordinator protocol -----------------------------------------------------------
    def owned(self, all_targets: Sequence[str]) -> set[str]:
        """The targets held now, among ``all_targets`` (a lease taken from a live worker
        is included while ``may_act`` still waits for it). A new set of targets wakes the
        thread and waits for its round, up to two renewal intervals."""
        targets = frozenset(all_targets)
        with self._lock:
            changed = targets != self._targets
            self._targets = targets
            if changed and self._thread is not None and self._thread.is_alive():
                seen = self._rounds
                self._wake.set()
                self._round_done.wait_for(lambda: self._rounds > seen,
                                          timeout=2 * self.timing.renew_interval)
            return {key for key in self._held if key in targets}

    def may_act(self, target_id: str) -> bool:
        now = self._monotonic()
        with self._lock:
            held = self._held.get(target_id)
            return (not self._stopping and held is not None
                    and held.act_from <= now < held.renewed_at + self.timing.validity)

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Make sure the lease table exists (a transient failure is retried by the rounds;
        any other, such as AccessDenied, raises), then start the rounds."""
        try:
            self.store.ensure_table(TABLE_WAIT)
            self._table_ready = True
        except AwsError as exc:
            if not exc.transient:
                raise
            log.warning("lease table not ready (%s); retrying every %.3g s", exc,
                        self.timing.renew_interval)
        log.info("worker %s: lease duration %g s, renewal every %.3g s, acting until %.3g s "
                 "after a renewal was sent (margin %.3g s)", self.worker_id,
                 self.timing.duration, self.timing.renew_interval, self.timing.validity,
                 self.timing.margin)
        self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
        self._thread.start()

    def stop(self, release: bool = True) -> None:
        """Stop acting at once, end the rounds, and (``release``) free the held leases so
        that another worker takes them without waiting for them to expire. Call it once
        nothing acts on the targets any more (after the Schedulers have stopped)."""
        with self._lock:
            self._stopping = True
        self._wake.set()
        if self._thread is not None:
            # A round is bounded by the lease calls' timeouts (settings.LeaseTiming).
            self._thread.join(timeout=4 * self.timing.renew_interval)
        with self._lock:
            held = sorted(self._held)
            self._held.clear()
        if not release:
            return
        for key in held:
            try:
                freed = self.store.release(key, self.worker_id)
            except AwsError as exc:
                log.warning("could not release lease %s (%s); it expires by itself", key, exc)
                continue
            if freed:
                log.info("released lease %s", key)

    def _run(self) -> None:
        while True:
            started = self._monotonic()
            with self._lock:
                if self._stopping:
                    return
            try:
                self.run_round()
            except Exception:  # the thread must outlive any bug in a round
                log.exception("lease round failed")
            with self._lock:
                self._rounds += 1
                self._round_done.notify_all()
            self._wake.wait(self.next_round_in(started))
            self._wake.clear()

    def next_round_in(self, started: float) -> float:
        """Seconds until the next round: a renewal interval after this one started, or
        sooner when another worker's lease expires before that (it stopped renewing), so
        that a dead worker's targets are taken over a lease duration after its last
        renewal was seen, not up to a renewal interval later."""
        now = self._monotonic()
        due = started + self.timing.renew_interval
        expiries = [s.since + self.timing.duration for s in self._seen.values()
                    if s.owner is not None and s.owner != self.worker_id]
        soonest = min((e for e in expiries if e > now), default=due)
        return max(0.0, min(due, soonest) - now)

    # -- one round --------------------------------------------------------------------------
    def run_round(self) -> Plan | None:
        """Renew, scan, take: one round (the thread's; tests call it directly). The plan
        it followed, or None when the table could not be read."""
        if not self._table_ready:
            ready, _ = self._attempt("table", lambda: self.store.ensure_table(
                self.timing.renew_interval))
            if not ready:
                return None
            self._table_ready = True
        self._renew_all()
        scanned, items = self._attempt("scan", self.store.scan)
        if not scanned or items is None:
            return None
        scanned_at = self._monotonic()
        self._seen = observe(self._seen, items, scanned_at)
        by_key = {item.key: item for item in items}
        self._drop_lost(by_key)
        with self._lock:
            targets, held = self._targets, set(self._held)
        plan = plan_round(targets, by_key, self._seen, self.worker_id, held, scanned_at,
                          self.timing.duration, self._rng)
        for key in plan.release:
            self._release(key)
        with self._lock:
            if self._stopping:  # stop() releases what is held; take nothing more
                return plan
        for key in plan.create:
            self._attempt(f"create:{key}", self._creator(key))
        for item in (*plan.take, *([plan.steal] if plan.steal else [])):
            self._take(item)
        self._log_summary(plan)
        return plan

    def _renew_all(self) -> None:
        deadline = self._monotonic() + self.timing.renew_interval
        with self._lock:  # the longest unrenewed first: a late round never starves one
            keys = sorted(self._held, key=lambda k: (self._held[k].renewed_at, k))
        for key in keys:
            if self._monotonic() >= deadline:
                log.warning("renewals took longer than %.3g s; the rest wait for the next "
                            "round", self.timing.renew_interval)
                break
            sent = self._monotonic()
            answered, renewed = self._attempt(f"renew:{key}", self._renewer(key))
            if answered:
                self._renewed(key, renewed, sent)
        self._log_lapses()

    def _renewed(self, key: str, answer: LeaseItem | None, sent: float) -> None:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return
            if answer is None:
                del self._held[key]
                log.warning("lost lease %s: another worker holds it now; not acting on it",
                            key)
                return
            if answer.counter != held.counter + 1:
                log.error("lease %s was renewed by another process with worker id %s "
                          "(counter %d, expected %d): worker ids must be unique", key,
                          self.worker_id, answer.counter, held.counter + 1)
            held.counter, held.renewed_at, held.lapse_logged = answer.counter, sent, False

    def _log_lapses(self) -> None:
        now = self._monotonic()
        with self._lock:
            for key, held in sorted(self._held.items()):
                if now >= held.renewed_at + self.timing.validity and not held.lapse_logged:
                    held.lapse_logged = True
                    log.warning("lease %s not renewed for %.3g s: not acting on it until a "
                                "renewal succeeds", key, now - held.renewed_at)

    def _drop_lost(self, items: dict[str, LeaseItem]) -> None:
        with self._lock:
            for key in [k for k in self._held
                        if items.get(k) is None or items[k].owner != self.worker_id]:
                del self._held[key]
                owner = items[key].owner if key in items else None
                log.warning("lost lease %s: %s; not acting on it", key,
                            f"{owner} holds it now" if owner else "it is no longer held")

    def _take(self, item: LeaseItem) -> None:
        sighting = self._seen.get(item.key)
        sent = self._monotonic()
        _, taken = self._attempt(f"take:{item.key}", lambda: self.store.take(
            item, self.worker_id, self._wall() + self.timing.duration, self.timing.duration))
        if taken is None:
            return  # another worker was quicker, or the table did not answer
        start = act_from(sighting, self.timing.duration)
        with self._lock:
            self._held[item.key] = _Held(taken.counter, start, sent)
        if item.owner is None:
            how = "free"
        elif start <= sent:
            how = f"expired, from {item.owner}"
        else:
            how = (f"from {item.owner}, to even the share; acting on it in "
                   f"{start - sent:.3g} s, once {item.owner} has stopped")
        log.info("took lease %s (%s)", item.key, how)

    def _release(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)
        _, freed = self._attempt(f"release:{key}",
                                 lambda: self.store.release(key, self.worker_id))
        if freed:
            log.info("released lease %s (target no longer configured)", key)

    def _creator(self, key: str) -> Callable[[], bool]:
        return lambda: self.store.create(key)

    def _renewer(self, key: str) -> Callable[[], LeaseItem | None]:
        return lambda: self.store.renew(key, self.worker_id,
                                        self._wall() + self.timing.duration,
                                        self.timing.duration)

    def _attempt(self, what: str, call: Callable[[], T]) -> tuple[bool, T | None]:
        """(True, ``call``'s answer), or (False, None) when the lease table failed; each
        failure is logged once until that call works again."""
        try:
            answer = call()
        except AwsError as exc:
            if what not in self._failing:
                self._failing.add(what)
                log.warning("lease table %s failed: %s", what.replace(":", " "), exc)
            return False, None
        self._failing.discard(what)
        return True, answer

    def _log_summary(self, plan: Plan) -> None:
        with self._lock:
            held = sorted(self._held)
        summary = (f"holding {len(held)} of {len(self._targets)} targets (fair share "
                   f"{plan.fair_share}, {plan.workers} live workers): {', '.join(held)}")
        if summary != self._last_summary:
            self._last_summary = summary
            log.info("leases: %s", summary)

