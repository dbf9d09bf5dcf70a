"""The lease coordinator (fleet/leases.py) on an in-memory lease table with DynamoDB's
conditional writes and a fake clock: shares, takeovers, cut-offs, hand-overs, releases,
and the safety rule that two workers never act on one target at once."""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, field

import pytest

from dynamic_dynamodb.fleet.lease_store import LeaseItem
from dynamic_dynamodb.fleet.leases import LeaseCoordinator
from dynamic_dynamodb.settings import LeaseTiming
from tests.unit.leasetools import FakeClock, FakeLeaseStore, FakeLeaseTable

TIMING = LeaseTiming(duration=6.0, update_bound=2.0)  # margin 2, validity 4, renewal 2
TARGETS = [f"acct{i}/eu-west-1" for i in range(10)]


@dataclass
class Fleet:
    clock: FakeClock = field(default_factory=FakeClock)
    table: FakeLeaseTable = field(init=False)
    workers: dict[str, LeaseCoordinator] = field(default_factory=dict)
    stores: dict[str, FakeLeaseStore] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.table = FakeLeaseTable(self.clock)

    def add(self, name: str, skew: float = 0.0, seed: int = 0) -> LeaseCoordinator:
        store = FakeLeaseStore(self.table)
        worker = LeaseCoordinator(store, name, TIMING, monotonic=self.clock,
                                  wall=lambda: self.clock.now + skew,
                                  rng=random.Random(seed or len(self.workers) + 1))
        worker.owned(TARGETS)
        self.workers[name], self.stores[name] = worker, store
        return worker

    def rounds(self, count: int = 1, names: list[str] | None = None) -> None:
        """``count`` rounds of each named worker, a renewal interval apart."""
        for _ in range(count):
            for name in names or list(self.workers):
                self.workers[name].run_round()
            self.clock.advance(TIMING.renew_interval)

    def owners(self) -> dict[str, str | None]:
        return {key: item.owner for key, item in sorted(self.table.items.items())}

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(self.workers, 0)
        for owner in self.owners().values():
            if owner is not None:
                found[owner] += 1
        return found


def test_three_workers_share_ten_targets_four_three_three() -> None:
    fleet = Fleet()
    for name in ("w1", "w2", "w3"):
        fleet.add(name)
    fleet.rounds(12)  # shares move one lease a round at most
    assert set(fleet.owners()) == set(TARGETS)
    assert sorted(fleet.counts().values()) == [3, 3, 4]
    for target in TARGETS:
        acting = [name for name, worker in fleet.workers.items() if worker.may_act(target)]
        assert acting == [fleet.owners()[target]]
    owned = fleet.workers["w1"].owned(TARGETS)
    assert owned == {t for t, o in fleet.owners().items() if o == "w1"}
    before = fleet.owners()
    fleet.rounds(10)
    assert fleet.owners() == before  # settled: nothing moves any more


def test_a_dead_workers_leases_are_taken_over_after_a_lease_duration() -> None:
    fleet = Fleet()
    for name in ("w1", "w2", "w3"):
        fleet.add(name)
    fleet.rounds(12)
    theirs = {t for t, o in fleet.owners().items() if o == "w3"}
    died = fleet.clock.now
    del fleet.workers["w3"]  # kill -9: no more rounds, no release
    takeover = None
    while takeover is None:
        fleet.rounds(1)
        if all(fleet.owners()[t] in ("w1", "w2") for t in theirs):
            takeover = fleet.clock.now - died
    # Expiry is a lease duration on the survivors' clocks after they last saw a renewal.
    assert TIMING.duration <= takeover <= 2 * TIMING.duration
    assert sorted(fleet.counts().values()) == [5, 5]
    for target in theirs:
        assert fleet.workers[fleet.owners()[target] or ""].may_act(target)


def test_a_worker_cut_off_from_the_table_stops_acting_before_anyone_takes_over() -> None:
    fleet = Fleet()
    for name in ("w1", "w2"):
        fleet.add(name)
    fleet.rounds(8)
    cut = fleet.workers["w2"]
    theirs = sorted(t for t, o in fleet.owners().items() if o == "w2")
    last_true: dict[str, float] = {}
    first_other: dict[str, float] = {}
    fleet.stores["w2"].cut_off = True
    for _ in range(200):
        fleet.clock.advance(0.1)
        for name in ("w1", "w2"):
            fleet.workers[name].run_round() if round(fleet.clock.now * 10) % 20 == 0 else None
        for target in theirs:
            if cut.may_act(target):
                last_true[target] = fleet.clock.now
            if fleet.workers["w1"].may_act(target) and target not in first_other:
                first_other[target] = fleet.clock.now
    assert set(first_other) == set(theirs)  # taken over
    for target in theirs:
        # w2 stopped acting by itself at least the margin before w1 began.
        assert first_other[target] - last_true[target] >= TIMING.margin - 0.1 - 1e-9
    # w2 cannot know it lost them while its calls fail; it only stopped acting...
    assert cut.owned(TARGETS) == set(theirs)
    fleet.stores["w2"].cut_off = False
    fleet.rounds(1, ["w2"])
    # ...until it reads the table again (and takes one lease of w1's, to act on later).
    assert all(fleet.owners()[t] == "w2" for t in cut.owned(TARGETS))
    assert not any(cut.may_act(t) for t in TARGETS)


def test_a_joining_worker_gets_its_share_acting_only_after_the_old_owner_stopped() -> None:
    fleet = Fleet()
    first = fleet.add("w1")
    fleet.rounds(3)
    assert fleet.counts() == {"w1": 10}
    second = fleet.add("w2")
    fleet.rounds(1)  # w2: none free or expired, w1 above the share: one of w1's
    stolen = [t for t, o in fleet.owners().items() if o == "w2"]
    assert len(stolen) == 1  # one a round
    target = stolen[0]
    assert not second.may_act(target) and first.may_act(target)
    first.run_round()  # w1's renewal fails: it lost the lease, and stops
    assert not first.may_act(target) and not second.may_act(target)
    fleet.rounds(3, ["w2"])  # a lease duration after w2 saw w1's last renewal
    assert second.may_act(target)
    fleet.rounds(20)
    assert fleet.counts() == {"w1": 5, "w2": 5}


def test_a_clean_stop_releases_and_a_successor_acts_at_once() -> None:
    fleet = Fleet()
    for name in ("w1", "w2"):
        fleet.add(name)
    fleet.rounds(8)
    theirs = sorted(t for t, o in fleet.owners().items() if o == "w2")
    fleet.workers["w2"].stop()
    assert not any(fleet.workers["w2"].may_act(t) for t in TARGETS)
    assert all(fleet.owners()[t] is None for t in theirs)
    del fleet.workers["w2"]
    fleet.rounds(1)
    assert all(fleet.owners()[t] == "w1" and fleet.workers["w1"].may_act(t) for t in theirs)


def test_a_renewal_that_is_lost_leaves_validity_counted_from_the_send() -> None:
    """Acting ends ``validity`` after the last successful renewal was *sent*, however long
    its answer took."""
    fleet = Fleet()
    worker = fleet.add("w1")
    worker.owned(TARGETS[:1])
    fleet.rounds(1)
    fleet.table.latency = 1.5  # every call takes 1.5 s to come back
    sent = fleet.clock.now
    worker.run_round()  # renewal and scan: 3 s
    assert fleet.clock.now == sent + 3.0
    assert worker.may_act(TARGETS[0])
    fleet.clock.now = sent + TIMING.validity - 0.01
    assert worker.may_act(TARGETS[0])
    fleet.clock.now = sent + TIMING.validity
    assert not worker.may_act(TARGETS[0])


def test_targets_dropped_from_the_configuration_are_released() -> None:
    fleet = Fleet()
    worker = fleet.add("w1")
    fleet.rounds(2)
    assert worker.owned(TARGETS[:3]) == set(TARGETS[:3])
    fleet.rounds(1)
    assert fleet.counts() == {"w1": 3}
    assert not worker.may_act(TARGETS[5])


def test_a_second_process_with_the_same_worker_id_is_reported(
        caplog: pytest.LogCaptureFixture) -> None:
    fleet = Fleet()
    worker = fleet.add("w1")
    fleet.rounds(1)
    item = fleet.table.items[TARGETS[0]]
    fleet.table.items[TARGETS[0]] = LeaseItem(item.key, "w1", item.counter + 5)
    with caplog.at_level(logging.ERROR, "dynamic_dynamodb.leases"):
        worker.run_round()
    assert "worker ids must be unique" in caplog.text


def test_a_restarted_worker_waits_for_its_earlier_leases_to_expire() -> None:
    """A fixed worker-id restarted after kill -9: the leases it held by that name are not
    trusted at once (they might be another live process's), and are taken back once they
    have not been renewed for a lease duration."""
    fleet = Fleet()
    fleet.add("w1")
    fleet.rounds(2)
    restarted = fleet.add("w1", seed=9)  # replaces the first in fleet.workers
    fleet.rounds(1)
    assert restarted.owned(TARGETS) == set()
    fleet.clock.advance(TIMING.duration)
    fleet.rounds(1)
    assert restarted.owned(TARGETS) == set(TARGETS)
    assert all(restarted.may_act(t) for t in TARGETS)


@pytest.mark.parametrize("seed", range(int(os.environ.get("LEASE_SIM_SEEDS", "12"))))
def test_never_two_workers_acting_on_one_target(seed: int) -> None:
    """Random kills, cut-offs, recoveries, joins, clock skews and call latencies: between
    the last moment one worker may act on a target and the first moment another may,
    there is always at least the time an UpdateTable may take (the margin covers it);
    and once the fleet is left alone, every target is served by exactly one live worker."""
    rng = random.Random(seed)
    fleet = Fleet()
    # Workers take turns here (one thread), so calls must be short next to a renewal
    # interval for all of them: in AWS a lease call takes some 10 ms, the interval 10 s.
    fleet.table.latency = rng.uniform(0.0, 0.03)
    next_round: dict[str, float] = {}
    names = iter(f"w{i}" for i in range(100))

    def join() -> None:
        name = next(names)
        fleet.add(name, skew=rng.uniform(-30, 30), seed=rng.randrange(1 << 30))
        next_round[name] = fleet.clock.now + rng.uniform(0, TIMING.renew_interval)

    for _ in range(3):
        join()
    last: dict[str, tuple[str, float]] = {}  # target -> (worker, last time it could act)
    handovers = 0
    end = fleet.clock.now + 120.0
    quiet_from = end - 4 * TIMING.duration
    while fleet.clock.now < end:
        fleet.clock.advance(0.05)
        now = fleet.clock.now
        if now < quiet_from and rng.random() < 0.004:
            event = rng.choice(["kill", "cut", "heal", "join"])
            alive = sorted(fleet.workers)
            if event == "kill" and len(alive) > 1:
                victim = rng.choice(alive)
                del fleet.workers[victim], next_round[victim]
            elif event == "cut":
                fleet.stores[rng.choice(alive)].cut_off = True
            elif event == "heal":
                for store in fleet.stores.values():
                    store.cut_off = False
            elif event == "join":
                join()
        if now >= quiet_from:
            for store in fleet.stores.values():
                store.cut_off = False
        for name, due in sorted(next_round.items()):
            if due <= fleet.clock.now:
                fleet.workers[name].run_round()
                next_round[name] = due + TIMING.renew_interval
        now = fleet.clock.now
        for target in TARGETS:
            for name, worker in fleet.workers.items():
                if not worker.may_act(target):
                    continue
                previous, at = last.get(target, (name, now))
                if previous != name:
                    assert now - at >= TIMING.update_bound, (target, previous, name, now - at)
                    handovers += 1
                last[target] = (name, now)
    assert handovers > 0  # the first worker takes everything, the others even it out
    owners = fleet.owners()
    for target in TARGETS:
        acting = [n for n, w in fleet.workers.items() if w.may_act(target)]
        assert acting == [owners[target]], (target, acting, owners[target])


def test_the_next_round_comes_when_another_workers_lease_expires() -> None:
    """A lease is seen renewed when a scan answers, a little after the round started; a
    lease duration later falls just after a round: the next one is brought forward to it
    instead of a whole renewal interval later."""
    fleet = Fleet()
    first = fleet.add("w1")
    fleet.add("w2")
    fleet.rounds(8)
    fleet.table.latency = 0.05  # this round's scan answers 0.3 s after it started
    started = fleet.clock.now
    first.run_round()
    # Live owners renew every interval: none of their leases expires before the next one.
    assert first.next_round_in(started) == pytest.approx(TIMING.renew_interval - 0.3)
    del fleet.workers["w2"]  # killed right after its last renewal
    fleet.table.latency = 0.01  # the next scans answer 0.06 s after their round started
    for _ in range(3):
        fleet.clock.now = started + TIMING.renew_interval
        started = fleet.clock.now
        first.run_round()
    wait = first.next_round_in(started)
    assert wait == pytest.approx(0.3 - 0.06)  # not the 1.94 s left of the interval
    assert list(fleet.owners().values()).count("w2") == 5
    fleet.clock.advance(wait)
    first.run_round()
    assert list(fleet.owners().values()).count("w1") == 10
