"""Flags and INI files to one validated ``Config``.

Precedence: built-in defaults < ``[default_options]`` < the section < command-line
flags. Every value goes through the option registry (options.py), so a flag and a
file line get the same parsing and the same messages. All problems are collected
and raised together as one ConfigError.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.model import (
    Config,
    DecreasePlan,
    DimensionPolicy,
    GlobalConfig,
    GsiPolicy,
    LoggingConfig,
    ResourcePolicy,
    TablePolicy,
)
from dynamic_dynamodb.errors import ConfigError, Problem

CLI = "command line"

_TABLE_SPECS = options.by_name(options.TABLE_OPTIONS)
_GLOBAL_SPECS = options.by_name(options.GLOBAL_OPTIONS)
_LOGGING_SPECS = options.by_name(options.LOGGING_OPTIONS)


@dataclass(frozen=True)
class Layer:
    """Raw option values from one place (a section, or the command line)."""

    values: Mapping[str, str]
    source: str = CLI
    section: str | None = None


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)

    def parse(self, spec: options.OptionSpec, layer: Layer) -> tuple[bool, Any]:
        raw = layer.values[spec.name]
        try:
            return True, spec.parse(raw)
        except ValueError as exc:
            shown = "***" if spec.secret else raw
            self.problems.append(Problem(str(exc), spec.name, layer.section, shown, layer.source))
            return False, None


def _apply(collector: _Collector, layers: Sequence[Layer],
           specs: Mapping[str, options.OptionSpec]) -> dict[str, Any]:
    """Parsed values by option name, later layers overriding earlier ones."""
    result: dict[str, Any] = {}
    for layer in layers:
        for name in layer.values:
            spec = specs.get(name)
            if spec is None:
                continue  # unknown names are reported by the file reader
            ok, value = collector.parse(spec, layer)
            if ok:
                result[name] = value
    return result


def _resource_fields(parsed: Mapping[str, Any]) -> dict[str, Any]:
    """Registry values to ResourcePolicy constructor arguments."""
    dims: dict[str, dict[str, Any]] = {"reads": {}, "writes": {}}
    top: dict[str, Any] = {}
    plan: dict[str, Any] = {}
    for name, value in parsed.items():
        spec = _TABLE_SPECS[name]
        if spec.dimension:
            dims[spec.dimension][spec.field] = value
        elif spec.field.startswith("decrease_plan."):
            plan[spec.field.split(".", 1)[1]] = value
        else:
            top[spec.field] = value
    top["reads"] = DimensionPolicy(**dims["reads"])
    top["writes"] = DimensionPolicy(**dims["writes"])
    top["decrease_plan"] = DecreasePlan(**plan)
    return top


def _check_resource(collector: _Collector, policy: ResourcePolicy, source: str,
                    section: str | None) -> None:
    """Cross-field rules, each with its own message."""
    def problem(message: str, option: str | None = None) -> None:
        collector.problems.append(Problem(message, option, section, None, source))

    for dim_name in ("reads", "writes"):
        p: DimensionPolicy = getattr(policy, dim_name)
        if p.min_provisioned is not None and p.max_provisioned is not None \
                and p.min_provisioned > p.max_provisioned:
            problem(f"min-provisioned-{dim_name} ({p.min_provisioned}) is above "
                    f"max-provisioned-{dim_name} ({p.max_provisioned})",
                    f"min-provisioned-{dim_name}")
        if p.lower_threshold >= p.upper_threshold and not p.increase_consumed_scale \
                and not p.decrease_consumed_scale:
            problem(f"{dim_name}-lower-threshold ({p.lower_threshold:g}) must be below "
                    f"{dim_name}-upper-threshold ({p.upper_threshold:g})",
                    f"{dim_name}-lower-threshold")
        if p.target_utilisation > 100:
            problem(f"target-{dim_name}-utilisation must be at most 100",
                    f"target-{dim_name}-utilisation")
    try:
        re.compile(policy.key)
    except re.error as exc:
        problem(f"invalid regular expression {policy.key!r}: {exc}")


def build_resource(collector: _Collector, cls: type[ResourcePolicy], key: str,
                   layers: Sequence[Layer], **extra: Any) -> Any:
    parsed = _apply(collector, layers, _TABLE_SPECS)
    fields = _resource_fields(parsed)
    policy = cls(key=key, **fields, **extra)
    last = layers[-1] if layers else Layer({})
    _check_resource(collector, policy, last.source, last.section)
    return policy


def build_global(collector: _Collector, layers: Sequence[Layer], **runtime: Any) -> GlobalConfig:
    parsed = _apply(collector, layers, _GLOBAL_SPECS)
    values = {_GLOBAL_SPECS[name].field: value for name, value in parsed.items()}
    values.update(runtime)
    return GlobalConfig(**values)


def build_logging(collector: _Collector, layers: Sequence[Layer]) -> LoggingConfig:
    parsed = _apply(collector, layers, _LOGGING_SPECS)
    return LoggingConfig(**{_LOGGING_SPECS[name].field: v for name, v in parsed.items()})


def inherit_globals(policy: TablePolicy, glob: GlobalConfig, explicit: set[str]) -> TablePolicy:
    """A table without its own breaker settings uses the global ones."""
    changes: dict[str, Any] = {}
    if "circuit-breaker-url" not in explicit and glob.circuit_breaker_url:
        changes["circuit_breaker_url"] = glob.circuit_breaker_url
    if "circuit-breaker-timeout" not in explicit:
        changes["circuit_breaker_timeout_ms"] = glob.circuit_breaker_timeout_ms
    return dataclasses.replace(policy, **changes) if changes else policy


def from_command_line(table_name: str | None, table_values: Mapping[str, str],
                      global_values: Mapping[str, str], logging_values: Mapping[str, str],
                      runtime: Mapping[str, Any] | None = None,
                      config_file: str | None = None) -> Config:
    """The configuration from flags, with an optional INI file underneath.

    With ``--table-name`` the command line's table replaces the file's tables, as in
    the original; the file still provides [global], [logging] and [default_options].
    """
    collector = _Collector()
    file_layers = None
    if config_file is not None:
        from dynamic_dynamodb.config.ini import read_file  # the INI reader

        file_layers = read_file(config_file, collector.problems)

    def layers(file_part: Sequence[Layer], cli_values: Mapping[str, str]) -> list[Layer]:
        return [*file_part, Layer(dict(cli_values))]

    glob = build_global(collector, layers(file_layers.global_ if file_layers else (),
                                          global_values), **(runtime or {}))
    log = build_logging(collector, layers(file_layers.logging if file_layers else (),
                                          logging_values))

    tables: list[TablePolicy] = []
    if table_name is not None:
        defaults = list(file_layers.defaults) if file_layers else []
        explicit = set(table_values) | {n for lay in defaults for n in lay.values}
        policy = build_resource(collector, TablePolicy, table_name, [*defaults,
                                                                      Layer(dict(table_values))])
        tables.append(inherit_globals(policy, glob, explicit))
    elif file_layers is not None:
        tables.extend(file_layers.build_tables(collector, Layer(dict(table_values)), glob))

    if not tables and not collector.problems:
        collector.problems.append(Problem(
            "no table to manage: give --table-name or a [table: <regex>] section in --config"))
    if collector.problems:
        raise ConfigError(collector.problems)
    return Config(global_=glob, logging=log, tables=tuple(tables), source=config_file)


def gsi_policy(collector: _Collector, key: str, table_key: str,
               layers: Sequence[Layer]) -> GsiPolicy:
    policy: GsiPolicy = build_resource(collector, GsiPolicy, key, layers, table_key=table_key)
    return policy
