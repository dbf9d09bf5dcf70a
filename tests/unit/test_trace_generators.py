"""benchmarks/trace_generators.py: every kind is deterministic by seed, as long as
documented, and its traffic has the shape its docstring promises."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import trace_generators

from dynamic_dynamodb.simulate.trace import read_trace

KINDS = sorted(trace_generators.KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_trace_other_seed_other_trace(kind: str) -> None:
    a = trace_generators.generate(kind, 5, days=2)
    assert a == trace_generators.generate(kind, 5, days=2)
    assert a != trace_generators.generate(kind, 6, days=2)
    assert len(a) == 2 * 1440
    assert min(a) >= 0


@pytest.mark.parametrize("kind", KINDS)
def test_default_length_is_two_to_four_weeks(kind: str) -> None:
    assert 14 <= trace_generators.DAYS[kind] <= 28


def test_spiky5_holds_each_value_for_five_minutes() -> None:
    a = trace_generators.generate("spiky5", 1, days=1)
    assert all(len(set(a[k:k + 5])) == 1 for k in range(0, len(a), 5))


def test_nightly_batch_dwarfs_the_day() -> None:
    a = trace_generators.generate("nightly", 1, days=7)
    night = [max(a[d * 1440:d * 1440 + 300]) for d in range(7)]
    noon = [max(a[d * 1440 + 600:d * 1440 + 900]) for d in range(7)]
    # A job on at least 5 of 7 nights, each over 5x the daytime peak.
    assert sum(1 for n, m in zip(night, noon, strict=True) if n > 5 * m) >= 5


def test_written_csv_reads_back_in_the_simulator(tmp_path: Path) -> None:
    path = tmp_path / "hourly.csv.gz"
    requests = trace_generators.generate("hourly", 3, days=1)
    trace_generators.write_csv(path, requests)

    trace = read_trace(path)
    assert trace.start == trace_generators.START
    assert trace.demand == pytest.approx([round(v) / 60 for v in requests])
    with gzip.open(path, "rt") as handle:
        assert handle.readline().strip() == "minute,requests"
