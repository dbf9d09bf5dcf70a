"""The advice: per table, on-demand or provisioned, and for provisioned the settings.

Pure: replays and history in, advice out. The rules (README, "Advice"):

* Per dimension of a table or GSI, the provisioned candidates are keeping the current
  capacity (a provisioned table only) and the target-mode rungs replayed. A candidate is
  *within the bound* when it throttles at most ``max_throttled_percent`` of the demand.
  If any is, the cheapest within the bound is chosen; otherwise the one that throttles
  least among those that throttle no more than today. A table on demand today has no
  "today" to compare with: with no candidate within the bound, provisioned is not
  advised for it.
* This configuration's settings (when it manages the resource) replace that choice for
  the whole resource when they cost less and, in each dimension, throttle no more than
  the choice (or stay within the bound).
* Billing mode is per table and its GSIs follow it: provisioned is advised only when
  every table and GSI has a choice and together they cost less than on-demand would
  (on-demand billing every unit of demand, the throttled requests included).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from dynamic_dynamodb.advise.pricing import Prices
from dynamic_dynamodb.advise.replay import (
    CONFIG,
    CURRENT,
    DimensionOutcome,
    Figures,
    covered_sum,
    figures,
    per_month,
)
from dynamic_dynamodb.advise.series import DimensionHistory, Gap, ResourceHistory
from dynamic_dynamodb.aws.table_facts import PAY_PER_REQUEST, PROVISIONED
from dynamic_dynamodb.core.types import Dimension, ResourceId

# Throttling figures equal within this many percentage points count as equal.
EPSILON = 1e-9
ON_DEMAND = "on-demand"
# Confidence: at least this many days of data, and at most this share of gap minutes.
HIGH_CONFIDENCE_DAYS = 7.0
LOW_CONFIDENCE_DAYS = 2.0
HIGH_CONFIDENCE_GAP_SHARE = 0.01
LOW_CONFIDENCE_GAP_SHARE = 0.10


@dataclass(frozen=True)
class DimensionAdvice:
    """One dimension of a table or GSI: every policy's figures, and the choice."""

    dimension: Dimension
    policies: dict[str, Figures]  # by replay key
    labels: dict[str, str]
    targets: dict[str, float]  # replay key -> target utilisation, for target-mode rungs
    choice: str | None  # the provisioned candidate chosen; None: none allowed
    # The target mode's rung: the highest target within the bound, else the lowest tried.
    target_key: str | None
    current: Figures
    on_demand_dollars_per_month: float  # consumed units x price
    on_demand_throttled_dollars_per_month: float  # today's throttled requests, if served
    consumed_units: float
    throttle_events: float
    demand_units: float
    peak_demand: float  # units/s
    mean_demand: float  # units/s

    @property
    def on_demand_full(self) -> float:
        return self.on_demand_dollars_per_month + self.on_demand_throttled_dollars_per_month



@dataclass(frozen=True)
class ResourceAdvice:
    resource: ResourceId
    history: ResourceHistory
    reads: DimensionAdvice
    writes: DimensionAdvice
    use_config: bool

    @property
    def dimensions(self) -> tuple[DimensionAdvice, DimensionAdvice]:
        return self.reads, self.writes

    def chosen_key(self, dim: DimensionAdvice) -> str | None:
        return CONFIG if self.use_config else dim.choice

    @property
    def provisioned_viable(self) -> bool:
        return all(self.chosen_key(d) is not None for d in self.dimensions)

    def provisioned(self) -> tuple[float, float]:
        """(dollars per month, throttled units) of the chosen provisioned settings."""
        dollars = throttled = 0.0
        for d in self.dimensions:
            key = self.chosen_key(d)
            assert key is not None
            dollars += d.policies[key].dollars_per_month
            throttled += d.policies[key].throttled_units
        return dollars, throttled

    def total(self, key: str) -> Figures | None:
        """A policy's figures over both dimensions (None if a dimension lacks it)."""
        found = [d.policies.get(key) for d in self.dimensions]
        if any(f is None for f in found):
            return None
        return _combine([f for f in found if f is not None], self.demand_units)

    def target_total(self) -> Figures | None:
        """The target mode, each dimension at the rung its ladder stopped at."""
        found = [d.policies[d.target_key] for d in self.dimensions if d.target_key]
        return _combine(found, self.demand_units) if len(found) == 2 else None

    @property
    def demand_units(self) -> float:
        return sum(d.demand_units for d in self.dimensions)

    @property
    def current(self) -> Figures:
        return _combine([d.current for d in self.dimensions], self.demand_units)

    @property
    def on_demand_dollars_per_month(self) -> float:
        return sum(d.on_demand_dollars_per_month for d in self.dimensions)

    @property
    def on_demand_full(self) -> float:
        return sum(d.on_demand_full for d in self.dimensions)


def _combine(parts: Sequence[Figures], demand_units: float) -> Figures:
    throttled = sum(p.throttled_units for p in parts)
    return Figures(sum(p.dollars_per_month for p in parts),
                   100.0 * throttled / demand_units if demand_units > 0 else 0.0, throttled)


@dataclass(frozen=True)
class Confidence:
    level: str  # high, medium, low, none
    days: float
    resolution: int
    gap_minutes: int
    gaps: tuple[Gap, ...]
    younger_than_window: bool
    note: str


@dataclass(frozen=True)
class TableAdvice:
    table: str
    billing_mode: str
    recommended_billing_mode: str
    resources: tuple[ResourceAdvice, ...]  # the table first, then its GSIs
    confidence: Confidence
    notes: tuple[str, ...] = field(default=())

    @property
    def provisioned(self) -> bool:
        return self.recommended_billing_mode == PROVISIONED

    def recommended(self, resource: ResourceAdvice) -> Figures:
        if self.provisioned:
            dollars, throttled = resource.provisioned()
            demand = resource.demand_units
            return Figures(dollars, 100.0 * throttled / demand if demand > 0 else 0.0,
                           throttled)
        return Figures(resource.on_demand_full, 0.0, 0.0)

    def total_recommended(self) -> Figures:
        return _combine([self.recommended(r) for r in self.resources], self.demand_units)

    def total_current(self) -> Figures:
        return _combine([r.current for r in self.resources], self.demand_units)

    def total(self, key: str) -> Figures | None:
        """A policy's figures over the table and its GSIs (None if one lacks it)."""
        return self._all([r.total(key) for r in self.resources])

    def target_total(self) -> Figures | None:
        return self._all([r.target_total() for r in self.resources])

    def _all(self, found: Sequence[Figures | None]) -> Figures | None:
        if any(f is None for f in found):
            return None
        return _combine([f for f in found if f is not None], self.demand_units)

    @property
    def demand_units(self) -> float:
        return sum(r.demand_units for r in self.resources)

    @property
    def on_demand_dollars_per_month(self) -> float:
        return sum(r.on_demand_dollars_per_month for r in self.resources)


# -- per dimension ---------------------------------------------------------------------
def _allowed(throttled: float, bound: float, today: float | None) -> bool:
    return throttled <= bound + EPSILON or (today is not None and throttled <= today + EPSILON)


def choose(policies: dict[str, Figures], candidates: Sequence[str], bound: float,
           today: float | None) -> str | None:
    """The provisioned candidate for one dimension (module docstring); ``today`` is
    the current policy's throttled percent, None for a table on demand today."""
    within = [k for k in candidates if policies[k].throttled_percent <= bound + EPSILON]
    if within:
        return min(within, key=lambda k: (policies[k].dollars_per_month,
                                          policies[k].throttled_percent))
    allowed = [k for k in candidates if _allowed(policies[k].throttled_percent, bound, today)]
    if not allowed:
        return None
    return min(allowed, key=lambda k: (policies[k].throttled_percent,
                                       policies[k].dollars_per_month))


def advise_dimension(history: ResourceHistory, dim_history: DimensionHistory,
                     outcome: DimensionOutcome, prices: Prices, bound: float,
                     on_demand_now: bool) -> DimensionAdvice:
    covered = history.covered
    minutes = history.covered_minutes
    dim = outcome.dimension
    policies = {r.key: figures(r, dim_history.demand, covered, prices, dim)
                for r in outcome.replays}
    labels = {r.key: r.label for r in outcome.replays}
    targets = {r.key: r.target for r in outcome.targets if r.target is not None}
    consumed_units = covered_sum(dim_history.consumed, covered) * 60.0
    events = covered_sum(dim_history.throttle_events, covered)
    demand_units = covered_sum(dim_history.demand, covered) * 60.0
    unit_price = prices.per_request_unit(dim)
    on_demand = per_month(consumed_units * unit_price, minutes)
    on_demand_throttled = per_month(events * unit_price, minutes)
    if on_demand_now or CURRENT not in policies:
        current = Figures(on_demand, 100.0 * events / demand_units if demand_units else 0.0,
                          events)
        today = None
    else:
        current = policies[CURRENT]
        today = current.throttled_percent
    candidates = ([CURRENT] if today is not None else []) + list(targets)
    within = [k for k in targets if policies[k].throttled_percent <= bound + EPSILON]
    rung = (max(within, key=targets.__getitem__) if within
            else min(targets, key=targets.__getitem__, default=None))
    peak = max((d for d, c in zip(dim_history.demand, covered, strict=True) if c),
               default=0.0)
    return DimensionAdvice(
        dimension=dim, policies=policies, labels=labels, targets=targets,
        choice=choose(policies, candidates, bound, today), target_key=rung, current=current,
        on_demand_dollars_per_month=on_demand,
        on_demand_throttled_dollars_per_month=on_demand_throttled,
        consumed_units=consumed_units, throttle_events=events, demand_units=demand_units,
        peak_demand=peak, mean_demand=demand_units / 60.0 / minutes if minutes else 0.0)


def config_wins(reads: DimensionAdvice, writes: DimensionAdvice, bound: float) -> bool:
    """Whether this configuration's settings beat the per-dimension choice."""
    dims = (reads, writes)
    if any(CONFIG not in d.policies for d in dims):
        return False
    for d in dims:
        mine = d.policies[CONFIG].throttled_percent
        today = None if CURRENT not in d.policies else d.policies[CURRENT].throttled_percent
        if not _allowed(mine, bound, today):
            return False
        if d.choice is not None and mine > max(d.policies[d.choice].throttled_percent,
                                               bound) + EPSILON:
            return False
    if any(d.choice is None for d in dims):
        return True
    cost = sum(d.policies[CONFIG].dollars_per_month for d in dims)
    chosen = sum(d.policies[d.choice].dollars_per_month for d in dims if d.choice)
    return cost < chosen


# -- per table ---------------------------------------------------------------------
def confidence(histories: Sequence[ResourceHistory]) -> Confidence:
    table = histories[0]
    days = table.covered_minutes / 1440.0
    gaps = tuple(g for h in histories for g in h.gaps)
    gap_minutes = sum(h.gap_minutes for h in histories)
    span = sum(h.covered_minutes + h.gap_minutes for h in histories)
    share = gap_minutes / span if span else 1.0
    if table.covered_minutes == 0:
        level = "none"
    elif days >= HIGH_CONFIDENCE_DAYS and share <= HIGH_CONFIDENCE_GAP_SHARE:
        level = "high"
    elif days < LOW_CONFIDENCE_DAYS or share > LOW_CONFIDENCE_GAP_SHARE:
        level = "low"
    else:
        level = "medium"
    parts = [f"{days:.1f} days of {table.resolution // 60}-minute data"]
    if table.younger_than_window and table.created is not None:
        parts.append(f"table created {table.created:%Y-%m-%d %H:%M} UTC, after the "
                     f"window began")
    if gaps:
        shown = ", ".join(g.text() for g in gaps[:3]) + (" ..." if len(gaps) > 3 else "")
        parts.append(f"{len(gaps)} gap(s) CloudWatch has no data for, {gap_minutes} "
                     f"minutes left out ({shown})")
    if days < HIGH_CONFIDENCE_DAYS and table.covered_minutes:
        parts.append("less than a week: weekly patterns are not seen")
    if table.resolution > 60:
        parts.append("5-minute averages smooth away shorter spikes")
    return Confidence(level, days, table.resolution, gap_minutes, gaps,
                      table.younger_than_window, "; ".join(parts))


def _notes(advice: TableAdvice, bound: float) -> tuple[str, ...]:
    notes = []
    table, now, advised = advice.table, advice.billing_mode, advice.recommended_billing_mode
    if now == PROVISIONED and advised == PAY_PER_REQUEST:
        notes.append(f"switch with: aws dynamodb update-table --table-name {table} "
                     f"--billing-mode PAY_PER_REQUEST; a table may switch to on-demand at "
                     f"most 4 times in 24 hours, back to provisioned at any time")
    elif now == PAY_PER_REQUEST and advised == PROVISIONED:
        notes.append("switching to provisioned is allowed at any time; switching back to "
                     "on-demand is limited to 4 times in 24 hours")
    if advice.provisioned:
        if any(r.use_config for r in advice.resources):
            notes.append("this configuration's settings are the cheapest that throttle no "
                         "more: keep them")
        if any(d.choice is not None and d.policies[d.choice].throttled_percent > bound
               + EPSILON for r in advice.resources if not r.use_config for d in r.dimensions):
            notes.append(f"no setting replayed stays within {bound:g} % throttled; the "
                         f"advice throttles no more than today")
    current, recommended = advice.total_current(), advice.total_recommended()
    if (recommended.dollars_per_month > current.dollars_per_month
            and current.throttled_percent > recommended.throttled_percent + EPSILON):
        notes.append(f"the advice costs more than now: it serves the "
                     f"{current.throttled_percent:.2f} % of demand throttled now")
    for r in advice.resources:
        for d in r.dimensions:
            if d.throttle_events > 0:
                notes.append(f"{r.resource} {d.dimension.value}: {d.throttle_events:,.0f} "
                             f"throttle events recorded")
    return tuple(notes)


def advise_table(table: str, billing_mode: str, resources: Sequence[ResourceAdvice],
                 bound: float) -> TableAdvice:
    """The billing mode for a table and its GSIs (they follow it), from their advice."""
    viable = all(r.provisioned_viable for r in resources)
    provisioned = sum(r.provisioned()[0] for r in resources) if viable else 0.0
    on_demand = sum(r.on_demand_full for r in resources)
    recommended = PROVISIONED if viable and provisioned < on_demand else PAY_PER_REQUEST
    advice = TableAdvice(table, billing_mode, recommended, tuple(resources),
                         confidence([r.history for r in resources]))
    return dataclasses.replace(advice, notes=_notes(advice, bound))
