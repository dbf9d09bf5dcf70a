"""The command line's configuration flags, generated from the option registry.

cli.py declares subcommands; this module turns the registry (config/options.py)
into click options and click's parameters back into a Config:

- ``config_options(place)`` adds a ``--name`` flag for every registry option that
  is a flag and acts where ``place`` runs (daemon, status, simulate, advise), plus
  ``--config/-c`` and ``--table-name/-t``. Each flag's help says what it does, its
  unit and its default, all from the registry. Values stay text: the registry's
  parser reads them, so a flag and a file line get the same parsing and messages.
- ``build_config(params)`` gives the flags' values to the loader.
- ``GroupedHelpGroup`` / ``GroupedHelpCommand`` print ``--help`` with one section per
  registry group ("Threshold mode", "AWS access", ...), so about 80 flags stay readable.
- ``example_config_option`` is ``--example-config``: print the example file and exit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.example import example_config
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.config.options import OptionSpec
from dynamic_dynamodb.settings import Config

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
# The heading of a command's own flags (not from the registry), shown first.
OWN_FLAGS = "Options"


class RegistryOption(click.Option):
    """A flag generated from the registry; remembers its option."""

    def __init__(self, *args: Any, spec: OptionSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec


def flag_help(spec: OptionSpec, both: bool = False) -> str:
    """What the flag does, then its unit and default: "... [percent; default: 90]".

    ``both``: the text for a reads/writes pair shown as one entry.
    """
    text, unit, unset = spec.both if both and spec.both else (spec.help, spec.unit, spec.unset)
    facts = [unit] if unit else []
    facts.append(f"default: {options.default_text(spec, unset)}")
    return f"{text} [{'; '.join(facts)}]"


def _registry_flag(spec: OptionSpec) -> Decorator:
    decls = [f"--{spec.name}", *([spec.short] if spec.short else []), spec.param]
    return click.option(*decls, cls=RegistryOption, spec=spec, metavar=spec.metavar,
                        default=None, help=flag_help(spec))


def config_options(place: str = options.DAEMON) -> Decorator:
    """The flags that build a configuration, for a command that runs at ``place``."""
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for spec in reversed(options.flags(place)):
            fn = _registry_flag(spec)(fn)
        fn = click.option("--table-name", "-t", "table_name", metavar="REGEX",
                          help="table(s) to manage: a regex matched from the start of the "
                               "name; replaces the config file's tables")(fn)
        fn = click.option("--config", "-c", "config_file", metavar="FILE",
                          type=click.Path(dir_okay=False),
                          help="INI configuration file (the original's format; "
                               "--example-config prints one)")(fn)
        return fn
    return decorate


def build_config(params: Mapping[str, Any], **runtime: Any) -> Config:
    """The configuration from click's parameters (flags not given are None)."""
    values: dict[str, dict[str, str]] = {kind: {} for kind in options.KINDS}
    for spec in options.ALL_OPTIONS:
        value = params.get(spec.param) if spec.flag else None
        if value is not None:
            values[spec.kind][spec.name] = str(value)
    return from_command_line(
        params.get("table_name"), values["table"], values["global"], values["logging"],
        runtime=runtime, config_file=params.get("config_file"))


def _print_example(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(example_config(), nl=False)
        ctx.exit(0)


def example_config_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--example-config", is_flag=True, expose_value=False, is_eager=True,
        callback=_print_example,
        help="print an example configuration file (every option, commented out, with "
             "what it does, its unit and its default) and exit")(fn)


def _twins(params: list[click.Parameter]) -> dict[str, OptionSpec]:
    """Reads option name -> its writes twin, for twins that are both flags here."""
    specs = [p.spec for p in params if isinstance(p, RegistryOption)]
    writes = {(spec.field, spec.group): spec for spec in specs if spec.dimension == "writes"}
    return {spec.name: writes[(spec.field, spec.group)] for spec in specs
            if spec.dimension == "reads" and (spec.field, spec.group) in writes}


def _format_grouped_options(command: click.Command, ctx: click.Context,
                            formatter: click.HelpFormatter) -> None:
    """One section per registry group; a reads/writes pair of flags is one entry."""
    params = command.get_params(ctx)
    twins = _twins(params)
    paired = {twin.name for twin in twins.values()}
    sections: dict[str, list[tuple[str, str]]] = {OWN_FLAGS: []}
    for param in params:
        if not isinstance(param, click.Option):
            continue  # arguments are in the usage line, as click shows them
        if not isinstance(param, RegistryOption):
            record = param.get_help_record(ctx)
            if record is not None:
                sections[OWN_FLAGS].append(record)
            continue
        spec = param.spec
        if spec.name in paired:
            continue
        if spec.name in twins:
            record = (f"--{spec.name}, --{twins[spec.name].name} {spec.metavar}",
                      flag_help(spec, both=True))
        else:
            record = param.get_help_record(ctx) or ("", "")
        sections.setdefault(spec.group, []).append(record)
    for title, records in sections.items():
        if records:
            with formatter.section(title):
                formatter.write_dl(records)


class GroupedHelpCommand(click.Command):
    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _format_grouped_options(self, ctx, formatter)


class GroupedHelpGroup(click.Group):
    """The main command: grouped --help, and subcommands that group theirs too."""

    command_class = GroupedHelpCommand

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _format_grouped_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)
