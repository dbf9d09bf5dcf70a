"""``--show-config``: the effective configuration as JSON, secrets masked.

Every table section with every option filled in (its own value, else
[default_options]'s, else the built-in default), GSIs nested in their table.
Options are spelled as in the file, so the output reads like a fully written
configuration. ``origins`` says where each value that is not a built-in default was
set (a file's section, or the command line). ``config_as_dict`` builds the plain
dict; callers may add keys to it (``show_config``'s ``extra``) before it is printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dynamic_dynamodb.config import options
from dynamic_dynamodb.settings import (
    AccountConfig,
    Config,
    MaintenanceWindow,
    Origins,
    ResourcePolicy,
    TablePolicy,
)


def _masked(spec: options.OptionSpec, value: Any) -> Any:
    if not spec.secret or value is None:
        return value
    return options.masked(spec, str(value))


def _plain(value: Any) -> Any:
    """Model values as JSON values: step tables as dicts, windows and sets as lists."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple) and value and isinstance(value[0], MaintenanceWindow):
        return [str(window) for window in value]
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return {f"{key:g}": step for key, step in value}
    if isinstance(value, tuple):
        return list(value)
    return value


def _field_value(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _section(obj: Any, specs: tuple[options.OptionSpec, ...]) -> dict[str, Any]:
    """One value per model field, named by its first spelling in the registry."""
    result: dict[str, Any] = {}
    seen: set[str] = set()
    for spec in specs:
        if spec.field in seen:
            continue
        seen.add(spec.field)
        result[spec.name] = _plain(_masked(spec, _field_value(obj, spec.field)))
    return result


def resource_as_dict(policy: ResourcePolicy) -> dict[str, Any]:
    result: dict[str, Any] = {"key": policy.key}
    for spec in options.TABLE_OPTIONS:
        owner = policy.of(spec.dimension) if spec.dimension else policy
        result[spec.name] = _plain(_masked(spec, _field_value(owner, spec.field)))
    return result


def table_as_dict(policy: TablePolicy) -> dict[str, Any]:
    result = resource_as_dict(policy)
    result["gsis"] = [resource_as_dict(gsi) for gsi in policy.gsis]
    return result


def account_as_dict(account: AccountConfig) -> dict[str, Any]:
    return {"name": account.name, **_section(account, options.ACCOUNT_OPTIONS)}


def _named_origins(origins: Origins, specs: tuple[options.OptionSpec, ...]) -> dict[str, str]:
    """Field-path origins by option name (the first spelling, as the values are shown)."""
    names: dict[str, str] = {}
    for spec in specs:
        names.setdefault(spec.path, spec.name)
    return {names[path]: origin for path, origin in origins.items() if path in names}


def origins_as_dict(config: Config) -> dict[str, Any]:
    """Where each value that is not a built-in default came from."""
    tables = {}
    for table in config.tables:
        entry: dict[str, Any] = _named_origins(table.origins, options.TABLE_OPTIONS)
        gsis = {gsi.key: _named_origins(gsi.origins, options.TABLE_OPTIONS)
                for gsi in table.gsis}
        if gsis:
            entry["gsis"] = gsis
        tables[table.key] = entry
    return {
        "note": "where each value was set; a value not listed is the built-in default",
        "global": _named_origins(config.global_.origins, options.GLOBAL_OPTIONS),
        "logging": _named_origins(config.logging.origins, options.LOGGING_OPTIONS),
        "tables": tables,
        "accounts": {account.name: _named_origins(account.origins, options.ACCOUNT_OPTIONS)
                     for account in config.accounts},
    }


def config_as_dict(config: Config) -> dict[str, Any]:
    """The effective configuration as plain JSON-able data, secrets masked."""
    glob = _section(config.global_, options.GLOBAL_OPTIONS)
    glob["dry-run"] = config.global_.dry_run  # a flag, not a file option
    return {
        "source": config.source,
        "global": glob,
        "logging": _section(config.logging, options.LOGGING_OPTIONS),
        "tables": [table_as_dict(table) for table in config.tables],
        "accounts": [account_as_dict(account) for account in config.accounts],
        "origins": origins_as_dict(config),
    }


def show_config(config: Config, extra: Mapping[str, Any] | None = None) -> str:
    """``--show-config``'s text; ``extra`` adds keys computed elsewhere (a cost estimate)."""
    shown = config_as_dict(config)
    shown.update(extra or {})
    return json.dumps(shown, indent=2)
