"""Whatever a configuration file holds, loading it gives a Config or a ConfigError whose
report can be printed: never another exception, never a traceback for the user."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import ConfigError
from dynamic_dynamodb.settings import Config

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that can be written as UTF-8 (no lone surrogates).
TEXT = st.characters(exclude_categories=["Cs"])
ALL_SPECS = options.TABLE_OPTIONS + options.GLOBAL_OPTIONS + options.LOGGING_OPTIONS


@pytest.fixture(scope="module")
def scratch() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield os.path.join(directory, "dd.conf")


def load_bytes(path: str, data: bytes) -> Config | ConfigError:
    with open(path, "wb") as handle:
        handle.write(data)
    try:
        return from_command_line(None, {}, {}, {}, config_file=path)
    except ConfigError as exc:
        assert exc.problems
        assert exc.report()  # printable
        return exc


def load_text(path: str, text: str) -> Config | ConfigError:
    return load_bytes(path, text.encode("utf-8"))


@SETTINGS
@given(st.text(TEXT, max_size=400))
def test_arbitrary_text(scratch: str, text: str) -> None:
    assert isinstance(load_text(scratch, text), (Config, ConfigError))


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes(scratch: str, data: bytes) -> None:
    assert isinstance(load_bytes(scratch, data), (Config, ConfigError))


HEADERS = st.sampled_from([
    "[global]", "[logging]", "[default_options]", "[table: ^t$]", "[table: ^u]",
    "[gsi: ^i$ table: ^t$]", "[gsi: ^j table: ^u]", "[gsi: x table: nope]", "[table: (]",
    "[table:]", "[DEFAULT]", "[gsi: ^i$]", " [global]", "[tabel: x]",
]) | st.builds("[{}]".format, st.text(TEXT, min_size=1, max_size=20))
NAMES = st.sampled_from([spec.name for spec in ALL_SPECS]) | st.text(TEXT, max_size=20)
VALUES = st.sampled_from(["1", "0", "-1", "80", "1e999", "nan", "true", "percent", "units",
                          "{0: 0, 80: 10}", "{", "22:00-06:00", "http://u:p@h/",
                          "arn:aws:sns:us-east-1:123456789012:t", "scale-up,error", "",
                          "x" * 100]) | st.text(TEXT, max_size=30)
LINES = st.one_of(
    HEADERS,
    st.builds("{}: {}".format, NAMES, VALUES),
    st.builds("{} = {}".format, NAMES, VALUES),
    st.builds("    {}".format, VALUES),           # continuation
    st.sampled_from(["", "# comment", "; comment", "   # indented comment", "no delimiter"]),
)


@SETTINGS
@given(st.lists(LINES, max_size=30))
def test_ini_shaped_text(scratch: str, lines: list[str]) -> None:
    assert isinstance(load_text(scratch, "\n".join(lines)), (Config, ConfigError))


SECTION_OF = {**{spec.name: "[table: ^t$]" for spec in options.TABLE_OPTIONS},
              **{spec.name: "[global]" for spec in options.GLOBAL_OPTIONS},
              **{spec.name: "[logging]" for spec in options.LOGGING_OPTIONS}}


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(sorted(SECTION_OF)), st.text(TEXT, max_size=40)),
                max_size=8))
def test_arbitrary_values_in_a_valid_skeleton(scratch: str,
                                              values: list[tuple[str, str]]) -> None:
    sections: dict[str, list[str]] = {"[global]": [], "[logging]": [], "[table: ^t$]": [],
                                      "[gsi: ^i$ table: ^t$]": []}
    for name, value in values:
        sections[SECTION_OF[name]].append(f"{name}: {value}")
        if SECTION_OF[name] == "[table: ^t$]":
            sections["[gsi: ^i$ table: ^t$]"].append(f"{name}: {value}")
    text = "\n".join(f"{header}\n" + "\n".join(lines) for header, lines in sections.items())

    result = load_text(scratch, text)

    assert isinstance(result, (Config, ConfigError))
    if isinstance(result, Config):
        assert result.tables[0].gsis[0].key == "^i$"


@SETTINGS
@given(st.sampled_from(options.TABLE_OPTIONS), st.text(TEXT, max_size=40))
def test_arbitrary_flag_values(spec: options.OptionSpec, value: str) -> None:
    try:
        result: Config | ConfigError = from_command_line("^t$", {spec.name: value}, {}, {})
    except ConfigError as exc:
        result = exc
    assert isinstance(result, (Config, ConfigError))
