"""`simulate --sweep`: AWS native at 40..90 % and the target mode at several targets on
one trace, a table and a frontier plot; and `--gaps` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dynamic_dynamodb.simulate import sweep

from .test_simulate_cli import run


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    """Three hours from 22:00 UTC: a daily-cycle-like ramp with a surge, one minute
    without a row (at 23:30)."""
    path = tmp_path / "load.csv"
    rows = ["period,count"]
    for minute in range(180):
        if minute == 90:
            continue
        hour, mm = divmod(22 * 60 + minute, 60)
        day = 4 + hour // 24
        load = 600 + 30 * minute + (4000 if 120 <= minute < 125 else 0)
        rows.append(f"2024-03-0{day} {hour % 24:02d}:{mm:02d}:00,{load}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_sweep_runs_native_and_the_target_mode_at_each_target(
        trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["simulate", str(trace), "--sweep", "--json"], capsys)

    assert code == 0, err
    result = json.loads(out)
    runs = [(s["family"], s["target_percent"]) for s in result["sweep"]]
    assert runs == ([("AWS native", t) for t in sweep.NATIVE_TARGETS]
                    + [("target mode", t) for t in sweep.MODE_TARGETS])
    costs = {run: p["cost_ratio"] for run, p in zip(runs, result["policies"], strict=True)}
    # A higher target provisions less, for both.
    assert costs[("AWS native", 40.0)] > costs[("AWS native", 90.0)]
    assert costs[("target mode", 70.0)] > costs[("target mode", 100.0)]
    assert result["gaps"] == {"fill": "hold", "filled_minutes": 1}


def test_sweep_prints_a_table_and_draws_the_frontier(
        trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "frontier.png"

    code, out, err = run(["simulate", str(trace), "--sweep", "--plot", str(png)], capsys)

    assert code == 0, err
    assert "| AWS native | 40 |" in out and "| target mode | 100 |" in out
    assert "gaps: 1 minute(s) without a row, filled: each holds the last value" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_keeps_the_configurations_other_settings(
        trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["simulate", str(trace), "--sweep", "--json",
                        "--max-provisioned-reads", "50"], capsys)

    assert code == 0
    capped = json.loads(out)["policies"][len(sweep.NATIVE_TARGETS):]
    assert all(p["throttled_percent"] > 10 for p in capped)  # the demand reaches 140


@pytest.mark.parametrize("extra", [["--compare"], ["--output", "out.csv"]])
def test_sweep_refuses_compare_and_output(trace: Path, capsys: pytest.CaptureFixture[str],
                                          extra: list[str]) -> None:
    code, _, err = run(["simulate", str(trace), "--sweep", *extra], capsys)

    assert code == 2
    assert "--sweep runs its own policies" in err


@pytest.mark.parametrize("gaps,filled_with", [("zero", "no load"),
                                               ("interpolate", "a straight line")])
def test_gaps_option(trace: Path, capsys: pytest.CaptureFixture[str], gaps: str,
                     filled_with: str) -> None:
    code, out, _ = run(["simulate", str(trace), "--gaps", gaps], capsys)

    assert code == 0
    assert f"gaps: 1 minute(s) without a row, filled: {filled_with}" in out
