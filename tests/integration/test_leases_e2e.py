"""Leases against the local AWS: three workers share six targets on one lease table, a
worker cut off from the lease table stops acting before anyone else starts, and the
UpdateTable calls the server received never show two workers acting on one table at once.

The workers are lease coordinators with a minimal driver (lease_support.Driver) that
asks ``may_act`` right before each UpdateTable, as the fleet runner's Schedulers do, on
threads of this process (a fault can cut one off by its access key id). The kill -9 of
a whole process is test_leases_daemons.py, with real daemons.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from dynamic_dynamodb.localaws.control import LauncherControl
from dynamic_dynamodb.settings import LeaseTiming

from .daemon_support import wait_for
from .lease_support import (
    CONNECT_TIMEOUT,
    DURATION,
    LEASE_TABLE,
    READ_TIMEOUT,
    Worker,
    access_key,
    callers_by_table,
    handovers,
    lease_owners,
    make_target_tables,
    table_of,
)

TARGETS = [f"acct{i}/us-east-1" for i in range(6)]
TIMING = LeaseTiming(DURATION, CONNECT_TIMEOUT + READ_TIMEOUT)
NAMES = ("w1", "w2", "w3")
SETTLE = 60.0  # seconds for three workers to reach 2/2/2 (one move a round, then a wait)


def shares() -> Counter[str]:
    return Counter(owner for owner, _ in lease_owners().values() if owner)


def settled(workers: dict[str, Worker]) -> bool:
    """Every target has one owner, two each, and each owner may act on its own."""
    table = lease_owners()
    if set(table) != set(TARGETS) or sorted(shares().values()) != [2, 2, 2]:
        return False
    return all(workers[owner].coordinator.may_act(t) for t, (owner, _) in table.items()
               if owner in workers)


def updated_since(launcher: LauncherControl, since: float) -> dict[str, set[str]]:
    """Who sent UpdateTable to each table since ``since`` (launcher time)."""
    return callers_by_table([e for e in launcher.journal(operation="UpdateTable")
                             if e["at"] >= since])


def assert_one_actor_at_a_time(launcher: LauncherControl) -> list[float]:
    """Every change of sender in each table's UpdateTable calls comes after a pause of at
    least half the margin: the old owner stopped a margin before the new one could start
    (half of it is slack for a busy test machine; two workers fighting would alternate
    within one driver period, ACT_EVERY). The gaps, for the report."""
    changes = handovers(launcher.journal(operation="UpdateTable"))
    for table, before, after, gap in changes:
        assert gap >= TIMING.margin / 2, (table, before, after, gap)
    return [gap for *_, gap in changes]


@pytest.fixture
def targets(aws_env: dict[str, str]) -> list[str]:
    make_target_tables(TARGETS)
    return TARGETS


def test_one_owner_per_target_and_a_worker_cut_off_stops_acting_first(
        targets: list[str], launcher: LauncherControl) -> None:
    """Three workers (threads, each with its own clients and access key id): 2/2/2, one
    owner per target, each table updated by its owner only; then w2 is cut off from the
    lease table (its calls to it answer HTTP 500): it stops acting by itself, a margin
    before the others take its targets over; healed, it takes a share again."""
    workers = {name: Worker.start(name, targets) for name in NAMES}
    try:
        wait_for(lambda: settled(workers), timeout=SETTLE, interval=0.2, what="2/2/2")
        owned = {name: w.coordinator.owned(targets) for name, w in workers.items()}
        assert sorted(t for s in owned.values() for t in s) == sorted(targets)  # disjoint
        assert {t: o for t, (o, _) in lease_owners().items()} == {
            t: name for name, s in owned.items() for t in s}
        settled_at = launcher.now()
        wait_for(lambda: len(updated_since(launcher, settled_at)) == len(targets),
                 timeout=SETTLE, what="every table updated")
        for table, callers in updated_since(launcher, settled_at).items():
            owner = next(o for t, (o, _) in lease_owners().items() if table_of(t) == table)
            assert callers == {access_key(owner or "")}, table

        cut = workers["w2"]
        theirs = sorted(owned["w2"])
        launcher.inject_fault("dynamodb", "*", "internal_error", count=-1, table=LEASE_TABLE,
                              access_key=access_key("w2"))
        cut_at = time.monotonic()
        last_cut: dict[str, float] = {}
        first_other: dict[str, float] = {}
        while len(first_other) < len(theirs):
            now = time.monotonic()
            assert now - cut_at < 2 * DURATION + TIMING.renew_interval, first_other
            for target in theirs:
                if cut.coordinator.may_act(target):
                    last_cut[target] = now
                if target not in first_other and any(
                        w.coordinator.may_act(target) for n, w in workers.items() if n != "w2"):
                    first_other[target] = now
            time.sleep(0.05)
        for target in theirs:
            # w2 stopped by itself; the others began a margin later (less polling slack).
            assert first_other[target] - last_cut[target] >= TIMING.margin - 0.5, target
            assert last_cut[target] - cut_at < TIMING.validity + 0.5
        print(f"cut off: w2 stopped acting {max(last_cut.values()) - cut_at:.1f} s after "
              f"the cut, its targets were acted on by others "
              f"{min(first_other[t] - last_cut[t] for t in theirs):.1f} s or more later")
        launcher.clear_faults()  # healed: w2 drops what it lost, then takes a share again
        wait_for(lambda: shares()["w2"] >= 1 and not any(
            cut.coordinator.may_act(t) for t in theirs if lease_owners()[t][0] != "w2"),
            timeout=SETTLE, interval=0.2, what="w2 back")
        gaps = assert_one_actor_at_a_time(launcher)
        assert len(gaps) >= len(theirs)
        print(f"hand-over gaps (s): {sorted(round(g, 2) for g in gaps)}")
    finally:
        for worker in workers.values():
            worker.stop()
    assert all(owner is None for owner, _ in lease_owners().values())  # released
