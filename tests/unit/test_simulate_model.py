"""The simulated table against small cases computed by hand: burst, CloudWatch lag,
UPDATING lag, the decrease rule across UTC midnight, the oracle and the costs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dynamic_dynamodb.aws.metrics import usage_from_series
from dynamic_dynamodb.backend import MetricRequest
from dynamic_dynamodb.core import fallback
from dynamic_dynamodb.core.minutes import SeriesAnswer
from dynamic_dynamodb.core.types import (
    Decision,
    Dimension,
    DimensionDecision,
    Reason,
    ResourceHistory,
    ResourceId,
    UnknownUsage,
)
from dynamic_dynamodb.errors import AwsError
from dynamic_dynamodb.simulate.model import (
    ModelParams,
    SimMetrics,
    SimTables,
    SimulatedTable,
)
from dynamic_dynamodb.simulate.report import reference_rows, summarize
from dynamic_dynamodb.simulate.runner import PolicyRun, check_due
from dynamic_dynamodb.simulate.trace import Trace

START = datetime(2024, 3, 4, 12, 0, tzinfo=timezone.utc)


def table(demand: list[float], capacity: int, start: datetime = START,
          **params: float) -> SimulatedTable:
    return SimulatedTable("t", Dimension.READS, demand, start, capacity,
                          ModelParams(**params))  # type: ignore[arg-type]


def play(t: SimulatedTable, minutes: int) -> None:
    for _ in range(minutes):
        t.begin_minute()
        t.finish_minute()


# (id, capacity, demand, minutes to check, expected consumed units/s, expected throttled)
BURST = [
    # 10 quiet minutes fill the bucket to 300 s x 10 = 3000 units; a minute at 20 draws
    # 600, the first minute at 40 draws 1800, the second finds 600 left: 10 + 10 served.
    ("bucket-absorbs-then-runs-out", 10, [5.0] * 10 + [20.0, 40.0, 40.0], [10, 11, 12],
     [20.0, 40.0, 20.0], [0.0, 0.0, 20.0]),
    # The bucket holds at most 300 s of capacity however long the table idles.
    ("bucket-capped-at-300s", 10, [0.0] * 100 + [70.0], [100], [60.0], [10.0]),
    # A new table starts with an empty bucket.
    ("starts-empty", 10, [20.0], [0], [10.0], [10.0]),
    # Served never exceeds demand; nothing is throttled below capacity.
    ("below-capacity", 10, [3.0, 10.0], [0, 1], [3.0, 10.0], [0.0, 0.0]),
]


@pytest.mark.parametrize("capacity,demand,minutes,consumed,throttled",
                         [b[1:] for b in BURST], ids=[b[0] for b in BURST])
def test_burst_bucket(capacity: int, demand: list[float], minutes: list[int],
                      consumed: list[float], throttled: list[float]) -> None:
    t = table(demand, capacity)
    play(t, len(demand))

    assert [t.consumed_sum[m] / 60 for m in minutes] == pytest.approx(consumed)
    assert [t.throttle_events[m] / 60 for m in minutes] == pytest.approx(throttled)


def test_cloudwatch_shows_a_minute_two_minutes_after_it_ends() -> None:
    t = table([1.0, 2.0, 3.0, 4.0, 5.0], 100)
    play(t, 5)  # now = 12:05; minutes 12:00..12:02 ended by 12:03 and are published

    usage = SimMetrics(t).read([MetricRequest(t.id, 5, 5)], t.now())[t.id]

    assert usage is not None
    # 12:03 and 12:04 are not published yet: not known, never read as 0.
    assert usage.reads.per_minute == pytest.approx((1.0, 2.0, 3.0, None, None))
    assert usage.reads.consumed == pytest.approx((1 + 2 + 3) / 3)
    # The other dimension has no load: no datapoint, and by 12:05 only 12:00-12:01 ended
    # the 3-minute publication allowance ago.
    assert usage.writes.per_minute == (0.0, 0.0, None, None, None)


def test_minutes_before_the_trace_are_not_known() -> None:
    t = table([6.0] * 6, 100)
    play(t, 6)  # 12:06: 12:00..12:03 published

    usage = SimMetrics(t).read([MetricRequest(t.id, 8, 5)], t.now())[t.id]  # 11:58..12:02

    assert usage is not None
    assert usage.reads.per_minute == (None, None, 6.0, 6.0, 6.0)
    assert usage.reads.consumed == pytest.approx(6.0)


def test_nothing_known_yet_at_the_start_of_the_trace() -> None:
    t = table([6.0] * 3, 100)

    usage = SimMetrics(t).read([MetricRequest(t.id, 7, 5)], t.now())[t.id]

    assert usage is not None
    assert usage.reads == UnknownUsage("ConsumedReadCapacityUnits: no minute of the window "
                                       "is published yet")


def test_metrics_equal_what_aws_metrics_builds_from_cloudwatch_points() -> None:
    t = table([5.0] * 5 + [30.0, 40.0, 8.0, 9.0], 10)
    play(t, 9)
    published = range(t.published_until())
    stamp = [int((START + timedelta(minutes=k)).timestamp()) for k in range(9)]
    series = {
        "reads_consumed": SeriesAnswer({stamp[k]: t.consumed_sum[k] for k in published}),
        "reads_throttled": SeriesAnswer({stamp[k]: t.throttle_events[k] for k in published
                                         if t.throttle_events[k] > 0}),
        "writes_consumed": SeriesAnswer(),
        "writes_throttled": SeriesAnswer(),
    }

    got = SimMetrics(t).read([MetricRequest(t.id, 8, 6)], t.now())[t.id]

    assert got == usage_from_series(series, START + timedelta(minutes=1), 6, t.now(),
                                    known_from=START)
    assert got is not None and got.reads.throttle_events > 0


def test_unknown_resource_is_unknown() -> None:
    t = table([1.0], 10)
    other = ResourceId("other")

    assert SimMetrics(t).read([MetricRequest(other, 3, 1)], t.now()) == {other: None}


def test_update_takes_two_minutes_and_the_table_is_updating_meanwhile() -> None:
    t = table([5.0] * 8, 10)
    play(t, 3)
    t.begin_minute()
    t.update(20, 1)  # at minute 3
    assert t.state().table.status == "UPDATING"
    t.finish_minute()
    t.begin_minute()  # minute 4: still updating; another update is refused
    with pytest.raises(AwsError) as refused:
        t.update(30, 1)
    assert refused.value.code == "ResourceInUseException"
    t.finish_minute()
    t.begin_minute()  # minute 5: done
    assert (t.state().table.status, t.state().table.reads) == ("ACTIVE", 20)
    t.finish_minute()

    assert t.provisioned[:6] == [10, 10, 10, 10, 10, 20]


def test_decrease_rule_across_utc_midnight() -> None:
    # 23:00 UTC; no update lag so that updates can follow each other every minute.
    t = table([1.0] * 200, 100, start=datetime(2024, 3, 4, 23, 0, tzinfo=timezone.utc),
              update_lag_minutes=0)
    outcomes: dict[str, str] = {}

    def attempt(minute: int, reads: int, label: str) -> None:
        while t.minute < minute:
            t.begin_minute()
            t.finish_minute()
        t.begin_minute()
        try:
            t.update(reads, 1)
            outcomes[label] = "ok"
        except AwsError as exc:
            outcomes[label] = exc.code

    for k, reads in enumerate((90, 80, 70, 60)):
        attempt(k, reads, f"free-{k + 1}")  # 23:00..23:03: the 4 free decreases
    attempt(4, 50, "fifth-at-23:04")
    attempt(5, 70, "increase-at-23:05")
    assert t.state().table.decreases_today == 4
    attempt(60, 69, "first-of-new-day-00:00")
    assert t.state().table.decreases_today == 1
    for k, reads in enumerate((68, 67, 66)):
        attempt(61 + k, reads, f"new-day-{k + 2}")  # 00:01..00:03
    attempt(64, 65, "fifth-at-00:04")
    attempt(122, 65, "00:03-plus-59-min")
    attempt(123, 65, "00:03-plus-60-min")

    assert outcomes == {
        "free-1": "ok", "free-2": "ok", "free-3": "ok", "free-4": "ok",
        "fifth-at-23:04": "LimitExceededException", "increase-at-23:05": "ok",
        "first-of-new-day-00:00": "ok", "new-day-2": "ok", "new-day-3": "ok",
        "new-day-4": "ok", "fifth-at-00:04": "LimitExceededException",
        "00:03-plus-59-min": "LimitExceededException", "00:03-plus-60-min": "ok",
    }


@pytest.mark.parametrize("reads,writes,code", [(0, 1, "ValidationException"),
                                               (10, 1, "ValidationException")],
                         ids=["below-1", "no-change"])
def test_invalid_updates(reads: int, writes: int, code: str) -> None:
    t = table([1.0], 10)
    with pytest.raises(AwsError) as refused:
        t.update(reads, writes)
    assert refused.value.code == code


def _decision(reads: tuple[int, int], writes: tuple[int, int]) -> Decision:
    why = Reason("test", "test")
    return Decision(ResourceId("t"), DimensionDecision(*reads, why),
                    DimensionDecision(*writes, why), ResourceHistory())


def test_refused_decrease_falls_back_to_increases_alone_like_dynamodb() -> None:
    """The simulated table refuses the combined call as DynamoDB does; the core's
    fallback then sends the increase alone, which it accepts."""
    t = table([1.0] * 10, 100, update_lag_minutes=0)
    tables = SimTables(t)
    for reads in (90, 80, 70, 60):  # spend the day's free decreases
        tables.update("t", [_decision((t.reads, reads), (1, 1))])
    wanted = [_decision((60, 50), (1, 5))]

    with pytest.raises(AwsError) as refused:
        tables.update("t", wanted)
    plan = fallback.after_refusal(wanted, refused.value.code)
    assert plan is not None
    tables.update("t", plan.send)

    assert (t.reads, t.writes) == (60, 5)
    assert plan.note == "decrease refused by DynamoDB; increases sent alone"
    assert [(d.reads.target, d.writes.target) for d in plan.send] == [(60, 5)]


def test_reference_rows_oracle_on_demand_and_peak() -> None:
    trace = Trace(START, (1.0, 3.0))
    oracle, on_demand, peak = reference_rows(trace, Dimension.READS)

    assert oracle.cost_ratio == 1.0
    # $0.125 per million read units vs $0.00013 per RCU-hour: 0.125e-6 x 3600 / 0.00013.
    assert on_demand.cost_ratio == pytest.approx(0.125e-6 * 3600 / 0.00013)
    assert peak.cost_ratio == pytest.approx(3.0 * 2 / 4.0)
    # 4 unit-minutes over 2 minutes is 2 units on average: 2 x 730 h x $0.00013.
    assert oracle.dollars_per_month == pytest.approx(2 * 730 * 0.00013)


def test_summary_of_a_hand_computed_replay() -> None:
    # Capacity 1: minute 0 serves 0.5 and banks 30 units; minute 1 wants 2, gets 1 + 30/60.
    t = table([0.5, 2.0], 1)
    play(t, 2)

    row = summarize(PolicyRun("p", t), oracle=2.5, dimension=Dimension.READS)

    assert row.throttled_percent == pytest.approx(100 * 0.5 / 2.5)
    assert row.cost_ratio == pytest.approx(2 / 2.5)


def test_updates_and_decreases_per_utc_day() -> None:
    t = table([1.0] * 1500, 100, start=datetime(2024, 3, 4, 23, 0, tzinfo=timezone.utc),
              update_lag_minutes=0)
    for minute, reads in ((0, 90), (1, 95), (70, 80)):  # day 1: 2 updates; day 2: 1
        while t.minute < minute:
            t.begin_minute()
            t.finish_minute()
        t.update(reads, 1)
    play(t, 1500 - t.minute)

    row = summarize(PolicyRun("p", t), oracle=1500.0, dimension=Dimension.READS)

    assert (row.updates_per_day_mean, row.updates_per_day_max) == (1.5, 2)
    assert (row.decreases_per_day_mean, row.decreases_per_day_max) == (1.0, 1)


CHECKS = [
    ("every-5-min-at-0", 0, 300, True),
    ("every-5-min-at-1", 60, 300, False),
    ("every-5-min-at-5", 300, 300, True),
    ("90s-at-0", 0, 90, True),
    ("90s-at-1", 60, 90, True),
    ("90s-at-2", 120, 90, False),
    ("30s-every-minute", 60, 30, True),
]


@pytest.mark.parametrize("second,interval,due", [c[1:] for c in CHECKS],
                         ids=[c[0] for c in CHECKS])
def test_checks_fall_on_multiples_of_the_interval(second: int, interval: int,
                                                  due: bool) -> None:
    assert check_due(second, interval) is due
