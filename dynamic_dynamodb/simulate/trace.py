"""Load traces: a CSV (optionally gzipped) to one demand value per simulated minute.

The last column is the load; a header row is allowed. Rows are ``step`` minutes
apart and a row holds its value for each minute it covers. When the first column
holds timestamps (ISO 8601, naive = UTC), they place the rows: they must be in time
order, one row per minute at most, and the first timestamp starts the simulated UTC
clock. A minute no row covers is a gap: missing data, not zero load. ``gaps`` says
what fills it: ``hold`` (the default) the last value before it, ``zero`` no load,
``interpolate`` a straight line between the values either side; ``Trace.filled``
counts the minutes filled. Demand in a minute, in capacity units per
second, is ``value / 60 * scale``; more than ``MAX_DEMAND`` is refused.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from dynamic_dynamodb.errors import DynamicDynamoDBError

# A trace without timestamps starts here (any fixed UTC midnight keeps runs repeatable).
DEFAULT_START = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Twenty years of minutes: beyond this a timestamp is surely wrong (or in seconds).
MAX_MINUTES = 20 * 366 * 24 * 60
# Demand above this (units/s, after --scale) is surely not a load: a thousand times the
# largest capacity a configuration may name (settings.MAX_CONFIGURABLE_CAPACITY). Such a
# value is a wrong column (an id, a byte count) or a typo, and would only overflow.
MAX_DEMAND = 1e9

GapFill = Literal["hold", "zero", "interpolate"]
GAP_FILLS: tuple[GapFill, ...] = ("hold", "zero", "interpolate")


class TraceError(DynamicDynamoDBError):
    """The trace cannot be read; the message says where and why."""


@dataclass(frozen=True)
class Trace:
    """Demand per minute (capacity units per second), from ``start`` (UTC, whole minute)."""

    start: datetime
    demand: tuple[float, ...]
    source: str = ""
    filled: int = 0  # minutes no row covered, filled as ``gaps`` said
    gaps: GapFill = "hold"

    @property
    def minutes(self) -> int:
        return len(self.demand)

    def minute_time(self, minute: int) -> datetime:
        return self.start + timedelta(minutes=minute)


def _open(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 timestamp as UTC, or None when ``text`` is not one."""
    text = text.strip()
    if len(text) < 10 or not text[:4].isdigit():
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc)


def _value(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TraceError(f"{where}: the load (last column) {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise TraceError(f"{where}: the load (last column) must be a finite number >= 0, "
                         f"not {text!r}")
    return value


def _rows(lines: Iterable[list[str]], name: str) -> Iterator[tuple[int, datetime | None, float]]:
    """(line number, timestamp or None, value) per data row; a first non-numeric row is a
    header."""
    for number, row in enumerate(lines, start=1):
        cells = [c.strip() for c in row]
        if not cells or all(not c for c in cells):
            continue
        where = f"{name} line {number}"
        if number == 1:
            try:
                float(cells[-1])
            except ValueError:
                continue  # header row
        stamp = parse_time(cells[0]) if len(cells) > 1 else None
        yield number, stamp, _value(cells[-1], where)


def _in_order(rows: list[tuple[int, datetime | None, float]], name: str) -> datetime:
    """The first timestamp; each row must be in a later minute than the row before it.

    Two rows for one minute, or a row before its predecessor, mean concatenated or
    mis-sorted files, or the wrong column: refused, never silently merged.
    """
    previous: tuple[int, datetime] | None = None
    for number, stamp, _ in rows:
        assert stamp is not None
        minute = stamp.replace(second=0, microsecond=0)
        if previous is not None:
            earlier_line, earlier = previous
            if minute == earlier:
                raise TraceError(f"{name} line {number}: a second row for minute "
                                 f"{minute:%Y-%m-%d %H:%M} UTC (line {earlier_line} has it)")
            if minute < earlier:
                raise TraceError(f"{name} line {number}: {minute:%Y-%m-%d %H:%M} UTC is before "
                                 f"line {earlier_line} ({earlier:%Y-%m-%d %H:%M} UTC); rows must "
                                 f"be in time order")
        previous = (number, minute)
    first = rows[0][1]
    assert first is not None
    return first


def fill_gaps(minutes: list[float | None], gaps: GapFill) -> int:
    """Fill the None minutes of ``minutes`` in place (the first minute is never None);
    how many were filled."""
    filled = 0
    k = 0
    n = len(minutes)
    while k < n:
        if minutes[k] is not None:
            k += 1
            continue
        end = k
        while minutes[end] is None:  # the last minute has a row: it ends the trace
            end += 1
        before, after = minutes[k - 1], minutes[end]
        assert before is not None and after is not None
        for j in range(k, end):
            if gaps == "zero":
                minutes[j] = 0.0
            elif gaps == "interpolate":
                minutes[j] = before + (after - before) * (j - k + 1) / (end - k + 1)
            else:
                minutes[j] = before
        filled += end - k
        k = end
    return filled


def read_trace(path: str | Path, step: int = 1, scale: float = 1.0,
               gaps: GapFill = "hold") -> Trace:
    """Read ``path`` (``.csv`` or ``.csv.gz``) into a per-minute demand Trace; minutes
    without a row are filled as ``gaps`` says (see the module's docstring)."""
    if gaps not in GAP_FILLS:
        raise TraceError(f"--gaps must be one of {', '.join(GAP_FILLS)}, not {gaps!r}")
    if step < 1:
        raise TraceError("--step must be at least 1 minute")
    if not math.isfinite(scale) or scale <= 0:
        raise TraceError("--scale must be a positive number")
    path = Path(path)
    try:
        with _open(path) as handle:
            rows = list(_rows(csv.reader(handle), path.name))
    except OSError as exc:
        raise TraceError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as exc:
        raise TraceError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise TraceError(f"{path.name}: no data rows")
    factor = scale / 60.0
    for number, _, value in rows:
        if value * factor > MAX_DEMAND:
            raise TraceError(f"{path.name} line {number}: the load {value:g} is "
                             f"{value * factor:.3g} units/s (value / 60 x --scale), above the "
                             f"{MAX_DEMAND:g} units/s a simulation accepts; is the last column "
                             f"the load?")
    timed = rows[0][1] is not None
    if timed:
        untimed = next((number for number, stamp, _ in rows if stamp is None), None)
        if untimed is not None:
            raise TraceError(f"{path.name} line {untimed}: the first column is not a timestamp "
                             f"(the first data row has one)")
    else:
        demand = [value * factor for _, _, value in rows for _ in range(step)]
        return Trace(DEFAULT_START, tuple(demand), str(path), gaps=gaps)

    start = _in_order(rows, path.name).replace(second=0, microsecond=0)
    offsets = []
    for number, stamp, value in rows:
        assert stamp is not None
        offsets.append((int((stamp - start).total_seconds() // 60), value, number))
    length = max(offset for offset, _, _ in offsets) + step
    if length > MAX_MINUTES:
        raise TraceError(f"{path.name}: the timestamps span {length} minutes (over 20 years); "
                         f"are they right?")
    minutes: list[float | None] = [None] * length
    for offset, value, _ in offsets:  # in time order: a later row wins an overlap (--step)
        load = value * factor
        for k in range(offset, offset + step):
            minutes[k] = load
    filled = fill_gaps(minutes, gaps)
    return Trace(start, tuple(m or 0.0 for m in minutes), str(path), filled, gaps)
