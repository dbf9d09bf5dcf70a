"""Prices: us-east-1 list prices by default; a price file is checked key by key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dynamic_dynamodb.advise.pricing import PriceFileError, Prices, load_price_file
from dynamic_dynamodb.core.types import Dimension


def test_defaults_are_us_east_1_list_prices() -> None:
    p = Prices()
    assert p.unit_hour(Dimension.READS) == 0.00013
    assert p.unit_hour(Dimension.WRITES) == 0.00065
    assert p.per_request_unit(Dimension.READS) == 0.125 / 1e6
    assert p.per_request_unit(Dimension.WRITES) == 0.625 / 1e6
    assert p.metrics(12_000) == pytest.approx(0.12)


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "prices.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_price_file_overrides_what_it_names(tmp_path: Path) -> None:
    path = write(tmp_path, {"region": "eu-west-1", "read_capacity_unit_hour": 0.000147,
                            "write_request_units_per_million": 0.7063})
    p = load_price_file(path)
    assert p.region == "eu-west-1" and p.source == str(path)
    assert p.unit_hour(Dimension.READS) == 0.000147
    assert p.per_request_unit(Dimension.WRITES) == 0.7063 / 1e6
    assert p.unit_hour(Dimension.WRITES) == 0.00065  # not named: the list price


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ([1, 2], "expected a JSON object"),
    ({"read_capacity_unit_hour": -1}, "read_capacity_unit_hour: expected a number >= 0"),
    ({"read_capacity_unit_hour": "0.1"}, "expected a number"),
    ({"read_capacity_unit_hour": True}, "expected a number"),
    ({"rcu": 0.1}, "rcu: unknown key"),
    ({"region": ""}, "region: expected a non-empty string"),
], ids=["bad-json", "not-object", "negative", "string", "bool", "unknown-key", "empty-region"])
def test_a_bad_price_file_is_one_clear_error(tmp_path: Path, content: object,
                                             message: str) -> None:
    with pytest.raises(PriceFileError, match=message) as caught:
        load_price_file(write(tmp_path, content))
    assert str(caught.value).startswith("--price-file ")


def test_a_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="cannot read it"):
        load_price_file(tmp_path / "absent.json")
