"""Values that parse but cannot be meant are refused with a message that says why: digits
that are not ASCII, capacities beyond what DynamoDB can provision, a step of 0, a lower
threshold that can never trigger."""

from __future__ import annotations

import pytest

from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.settings import MAX_CONFIGURABLE_CAPACITY, Config


def problems(table: dict[str, str], glob: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as excinfo:
        from_command_line("^t$", table, glob or {}, {})
    return [str(problem) for problem in excinfo.value.problems]


def loads(table: dict[str, str]) -> Config:
    return from_command_line("^t$", table, {}, {})


# (id, table option values, global option values, expected message part)
REFUSED = [
    ("full-width-float", {"reads-upper-threshold": "９０"}, {},
     "reads-upper-threshold = '９０': expected a number; write numbers with the ASCII digits"),
    ("full-width-int", {"min-provisioned-reads": "５"}, {},
     "expected an integer; write numbers with the ASCII digits 0-9"),
    ("arabic-indic-int", {"max-provisioned-writes": "١٠٠"}, {}, "ASCII digits"),
    ("full-width-global", {}, {"check-interval": "３００"}, "ASCII digits"),
    ("full-width-window", {"maintenance-windows": "２２:００-２３:００"}, {}, "ASCII digits"),
    ("full-width-scale", {"increase-consumed-reads-scale": "{０: 0}"}, {}, "ASCII digits"),
    ("full-width-sns-account", {"sns-topic-arn": "arn:aws:sns:us-east-1:１２３456789012:t"}, {},
     "expected an SNS topic ARN"),
    ("max-10e23", {"max-provisioned-reads": "100000000000000000000000"}, {},
     "must be at most 1e+06 capacity units (25 times DynamoDB's default per-table quota"),
    ("max-1e23-float-form", {"max-provisioned-writes": "1e23"}, {}, "must be at most 1e+06"),
    ("max-one-above-cap", {"max-provisioned-reads": str(MAX_CONFIGURABLE_CAPACITY + 1)}, {},
     "must be at most"),
    ("min-above-cap", {"min-provisioned-writes": "2000000",
                       "max-provisioned-writes": "2000000"}, {}, "must be at most"),
    ("increase-with-0-percent", {"increase-reads-with": "0"}, {},
     "increase-reads-with = '0': a step of 0 never increases the capacity; to turn increases "
     "off, set enable-reads-up-scaling: false"),
    ("increase-with-0-units", {"increase-writes-with": "0.0", "increase-writes-unit": "units"},
     {}, "a step of 0 never increases the capacity; to turn increases off, set "
         "enable-writes-up-scaling: false"),
    ("increase-consumed-with-0", {"increase-consumed-reads-with": "0"}, {},
     "increase-consumed-reads-with = '0': a step of 0 never increases"),
    ("decrease-with-0", {"decrease-writes-with": "0"}, {},
     "a step of 0 never decreases the capacity; to turn decreases off, set "
     "enable-writes-down-scaling: false"),
    ("decrease-consumed-with-0", {"decrease-consumed-reads-with": "0", "decrease-consumed-"
                                  "reads-unit": "units"}, {}, "a step of 0 never decreases"),
    ("lower-threshold-0", {"reads-lower-threshold": "0"}, {},
     "reads-lower-threshold: reads-lower-threshold 0 can never trigger a decrease (consumed % "
     "is never below 0); to turn decreases off, set enable-reads-down-scaling: false"),
]


@pytest.mark.parametrize("table,glob,message", [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_refused_with_why(table: dict[str, str], glob: dict[str, str], message: str) -> None:
    found = problems(table, glob)

    assert any(message in problem for problem in found), found


# (id, table option values): close to a refused value, and meant.
ACCEPTED = [
    ("max-at-cap", {"max-provisioned-reads": str(MAX_CONFIGURABLE_CAPACITY)}),
    ("min-and-max-at-cap", {"min-provisioned-reads": str(MAX_CONFIGURABLE_CAPACITY),
                            "max-provisioned-reads": str(MAX_CONFIGURABLE_CAPACITY)}),
    ("smallest-steps", {"increase-reads-with": "0.1", "decrease-reads-with": "1",
                        "decrease-reads-unit": "units"}),
    ("whole-float-integer", {"max-provisioned-writes": "500.0"}),
    ("underscored-ascii", {"max-provisioned-writes": "10_000"}),
    # Consumed % can exceed 100 (burst, or a capacity lowered during the window): an upper
    # threshold above 100 can trigger.
    ("upper-threshold-above-100", {"reads-upper-threshold": "150"}),
    ("lower-0-with-down-scaling-off", {"reads-lower-threshold": "0",
                                       "enable-reads-down-scaling": "false"}),
    ("lower-0-with-dimension-off", {"writes-lower-threshold": "0",
                                    "enable-writes-autoscaling": "no"}),
    ("lower-0-with-a-decrease-table", {"reads-lower-threshold": "0",
                                       "decrease-consumed-reads-scale": "{10: 50}"}),
    ("lower-0-in-target-mode", {"reads-lower-threshold": "0", "scaling-mode": "target"}),
    ("step-table-with-a-0-step", {"increase-consumed-reads-scale": "{0: 0, 80: 10}"}),
]


@pytest.mark.parametrize("table", [a[1] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_accepted(table: dict[str, str]) -> None:
    assert loads(table).tables[0].key == "^t$"


def test_each_refusal_is_one_problem_where_it_was_written() -> None:
    """Each refusal is one problem, located where it was written."""
    found = problems({"increase-reads-with": "0", "reads-lower-threshold": "0",
                      "max-provisioned-writes": "1e23"})

    assert len(found) == 3
    assert all(problem.startswith("command line") for problem in found)
