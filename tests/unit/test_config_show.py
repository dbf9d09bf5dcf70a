"""--show-config: every table with defaults filled in, GSIs nested, secrets masked."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.config.show import config_as_dict, show_config
from dynamic_dynamodb.settings import Config

FILE = """\
    [global]
    region: eu-west-1
    aws-access-key-id: AKIAEXAMPLEKEYID
    aws-secret-access-key-id: wJalrXUtnFEMIsecret
    circuit-breaker-url: https://ops:hunter2@status.example.com:8443/ok?x=1

    [default_options]
    reads-upper-threshold: 80
    maintenance-windows: 23:00-01:00

    [table: ^orders$]
    increase-consumed-reads-scale: {0: 0, 80: 10, 100: 100}
    sns-message-types: scale-up, error
    sns-topic-arn: arn:aws:sns:eu-west-1:123456789012:dd

    [gsi: ^by_customer$ table: ^orders$]
    circuit-breaker-url: http://admin:s3cr3t@gsi.example.com/ok

    [table: ^events]
    """


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "dd.conf"
    path.write_text(textwrap.dedent(FILE))
    return from_command_line(None, {}, {}, {}, config_file=str(path))


def test_every_table_option_is_shown_with_defaults_filled_in(config: Config) -> None:
    shown = config_as_dict(config)

    names = {spec.name for spec in options.TABLE_OPTIONS}
    orders, events = shown["tables"]
    assert set(orders) == names | {"key", "gsis"}
    assert set(events) == names | {"key", "gsis"}
    assert set(orders["gsis"][0]) == names | {"key"}
    assert (orders["key"], events["key"], orders["gsis"][0]["key"]) == (
        "^orders$", "^events", "^by_customer$")
    assert events["reads-upper-threshold"] == 80.0        # from [default_options]
    assert events["writes-upper-threshold"] == 90.0       # built-in default
    assert events["maintenance-windows"] == ["23:00-01:00"]
    assert orders["increase-consumed-reads-scale"] == {"0": 0.0, "80": 10.0, "100": 100.0}
    assert orders["sns-message-types"] == ["error", "scale-up"]
    assert events["gsis"] == []


def test_secrets_are_masked(config: Config) -> None:
    shown = config_as_dict(config)
    text = show_config(config)

    assert shown["global"]["aws-access-key-id"] == "***"
    assert shown["global"]["aws-secret-access-key"] == "***"
    assert shown["global"]["circuit-breaker-url"] == (
        "https://ops:***@status.example.com:8443/ok?x=1")
    assert shown["tables"][1]["circuit-breaker-url"] == (
        "https://ops:***@status.example.com:8443/ok?x=1")
    assert shown["tables"][0]["gsis"][0]["circuit-breaker-url"] == (
        "http://admin:***@gsi.example.com/ok")
    for secret in ("AKIAEXAMPLEKEYID", "wJalrXUtnFEMIsecret", "hunter2", "s3cr3t"):
        assert secret not in text


def test_output_is_json_with_global_and_logging(config: Config) -> None:
    shown = json.loads(show_config(config))

    assert shown["source"].endswith("dd.conf")
    assert shown["global"]["region"] == "eu-west-1"
    assert shown["global"]["check-interval"] == 300
    assert shown["global"]["dry-run"] is False
    assert shown["logging"] == {"log-level": "info", "log-file": None,
                                "log-config-file": None, "log-format": "text"}


def test_unset_keys_show_as_null() -> None:
    shown = config_as_dict(from_command_line("^t$", {}, {}, {}))

    assert shown["global"]["aws-access-key-id"] is None
    assert shown["global"]["circuit-breaker-url"] is None
    assert shown["tables"][0]["min-provisioned-reads"] is None


def test_origins_say_where_each_value_was_set(tmp_path: Path) -> None:
    path = tmp_path / "dd.conf"
    path.write_text(textwrap.dedent(FILE))
    config = from_command_line(None, {"writes-lower-threshold": "20"},
                               {"check-interval": "60"}, {}, config_file=str(path))

    origins = config_as_dict(config)["origins"]

    conf = str(path)
    assert origins["global"] == {"region": f"{conf} [global]",
                                 "aws-access-key-id": f"{conf} [global]",
                                 "aws-secret-access-key": f"{conf} [global]",
                                 "circuit-breaker-url": f"{conf} [global]",
                                 "check-interval": "command line"}
    assert origins["logging"] == {}
    orders = origins["tables"]["^orders$"]
    assert orders["reads-upper-threshold"] == f"{conf} [default_options]"
    assert orders["increase-consumed-reads-scale"] == f"{conf} [table: ^orders$]"
    assert orders["writes-lower-threshold"] == "command line"
    assert orders["circuit-breaker-url"] == f"{conf} [global]"      # inherited
    assert "reads-lower-threshold" not in orders                     # the built-in default
    gsi = orders["gsis"]["^by_customer$"]
    assert gsi["circuit-breaker-url"] == f"{conf} [gsi: ^by_customer$ table: ^orders$]"
    assert gsi["maintenance-windows"] == f"{conf} [default_options]"


def test_origins_do_not_change_equality() -> None:
    assert from_command_line("^t$", {"reads-upper-threshold": "90"}, {}, {}) == \
        from_command_line("^t$", {}, {}, {})
