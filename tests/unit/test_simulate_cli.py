"""`dynamic-dynamodb simulate`: the real Scheduler on a small trace, its outputs, and
one clear message with exit code 2 for bad input."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest

from dynamic_dynamodb.cli import main

TARGET = ["--scaling-mode", "target", "--check-interval", "60",
          "--lookback-window-start", "7", "--lookback-period", "5"]


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    """Two hours from 23:00 UTC: 10 units/s, then 100 units/s after 60 minutes."""
    path = tmp_path / "load.csv"
    rows = ["period,count"]
    for minute in range(120):
        hour, mm = divmod(23 * 60 + minute, 60)
        day = 4 + hour // 24
        rows.append(f"2024-03-0{day} {hour % 24:02d}:{mm:02d}:00,"
                    f"{600 if minute < 60 else 6000}")
    path.write_text("\n".join(rows) + "\n")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    out, err = capsys.readouterr()
    return int(excinfo.value.code or 0), out, err


def test_json_of_the_configured_policy(trace: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["simulate", str(trace), "--json", *TARGET], capsys)

    assert code == 0, err
    result = json.loads(out)
    assert (result["minutes"], result["dimension"]) == (120, "reads")
    assert result["start"] == "2024-03-04T23:00:00+00:00"
    [policy] = result["policies"]
    assert policy["policy"].startswith("this configuration (target mode")
    # The step to 10x is seen 3 minutes late and served from 5 minutes late: some
    # throttling, then capacity follows; cost stays within a small factor.
    assert 0 < policy["throttled_percent"] < 10
    assert 1.0 < policy["cost_ratio"] < 2.0
    assert policy["failed_cycles"] == 0


def test_compare_adds_native_classic_on_demand_and_peak(
        trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["simulate", str(trace), "--json", "--compare", *TARGET], capsys)

    assert code == 0
    names = [p["policy"] for p in json.loads(out)["policies"]]
    assert names[1:] == ["AWS native target tracking 70 %",
                         "classic (original README settings)",
                         "on-demand (pay per request)", "provisioned for the peak"]


def test_text_table(trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["simulate", str(trace), *TARGET], capsys)

    assert code == 0
    assert "| policy | throttled % of demand | cost x oracle | $/month |" in out
    assert "120 minutes" in out


def test_output_csv_has_a_row_per_minute(trace: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "minutes.csv"
    code, _, _ = run(["simulate", str(trace), "--output", str(out_file), *TARGET], capsys)

    assert code == 0
    rows = list(csv.DictReader(out_file.open()))
    assert list(rows[0]) == ["minute", "demand", "provisioned", "consumed", "throttled"]
    assert len(rows) == 120
    assert float(rows[119]["demand"]) == pytest.approx(100.0)
    assert int(rows[119]["provisioned"]) >= 100


def test_plot_writes_a_png(trace: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "plot.png"
    code, _, _ = run(["simulate", str(trace), "--plot", str(png), "--compare", *TARGET], capsys)

    assert code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_writes_are_priced_as_writes(trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices = {}
    for dimension in ("reads", "writes"):
        code, out, _ = run(["simulate", str(trace), "--json", "--compare", "--dimension",
                            dimension, *TARGET], capsys)
        assert code == 0
        prices[dimension] = json.loads(out)["policies"][-2]["dollars_per_month"]

    assert prices["writes"] == pytest.approx(5 * prices["reads"])  # $0.625 vs $0.125


def test_config_file_section_matches_the_simulated_table(
        trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "dd.conf"
    conf.write_text(textwrap.dedent("""\
        [global]
        check-interval: 60
        [table: ^orders$]
        scaling-mode: target
        lookback-window-start: 7
        lookback-period: 5
        """))

    code, out, err = run(["simulate", str(trace), "--config", str(conf), "--table", "orders",
                          "--json"], capsys)

    assert code == 0, err
    assert "target mode, check every 60 s" in json.loads(out)["policies"][0]["policy"]


BAD = [
    ("not-a-number", "60\nabc\n", [], "line 2"),
    ("bad-scale", "60\n", ["--scale", "-1"], "--scale"),
    ("bad-option-value", "60\n", ["--scaling-mode", "fast"], "scaling-mode"),
]


@pytest.mark.parametrize("text,extra,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            text: str, extra: list[str], message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)

    code, _, err = run(["simulate", str(path), *extra], capsys)

    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_missing_trace_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["simulate", str(tmp_path / "nope.csv")], capsys)

    assert code == 2
    assert "does not exist" in err


def test_config_without_the_simulated_table_exits_2(
        trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "dd.conf"
    conf.write_text("[table: ^orders$]\n")

    code, _, err = run(["simulate", str(trace), "--config", str(conf)], capsys)

    assert code == 2
    assert "no table named 'simulated'" in err


# Checked before the simulation runs: each is one message, exit 2, no output written.
BAD_OUTPUTS = [
    ("output-missing-folder", ["--output", "{tmp}/missing/minutes.csv"],
     "--output", "folder {tmp}/missing does not exist"),
    ("plot-missing-folder", ["--plot", "{tmp}/missing/plot.png"],
     "--plot", "folder {tmp}/missing does not exist"),
    ("plot-not-an-image", ["--plot", "{tmp}/out.txt"],
     "--plot", "a plot is written as PNG, SVG or PDF; name the file .png, .svg or .pdf"),
    ("output-is-a-folder", ["--output", "{tmp}"], "--output", "is a directory"),
    ("plot-start-after-the-end", ["--plot", "{tmp}/plot.png", "--plot-start-day", "1"],
     "--plot-start-day", "day 1 is past the end of the trace, which is 0.08 days long"),
]


@pytest.mark.parametrize("extra,flag,message", [b[1:] for b in BAD_OUTPUTS],
                         ids=[b[0] for b in BAD_OUTPUTS])
def test_bad_output_is_refused_before_running(
        trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        extra: list[str], flag: str, message: str) -> None:
    if flag != "--output":
        pytest.importorskip("matplotlib")
    argv = [arg.format(tmp=tmp_path) for arg in extra]

    code, out, err = run(["simulate", str(trace), *argv, *TARGET], capsys)

    assert code == 2
    assert out == ""
    assert flag in err and message.format(tmp=tmp_path) in " ".join(err.split())
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.csv"]


def test_unwritable_output_folder_is_refused(
        trace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root ignores permissions
        pytest.skip("running as a user who can write anywhere")

    code, _, err = run(["simulate", str(trace), "--output", str(locked / "m.csv")], capsys)

    assert code == 2
    assert "permission denied" in err


@pytest.mark.parametrize("rows,message", [
    ("2024-03-04 23:00:00,600\n2024-03-04 23:00:00,600\n", "line 3: a second row for minute"),
    ("2024-03-04 23:01:00,600\n2024-03-04 23:00:00,600\n", "rows must be in time order"),
    ("2024-03-04 23:00:00,1e308\n", "line 2: the load 1e+308"),
], ids=["duplicate", "out-of-order", "absurd"])
def test_bad_trace_rows_are_refused_naming_the_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text("period,count\n" + rows)

    code, _, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_write_that_fails_after_the_run_is_one_message_and_exit_1(
        trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = Path("/dev/full")  # every write fails with ENOSPC
    if not full.exists():
        pytest.skip("no /dev/full here")

    code, _, err = run(["simulate", str(trace), "--output", str(full), *TARGET], capsys)

    assert code == 1
    assert "/dev/full" in err and "No space left on device" in err
    assert "Traceback" not in err
