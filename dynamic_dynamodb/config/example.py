"""The example configuration file, generated from the option registry.

``dynamic-dynamodb --example-config`` prints it, so a pip user has it without the
source tree; the repository's ``example-config.conf`` is the same text (a test keeps
them identical: regenerate with ``dynamic-dynamodb --example-config >
example-config.conf``). Every option is listed in its section, commented out, with
what it does, its unit and its default (or, when it has none, what no value means
and an example value).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.options import OptionSpec

WIDTH = 88

HEADER = """\
# Dynamic DynamoDB: example configuration file
#
# Print it with:  dynamic-dynamodb --example-config > dynamic-dynamodb.conf
# Run it with:    dynamic-dynamodb --config example-config.conf
# Check it with:  dynamic-dynamodb --config example-config.conf --show-config
#
# Format (the original Dynamic DynamoDB's):
#   - Sections: [global], [logging], [default_options], [table: <regex>],
#     [gsi: <regex> table: <table-key>] and [account: NAME] (at the end of this file).
#     None is mandatory, but at least one table must be given, here or with
#     --table-name.
#   - Options: "name: value" or "name = value", spelled with hyphens.
#   - Comments: whole lines starting with # or ;. After a value, " #" or " ;"
#     (with a space before it) starts a comment, so "check-interval: 300  # s" is 300.
#   - A value may continue on the following lines if they are indented more.
#   - Booleans: true/false, yes/no, on/off, 1/0. Numbers: ASCII digits.
#
# Every option is listed below, commented out, with its default value: uncomment a
# line to change it. "No default" options show an example value instead. Each
# option is also a command-line flag (--name VALUE) unless its text says otherwise;
# `dynamic-dynamodb --help` lists the flags.
#
# Precedence: built-in defaults < [default_options] < the table's or GSI's own
# section < command-line flags. With --table-name on the command line, the file's
# [table: ...] and [gsi: ...] sections are not used (they are still checked).
#
# Every problem in the file is reported at once, before anything runs, and the
# program exits with status 2: an unknown option or section, a value of the wrong
# type, min above max, an invalid regex, and so on.
"""

# What a section holds, before its options.
SECTION_NOTES = {
    "default_options": (
        "Options for every table and GSI; a [table: ...] or [gsi: ...] section overrides "
        "any of them."),
}

# What a group of options shares, before its options.
GROUP_NOTES = {
    options.G_GRANULAR: (
        "Step tables are Python-literal dicts {key: step, ...}, keys and steps >= 0. An "
        "increase table gives the step of the largest key <= the metric; a decrease table "
        "the step of the smallest key >= the metric (no decrease above all keys). A "
        "consumed-% table replaces the threshold of its direction; the throttle tables are "
        "extra triggers. Unset units fall back to increase-*-unit / decrease-*-unit; unset "
        "\"with\" values to increase-*-with / decrease-*-with."),
    options.G_TARGET: (
        "Recommended with the target mode: check-interval 60, lookback-window-start 7, "
        "lookback-period 5 (README, \"Simulating a policy\")."),
}

SECTIONS = (("global", "global"), ("logging", "logging"), ("default_options", "table"))

TABLE_SECTIONS = """

[table: ^my_table$]
# The key is a regular expression matched from the start of the table name, so
# ^my_table$ matches my_table only, and ^my_table would match my_table2 as well.
# A table matched by several sections uses the first one in the file.
# Any option of [default_options] may be set here.
reads-upper-threshold: 90
reads-lower-threshold: 30
increase-reads-with: 50
decrease-reads-with: 50
increase-reads-unit: percent
decrease-reads-unit: percent
min-provisioned-reads: 5
max-provisioned-reads: 500

writes-upper-threshold: 90
writes-lower-threshold: 30
increase-writes-with: 50
decrease-writes-with: 50
increase-writes-unit: percent
decrease-writes-unit: percent
min-provisioned-writes: 5
max-provisioned-writes: 500

maintenance-windows: 22:00-23:59,00:00-06:00


[gsi: ^my_gsi$ table: ^my_table$]
# A global secondary index of the tables matched by [table: ^my_table$]: the first
# regex is matched from the start of the index name, and "table:" names the table
# section by its key, written exactly as in that section's header. A GSI takes
# [default_options], then this section (not the table's section). An index matched
# by several GSI sections of its table uses the first one.
reads-upper-threshold: 90
reads-lower-threshold: 30
increase-reads-with: 50
decrease-reads-with: 50
min-provisioned-reads: 1
max-provisioned-reads: 200

writes-upper-threshold: 90
writes-lower-threshold: 30
increase-writes-with: 50
decrease-writes-with: 50
min-provisioned-writes: 1
max-provisioned-writes: 200
"""


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH - 2, initial_indent="# ", subsequent_indent="# ",
                         break_on_hyphens=False, break_long_words=False)


def example_value(spec: OptionSpec) -> str:
    """The value written after ``#name:``: the default, or an example when there is none."""
    if not options.has_default(spec):
        return spec.example
    return options.format_value(spec.default)


def _families(specs: tuple[OptionSpec, ...]) -> Iterator[list[OptionSpec]]:
    """Consecutive options of one field (reads/writes twins, two spellings) go together."""
    family: list[OptionSpec] = []
    for spec in specs:
        if family and spec.field != family[0].field:
            yield family
            family = []
        family.append(spec)
    if family:
        yield family


def _describe(family: list[OptionSpec]) -> str:
    first = family[0]
    text, unit, unset = (first.both if len(family) > 1 and first.both
                         else (first.help, first.unit, first.unset))
    if unit:
        text += f" Unit: {unit}."
    if not options.has_default(first):
        text += f" No default: {unset}." if unset else " No default."
    if not first.flag:
        text += " Not a command-line flag."
    return text


def _section(header: str, kind: str) -> list[str]:
    lines = [f"[{header}]"]
    if header in SECTION_NOTES:
        lines += _comment(SECTION_NOTES[header])
    specs = options.OPTIONS_BY_KIND[kind]
    for group in options.GROUPS:
        in_group = tuple(spec for spec in specs if spec.group == group)
        if not in_group:
            continue
        lines += ["", "#", f"# {group}", "#"]
        if group in GROUP_NOTES:
            lines += _comment(GROUP_NOTES[group]) + ["#"]
        for family in _families(in_group):
            lines += _comment(_describe(family))
            lines += [f"#{spec.name}: {example_value(spec)}" for spec in family]
    return lines


ACCOUNT_NOTE = (
    "Many accounts and regions from one deployment (README, \"Fleets\"): each "
    "[account: NAME] section is an account, and each of its regions one target, "
    "NAME/REGION (prod/eu-west-1), served concurrently and failing alone. Without account "
    "sections the [global] settings are the one target. A [table: ...] or [gsi: ...] "
    "section applies to every target unless it says accounts: NAME, .... Uncomment the "
    "section below (header included) to use it.")


def _account_section() -> list[str]:
    """The [account: NAME] section, commented out whole: a file with one is a fleet."""
    lines = ["", *_comment(ACCOUNT_NOTE), "#", "#[account: prod]"]
    for family in _families(options.ACCOUNT_OPTIONS):
        lines += _comment(_describe(family))
        lines += [f"#{spec.name}: {example_value(spec)}" for spec in family]
    return lines


def example_config() -> str:
    """The whole example configuration file's text."""
    lines: list[str] = []
    for header, kind in SECTIONS:
        lines += ["", *_section(header, kind), ""]
    return (HEADER + "\n".join(lines) + TABLE_SECTIONS + "\n"
            + "\n".join(_account_section()) + "\n")
