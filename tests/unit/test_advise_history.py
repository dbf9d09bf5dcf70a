"""The GetMetricData plan respects CloudWatch's limits and asks for each series once;
paging never loops."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dynamic_dynamodb.aws.history import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    PagingError,
    SeriesQuery,
    history_queries,
    plan_calls,
    read_pages,
)
from dynamic_dynamodb.core.types import ResourceId

END = datetime(2024, 5, 15, tzinfo=timezone.utc)


def fleet(tables: int, period: int) -> list[SeriesQuery]:
    return [q for t in range(tables) for q in history_queries(ResourceId(f"t{t}"), period)]


@pytest.mark.parametrize("tables, days, period", [
    (100, 14, 60), (100, 15, 60), (1000, 1, 60), (3, 63, 300), (500, 40, 300), (1, 1, 60),
], ids=["100x14d", "100x15d", "1000x1d", "3x63d-5min", "500x40d-5min", "1x1d"])
def test_plan_respects_limits_and_asks_for_each_series_once(tables: int, days: int,
                                                            period: int) -> None:
    queries = fleet(tables, period)
    calls = plan_calls(queries, END - timedelta(days=days), END)
    assert all(len(c.queries) <= MAX_QUERIES_PER_CALL for c in calls)
    assert all(c.most_datapoints() <= MAX_DATAPOINTS_PER_CALL for c in calls)
    asked = Counter(q for c in calls for q in c.queries)
    assert set(asked) == set(queries) and set(asked.values()) == {1}


def test_fourteen_days_fit_one_table_per_call() -> None:
    # 4 series x 20,160 minutes + 2 x 4,032 five-minute points = 88,704 <= 100,800.
    calls = plan_calls(fleet(100, 60), END - timedelta(days=14), END)
    assert len(calls) == 100
    assert calls[0].most_datapoints() == 4 * 20_160 + 2 * 4_032


def test_short_windows_pack_500_queries() -> None:
    calls = plan_calls(fleet(200, 60), END - timedelta(hours=2), END)
    assert [len(c.queries) for c in calls] == [500, 500, 200]


def test_a_series_longer_than_the_limit_is_sliced_in_time() -> None:
    query = SeriesQuery(ResourceId("t"), "ConsumedReadCapacityUnits", "Sum", 60)
    start = END - timedelta(days=100)  # 144,000 minutes
    calls = plan_calls([query], start, END, max_datapoints=50_000)
    assert calls[0].start == start and calls[-1].end == END
    assert all(a.end == b.start for a, b in itertools.pairwise(calls))
    assert all(c.most_datapoints() <= 50_000 for c in calls)
    assert len(calls) == 3


def test_plan_rejects_an_empty_range() -> None:
    with pytest.raises(ValueError, match="empty"):
        plan_calls(fleet(1, 60), END, END)


def pages(*tokens: str | None) -> Any:
    served: list[str | None] = []

    def fetch(token: str | None) -> dict[str, Any]:
        served.append(token)
        following = tokens[len(served) - 1]
        return {"NextToken": following} if following else {}

    return fetch, served


def test_pages_are_followed_to_the_last() -> None:
    fetch, served = pages("a", "b", None)
    assert len(list(read_pages(fetch))) == 3
    assert served == [None, "a", "b"]


def test_a_repeated_next_token_is_refused() -> None:
    fetch, served = pages("a", "b", "a", None)
    with pytest.raises(PagingError, match="twice"):
        list(read_pages(fetch))
    assert len(served) == 3


def test_pages_are_bounded() -> None:
    fetch, served = pages(*(f"t{k}" for k in range(100)))
    with pytest.raises(PagingError, match="after 5 pages"):
        list(read_pages(fetch, max_pages=5))
    assert len(served) == 5
