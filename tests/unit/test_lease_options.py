"""The lease options: parsed, bounded, and checked against the AWS timeouts they depend on
(settings.LeaseTiming is the one rule for the lease's clocks)."""

from __future__ import annotations

import pytest

from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.settings import Config, LeaseTiming


def build(global_values: dict[str, str]) -> Config:
    """A configuration from these [global] flag values (by option name) and one table."""
    return from_command_line("orders", {}, global_values, {})


@pytest.mark.parametrize(("duration", "bound", "margin", "validity", "renew"), [
    (60, 40, 40, 20, 10),     # the defaults: the timeouts set the margin
    (60, 10, 20, 40, 20),     # short timeouts: a third of the duration
    (6, 2, 2, 4, 2),
    (300, 40, 100, 200, 100),
], ids=["defaults", "short-timeouts", "test-sized", "long-lease"])
def test_the_margin_is_the_longer_of_a_third_and_an_update(
        duration: float, bound: float, margin: float, validity: float, renew: float) -> None:
    timing = LeaseTiming(duration, bound)
    assert (timing.margin, timing.validity, timing.renew_interval) == (margin, validity, renew)
    assert timing.problem() is None
    assert timing.call_timeout == renew / 4


def test_a_lease_shorter_than_one_and_a_half_updates_is_refused() -> None:
    assert LeaseTiming(59, 40).problem() is not None
    assert LeaseTiming(60, 40).problem() is None


def test_the_options_land_in_the_global_settings() -> None:
    config = build({"lease-table": "leases", "worker-id": "a", "lease-duration": "90",
                    "lease-region": "eu-west-1", "lease-profile": "coord"})
    g = config.global_
    assert (g.lease_table, g.worker_id, g.lease_duration, g.lease_region, g.lease_profile) == (
        "leases", "a", 90.0, "eu-west-1", "coord")


@pytest.mark.parametrize(("values", "says"), [
    ({"lease-table": "x"}, "3 to 255"),
    ({"lease-table": "has space"}, "3 to 255"),
    ({"lease-table": "leases", "lease-duration": "2"}, "at least 3"),
    ({"lease-table": "leases", "lease-duration": "7200"}, "at most 3600"),
    ({"lease-table": "leases", "lease-duration": "30"}, "1.5 times"),
    ({"lease-table": "leases", "lease-duration": "10", "read-timeout": "5",
      "connect-timeout": "2"}, "1.5 times"),
], ids=["short-name", "bad-char", "too-short", "too-long", "timeouts-default",
        "timeouts-given"])
def test_bad_lease_settings_are_refused(values: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build(values)
    assert says in str(caught.value)


def test_without_a_lease_table_the_duration_is_not_checked_against_timeouts() -> None:
    assert build({"lease-duration": "30"}).global_.lease_duration == 30
