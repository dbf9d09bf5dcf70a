"""Prices: us-east-1 list prices by default, or a price file (``--price-file``).

The price file is JSON: an object whose keys are any of the fields below; a key left
out keeps its us-east-1 list price. For other regions write that region's prices; for
a discount or reserved capacity write the effective price (for reserved capacity: the
upfront payment spread over the hours of its term, plus its hourly price).

    {
      "region": "eu-west-1",
      "read_capacity_unit_hour": 0.000147,
      "write_capacity_unit_hour": 0.000735,
      "read_request_units_per_million": 0.1413,
      "write_request_units_per_million": 0.7063,
      "get_metric_data_per_1000_metrics": 0.01
    }

A month is 730 hours, as on AWS's price pages.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from dynamic_dynamodb.core.types import Dimension
from dynamic_dynamodb.cost import USD_PER_1000_METRICS
from dynamic_dynamodb.errors import DynamicDynamoDBError
from dynamic_dynamodb.simulate.report import (
    HOURS_PER_MONTH,
    ON_DEMAND_PER_MILLION,
    PROVISIONED_PER_UNIT_HOUR,
)

MINUTES_PER_MONTH = HOURS_PER_MONTH * 60


class PriceFileError(DynamicDynamoDBError):
    """The price file cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Prices:
    region: str = "us-east-1"
    read_capacity_unit_hour: float = PROVISIONED_PER_UNIT_HOUR[Dimension.READS]
    write_capacity_unit_hour: float = PROVISIONED_PER_UNIT_HOUR[Dimension.WRITES]
    read_request_units_per_million: float = ON_DEMAND_PER_MILLION[Dimension.READS]
    write_request_units_per_million: float = ON_DEMAND_PER_MILLION[Dimension.WRITES]
    get_metric_data_per_1000_metrics: float = USD_PER_1000_METRICS
    source: str = "built-in"

    def unit_hour(self, dimension: Dimension) -> float:
        """Provisioned: dollars per capacity unit per hour."""
        return (self.read_capacity_unit_hour if dimension is Dimension.READS
                else self.write_capacity_unit_hour)

    def per_request_unit(self, dimension: Dimension) -> float:
        """On-demand: dollars per request unit (one consumed capacity unit)."""
        per_million = (self.read_request_units_per_million if dimension is Dimension.READS
                       else self.write_request_units_per_million)
        return per_million / 1e6

    def metrics(self, count: int) -> float:
        """CloudWatch: dollars for ``count`` metrics requested with GetMetricData."""
        return count / 1000 * self.get_metric_data_per_1000_metrics

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PRICE_KEYS = [f.name for f in fields(Prices) if f.name not in ("region", "source")]


def load_price_file(path: str | Path) -> Prices:
    """Prices from a JSON price file; PriceFileError names the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceFileError(f"--price-file {path}: cannot read it: "
                             f"{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PriceFileError(f"--price-file {path}: not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PriceFileError(f"--price-file {path}: not valid JSON: {exc.msg} at line "
                             f"{exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise PriceFileError(f"--price-file {path}: expected a JSON object of prices")
    problems = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "region":
            if not isinstance(value, str) or not value.strip():
                problems.append("region: expected a non-empty string")
            else:
                values["region"] = value.strip()
        elif key not in _PRICE_KEYS:
            problems.append(f"{key}: unknown key (known: region, {', '.join(_PRICE_KEYS)})")
        elif (isinstance(value, bool) or not isinstance(value, (int, float))
              or not math.isfinite(value) or value < 0):
            problems.append(f"{key}: expected a number >= 0 (dollars), not {value!r}")
        else:
            values[key] = float(value)
    if problems:
        raise PriceFileError(f"--price-file {path}: " + "; ".join(problems))
    region = values.pop("region", "as given in the price file")
    return replace(Prices(), region=region, source=str(path), **values)
