"""example-config.conf documents every option with its true default, loads cleanly, and is
the text `dynamic-dynamodb --example-config` prints (generated from the registry)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.cli import main
from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.example import example_config
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.settings import (
    GlobalConfig,
    LoggingConfig,
    ResourcePolicy,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example-config.conf"
# A commented-out option line: "#name: value".
DOCUMENTED = re.compile(r"^#(?P<name>[a-z0-9-]+): (?P<value>.*)$")

KINDS: dict[str, tuple[tuple[options.OptionSpec, ...], Any]] = {
    "global": (options.GLOBAL_OPTIONS, GlobalConfig()),
    "logging": (options.LOGGING_OPTIONS, LoggingConfig()),
    "default_options": (options.TABLE_OPTIONS, ResourcePolicy(key="x")),
}


def documented_lines() -> list[tuple[str, str, str]]:
    """(section, option, value) of every "#option: value" line, in file order."""
    found, section = [], ""
    for line in EXAMPLE.read_text().splitlines():
        header = re.match(r"^\[(.+)\]", line)
        if header:
            section = header.group(1)
            continue
        match = DOCUMENTED.match(line)
        if match and section:
            found.append((section, match.group("name"), match.group("value")))
    return found


def default_of(spec: options.OptionSpec, defaults: Any) -> Any:
    owner = defaults.of(spec.dimension) if spec.dimension else defaults
    for part in spec.field.split("."):
        owner = getattr(owner, part)
    return owner


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_option_is_documented_in_its_section(kind: str) -> None:
    specs, _ = KINDS[kind]
    documented = {name for section, name, _ in documented_lines() if section == kind}

    assert documented == {spec.name for spec in specs}


@pytest.mark.parametrize("section,name,value",
                         [line for line in documented_lines() if line[0] in KINDS],
                         ids=[f"{s}.{n}" for s, n, _ in documented_lines() if s in KINDS])
def test_documented_value_is_the_default_or_a_valid_example(section: str, name: str,
                                                            value: str) -> None:
    specs, defaults = KINDS[section]
    spec = options.by_name(specs)[name]

    parsed = spec.parse(value)

    default = default_of(spec, defaults)
    # Options without a default (None, no windows, no message types) show an example.
    if default not in (None, (), frozenset()):
        assert parsed == default


def test_example_has_a_table_and_a_gsi_and_loads() -> None:
    config = from_command_line(None, {}, {}, {}, config_file=str(EXAMPLE))

    (table,) = config.tables
    assert table.key == "^my_table$"
    assert [gsi.key for gsi in table.gsis] == ["^my_gsi$"]


def test_show_config_of_the_example_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dynamic_dynamodb", "-c", str(EXAMPLE), "--show-config"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tables"][0]["gsis"][0]["key"] == "^my_gsi$"


def test_the_example_file_is_the_generated_one() -> None:
    """Regenerate with: dynamic-dynamodb --example-config > example-config.conf"""
    assert EXAMPLE.read_text() == example_config()


def test_example_config_flag_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--example-config"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == example_config()


def test_every_documented_option_says_what_it_does() -> None:
    """Each "#name: value" line follows a comment that is not a heading."""
    lines = EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        if DOCUMENTED.match(line):
            above = next(text for text in reversed(lines[:index])
                         if not DOCUMENTED.match(text))
            assert above.startswith("# ") and len(above) > 3, line
