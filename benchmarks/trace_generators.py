"""Seeded generators of synthetic load traces, one per kind of traffic.

Each kind is a function ``(seed, days) -> requests per minute`` (a list of floats, one
per minute from ``START``, a Monday at UTC midnight); the same seed gives the same
trace on every machine (only ``random.Random(seed)`` and ``math``). ``write_csv``
writes ``minute,requests`` rows (ISO timestamps, UTC) that ``dynamic-dynamodb
simulate`` reads as is (``--step 1 --scale 1``: a request per minute of a 1-unit
item is 1/60 unit/s).

Kinds (levels in units/s = requests per minute / 60):

``sales``   the original synthetic trace (benchmarks/synthetic_trace.py): a daily cycle,
            quieter weekends, noise, 1-8 minute bursts of 1.5-4x about 3 times a day,
            a flash sale (4x in 10 minutes, decaying over two hours) on ~30 % of days.
``flash``   flash crowds on a daily cycle: on ~half of the days, at a random time of
            day, demand jumps within 1-3 minutes to 3-8x and decays over 10-90 minutes
            (news, a push notification); plus noise and a slow level drift.
``nightly`` on/off batch: light daytime traffic and a nightly batch job (~01:00 UTC
            with a start jitter of +-20 minutes, 40-150 minutes long, 10-30x the daytime
            level, with its own ups and downs); no job on ~1 night in 7; some nights a
            second, shorter job at ~04:00.
``hourly``  hourly jobs: a small daily cycle plus a job at every hour (start jitter 0-3
            minutes, 5-20 minutes long, 4-12x the base); ~1 hour in 6 has no job.
``weekly``  weekly seasonality with growth: a daily cycle, weekends at 45-60 % of
            weekdays, Mondays a little busier, growth of ~2.5 % a day compounded
            (about 2x over four weeks), noise.
``walk``    a random walk: the log of the level moves by N(0, 0.02) a minute with a
            weak pull towards the long-run level (so it wanders over a ~10x range
            within days), no daily cycle, noise.
``spiky5``  spiky 5-minute data like an ELB RequestCount: one value per 5 minutes, a
            daily cycle times a log-normal factor (sigma 0.4) per 5 minutes, spikes of
            3-10x for one or two 5-minute slots (~1 % of slots), and a few quiet days.

    python benchmarks/trace_generators.py KIND OUT.csv[.gz] [--seed N] [--days D]
    python benchmarks/trace_generators.py --all DIR [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import random
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic_trace

START = datetime(2024, 3, 4, tzinfo=timezone.utc)  # a Monday
MINUTES_PER_DAY = 1440

Generator = Callable[[int, int], list[float]]


def _daily(hour: float, trough: float = 4.0) -> float:
    """A smooth daily cycle, 0.2 at the trough hour to 1.0 twelve hours later."""
    return 0.6 - 0.4 * math.cos(2 * math.pi * (hour - trough) / 24.0)


def _noisy(rng: random.Random, load: float, relative: float = 0.05) -> float:
    """``load`` with relative noise and the Poisson-like noise of a count."""
    return max(0.0, rng.gauss(load, relative * load + math.sqrt(max(load, 0.0))))


def sales(seed: int, days: int) -> list[float]:
    return [float(v) for _, v in synthetic_trace.generate(days, seed)]


def flash(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    base = 3000.0  # requests per minute at the daily peak: 50 units/s
    crowds = []  # (start minute, rise minutes, peak factor, decay minutes)
    for d in range(days):
        if rng.random() < 0.5:
            start = d * MINUTES_PER_DAY + rng.randrange(MINUTES_PER_DAY)
            crowds.append((start, rng.randint(1, 3), rng.uniform(3.0, 8.0),
                           rng.uniform(10.0, 90.0)))
    out = []
    drift = 1.0
    for m in range(days * MINUTES_PER_DAY):
        hour = (m % MINUTES_PER_DAY) / 60.0
        drift = min(1.5, max(0.6, drift * math.exp(rng.gauss(0.0, 0.003))))
        factor = 1.0
        for start, rise, peak, decay in crowds:
            since = m - start
            if 0 <= since < 8 * decay + rise:
                up = min(1.0, (since + 1) / rise)
                extra = (peak - 1.0) * up * math.exp(-max(0, since - rise) / decay)
                factor = max(factor, 1.0 + extra)
        out.append(_noisy(rng, base * _daily(hour, 3.0) * drift * factor))
    return out


def nightly(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    day_level = 600.0  # requests per minute at the daytime peak: 10 units/s
    out = [0.0] * (days * MINUTES_PER_DAY)
    for m in range(len(out)):
        hour = (m % MINUTES_PER_DAY) / 60.0
        load = day_level * max(0.0, _daily(hour, 2.0) - 0.15)
        out[m] = _noisy(rng, load, 0.1) if rng.random() > 0.02 else 0.0
    for d in range(days):
        jobs = []
        if rng.random() > 1 / 7:
            jobs.append((60 + rng.randint(-20, 20), rng.randint(40, 150),
                         day_level * rng.uniform(10.0, 30.0)))
        if rng.random() < 0.3:
            jobs.append((240 + rng.randint(-10, 10), rng.randint(15, 45),
                         day_level * rng.uniform(5.0, 15.0)))
        for start, length, level in jobs:
            phase = 1.0
            for k in range(length):
                m = d * MINUTES_PER_DAY + start + k
                if m >= len(out):
                    break
                # The job's own ups and downs: a level that changes every few minutes.
                if rng.random() < 0.2:
                    phase = rng.uniform(0.6, 1.2)
                out[m] += _noisy(rng, level * phase, 0.03)
    return out


def hourly(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    base = 1200.0  # requests per minute at the daily peak: 20 units/s
    out = []
    for m in range(days * MINUTES_PER_DAY):
        hour = (m % MINUTES_PER_DAY) / 60.0
        out.append(_noisy(rng, base * _daily(hour, 5.0), 0.08))
    for h in range(days * 24):
        if rng.random() < 1 / 6:
            continue
        start = h * 60 + rng.randint(0, 3)
        level = base * rng.uniform(4.0, 12.0)
        for k in range(rng.randint(5, 20)):
            if start + k < len(out):
                out[start + k] += _noisy(rng, level, 0.05)
    return out


def weekly(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    base = 4000.0
    weekend = [rng.uniform(0.45, 0.6) for _ in range(2)]
    out = []
    for m in range(days * MINUTES_PER_DAY):
        day, minute = divmod(m, MINUTES_PER_DAY)
        weekday = (START + timedelta(days=day)).weekday()
        week = 1.15 if weekday == 0 else (weekend[weekday - 5] if weekday >= 5 else 1.0)
        growth = 1.025 ** (m / MINUTES_PER_DAY)
        out.append(_noisy(rng, base * _daily(minute / 60.0, 6.0) * week * growth, 0.06))
    return out


def walk(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    mean_log = math.log(2400.0)  # 40 units/s
    level = mean_log
    out = []
    for _ in range(days * MINUTES_PER_DAY):
        level += rng.gauss(0.0, 0.02) - 0.0005 * (level - mean_log)
        out.append(_noisy(rng, math.exp(level), 0.03))
    return out


def spiky5(seed: int, days: int) -> list[float]:
    rng = random.Random(seed)
    base = 1500.0  # requests per minute at the daily peak: 25 units/s
    quiet_days = {d for d in range(days) if rng.random() < 0.1}
    out = []
    spike_left = 0
    spike = 1.0
    for slot in range(days * MINUTES_PER_DAY // 5):
        day, minute = divmod(slot * 5, MINUTES_PER_DAY)
        load = base * _daily(minute / 60.0, 8.0) * rng.lognormvariate(0.0, 0.4)
        if day in quiet_days:
            load *= 0.3
        if spike_left == 0 and rng.random() < 0.01:
            spike_left, spike = rng.randint(1, 2), rng.uniform(3.0, 10.0)
        if spike_left:
            load *= spike
            spike_left -= 1
        value = float(round(load))
        out.extend([value] * 5)
    return out


KINDS: dict[str, Generator] = {
    "sales": sales, "flash": flash, "nightly": nightly, "hourly": hourly,
    "weekly": weekly, "walk": walk, "spiky5": spiky5,
}
# Days per kind by default: 2 to 4 weeks of minutes.
DAYS: dict[str, int] = {
    "sales": 28, "flash": 21, "nightly": 21, "hourly": 14, "weekly": 28, "walk": 14,
    "spiky5": 21,
}
SEED = 1


def generate(kind: str, seed: int = SEED, days: int | None = None) -> list[float]:
    """Requests per minute of ``kind`` from START, ``days`` long (default DAYS[kind])."""
    return KINDS[kind](seed, days or DAYS[kind])


def write_csv(path: str | Path, requests: list[float]) -> None:
    """``minute,requests`` rows from START; gzipped when ``path`` ends in .gz."""
    path = Path(path)
    raw = (gzip.open(path, "wb", compresslevel=6) if path.suffix == ".gz"
           else open(path, "wb"))
    with io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["minute", "requests"])
        for m, value in enumerate(requests):
            stamp = START + timedelta(minutes=m)
            writer.writerow([stamp.strftime("%Y-%m-%d %H:%M:%S"), f"{value:.0f}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", nargs="?", choices=sorted(KINDS))
    parser.add_argument("output", nargs="?", help="CSV file to write (.gz to compress)")
    parser.add_argument("--all", metavar="DIR", type=Path,
                        help="write every kind to DIR/KIND-sSEED.csv.gz")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=None)
    args = parser.parse_args(argv)
    if args.all is not None:
        args.all.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            write_csv(args.all / f"{kind}-s{args.seed}.csv.gz",
                      generate(kind, args.seed, args.days))
        return 0
    if args.kind is None or args.output is None:
        parser.error("give KIND and OUTPUT, or --all DIR")
    write_csv(args.output, generate(args.kind, args.seed, args.days))
    return 0


if __name__ == "__main__":
    sys.exit(main())
