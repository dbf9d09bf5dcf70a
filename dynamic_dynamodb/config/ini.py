"""The INI reader: a configuration file in the original's format to raw layers.

Sections: ``[global]``, ``[logging]``, ``[default_options]``, ``[table: <regex>]``,
``[gsi: <regex> table: <table-key>]`` and ``[account: NAME]``, none mandatory. Options are
``name: value`` or ``name = value``, spelled as in the original.

This module only reads and checks the file's structure: which sections exist,
which option names they hold, where each GSI section belongs. Values stay text
(a ``Layer`` per section); the loader parses them through the option registry,
so a flag and a file line get the same parsing and the same messages. Every
problem found is appended to ``problems``; nothing here raises for bad input.

Comments: a line whose first non-blank character is ``#`` or ``;`` is a comment
(the original's files use both). After a value, `` #`` or `` ;`` (preceded by
whitespace) starts an inline comment, so ``90  # percent`` is 90; a ``#`` or
``;`` with no space before it is part of the value (``http://host/#frag``).
Values may continue on more-indented lines (multi-line scale dicts).
"""

from __future__ import annotations

import configparser
import difflib
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.layers import Layer
from dynamic_dynamodb.config.parsers import ACCOUNT_NAME, ACCOUNT_NAME_RULE
from dynamic_dynamodb.errors import Problem

FIXED_SECTIONS = ("global", "logging", "default_options")
SECTION_FORMS = ("[global], [logging], [default_options], [table: <regex>], "
                 "[gsi: <regex> table: <table-key>], [account: NAME]")

_SPECS = options.OPTIONS_BY_KIND
_BY_NAME = {kind: options.by_name(specs) for kind, specs in _SPECS.items()}
# Where an option belongs, for "belongs in [logging]" hints.
_HOME = {"global": "[global]", "logging": "[logging]",
         "table": "[default_options], a [table: ...] or a [gsi: ...] section",
         "account": "an [account: NAME] section"}

_TABLE_HEADER = re.compile(r"table\s*:(?P<key>.*)", re.DOTALL)
_GSI_HEADER = re.compile(r"gsi\s*:(?P<rest>.*)", re.DOTALL)
_ACCOUNT_HEADER = re.compile(r"account\s*:(?P<name>.*)", re.DOTALL)
_GSI_PARTS = re.compile(r"\s*(?P<key>.*?)\s+table\s*:\s*(?P<table>.*?)\s*", re.DOTALL)
# Shown values and names are cut to this length in messages.
_SHOWN = 60


@dataclass(frozen=True)
class GsiSection:
    key: str
    table_key: str
    layer: Layer


@dataclass(frozen=True)
class TableSection:
    key: str
    layer: Layer
    gsis: tuple[GsiSection, ...] = ()


@dataclass(frozen=True)
class AccountSection:
    name: str
    layer: Layer


@dataclass(frozen=True)
class IniFile:
    """A configuration file's sections as raw layers, in file order."""

    source: str
    global_: tuple[Layer, ...] = ()
    logging: tuple[Layer, ...] = ()
    defaults: tuple[Layer, ...] = ()
    tables: tuple[TableSection, ...] = ()
    accounts: tuple[AccountSection, ...] = ()


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def read_file(path: str, problems: list[Problem]) -> IniFile:
    """Read ``path`` (``~`` expanded, UTF-8); a file that cannot be read is one problem."""
    source = path
    try:
        with open(os.path.expanduser(path), encoding="utf-8-sig") as handle:
            text = handle.read()
    except FileNotFoundError:
        problems.append(Problem("configuration file not found", source=source))
        return IniFile(source)
    except IsADirectoryError:
        problems.append(Problem("configuration file is a directory", source=source))
        return IniFile(source)
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 text (byte {exc.start} cannot be decoded)",
                                source=source))
        return IniFile(source)
    except OSError as exc:
        problems.append(Problem(f"cannot read configuration file: {exc.strerror or exc}",
                                source=source))
        return IniFile(source)
    return read_text(text, source, problems)


def read_text(text: str, source: str, problems: list[Problem]) -> IniFile:
    """The layers of INI ``text``; ``source`` names the file in messages."""
    # The same newlines as a file opened in text mode (\r\n and \r become \n).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parsed = _parse(text, source, problems)
    if parsed is None:
        return IniFile(source)
    parser, ignored = parsed
    return _Sections(source, problems).collect(parser, ignored)


def _new_parser() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(
        delimiters=(":", "="),
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=("#", ";"),
        strict=True,
        empty_lines_in_values=False,
        # No [DEFAULT] magic: a section named DEFAULT is just an unknown section
        # (a header cannot hold a newline, so this name can never be written).
        default_section="\n",
        interpolation=None,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    return parser


def _placeholder(text: str, taken: set[str]) -> str:
    """A name that appears nowhere in the file, to park a duplicate under."""
    n = len(taken)
    while True:
        name = f"\x00duplicate-{n}"
        if name not in text and name not in taken:
            taken.add(name)
            return name
        n += 1


def _parse(text: str, source: str, problems: list[Problem]
           ) -> tuple[configparser.RawConfigParser, set[str]] | None:
    """Parse, reporting every duplicate section or option, not just the first.

    configparser stops at the first duplicate; each one found is reported, its line
    renamed to a placeholder (so its continuation lines stay with it), and the text
    parsed again. Returns the parser and the placeholder names to ignore.
    """
    lines = io.StringIO(text).readlines()
    ignored: set[str] = set()
    for _ in range(len(lines) + 1):
        parser = _new_parser()
        try:
            parser.read_file(lines, source)
        except configparser.DuplicateSectionError as exc:
            problems.append(Problem(f"line {exc.lineno}: section [{_cut(exc.section)}] appears "
                                    f"more than once", source=source))
            lines[_line_index(exc.lineno)] = f"[{_placeholder(text, ignored)}]\n"
            continue
        except configparser.DuplicateOptionError as exc:
            # An empty name is already a parsing error; a duplicated section, already one.
            if exc.option and exc.section not in ignored:
                problems.append(Problem(f"line {exc.lineno}: option appears more than once in "
                                        f"this section", _cut(exc.option), exc.section,
                                        source=source))
            index = _line_index(exc.lineno)
            line = lines[index]
            indent = line[:len(line) - len(line.lstrip())]
            lines[index] = f"{indent}{_placeholder(text, ignored)}: -\n"
            continue
        except configparser.MissingSectionHeaderError as exc:
            problems.append(Problem(f"line {exc.lineno}: option outside any section; the file "
                                    f"must start with a section header such as [global] or "
                                    f"[table: <regex>]", source=source))
            return None
        except configparser.ParsingError as exc:
            # Raised after the whole file was read: the parser holds every good line.
            for lineno, _line in exc.errors:
                problems.append(Problem(f"line {lineno}: neither a [section] header nor an "
                                        f"option (name: value or name = value)", source=source))
        except configparser.Error as exc:  # any other structural error, one message
            problems.append(Problem(f"not a valid INI file: {exc.message}", source=source))
            return None
        return parser, ignored
    return None  # unreachable: each pass fixes one line


def _line_index(lineno: int | None) -> int:
    return max(0, (lineno or 1) - 1)


@dataclass
class _Sections:
    """Classifies sections, checks option names, and attaches GSI sections to tables."""

    source: str
    problems: list[Problem]
    global_: list[Layer] = field(default_factory=list)
    logging: list[Layer] = field(default_factory=list)
    defaults: list[Layer] = field(default_factory=list)
    tables: list[tuple[str, Layer]] = field(default_factory=list)
    gsis: list[GsiSection] = field(default_factory=list)
    accounts: list[AccountSection] = field(default_factory=list)

    def problem(self, message: str, option: str | None = None,
                section: str | None = None) -> None:
        self.problems.append(Problem(message, option, section, source=self.source))

    def collect(self, parser: configparser.RawConfigParser, ignored: set[str]) -> IniFile:
        for name in parser.sections():
            if name in ignored:
                continue
            values = {opt: parser.get(name, opt) for opt in parser.options(name)
                      if opt not in ignored and opt}
            self._section(name, values)
        return IniFile(self.source, tuple(self.global_), tuple(self.logging),
                       tuple(self.defaults), self._attach_gsis(), tuple(self.accounts))

    def _section(self, name: str, values: dict[str, str]) -> None:
        header = name.strip()
        if header in FIXED_SECTIONS:
            kind = "table" if header == "default_options" else header
            layer = self._layer(name, kind, values)
            {"global": self.global_, "logging": self.logging,
             "default_options": self.defaults}[header].append(layer)
            return
        table = _TABLE_HEADER.fullmatch(header)
        if table:
            key = table.group("key").strip()
            if not key:
                self.problem("a table section needs a regex: [table: <regex>]", section=name)
            layer = self._layer(name, "table", values)
            if key:
                self.tables.append((key, layer))
            return
        gsi = _GSI_HEADER.fullmatch(header)
        if gsi:
            parts = _GSI_PARTS.fullmatch(gsi.group("rest"))
            layer = self._layer(name, "table", values)
            if not parts or not parts.group("key") or not parts.group("table"):
                self.problem("a GSI section is [gsi: <regex> table: <table-key>]", section=name)
                return
            self.gsis.append(GsiSection(parts.group("key"), parts.group("table"), layer))
            return
        account = _ACCOUNT_HEADER.fullmatch(header)
        if account:
            self._account(name, account.group("name").strip(), values)
            return
        suggestion = _suggest_section(header)
        self.problem(f"unknown section; {suggestion or 'sections are ' + SECTION_FORMS}",
                     section=_cut(name))

    def _account(self, section: str, account: str, values: dict[str, str]) -> None:
        layer = self._layer(section, "account", values)
        if not ACCOUNT_NAME.fullmatch(account):
            self.problem(f"an account section is [account: NAME], NAME {ACCOUNT_NAME_RULE}",
                         section=_cut(section))
            return
        earlier = next((a for a in self.accounts if a.name == account), None)
        if earlier is not None:
            self.problem(f"account {account} is already defined by [{earlier.layer.section}]",
                         section=section)
            return
        self.accounts.append(AccountSection(account, layer))

    def _layer(self, section: str, kind: str, values: dict[str, str]) -> Layer:
        """The section's known options; unknown ones and clashing spellings are reported."""
        specs = _BY_NAME[kind]
        known: dict[str, str] = {}
        for option, value in values.items():
            if option in specs:
                known[option] = value
            else:
                self.problem(_unknown_option(option, kind), _cut(option), section)
        by_field: dict[tuple[str | None, str], str] = {}
        for option in known:
            spec = specs[option]
            earlier = by_field.setdefault((spec.dimension, spec.field), option)
            if earlier != option:
                self.problem(f"{earlier} and {option} are two spellings of one option; "
                             f"give only one", option, section)
        return Layer(known, self.source, section)

    def _attach_gsis(self) -> tuple[TableSection, ...]:
        first_section: dict[str, str] = {}
        for key, layer in self.tables:
            earlier = first_section.setdefault(key, str(layer.section))
            if earlier != layer.section:
                self.problem(f"table key {_cut(key)!r} is already used by [{earlier}]",
                             section=layer.section)
        seen_gsis: dict[tuple[str, str], str] = {}
        for gsi in self.gsis:
            earlier = seen_gsis.setdefault((gsi.key, gsi.table_key), str(gsi.layer.section))
            if earlier != gsi.layer.section:
                self.problem(f"the same GSI key and table key as [{earlier}]",
                             section=gsi.layer.section)
            if gsi.table_key not in first_section:
                self.problem(_missing_table(gsi.table_key, list(first_section)),
                             section=gsi.layer.section)
        by_table: dict[str, list[GsiSection]] = {}
        for gsi in self.gsis:
            by_table.setdefault(gsi.table_key, []).append(gsi)
        # Only the first section of a duplicated key is kept (the duplicate is an error).
        return tuple(TableSection(key, layer, tuple(by_table.get(key, ())))
                     for key, layer in self.tables if first_section[key] == layer.section)


def _normalised(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _unknown_option(option: str, kind: str) -> str:
    normal = _normalised(option)
    for other, specs in _SPECS.items():
        if other != kind and normal in {spec.name for spec in specs}:
            return f"unknown option here: {normal} belongs in {_HOME[other]}"
    names = [spec.name for spec in _SPECS[kind]]
    if normal in names:  # only case or underscores differ
        return f"unknown option; did you mean {normal}?"
    close = difflib.get_close_matches(normal, names, n=1, cutoff=0.75)
    if close:
        return f"unknown option; did you mean {close[0]}?"
    return ("unknown option (see example-config.conf, or dynamic-dynamodb --example-config, "
            "for every option)")


def _suggest_section(header: str) -> str:
    lowered = header.lower()
    close = difflib.get_close_matches(lowered, FIXED_SECTIONS, n=1, cutoff=0.6)
    if close:
        return f"did you mean [{close[0]}]?"
    match = re.match(r"\s*(?P<word>[A-Za-z_-]+)\s*:?\s*(?P<rest>.*)", header, re.DOTALL)
    if match:
        word, rest = match.group("word").lower(), _cut(match.group("rest").strip())
        forms = {"table": rest or "<regex>", "gsi": rest or "<regex> table: <table-key>",
                 "account": rest or "NAME"}
        for kind, body in forms.items():
            if difflib.get_close_matches(word, [kind], n=1, cutoff=0.6):
                return f"did you mean [{kind}: {body}]?"
    return ""


def _missing_table(table_key: str, keys: Sequence[str]) -> str:
    message = (f"names table key {_cut(table_key)!r}, but no [table: {_cut(table_key)}] section "
               f"exists (the table key must be written exactly as in its section)")
    close = difflib.get_close_matches(table_key, keys, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return message
