"""The fair-share rule of the lease table (fleet/lease_plan.py): which leases a worker
creates, takes, takes from another worker, and releases in one round."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from dynamic_dynamodb.fleet.lease_plan import Sighting, act_from, observe, plan_round
from dynamic_dynamodb.fleet.lease_store import LeaseItem

D = 60.0
NOW = 1000.0


@dataclass(frozen=True)
class Case:
    targets: str                  # "a b c"
    table: str                    # "a=w1 b= c=w2!" : owner per lease, "" free, "!" expired
    held: str = ""                # what "me" holds (owned by me in the table)
    creates: str = ""
    takes: int = 0                # how many leases taken
    takes_from: str = ""          # owners of the leases taken
    steals_from: str | None = None
    releases: str = ""
    fair: int = 0
    workers: int = 1


def table_of(case: Case) -> tuple[dict[str, LeaseItem], dict[str, Sighting]]:
    items, seen = {}, {}
    for entry in case.table.split():
        key, _, text = entry.partition("=")
        expired = text.endswith("!")
        owner = text.rstrip("!") or None
        items[key] = LeaseItem(key, owner, 7)
        seen[key] = Sighting(owner, 7, NOW - (D + 1 if expired else 1))
    return items, seen


CASES = {
    "empty table: create every lease and take them all": Case(
        "a b c", "", creates="a b c", takes=3, takes_from="- - -", fair=3),
    "free leases: up to the fair share": Case(
        "a b c d", "a= b= c=w2 d=w2", takes=2, takes_from="- -", fair=2, workers=2),
    "an expired lease is available like a free one": Case(
        "a b", "a=w2! b=w3", takes=1, takes_from="w2", fair=1, workers=2),
    "at the fair share: nothing": Case(
        "a b c d", "a=me b=me c=w2 d=", held="a b", fair=2, workers=2),
    "above the share: keep what is held, take nothing": Case(
        "a b c", "a=me b=me c=w2", held="a b", fair=2, workers=2),
    "no free lease, most loaded above the share: take one from it": Case(
        "a b c d e f", "a=w2 b=w2 c=w2 d=w2 e=w3 f=w3", steals_from="w2", fair=2,
        workers=3),
    "most loaded at the share and one needed: no steal (no thrashing)": Case(
        "a b c d e", "a=w2 b=w2 c=me d=w3 e=w3", held="c", fair=2, workers=3),
    "several above the share: one steal a round, from the most loaded": Case(
        "a b c d e f g", "a=w2 b=w2 c=w2 d=w2 e=w3 f=w3 g=w4", steals_from="w2", fair=2,
        workers=4),
    "a lease of a target no longer configured is released": Case(
        "a", "a=me old=me", held="a old", releases="old", fair=1),
    "ours by name but not held (an earlier process): waited for, counted as ours": Case(
        "a b", "a=me b=w2", fair=1, workers=2),
    "ours by name, expired: taken back": Case(
        "a b", "a=me! b=w2", takes=1, takes_from="me", fair=1, workers=2),
    "leases of unconfigured targets do not count": Case(
        "a b", "a= b= x=w2 y=w3", takes=2, takes_from="- -", fair=2),
    "no targets: nothing, even with a table": Case("", "a=w2"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_plan(case: Case) -> None:
    items, seen = table_of(case)
    plan = plan_round(set(case.targets.split()), items, seen, "me", set(case.held.split()),
                      NOW, D, random.Random(1))
    assert plan.create == tuple(case.creates.split())
    assert len(plan.take) == case.takes
    assert sorted(item.owner or "-" for item in plan.take) == sorted(case.takes_from.split())
    assert (plan.steal.owner if plan.steal else None) == case.steals_from
    assert plan.release == tuple(case.releases.split())
    assert (plan.fair_share, plan.workers) == (case.fair, case.workers)


def test_two_needed_and_the_most_loaded_at_the_share_gives_one() -> None:
    """KCL's rule b: the most loaded worker at the share, and this one needs two or more."""
    items, seen = table_of(Case("", "a=w2 b=w2 c=w2 d=w3 e=w3 f=w3"))
    plan = plan_round(set("abcdef"), items, seen, "me", set(), NOW, D, random.Random(1))
    assert (plan.fair_share, plan.workers) == (2, 3)
    assert plan.steal is not None and plan.steal.owner in ("w2", "w3")
    assert plan.take == ()


def test_the_shares_settle_whatever_the_order_of_rounds() -> None:
    """Workers taking turns in random order reach an even share and then stop moving:
    every lease has one owner, no worker holds more than ceil(n / workers), and further
    rounds change nothing."""
    rng = random.Random(7)
    for targets_count, workers in [(10, 3), (7, 3), (3, 5), (12, 4), (1, 2)]:
        targets = {f"t{i}" for i in range(targets_count)}
        owner: dict[str, str | None] = dict.fromkeys(targets)
        names = [f"w{i}" for i in range(workers)]
        moves_after_settling = 0
        for round_number in range(200):
            me = rng.choice(names)
            items = {t: LeaseItem(t, o, 1) for t, o in owner.items()}
            seen = {t: Sighting(o, 1, NOW) for t, o in owner.items()}
            held = {t for t, o in owner.items() if o == me}
            plan = plan_round(targets, items, seen, me, held, NOW, D, rng)
            moved = [*plan.take, *([plan.steal] if plan.steal else [])]
            for item in moved:
                owner[item.key] = me
            if round_number >= 150:
                moves_after_settling += len(moved)
        counts = [sum(1 for o in owner.values() if o == name) for name in names]
        fair = -(-targets_count // workers)
        assert None not in owner.values()
        assert max(counts) <= fair, (targets_count, workers, counts)
        assert moves_after_settling == 0, (targets_count, workers)


def test_a_sighting_keeps_its_time_until_owner_or_counter_changes() -> None:
    first = observe({}, [LeaseItem("a", "w1", 1), LeaseItem("b", None, 0)], 10.0)
    assert first["a"] == Sighting("w1", 1, 10.0)
    same = observe(first, [LeaseItem("a", "w1", 1), LeaseItem("b", "w2", 1)], 20.0)
    assert same["a"].since == 10.0 and same["b"] == Sighting("w2", 1, 20.0)
    renewed = observe(same, [LeaseItem("a", "w1", 2)], 30.0)
    assert renewed == {"a": Sighting("w1", 2, 30.0)}  # b is gone from the table
    assert not renewed["a"].expired(30.0 + D - 0.001, D)
    assert renewed["a"].expired(30.0 + D, D)
    assert not Sighting(None, 3, 0.0).expired(1e9, D)  # a free lease never expires


def test_a_lease_may_be_acted_on_once_its_previous_owner_must_have_stopped() -> None:
    assert act_from(None, D) == 0.0
    assert act_from(Sighting(None, 4, 500.0), D) == 0.0
    assert act_from(Sighting("w2", 4, 500.0), D) == 500.0 + D
