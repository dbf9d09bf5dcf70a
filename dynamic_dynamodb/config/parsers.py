"""Value parsers: option text to a typed value, or ValueError with a message that says why.

Each option of the registry (options.py) names one of these; a flag and a file line
go through the same parser, so they get the same messages. Numbers are ASCII only:
``int()`` and ``float()`` also take full-width and other Unicode digits ("９０"), which
no one means to write in a configuration file and which look like ASCII in a terminal.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from dynamic_dynamodb.settings import SNS_MESSAGE_TYPES, TARGET_CANDIDATE_NAMES, ScaleTable

Parser = Callable[[str], Any]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NOT_ASCII = "write numbers with the ASCII digits 0-9"

# Largest step (percent or units) of an increase or decrease.
MAX_STEP = 1_000_000


def _ascii(text: str, expected: str) -> str:
    if not text.isascii():
        raise ValueError(f"{expected}; {_NOT_ASCII}")
    return text.strip()


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected a boolean (true/false, yes/no, on/off, 1/0)")


def parse_int(text: str) -> int:
    value_text = _ascii(text, "expected an integer")
    try:
        return int(value_text)
    except ValueError:
        pass
    # The original wrote some integers as floats ("10.0"); accept whole floats only.
    try:
        value = float(value_text)
    except ValueError:
        raise ValueError("expected an integer") from None
    if not value.is_integer():
        raise ValueError("expected an integer")
    return int(value)


def parse_float(text: str) -> float:
    value_text = _ascii(text, "expected a number")
    try:
        value = float(value_text)
    except ValueError:
        raise ValueError("expected a number") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


def non_negative(parser: Parser) -> Parser:
    def parse(text: str) -> Any:
        value = parser(text)
        if value < 0:
            raise ValueError("must not be negative")
        return value
    return parse


def positive(parser: Parser, why: str = "must be greater than 0") -> Parser:
    def parse(text: str) -> Any:
        value = parser(text)
        if value <= 0:
            raise ValueError(why)
        return value
    return parse


def at_most(parser: Parser, limit: float, unit: str = "") -> Parser:
    """Upper bounds keep values within what the runtime can represent (timeouts, steps)."""
    def parse(text: str) -> Any:
        value = parser(text)
        if value > limit:
            raise ValueError(f"must be at most {limit:g}{unit}")
        return value
    return parse


def at_least(parser: Parser, floor: float, unit: str = "") -> Parser:
    def parse(text: str) -> Any:
        value = parser(text)
        if value < floor:
            raise ValueError(f"must be at least {floor:g}{unit}")
        return value
    return parse


def choice(*choices: str) -> Parser:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            if len(choices) == 2:
                raise ValueError(f"expected {choices[0]!r} or {choices[1]!r}")
            raise ValueError(f"expected {', '.join(choices[:-1])} or {choices[-1]}")
        return value
    return parse


parse_unit = choice("percent", "units")
parse_mode = choice("threshold", "target")
parse_target_constants = choice("auto", *TARGET_CANDIDATE_NAMES)
parse_log_level = choice("debug", "info", "warning", "error", "critical")
parse_log_format = choice("text", "json")


def parse_scale(text: str) -> ScaleTable:
    """A Python-literal dict such as ``{0: 0, 80: 10, 100: 100}``; never eval()."""
    example = "expected a dict such as {0: 0, 80: 10, 100: 100}"
    literal = _ascii(text, example)
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(example) from None
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a non-empty dict such as {0: 0, 80: 10, 100: 100}")
    pairs = []
    for key, step in value.items():
        if isinstance(key, bool) or isinstance(step, bool) or \
                not isinstance(key, (int, float)) or not isinstance(step, (int, float)):
            raise ValueError("keys and values must be numbers")
        try:
            pair = (float(key), float(step))
        except OverflowError:  # an integer literal too large for a float
            raise ValueError("keys and values must be finite numbers") from None
        if not all(math.isfinite(number) for number in pair):
            raise ValueError("keys and values must be finite numbers")
        if pair[0] < 0 or pair[1] < 0:
            raise ValueError("keys and values must not be negative")
        if pair[1] > MAX_STEP:
            raise ValueError(f"steps must be at most {MAX_STEP:g}")
        pairs.append(pair)
    return tuple(sorted(pairs))


def parse_sns_types(text: str) -> frozenset[str]:
    types = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in types if t not in SNS_MESSAGE_TYPES]
    if unknown:
        raise ValueError(f"unknown message type(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(sorted(SNS_MESSAGE_TYPES))}")
    return frozenset(types)


def parse_url(text: str) -> str:
    """An http(s) URL with a host; ``user:pass@`` is allowed (basic auth)."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError("expected an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL")
    if any(ch.isspace() for ch in value):
        raise ValueError("a URL must not contain spaces")
    return value


def matching(pattern: str, expected: str) -> Parser:
    """Text (stripped) that matches ``pattern`` whole, or ValueError saying ``expected``."""
    compiled = re.compile(pattern)

    def parse(text: str) -> str:
        value = text.strip()
        if not compiled.fullmatch(value):
            raise ValueError(expected)
        return value
    return parse


# An SNS topic ARN: arn:<partition>:sns:<region>:<account>:<topic name> (ASCII digits:
# \d would take any Unicode digit).
parse_sns_arn = matching(
    r"arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?",
    "expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic")
# botocore's rule for region names (a DNS label), without importing botocore here.
parse_region = matching(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?",
                        "expected an AWS region name such as us-east-1")
# DynamoDB's rule for table names.
parse_table_name = matching(r"[a-zA-Z0-9_.-]{3,255}",
                            "expected a DynamoDB table name: 3 to 255 letters, digits, "
                            "'_', '-' or '.'")


def parse_str(text: str) -> str:
    return text.strip()


def parse_non_empty(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_regions(text: str) -> tuple[str, ...]:
    """A comma-separated list of region names, each once: ``eu-west-1, us-east-1``."""
    names = [name.strip() for name in text.split(",")]
    if not any(names):
        raise ValueError("expected region names separated by commas, such as "
                         "eu-west-1, us-east-1")
    regions: list[str] = []
    for name in names:
        if not name:
            raise ValueError("an empty region name between two commas")
        region = parse_region(name)
        if region in regions:
            raise ValueError(f"region {region} is named twice")
        regions.append(region)
    return tuple(regions)


# An [account: NAME]'s name: it becomes part of target ids (NAME/REGION), lease keys,
# log prefixes and Prometheus labels, so letters, digits and . _ - only.
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
ACCOUNT_NAME_RULE = ("1-63 letters, digits, '.', '_' or '-', starting with a letter or "
                     "digit")


def parse_account_names(text: str) -> frozenset[str]:
    """A comma-separated list of [account: NAME] names: ``prod, staging``."""
    names = [name.strip() for name in text.split(",")]
    if not any(names):
        raise ValueError("expected account names separated by commas, such as prod, staging")
    for name in names:
        if not ACCOUNT_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not an account name ({ACCOUNT_NAME_RULE})")
    return frozenset(names)


# IAM's patterns (AssumeRole's parameters), with ASCII classes: \w would take any
# Unicode letter.
parse_role_arn = matching(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}",
                          "expected an IAM role ARN such as "
                          "arn:aws:iam::123456789012:role/dynamic-dynamodb")
parse_external_id = matching(r"[A-Za-z0-9_+=,.@:/-]{2,1224}",
                             "expected 2-1224 characters: letters, digits and _+=,.@:/-")
parse_session_name = matching(r"[A-Za-z0-9_+=,.@-]{2,64}",
                              "expected 2-64 characters: letters, digits and _+=,.@-")
