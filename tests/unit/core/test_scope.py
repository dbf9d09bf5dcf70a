"""core/scope.py: which resources of a described table get a decision, under which section."""

from __future__ import annotations

import pytest

from dynamic_dynamodb.core.scope import scope
from dynamic_dynamodb.core.types import (
    Described,
    ResourceId,
    ResourceState,
    TableState,
    UnusableResource,
)
from dynamic_dynamodb.settings import GsiPolicy, TablePolicy


def _table(*gsis: str, billing: str = "PROVISIONED") -> TableState:
    def resource(index: str | None) -> ResourceState:
        return ResourceState(ResourceId("t", index), "ACTIVE", 10, 10)

    return TableState(resource(None), tuple(resource(g) for g in gsis), billing)


BY_OWNER = GsiPolicy(key="^by_owner$", table_key="^t$")
BY_ANY = GsiPolicy(key="^by_", table_key="^t$")

# (id, table, GSI sections, expected (resource, section key), skipped code, ambiguous)
CASES = [
    ("table-only", _table(), (), [("t", "^t$")], None, []),
    ("gsi-without-section-left-alone", _table("by_owner"), (), [("t", "^t$")], None, []),
    ("gsi-with-section", _table("by_owner", "by_date"), (BY_OWNER,),
     [("t", "^t$"), ("t/by_owner", "^by_owner$")], None, []),
    ("first-gsi-section-wins", _table("by_owner"), (BY_OWNER, BY_ANY),
     [("t", "^t$"), ("t/by_owner", "^by_owner$")], None, [("t/by_owner", "^by_owner$")]),
    ("file-order-decides", _table("by_owner"), (BY_ANY, BY_OWNER),
     [("t", "^t$"), ("t/by_owner", "^by_")], None, [("t/by_owner", "^by_")]),
    ("on-demand-skipped", _table("by_owner", billing="PAY_PER_REQUEST"), (BY_OWNER,), [],
     "on-demand", []),
]


@pytest.mark.parametrize("table,gsis,resources,skipped,ambiguous", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_scope(table: TableState, gsis: tuple[GsiPolicy, ...], resources: list[tuple[str, str]],
               skipped: str | None, ambiguous: list[tuple[str, str]]) -> None:
    found = scope(table, TablePolicy(key="^t$", gsis=gsis))

    assert [(str(s.id), p.key) for s, p in found.resources] == resources
    assert (found.skipped.code if found.skipped else None) == skipped
    assert [(str(rid), key) for rid, key in found.ambiguous] == ambiguous
    if found.skipped:
        assert "PAY_PER_REQUEST" in found.skipped.message


def _with(table: Described, *gsis: Described) -> TableState:
    return TableState(table, gsis)


def _capacity(reads: int, writes: int = 10, index: str | None = None) -> ResourceState:
    return ResourceState(ResourceId("t", index), "ACTIVE", reads, writes)


NO_THROUGHPUT = UnusableResource(ResourceId("t"), "ACTIVE", "no ProvisionedThroughput")
GSI_NO_READS = UnusableResource(ResourceId("t", "by_owner"), "ACTIVE", "no ReadCapacityUnits")

# (id, described table, resources decided, (resource, words of the reason) skipped)
FACTS = [
    ("table-without-throughput-skipped-gsi-decided",
     _with(NO_THROUGHPUT, _capacity(5, index="by_owner")), ["t/by_owner"],
     [("t", "no ProvisionedThroughput")]),
    ("gsi-without-reads-skipped-table-decided", _with(_capacity(10), GSI_NO_READS), ["t"],
     [("t/by_owner", "no ReadCapacityUnits")]),
    ("capacity-1e30-skipped", _with(_capacity(int(1e30))), [],
     [("t", "ReadCapacityUnits 1e+30 is above the largest capacity this daemon manages "
            "(1000000)")]),
    ("capacity-0-skipped", _with(_capacity(10, 0)), [],
     [("t", "WriteCapacityUnits 0 is below DynamoDB's minimum of 1")]),
    ("capacity-at-the-cap-decided", _with(_capacity(1_000_000, 1)), ["t"], []),
    ("unmatched-unusable-gsi-ignored",
     _with(_capacity(10), UnusableResource(ResourceId("t", "other"), "ACTIVE", "no "
                                           "ProvisionedThroughput")), ["t"], []),
]


@pytest.mark.parametrize("table,decided,skipped", [c[1:] for c in FACTS],
                         ids=[c[0] for c in FACTS])
def test_facts_are_checked_before_use(table: TableState, decided: list[str],
                                      skipped: list[tuple[str, str]]) -> None:
    found = scope(table, TablePolicy(key="^t$", gsis=(BY_OWNER,)))

    assert [str(s.id) for s, _ in found.resources] == decided
    assert [str(rid) for rid, _ in found.unusable] == [rid for rid, _ in skipped]
    for (_, why), (_, words) in zip(found.unusable, skipped, strict=True):
        assert why.code == "unusable-facts"
        assert words in why.message and "no decision" in why.message
    assert found.skipped is None


def test_an_on_demand_table_is_skipped_before_its_zero_capacity_is_looked_at() -> None:
    found = scope(TableState(_capacity(0, 0), (), "PAY_PER_REQUEST"), TablePolicy(key="^t$"))

    assert found.skipped is not None and found.skipped.code == "on-demand"
    assert found.unusable == ()
