"""`dynamic-dynamodb advise`: bad flags are one clear message and exit code 2, before
any AWS call (no endpoint is configured here: a call would fail, not reach AWS)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dynamic_dynamodb.advise.command import advice_window, publication_allowance
from dynamic_dynamodb.cli import main
from dynamic_dynamodb.config.loader import from_command_line


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    out, err = capsys.readouterr()
    return int(excinfo.value.code or 0), out, err


@pytest.mark.parametrize("argv, message", [
    (["--days", "0"], "--days"),
    (["--days", "64"], "--days"),
    (["--max-throttled-percent", "-1"], "--max-throttled-percent"),
    (["--price-file", "{missing}"], "--price-file"),
    (["--price-file", "{bad}"], "unknown key"),
    (["-c", "{missing}"], "missing.conf"),
], ids=["days-0", "days-64", "negative-bound", "price-file-missing", "price-file-bad",
        "config-missing"])
def test_bad_input_is_exit_2(argv: list[str], message: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rcu": 1}')
    argv = [a.format(missing=tmp_path / "missing.conf", bad=bad) for a in argv]
    code, out, err = run(["advise", *argv], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err and out == ""


def test_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["advise", "--help"], capsys)
    assert code == 0
    for option in ("--days", "--json", "--output-dir", "--price-file", "--write-config",
                   "--yes", "--max-throttled-percent"):
        assert option in out


@pytest.mark.parametrize("days, resolution", [(1, 60), (15, 60), (16, 300), (63, 300)])
def test_the_window_ends_before_the_newest_five_minutes(days: int, resolution: int) -> None:
    now = datetime(2024, 5, 15, 12, 7, 42, tzinfo=timezone.utc)
    window = advice_window(now, days)
    assert window.end == datetime(2024, 5, 15, 12, 0, tzinfo=timezone.utc)
    assert window.minutes == days * 1440 and window.resolution == resolution


@pytest.mark.parametrize("now, allowance, end", [
    ((12, 7, 42), 3, (12, 0)),
    ((12, 7, 42), 5, (12, 0)),    # 12:02:42 -> the period ending 12:00
    ((12, 7, 42), 8, (11, 55)),   # 11:59:42 -> the period ending 11:55
    ((12, 5, 0), 10, (11, 55)),
    ((12, 5, 0), 60, (11, 5)),
], ids=["default", "five", "eight", "ten-on-a-boundary", "an-hour"])
def test_every_minute_of_the_window_ended_the_publication_allowance_ago(
        now: tuple[int, int, int], allowance: int, end: tuple[int, int]) -> None:
    at = datetime(2024, 5, 15, *now, tzinfo=timezone.utc)
    window = advice_window(at, 1, allowance)
    assert window.end == datetime(2024, 5, 15, *end, tzinfo=timezone.utc)
    assert (at - window.end).total_seconds() >= allowance * 60


def test_the_allowance_is_the_largest_of_the_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "advise.conf"
    conf.write_text("[table: ^a$]\nmetrics-publication-allowance: 4\n"
                    "[gsi: ^g$ table: ^a$]\nmetrics-publication-allowance: 9\n"
                    "[table: ^b$]\n")
    config = from_command_line(None, {}, {}, {}, config_file=str(conf))
    assert publication_allowance(config) == 9
    assert publication_allowance(from_command_line(".*", {}, {}, {})) == 3


def test_output_dir_without_matplotlib_is_exit_2(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were missing
    code, _, err = run(["advise", "--output-dir", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "pip install 'dynamic-dynamodb[plot]'" in err
    assert not (tmp_path / "out").exists()
