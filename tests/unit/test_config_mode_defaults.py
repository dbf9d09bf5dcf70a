"""Issue 12, item 1: with scaling-mode target, the check interval and lookback options a
user leaves unset take the values the mode was designed for, and --show-config says
where every value came from (a set value always wins)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dynamic_dynamodb.cli import main
from dynamic_dynamodb.config.loader import (
    TARGET_MODE_INTERVAL_ORIGIN,
    TARGET_MODE_ORIGIN,
    from_command_line,
)
from dynamic_dynamodb.config.show import origins_as_dict
from dynamic_dynamodb.settings import TARGET_MODE_DEFAULTS, Config


def flags(**table: str) -> Config:
    return from_command_line("^t$", table, {}, {}, runtime={"dry_run": False})


def from_file(tmp_path: Path, text: str, **global_values: str) -> Config:
    path = tmp_path / "dd.conf"
    path.write_text(text)
    return from_command_line(None, {}, global_values, {}, runtime={"dry_run": False},
                             config_file=str(path))


def test_target_mode_alone_takes_the_modes_design() -> None:
    config = flags(**{"scaling-mode": "target"})
    table = config.tables[0]

    assert (config.global_.check_interval, table.lookback_window_start,
            table.lookback_period) == (60, 7, 7) == (
        TARGET_MODE_DEFAULTS.check_interval, TARGET_MODE_DEFAULTS.lookback_window_start,
        TARGET_MODE_DEFAULTS.lookback_period)
    assert origins_as_dict(config)["global"] == {"check-interval": TARGET_MODE_INTERVAL_ORIGIN}
    assert origins_as_dict(config)["tables"]["^t$"] == {
        "scaling-mode": "command line", "lookback-window-start": TARGET_MODE_ORIGIN,
        "lookback-period": TARGET_MODE_ORIGIN}


def test_threshold_mode_keeps_the_built_in_defaults() -> None:
    config = flags()
    table = config.tables[0]

    assert (config.global_.check_interval, table.lookback_window_start,
            table.lookback_period) == (300, 8, 5)
    assert origins_as_dict(config)["global"] == {}
    assert origins_as_dict(config)["tables"]["^t$"] == {}


def test_a_set_value_wins_and_says_where_it_was_set() -> None:
    config = from_command_line("^t$", {"scaling-mode": "target", "lookback-window-start": "10",
                                       "lookback-period": "4"},
                               {"check-interval": "120"}, {}, runtime={"dry_run": False})
    table = config.tables[0]

    assert (config.global_.check_interval, table.lookback_window_start,
            table.lookback_period) == (120, 10, 4)
    assert origins_as_dict(config)["global"] == {"check-interval": "command line"}
    assert set(origins_as_dict(config)["tables"]["^t$"].values()) == {"command line"}


def test_an_unset_period_follows_a_set_window_start() -> None:
    # The mode's window reaches up to now: a start of 5 gets a period of 5, not 7 (which
    # would reach into the future and be refused).
    table = flags(**{"scaling-mode": "target", "lookback-window-start": "5"}).tables[0]

    assert (table.lookback_window_start, table.lookback_period) == (5, 5)
    assert table.origins["lookback_period"] == TARGET_MODE_ORIGIN


def test_the_interval_is_the_modes_only_when_every_section_is_in_it(tmp_path: Path) -> None:
    # The interval is global: a threshold section checked every minute would count its
    # checks-before-scale-down five times as fast.
    mixed = from_file(tmp_path, "[table: ^a$]\nscaling-mode: target\n\n[table: ^b$]\n")
    target = from_file(tmp_path, "[default_options]\nscaling-mode: target\n\n"
                                 "[table: ^a$]\n\n[gsi: ^i$ table: ^a$]\n")

    assert mixed.global_.check_interval == 300
    assert (mixed.tables[0].lookback_window_start, mixed.tables[1].lookback_window_start) \
        == (7, 8)
    assert target.global_.check_interval == 60
    assert target.tables[0].gsis[0].lookback_period == 7
    origins = origins_as_dict(target)
    assert origins["tables"]["^a$"]["scaling-mode"].endswith("[default_options]")
    assert origins["tables"]["^a$"]["gsis"]["^i$"]["lookback-period"] == TARGET_MODE_ORIGIN


def test_show_config_prints_the_origins(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--table-name", "t", "--scaling-mode", "target", "--show-config"])

    assert exited.value.code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["global"]["check-interval"] == 60
    assert shown["origins"]["global"]["check-interval"] == TARGET_MODE_INTERVAL_ORIGIN
    assert shown["origins"]["tables"]["t"]["lookback-period"] == TARGET_MODE_ORIGIN
