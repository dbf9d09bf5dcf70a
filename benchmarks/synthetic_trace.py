"""A synthetic load trace with a fixed seed: a daily cycle, quieter weekends, noise,
short random bursts and a flash sale on some days.

Used as a trace that no scaling mode was tuned on. Writes ``minute,requests`` rows
(one per minute, ISO timestamps in UTC) to a CSV, or ``-`` for stdout:

    python benchmarks/synthetic_trace.py /tmp/daily-sale.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

START = datetime(2024, 3, 4, tzinfo=timezone.utc)  # a Monday
DAYS = 28
SEED = 20240304
BASE_PER_MINUTE = 6000.0  # requests per minute at the daily mean of a weekday


def _daily_shape(hour: float) -> float:
    """Relative load over a UTC day: a trough at 04:00, a broad day, an evening peak."""
    day = 0.55 - 0.45 * math.cos(2 * math.pi * (hour - 4.0) / 24.0)
    evening = 0.35 * math.exp(-((hour - 19.5) ** 2) / 3.0)
    return 0.15 + day + evening


def generate(days: int = DAYS, seed: int = SEED) -> Iterator[tuple[datetime, int]]:
    """(minute start, requests in that minute) for ``days`` days."""
    rng = random.Random(seed)
    sale_days = {d for d in range(days) if rng.random() < 0.3}
    sale_start = {d: rng.uniform(9.0, 20.0) for d in sale_days}
    bursts: list[tuple[int, int, float]] = []  # (start minute, length, factor)
    for _ in range(days * 3):
        bursts.append((rng.randrange(days * 1440), rng.randint(1, 8), rng.uniform(1.5, 4.0)))
    burst_at: dict[int, float] = {}
    for start, length, factor in bursts:
        for k in range(start, start + length):
            burst_at[k] = max(burst_at.get(k, 1.0), factor)
    drift = 1.0
    for minute in range(days * 1440):
        day, hour = divmod(minute / 60.0, 24.0)
        stamp = START + timedelta(minutes=minute)
        weekend = 0.7 if stamp.weekday() >= 5 else 1.0
        # A slow random walk of the level (growth, campaigns), kept within +-30 %.
        drift = min(1.3, max(0.7, drift * math.exp(rng.gauss(0.0, 0.002))))
        load = BASE_PER_MINUTE * _daily_shape(hour) * weekend * drift
        d = int(day)
        if d in sale_days:
            # A flash sale: a ramp to 4x over 10 minutes, decaying over about two hours.
            since = hour - sale_start[d]
            if since >= 0:
                ramp = min(1.0, since * 6.0)
                load *= 1.0 + 3.0 * ramp * math.exp(-max(0.0, since - 1 / 6) / 1.2)
        load *= burst_at.get(minute, 1.0)
        noisy = max(0.0, rng.gauss(load, 0.05 * load + math.sqrt(load)))
        yield stamp, int(round(noisy))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="CSV file to write, or - for stdout")
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    handle = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["minute", "requests"])
        for stamp, value in generate(args.days, args.seed):
            writer.writerow([stamp.strftime("%Y-%m-%d %H:%M:%S"), value])
    return 0


if __name__ == "__main__":
    sys.exit(main())
