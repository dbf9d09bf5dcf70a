"""DynamoDB's UpdateTable rules, which moto does not model.

Per table and per GSI and UTC day: the first 4 decreases are free, then one per 3600 s
since the last decrease; a request over the limit anywhere is refused whole
(``LimitExceededException``) and changes nothing. A throughput update that changes
nothing is a ``ValidationException``; a capacity above the account quota is refused; a
table stays UPDATING for ``update_delay`` seconds after a successful UpdateTable, and
another UpdateTable meanwhile gets ``ResourceInUseException``. DescribeTable shows
``NumberOfDecreasesToday``, ``LastDecreaseDateTime`` and ``LastIncreaseDateTime``.

Everything here works on plain JSON values and epoch seconds: no HTTP, no moto, no lock
(the caller serialises access).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dynamic_dynamodb.localaws.clock import human_utc, next_utc_midnight, utc_day

# DynamoDB's documented decrease rule and default per-table quota.
FREE_DECREASES_PER_DAY = 4
DECREASE_INTERVAL_S = 3600.0
DEFAULT_MAX_CAPACITY = 40_000

ResourceKey = tuple[str, str, str | None]  # (region, table, index or None for the table)


@dataclass(frozen=True)
class ThroughputChange:
    """One resource's requested capacity next to its current capacity."""

    index: str | None  # None: the table itself
    old: tuple[int, int]  # (reads, writes)
    new: tuple[int, int]

    @property
    def is_decrease(self) -> bool:
        # Lowering reads and writes in one call is one decrease.
        return self.new[0] < self.old[0] or self.new[1] < self.old[1]

    @property
    def is_increase(self) -> bool:
        return self.new[0] > self.old[0] or self.new[1] > self.old[1]

    @property
    def is_noop(self) -> bool:
        return self.new == self.old


@dataclass
class ResourceBook:
    """What DynamoDB remembers about one table or GSI's throughput changes."""

    decreases: int = 0
    day: date | None = None  # the UTC day ``decreases`` counts for
    last_decrease: float | None = None
    last_increase: float | None = None
    updating_until: float = 0.0

    def decreases_today(self, now: float) -> int:
        return self.decreases if self.day == utc_day(now) else 0

    def may_decrease(self, now: float) -> bool:
        if self.decreases_today(now) < FREE_DECREASES_PER_DAY or self.last_decrease is None:
            return True
        return now - self.last_decrease >= DECREASE_INTERVAL_S

    def next_decrease_at(self, now: float) -> float:
        if self.may_decrease(now) or self.last_decrease is None:
            return now
        return min(self.last_decrease + DECREASE_INTERVAL_S, next_utc_midnight(now))

    def is_updating(self, now: float) -> bool:
        return now < self.updating_until

    def record(self, change: ThroughputChange, now: float) -> None:
        if change.is_decrease:
            self.decreases = self.decreases_today(now) + 1
            self.day = utc_day(now)
            self.last_decrease = now
        if change.is_increase:
            self.last_increase = now

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "decreases_today": self.decreases_today(now),
            "last_decrease": self.last_decrease,
            "last_increase": self.last_increase,
            "updating": self.is_updating(now),
            "updating_until": self.updating_until,
        }


@dataclass(frozen=True)
class Refusal:
    """Why DynamoDB refuses an UpdateTable: the error code and DynamoDB's own message."""

    code: str
    message: str


def _capacity(throughput: Mapping[str, Any] | None) -> tuple[int, int]:
    throughput = throughput or {}
    return int(throughput.get("ReadCapacityUnits", 0)), int(throughput.get("WriteCapacityUnits", 0))


def requested_changes(
    params: Mapping[str, Any], table: Mapping[str, Any]
) -> list[ThroughputChange]:
    """The throughput changes an UpdateTable request asks for, against DescribeTable's Table."""
    if params.get("BillingMode") == "PAY_PER_REQUEST":
        return []  # switching to on-demand: no provisioned capacity to compare
    changes = []
    if "ProvisionedThroughput" in params:
        old = _capacity(table.get("ProvisionedThroughput"))
        changes.append(ThroughputChange(None, old, _capacity(params["ProvisionedThroughput"])))
    current_gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    for item in params.get("GlobalSecondaryIndexUpdates", []):
        update = item.get("Update") or {}
        gsi = current_gsis.get(update.get("IndexName", ""))
        if gsi is None or "ProvisionedThroughput" not in update:
            continue  # an unknown index: moto answers with its own error
        old = _capacity(gsi.get("ProvisionedThroughput"))
        changes.append(
            ThroughputChange(update["IndexName"], old, _capacity(update["ProvisionedThroughput"]))
        )
    return changes


class UpdateRules:
    """The bookkeeping DynamoDB keeps per table and GSI, and the refusals it derives."""

    def __init__(self, update_delay: float = 0.0, max_capacity: int = DEFAULT_MAX_CAPACITY) -> None:
        self.default_update_delay = update_delay
        self.update_delay = update_delay
        self.max_capacity = max_capacity
        self._books: dict[ResourceKey, ResourceBook] = {}

    # -- bookkeeping -------------------------------------------------------------------
    def book(self, key: ResourceKey) -> ResourceBook:
        """The book of a table or GSI, created empty on first use."""
        return self._books.setdefault(key, ResourceBook())

    def peek(self, key: ResourceKey) -> ResourceBook:
        """The book of a table or GSI, or an empty one (not stored) if it never changed."""
        return self._books.get(key) or ResourceBook()

    def forget(self, region: str, table: str) -> None:
        """Drop a table's books: a new table with an old name starts fresh."""
        for key in [k for k in self._books if k[:2] == (region, table)]:
            del self._books[key]

    def reset(self) -> None:
        self._books.clear()
        self.update_delay = self.default_update_delay

    def overwrite(
        self,
        key: ResourceKey,
        now: float,
        decreases_today: int | None = None,
        last_decrease: float | None = None,
        last_increase: float | None = None,
    ) -> ResourceBook:
        """Set a book's fields (``decreases_today`` counts for the UTC day of ``now``)."""
        book = self.book(key)
        if decreases_today is not None:
            book.decreases, book.day = decreases_today, utc_day(now)
        if last_decrease is not None:
            book.last_decrease = last_decrease
        if last_increase is not None:
            book.last_increase = last_increase
        return book

    def state(self, now: float) -> list[dict[str, Any]]:
        return [
            {"region": r, "table": t, "index": i, **book.to_json(now)}
            for (r, t, i), book in self._books.items()
        ]

    # -- the rules -----------------------------------------------------------------------
    def busy(self, region: str, table: str, now: float) -> Refusal | None:
        """ResourceInUseException while the table or one of its GSIs is UPDATING."""
        if any(b.is_updating(now) for k, b in self._books.items() if k[:2] == (region, table)):
            return Refusal(
                "ResourceInUseException",
                f"Attempt to change a resource which is still in use: "
                f"Table is being updated: {table}",
            )
        return None

    def refusal(
        self, region: str, table: str, changes: list[ThroughputChange], now: float
    ) -> Refusal | None:
        """DynamoDB's answer when the request must be refused whole, else None."""
        for change in changes:
            if change.is_noop:
                return Refusal("ValidationException", _noop_message(change))
        for change in changes:
            if max(change.new) > self.max_capacity:
                return Refusal("LimitExceededException", self._quota_message(table, change))
        for change in changes:
            book = self.peek((region, table, change.index))
            if change.is_decrease and not book.may_decrease(now):
                return Refusal("LimitExceededException", _decrease_message(book, now))
        return None

    def commit(self, region: str, table: str, changes: list[ThroughputChange], now: float) -> None:
        """Record a successful update: counters, timestamps and the UPDATING window."""
        until = now + self.update_delay
        # Any successful UpdateTable makes the table UPDATING, throughput change or not.
        self.book((region, table, None)).updating_until = until
        for change in changes:
            book = self.book((region, table, change.index))
            book.record(change, now)
            book.updating_until = until

    def decorate(self, region: str, table: dict[str, Any], now: float) -> None:
        """Put status and decrease bookkeeping into a moto TableDescription, in place."""
        name = table.get("TableName", "")
        busy = False
        for gsi in table.get("GlobalSecondaryIndexes", []):
            book = self._books.get((region, name, gsi.get("IndexName")))
            _fill_throughput(gsi.get("ProvisionedThroughput"), book, now)
            updating = book is not None and book.is_updating(now)
            if updating and gsi.get("IndexStatus") == "ACTIVE":
                gsi["IndexStatus"], busy = "UPDATING", True
        book = self._books.get((region, name, None))
        _fill_throughput(table.get("ProvisionedThroughput"), book, now)
        busy = busy or (book is not None and book.is_updating(now))
        if busy and table.get("TableStatus") == "ACTIVE":
            table["TableStatus"] = "UPDATING"

    def _quota_message(self, table: str, change: ThroughputChange) -> str:
        what = f"index {change.index} of table {table}" if change.index else f"table {table}"
        return (
            f"Subscriber limit exceeded: Provisioned throughput for {what} cannot exceed "
            f"{self.max_capacity} read or write capacity units (account quota)."
        )


def _fill_throughput(
    throughput: dict[str, Any] | None, book: ResourceBook | None, now: float
) -> None:
    if throughput is None:
        return
    throughput["NumberOfDecreasesToday"] = book.decreases_today(now) if book else 0
    # Epoch seconds as floats, as the real JSON API sends them.
    if book is not None and book.last_decrease is not None:
        throughput["LastDecreaseDateTime"] = book.last_decrease
    if book is not None and book.last_increase is not None:
        throughput["LastIncreaseDateTime"] = book.last_increase


def _noop_message(change: ThroughputChange) -> str:
    what, owner = (f"index {change.index}", "index") if change.index else ("table", "table")
    (old_r, old_w), (new_r, new_w) = change.old, change.new
    return (
        f"The provisioned throughput for the {what} will not change. The requested value equals "
        f"the current value. Current ReadCapacityUnits provisioned for the {owner}: {old_r}. "
        f"Requested ReadCapacityUnits: {new_r}. Current WriteCapacityUnits provisioned for the "
        f"{owner}: {old_w}. Requested WriteCapacityUnits: {new_w}. Refer to the Amazon DynamoDB "
        "Developer Guide for current limits and how to increase them."
    )


def _decrease_message(book: ResourceBook, now: float) -> str:
    last = book.last_decrease if book.last_decrease is not None else now
    return (
        "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given "
        f"UTC day. After the first {FREE_DECREASES_PER_DAY} decreases, each subsequent decrease "
        f"in the same UTC day can be performed at most once every {int(DECREASE_INTERVAL_S)} "
        f"seconds. Number of decreases today: {book.decreases_today(now)}. Last decrease at "
        f"{human_utc(last)}. Next decrease can be made at {human_utc(book.next_decrease_at(now))}"
    )
