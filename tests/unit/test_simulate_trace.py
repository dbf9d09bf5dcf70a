"""Trace CSVs to per-minute demand: header, step, gaps, gzip, scale, bad input."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dynamic_dynamodb.simulate.trace import DEFAULT_START, TraceError, read_trace

UTC = timezone.utc

# (id, file text, step, scale, expected demand per minute (units/s), expected start)
CASES = [
    ("values-only", "60\n120\n0\n", 1, 1.0, [1.0, 2.0, 0.0], DEFAULT_START),
    ("header-and-values", "load\n60\n120\n", 1, 1.0, [1.0, 2.0], DEFAULT_START),
    ("scale", "60\n120\n", 1, 3.0, [3.0, 6.0], DEFAULT_START),
    ("untimed-step-holds-each-row", "n,v\n1,60\n2,120\n", 2, 1.0, [1.0, 1.0, 2.0, 2.0],
     DEFAULT_START),
    ("timestamps-set-the-clock", "period,count\n1998-04-30 21:30:00,60\n"
     "1998-04-30 21:31:00,30\n", 1, 1.0, [1.0, 0.5], datetime(1998, 4, 30, 21, 30, tzinfo=UTC)),
    ("missing-minute-holds-the-last-value",
     "t,v\n2014-04-10 00:04:00,60\n2014-04-10 00:06:00,120\n", 1, 1.0,
     [1.0, 1.0, 2.0], datetime(2014, 4, 10, 0, 4, tzinfo=UTC)),
    ("timed-step-with-gap", "t,v\n2014-04-10 00:04:00,60\n2014-04-10 00:14:00,120\n", 5, 1.0,
     [1.0] * 10 + [2.0] * 5, datetime(2014, 4, 10, 0, 4, tzinfo=UTC)),
    ("seconds-within-a-minute", "t,v\n2014-04-10 00:00:59,60\n2014-04-10 00:01:00,120\n", 1,
     1.0, [1.0, 2.0], datetime(2014, 4, 10, tzinfo=UTC)),
    ("largest-load", "t,v\n2014-04-10 00:00:00,6e10\n", 1, 1.0, [1e9],
     datetime(2014, 4, 10, tzinfo=UTC)),
    ("offset-timestamp-to-utc", "t,v\n2014-04-10T02:00:00+02:00,60\n", 1, 1.0, [1.0],
     datetime(2014, 4, 10, tzinfo=UTC)),
    ("blank-lines-skipped", "60\n\n120\n", 1, 1.0, [1.0, 2.0], DEFAULT_START),
]


@pytest.mark.parametrize("text,step,scale,expected,start",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_read_trace(tmp_path: Path, text: str, step: int, scale: float,
                    expected: list[float], start: datetime) -> None:
    path = tmp_path / "trace.csv"
    path.write_text(text)

    trace = read_trace(path, step=step, scale=scale)

    assert list(trace.demand) == pytest.approx(expected)
    assert trace.start == start


def test_gzip_reads_like_plain(tmp_path: Path) -> None:
    text = "period,count\n1998-04-30 21:30:00,60\n1998-04-30 21:32:00,90\n"
    plain, packed = tmp_path / "t.csv", tmp_path / "t.csv.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))

    from_gzip, from_plain = read_trace(packed), read_trace(plain)

    assert (from_gzip.start, from_gzip.demand) == (from_plain.start, from_plain.demand)
    assert list(from_gzip.demand) == [1.0, 1.0, 1.5]


GAPPY = "t,v\n2014-04-10 00:00:00,60\n2014-04-10 00:04:00,180\n2014-04-10 00:05:00,60\n"


@pytest.mark.parametrize("gaps,expected", [
    ("hold", [1.0, 1.0, 1.0, 1.0, 3.0, 1.0]),
    ("zero", [1.0, 0.0, 0.0, 0.0, 3.0, 1.0]),
    ("interpolate", [1.0, 1.5, 2.0, 2.5, 3.0, 1.0]),
])
def test_a_gap_is_missing_data_filled_as_asked(tmp_path: Path, gaps: str,
                                               expected: list[float]) -> None:
    path = tmp_path / "gappy.csv"
    path.write_text(GAPPY)

    trace = read_trace(path, gaps=gaps)  # type: ignore[arg-type]

    assert list(trace.demand) == pytest.approx(expected)
    assert (trace.filled, trace.gaps) == (3, gaps)


def test_a_trace_without_gaps_fills_nothing(tmp_path: Path) -> None:
    timed, untimed = tmp_path / "timed.csv", tmp_path / "untimed.csv"
    timed.write_text("t,v\n2014-04-10 00:00:00,60\n2014-04-10 00:01:00,60\n")
    untimed.write_text("60\n0\n60\n")

    assert read_trace(timed).filled == read_trace(untimed, step=5).filled == 0


def test_an_unknown_gap_fill_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("60\n")

    with pytest.raises(TraceError, match="--gaps must be one of hold, zero, interpolate"):
        read_trace(path, gaps="mean")  # type: ignore[arg-type]


BAD = [
    ("empty", "", "no data rows"),
    ("header-only", "a,b\n", "no data rows"),
    ("not-a-number", "60\nabc\n", "line 2"),
    ("negative", "60\n-5\n", "must be a finite number >= 0"),
    ("not-finite", "60\nnan\n", "must be a finite number >= 0"),
    ("timestamp-missing-later", "t,v\n2014-04-10 00:00:00,1\nlater,2\n", "not a timestamp"),
    ("span-too-long", "t,v\n1900-01-01 00:00:00,1\n2100-01-01 00:00:00,1\n", "over 20 years"),
    ("infinite", "60\ninf\n", "line 2: the load .* must be a finite number >= 0"),
    ("absurd", "60\n1e308\n", "line 2: the load 1e\\+308 is .* units/s .* above the 1e\\+09"),
    ("absurd-timed", "t,v\n2014-04-10 00:00:00,1\n2014-04-10 00:01:00,6.1e10\n",
     "line 3: the load"),
    # Rows out of order used to be sorted silently; they mean mis-sorted or concatenated
    # files, so they are refused now, naming the row.
    ("out-of-order", "t,v\n2014-04-10 00:01:00,120\n2014-04-10 00:00:00,60\n",
     "line 3: 2014-04-10 00:00 UTC is before line 2 \\(2014-04-10 00:01 UTC\\); rows must be "
     "in time order"),
    ("duplicate", "t,v\n2014-04-10 00:00:00,1\n2014-04-10 00:01:00,2\n2014-04-10 00:01:00,3\n",
     "line 4: a second row for minute 2014-04-10 00:01 UTC \\(line 3 has it\\)"),
    ("duplicate-minute-other-seconds", "t,v\n2014-04-10 00:00:10,1\n2014-04-10 00:00:50,2\n",
     "line 3: a second row for minute 2014-04-10 00:00 UTC"),
]


@pytest.mark.parametrize("text,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_trace_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)

    with pytest.raises(TraceError, match=message):
        read_trace(path)


def test_not_gzip_despite_the_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_text("60\n")

    with pytest.raises(TraceError, match="cannot read"):
        read_trace(path)


@pytest.mark.parametrize("step,scale", [(0, 1.0), (1, 0.0), (1, float("inf"))],
                         ids=["step-0", "scale-0", "scale-inf"])
def test_bad_step_or_scale(tmp_path: Path, step: int, scale: float) -> None:
    path = tmp_path / "t.csv"
    path.write_text("60\n")

    with pytest.raises(TraceError):
        read_trace(path, step=step, scale=scale)
