"""Which resources of a described table get a decision, and under which section.

A table gets a decision under its own section; each GSI under the first GSI section
that names it (a GSI no ``[gsi: ...]`` section matches is left alone, its metrics
not even read). An on-demand (PAY_PER_REQUEST) table has no provisioned capacity to
scale: none of its resources gets a decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from dynamic_dynamodb.core.types import Reason, ResourceId, ResourceState, TableState
from dynamic_dynamodb.settings import ResourcePolicy, TablePolicy


@dataclass(frozen=True)
class Scope:
    """The resources to decide on, each with its section; or why the table is skipped."""

    resources: tuple[tuple[ResourceState, ResourcePolicy], ...] = ()
    skipped: Reason | None = None
    # GSIs that several sections match: (the GSI, the key of the section used).
    ambiguous: tuple[tuple[ResourceId, str], ...] = ()


def scope(state: TableState, policy: TablePolicy) -> Scope:
    if state.billing_mode == "PAY_PER_REQUEST":
        return Scope(skipped=Reason("on-demand", "on-demand (PAY_PER_REQUEST) table, nothing "
                                                 "to scale; skipped"))
    resources: list[tuple[ResourceState, ResourcePolicy]] = [(state.table, policy)]
    ambiguous: list[tuple[ResourceId, str]] = []
    for gsi in state.gsis:
        match = policy.match_gsi(gsi.id.index or "")
        if match is None:
            continue
        if match.also_matched:
            ambiguous.append((gsi.id, match.section.key))
        resources.append((gsi, match.section))
    return Scope(tuple(resources), None, tuple(ambiguous))
