"""Which resources of a described table get a decision, and under which section.

A table gets a decision under its own section; each GSI under the first GSI section
that names it (a GSI no ``[gsi: ...]`` section matches is left alone, its metrics
not even read). An on-demand (PAY_PER_REQUEST) table has no provisioned capacity to
scale: none of its resources gets a decision.

Facts are checked before use: a table or GSI whose DescribeTable answer lacks a
capacity number, or has one outside what DynamoDB can provision (below 1, above
``MAX_CONFIGURABLE_CAPACITY``), is skipped with the reason, and nothing is computed
from it. The other resources of the table are decided as usual.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynamic_dynamodb.core.types import (
    Described,
    Dimension,
    Reason,
    ResourceId,
    ResourceState,
    TableState,
    UnusableResource,
)
from dynamic_dynamodb.settings import (
    MAX_CONFIGURABLE_CAPACITY,
    MIN_CAPACITY,
    ResourcePolicy,
    TablePolicy,
)

CAPACITY_FIELDS = {Dimension.READS: "ReadCapacityUnits", Dimension.WRITES: "WriteCapacityUnits"}


@dataclass(frozen=True)
class Scope:
    """The resources to decide on, each with its section; or why the table is skipped."""

    resources: tuple[tuple[ResourceState, ResourcePolicy], ...] = ()
    skipped: Reason | None = None
    # GSIs that several sections match: (the GSI, the key of the section used).
    ambiguous: tuple[tuple[ResourceId, str], ...] = ()
    # Matched tables or GSIs whose facts cannot be used: no decision, and why.
    unusable: tuple[tuple[ResourceId, Reason], ...] = ()


def capacity_problem(state: ResourceState) -> str:
    """Why the capacity numbers of ``state`` cannot be used, or ""."""
    for dim, name in CAPACITY_FIELDS.items():
        units = state.provisioned(dim)
        if units < MIN_CAPACITY:
            return f"{name} {units} is below DynamoDB's minimum of {MIN_CAPACITY}"
        if units > MAX_CONFIGURABLE_CAPACITY:
            return (f"{name} {units:.6g} is above the largest capacity this daemon manages "
                    f"({MAX_CONFIGURABLE_CAPACITY})")
    return ""


def checked(resource: Described) -> ResourceState | Reason:
    """The resource when its facts can be used, else why not."""
    if isinstance(resource, UnusableResource):
        problem = resource.reason
    else:
        problem = capacity_problem(resource)
        if not problem:
            return resource
    return Reason("unusable-facts", f"skipped: DescribeTable's answer cannot be used "
                                    f"({problem}); no decision")


def scope(state: TableState, policy: TablePolicy) -> Scope:
    if state.billing_mode == "PAY_PER_REQUEST":
        return Scope(skipped=Reason("on-demand", "on-demand (PAY_PER_REQUEST) table, nothing "
                                                 "to scale; skipped"))
    matched: list[tuple[Described, ResourcePolicy]] = [(state.table, policy)]
    ambiguous: list[tuple[ResourceId, str]] = []
    for gsi in state.gsis:
        match = policy.match_gsi(gsi.id.index or "")
        if match is None:
            continue
        if match.also_matched:
            ambiguous.append((gsi.id, match.section.key))
        matched.append((gsi, match.section))
    resources: list[tuple[ResourceState, ResourcePolicy]] = []
    unusable: list[tuple[ResourceId, Reason]] = []
    for resource, section in matched:
        verdict = checked(resource)
        if isinstance(verdict, Reason):
            unusable.append((resource.id, verdict))
        else:
            resources.append((verdict, section))
    return Scope(tuple(resources), None, tuple(ambiguous), tuple(unusable))
