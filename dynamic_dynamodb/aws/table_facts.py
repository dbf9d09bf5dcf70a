"""What advise needs to know about each table: ListTables and DescribeTable.

Besides the capacity the daemon reads (aws/tables.parse_table), advise needs the billing
mode and the table's creation time: CloudWatch series older than the table belong to
an earlier table of the same name, and a table younger than the window has fewer days
of history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dynamic_dynamodb.aws.session import AwsClients
from dynamic_dynamodb.aws.tables import DynamoTables, parse_table
from dynamic_dynamodb.aws.tables import _time as as_utc  # DescribeTable's timestamps
from dynamic_dynamodb.core.types import TableState
from dynamic_dynamodb.errors import AwsError, TableGone

PAY_PER_REQUEST = "PAY_PER_REQUEST"
PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class TableFacts:
    """A table now: its capacity and GSIs, billing mode and creation time."""

    state: TableState
    created: datetime | None

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def billing_mode(self) -> str:
        return self.state.billing_mode

    @property
    def on_demand(self) -> bool:
        return self.state.billing_mode == PAY_PER_REQUEST


def parse_facts(description: dict[str, Any]) -> TableFacts:
    """DescribeTable's ``Table`` to TableFacts (pure)."""
    return TableFacts(parse_table(description), as_utc(description.get("CreationDateTime")))


class TableInventory:
    """Lists the tables whose names ``pattern`` matches from the start, and describes them."""

    def __init__(self, clients: AwsClients) -> None:
        self._tables = DynamoTables(clients)

    def names(self, pattern: str | None) -> list[str]:
        names = self._tables.list_tables()
        if pattern is None:
            return sorted(names)
        regex = re.compile(pattern)
        return sorted(n for n in names if regex.match(n))

    def describe(self, table: str) -> TableFacts:
        return parse_facts(self._tables.description(table))

    def describe_all(self, names: list[str],
                     progress: Callable[[int], None] | None = None
                     ) -> tuple[list[TableFacts], dict[str, str]]:
        """The facts of each table, and the tables that could not be described (why).
        A non-transient error (no credentials, access denied) stops everything."""
        found: list[TableFacts] = []
        failed: dict[str, str] = {}
        for name in names:
            try:
                found.append(self.describe(name))
            except TableGone:
                pass  # deleted since ListTables: nothing to advise
            except AwsError as exc:
                if not exc.transient:
                    raise
                failed[name] = str(exc)
            if progress is not None:
                progress(1)
        return found, failed
