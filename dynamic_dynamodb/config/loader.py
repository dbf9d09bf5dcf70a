"""Flags and INI files to one validated ``Config``.

Precedence: built-in defaults < ``[default_options]`` < the section < command-line
flags. Every value goes through the option registry (options.py), so a flag and a
file line get the same parsing and the same messages. Each layer (a section or
the command line) is parsed once, so a bad value in ``[default_options]`` is
reported once however many tables use it. All problems are collected and raised
together as one ConfigError; a secret value never appears in a message.

Each built object records where its explicitly set values came from (``origins``:
field path -> "command line" or "<file> [<section>]"; a path not listed has its
built-in default), for --show-config and for defaults that depend on other options:
a target-mode section's unset lookback options, and an unset check-interval when every
section is in target mode, take the mode's design values (``mode_defaults``,
``interval_for_modes``; their origin says so).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from dynamic_dynamodb.config import options, validate
from dynamic_dynamodb.config.ini import AccountSection, IniFile, TableSection, read_file
from dynamic_dynamodb.config.layers import CLI, Layer
from dynamic_dynamodb.config.options import OptionSpec
from dynamic_dynamodb.errors import ConfigError, Problem
from dynamic_dynamodb.settings import (
    TARGET_MODE_DEFAULTS,
    AccountConfig,
    Config,
    DecreasePlan,
    DimensionPolicy,
    GlobalConfig,
    GsiPolicy,
    LoggingConfig,
    ResourcePolicy,
    TablePolicy,
)

__all__ = ["CLI", "Layer", "OptionSpec", "build_resource", "from_command_line"]

_TABLE_SPECS = options.by_name(options.TABLE_OPTIONS)
_GLOBAL_SPECS = options.by_name(options.GLOBAL_OPTIONS)
_LOGGING_SPECS = options.by_name(options.LOGGING_OPTIONS)
_ACCOUNT_SPECS = options.by_name(options.ACCOUNT_OPTIONS)
# Values are cut to this length in messages.
_SHOWN = 60


class _Collector:
    """Problems in order without repeats, and each layer's parsed values (parsed once)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._parsed: dict[int, tuple[Layer, dict[str, Any]]] = {}

    def add(self, problem: Problem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def parsed(self, layer: Layer, specs: Mapping[str, OptionSpec]) -> dict[str, Any]:
        """The layer's values by option name; bad values are reported and left out."""
        cached = self._parsed.get(id(layer))
        if cached is not None and cached[0] is layer:
            return cached[1]
        result: dict[str, Any] = {}
        for name, raw in layer.values.items():
            spec = specs.get(name)
            if spec is None:
                continue  # unknown names are reported by the file reader
            try:
                result[name] = spec.parse(raw)
            except ValueError as exc:
                shown = _shown(spec, raw)
                self.add(Problem(str(exc), spec.name, layer.section, shown, layer.source))
        self._parsed[id(layer)] = (layer, result)
        return result

    def findings(self, findings: Sequence[validate.Finding], layers: Sequence[Layer],
                 home: Layer) -> None:
        for finding in findings:
            where = _blame(finding, layers, home)
            # Name the option the user wrote there, not its default-valued partner.
            written = [name for name in finding.options if name in where.values]
            named = written or list(finding.options)
            option = named[0] if named else None
            self.add(Problem(finding.message, option, where.section, None, where.source))


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _shown(spec: OptionSpec, raw: str) -> str:
    """A value as a message may show it: secrets masked, long values cut."""
    return _cut(options.masked(spec, raw.strip()))


def _blame(finding: validate.Finding, layers: Sequence[Layer], home: Layer) -> Layer:
    """Where to report a cross-field problem.

    If every option involved was set in one place (say [default_options], or the
    command line), that place, once, however many tables inherit it; if they came
    from several places, the resource's own section, which names the table.
    """
    setters = set()
    for name in finding.options:
        for layer in reversed(layers):
            if name in layer.values:
                setters.add(id(layer))
                break
    if len(setters) == 1:
        (only,) = setters
        return next(layer for layer in layers if id(layer) == only)
    return home


def _merged(collector: _Collector, layers: Sequence[Layer],
            specs: Mapping[str, OptionSpec]) -> tuple[dict[str, Any], dict[str, str]]:
    """Field path -> value, later layers overriding earlier ones; and where each was set."""
    result: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer in layers:
        for name, value in collector.parsed(layer, specs).items():
            path = specs[name].path
            result[path] = value
            origins[path] = layer.origin
    return result, origins


def _resource_fields(merged: Mapping[str, Any]) -> dict[str, Any]:
    """Merged registry values to ResourcePolicy constructor arguments."""
    dims: dict[str, dict[str, Any]] = {"reads": {}, "writes": {}}
    top: dict[str, Any] = {}
    plan: dict[str, Any] = {}
    for key, value in merged.items():
        head, _, rest = key.partition(".")
        if head in dims:
            dims[head][rest] = value
        elif head == "decrease_plan":
            plan[rest] = value
        else:
            top[key] = value
    top["reads"] = DimensionPolicy(**dims["reads"])
    top["writes"] = DimensionPolicy(**dims["writes"])
    top["decrease_plan"] = DecreasePlan(**plan)
    return top


def build_resource(collector: _Collector, cls: type[ResourcePolicy], key: str,
                   layers: Sequence[Layer], home: Layer | None = None, **extra: Any) -> Any:
    """A table or GSI policy from ``layers`` (lowest precedence first), fully checked.

    ``home`` is the resource's own section (or the command line), where problems that
    belong to no single layer are reported; by default the last layer.
    """
    home = home or (layers[-1] if layers else Layer({}))
    values, origins = _merged(collector, layers, _TABLE_SPECS)
    policy = mode_defaults(cls(key=key, **_resource_fields(values), origins=origins, **extra))
    why = validate.check_regex(key)
    if why is not None:
        collector.add(Problem(why, "table-name" if home.section is None else None,
                              home.section, None, home.source))
    collector.findings(validate.check_resource(policy), layers, home)
    return policy


# The origin --show-config gives a value a scaling mode chose (settings.ModeDefaults).
TARGET_MODE_ORIGIN = "default for target mode"
TARGET_MODE_INTERVAL_ORIGIN = "default for target mode (every table and GSI section is in it)"


def mode_defaults(policy: ResourcePolicy) -> Any:
    """A target-mode section's unset lookback options take the values the mode was
    designed for (settings.TARGET_MODE_DEFAULTS: a window from 7 minutes ago up to now),
    with that as their origin."""
    if policy.scaling_mode != "target":
        return policy
    changes: dict[str, Any] = {}
    if "lookback_window_start" not in policy.origins:
        changes["lookback_window_start"] = TARGET_MODE_DEFAULTS.lookback_window_start
    if "lookback_period" not in policy.origins:
        # The mode's window reaches up to now: an unset period follows the window's
        # start, set or not (a set start of 5 does not meet a default period of 7).
        changes["lookback_period"] = changes.get("lookback_window_start",
                                                 policy.lookback_window_start)
    if not changes:
        return policy
    origins = {**policy.origins, **dict.fromkeys(changes, TARGET_MODE_ORIGIN)}
    return dataclasses.replace(policy, **changes, origins=origins)


def interval_for_modes(glob: GlobalConfig, tables: Sequence[TablePolicy]) -> GlobalConfig:
    """An unset check-interval is the target mode's (60 s) when every table and GSI
    section is in target mode. The interval is global and the mode is per section: a
    threshold section checked every minute would count its checks-before-scale-down
    five times as fast, so with any threshold section the interval stays 300 s unless
    set (README, Target mode)."""
    if "check_interval" in glob.origins or not tables:
        return glob
    sections = [policy for table in tables for policy in (table, *table.gsis)]
    if any(policy.scaling_mode != "target" for policy in sections):
        return glob
    return dataclasses.replace(
        glob, check_interval=TARGET_MODE_DEFAULTS.check_interval,
        origins={**glob.origins, "check_interval": TARGET_MODE_INTERVAL_ORIGIN})


def build_global(collector: _Collector, layers: Sequence[Layer], **runtime: Any) -> GlobalConfig:
    values, origins = _merged(collector, layers, _GLOBAL_SPECS)
    values.update(runtime)
    glob = GlobalConfig(**values, origins=origins)
    collector.findings(validate.check_global(glob), layers,
                       layers[-1] if layers else Layer({}))
    return glob


def build_logging(collector: _Collector, layers: Sequence[Layer]) -> LoggingConfig:
    values, origins = _merged(collector, layers, _LOGGING_SPECS)
    return LoggingConfig(**values, origins=origins)


def build_account(collector: _Collector, section: AccountSection) -> AccountConfig:
    """An [account: NAME] section (no [default_options] or flags: its own values only)."""
    values, origins = _merged(collector, [section.layer], _ACCOUNT_SPECS)
    account = AccountConfig(name=section.name, **values, origins=origins)
    collector.findings(validate.check_account(account), [section.layer], section.layer)
    return account


def inherit_globals(policy: ResourcePolicy, glob: GlobalConfig,
                    layers: Sequence[Layer]) -> Any:
    """A table or GSI without its own breaker settings uses the global ones."""
    explicit = {name for layer in layers for name in layer.values}
    changes: dict[str, Any] = {}
    if "circuit-breaker-url" not in explicit and glob.circuit_breaker_url:
        changes["circuit_breaker_url"] = glob.circuit_breaker_url
    if "circuit-breaker-timeout" not in explicit:
        changes["circuit_breaker_timeout_ms"] = glob.circuit_breaker_timeout_ms
    if not changes:
        return policy
    origins = dict(policy.origins)
    origins.update({path: glob.origins[path] for path in changes if path in glob.origins})
    return dataclasses.replace(policy, **changes, origins=origins)


def _file_tables(collector: _Collector, ini: IniFile, cli: Layer,
                 glob: GlobalConfig, accounts: Sequence[str]) -> list[TablePolicy]:
    """Each [table: ...] section with its GSI sections, in file order.

    A table is [default_options] < its section < flags; a GSI likewise, with its own
    section in place of the table's (as in the original, a GSI does not inherit
    from its table's section). ``accounts`` are the [account: NAME] names a section's
    ``accounts`` may name.
    """
    def build(section: TableSection) -> TablePolicy:
        layers = [*ini.defaults, section.layer, cli]
        table = build_resource(collector, TablePolicy, section.key, layers, section.layer)
        collector.findings(validate.check_accounts_named(table, accounts), layers,
                           section.layer)
        gsis = []
        for gsi in section.gsis:
            gsi_layers = [*ini.defaults, gsi.layer, cli]
            policy = build_resource(collector, GsiPolicy, gsi.key, gsi_layers, gsi.layer,
                                    table_key=gsi.table_key)
            collector.findings(validate.check_accounts_named(policy, accounts)
                               + validate.check_gsi_accounts(table, policy), gsi_layers,
                               gsi.layer)
            gsis.append(inherit_globals(policy, glob, gsi_layers))
        result: TablePolicy = inherit_globals(dataclasses.replace(table, gsis=tuple(gsis)),
                                              glob, layers)
        return result

    return [build(section) for section in ini.tables]


def from_command_line(table_name: str | None, table_values: Mapping[str, str],
                      global_values: Mapping[str, str], logging_values: Mapping[str, str],
                      runtime: Mapping[str, Any] | None = None,
                      config_file: str | None = None) -> Config:
    """The configuration from flags, with an optional INI file underneath.

    With ``--table-name`` the command line's table replaces the file's tables, as in
    the original; the file still provides [global], [logging] and [default_options],
    and its table and GSI sections are still checked.
    """
    collector = _Collector()
    ini = read_file(config_file, collector.problems) if config_file is not None else None
    ini = ini or IniFile(CLI)

    glob = build_global(collector, [*ini.global_, Layer(dict(global_values))],
                        **(runtime or {}))
    log = build_logging(collector, [*ini.logging, Layer(dict(logging_values))])

    accounts = [build_account(collector, section) for section in ini.accounts]
    names = [account.name for account in accounts]
    cli_table = Layer(dict(table_values))
    file_tables = _file_tables(collector, ini, cli_table, glob, names)
    tables: list[TablePolicy] = file_tables
    if table_name is not None:
        layers = [*ini.defaults, cli_table]
        policy = build_resource(collector, TablePolicy, table_name, layers, cli_table)
        collector.findings(validate.check_accounts_named(policy, names), layers, cli_table)
        tables = [inherit_globals(policy, glob, layers)]

    if not tables and not collector.problems:
        where = f" in {config_file}" if config_file is not None else ""
        collector.add(Problem(f"no table to manage: give --table-name or a [table: <regex>] "
                              f"section{where}"))
    if collector.problems:
        raise ConfigError(collector.problems)
    glob = interval_for_modes(glob, tables)
    return Config(global_=glob, logging=log, tables=tuple(tables), source=config_file,
                  accounts=tuple(accounts))
