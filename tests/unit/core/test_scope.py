"""core/scope.py: which resources of a described table get a decision, under which section."""

from __future__ import annotations

import pytest

from dynamic_dynamodb.core.scope import scope
from dynamic_dynamodb.core.types import ResourceId, ResourceState, TableState
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
