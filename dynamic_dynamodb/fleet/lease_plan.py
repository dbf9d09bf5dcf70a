"""Which leases a worker takes in a round: a pure rule, after the Kinesis Client Library's
LeaseTaker (no AWS, no clock: the times are given).

Expiry is judged by each worker's own monotonic clock, never by comparing wall clocks:
a lease whose owner and counter have not changed for a whole lease duration, as seen by
this worker's scans, is expired (``Sighting``). Clock skew between workers therefore
plays no part; only the rates of their clocks do (parts per million).

The share (``plan_round``):

* the live workers are the owners of unexpired leases, and this worker;
* each should hold ``fair = ceil(targets / live workers)`` leases;
* a worker below its share takes free leases (no owner) and expired ones, in random order
  so that workers starting together do not all reach for the same lease, up to its share;
* when none is free or expired and the worker needs one or more, it takes *one* lease a
  round from the most loaded worker, if that worker holds more than its share, or exactly
  its share while this worker needs two or more (KCL's rule). A worker at its share never
  takes from another at its share, so the share settles and stays: no thrashing.

A lease taken from a live worker is acted on only once that worker must have stopped
(``act_from``: a lease duration after the taker saw its last renewal), so two workers never
act on one target at the same time, even while the share moves.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from dynamic_dynamodb.fleet.lease_store import LeaseItem


@dataclass(frozen=True)
class Sighting:
    """A lease's owner and counter as this worker saw them, and since when."""

    owner: str | None
    counter: int
    since: float  # monotonic time of the first scan (its answer) that showed them

    def expired(self, now: float, duration: float) -> bool:
        return self.owner is not None and now - self.since >= duration


def observe(previous: Mapping[str, Sighting], items: Iterable[LeaseItem],
            scanned_at: float) -> dict[str, Sighting]:
    """The sightings after a scan answered at ``scanned_at``: a lease whose owner or
    counter changed (or that is new) is seen as of now; the others keep their time.
    A lease seen for the first time counts as renewed just now (it may be)."""
    seen = {}
    for item in items:
        old = previous.get(item.key)
        if old is not None and (old.owner, old.counter) == (item.owner, item.counter):
            seen[item.key] = old
        else:
            seen[item.key] = Sighting(item.owner, item.counter, scanned_at)
    return seen


def act_from(sighting: Sighting | None, duration: float) -> float:
    """When a lease taken as sighted may be acted on: at once when it was free; else a
    lease duration after its last renewal was seen, by when the previous owner has
    stopped acting (it stops a margin before that)."""
    if sighting is None or sighting.owner is None:
        return 0.0
    return sighting.since + duration


@dataclass(frozen=True)
class Plan:
    """What a worker does with the lease table this round."""

    create: tuple[str, ...] = ()         # targets without a lease item: add them, free
    take: tuple[LeaseItem, ...] = ()     # free or expired leases, up to the fair share
    steal: LeaseItem | None = None       # one lease of the most loaded worker
    release: tuple[str, ...] = ()        # held leases of targets no longer configured
    fair_share: int = 0
    workers: int = 1


def plan_round(targets: Set[str], items: Mapping[str, LeaseItem],
               seen: Mapping[str, Sighting], me: str, held: Set[str], now: float,
               duration: float, rng: random.Random) -> Plan:
    """This round's plan for worker ``me`` holding ``held``, given the lease table's
    ``items`` by key and this worker's ``seen`` sightings at time ``now``."""
    release = tuple(sorted(held - targets))
    if not targets:
        return Plan(release=release, fair_share=0)
    create = tuple(sorted(t for t in targets if t not in items))
    available: list[LeaseItem] = [LeaseItem(t, None, 0) for t in create]
    others: Counter[str] = Counter()
    theirs: dict[str, list[LeaseItem]] = {}
    mine = len(held & targets)
    for key in sorted(targets):
        item = items.get(key)
        if item is None or key in held:
            continue
        sighting = seen.get(key)
        if item.owner is None or (sighting is not None and sighting.expired(now, duration)):
            available.append(item)
        elif item.owner == me:
            # Ours by name but not held: an earlier process with this worker id. Counted
            # as ours; taken back once it has expired.
            mine += 1
        else:
            others[item.owner] += 1
            theirs.setdefault(item.owner, []).append(item)
    workers = len(others) + 1
    fair = math.ceil(len(targets) / workers)
    need = fair - mine
    plan = Plan(create=create, release=release, fair_share=fair, workers=workers)
    if need <= 0:
        return plan
    if available:
        rng.shuffle(available)
        return Plan(create, tuple(available[:need]), None, release, fair, workers)
    most = max(others.values(), default=0)
    if most > fair or (most == fair and need > 1):
        victim = rng.choice(sorted(w for w, n in others.items() if n == most))
        return Plan(create, (), rng.choice(theirs[victim]), release, fair, workers)
    return plan
