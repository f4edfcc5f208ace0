"""The Typer application every command module registers on."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from coded_events.spec.versions import PACKAGE_VERSION, SCHEMA_VERSION

# Plain help text (no boxes, no `<bool>` type labels), readable in a terminal, a pipe or a
# log. Every command module passes it to the Typer objects it creates.
MARKUP_MODE = None


def write_lines(lines: Iterable[str]) -> None:
    """Print ``lines`` to standard output as UTF-8 whatever the terminal's encoding (a
    character it cannot show becomes a backslash escape, never an error)."""
    data = "".join(line + "\n" for line in lines)
    sys.stdout.buffer.write(data.encode("utf-8", "backslashreplace"))
    sys.stdout.flush()


def argument_label(param: Any) -> str:
    """An argument as help shows it: its metavar (``PATH``), ``...`` when it takes many,
    in brackets when it is optional. No type label (``<list[Path]>``)."""
    label = param.metavar or param.name.upper()
    if param.nargs != 1 and not label.endswith("..."):
        label += "..."
    return label if param.required else f"[{label}]"


class Command(TyperCommand):
    """A command whose usage line and argument list show ``PATH...``, not ``{paths}...``
    with a ``<list[Path]>`` type label."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(argument_label(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((argument_label(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class App(typer.Typer):
    """``typer.Typer`` whose commands are ``Command`` unless they name another class."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or Command, **kwargs)


class OrderedGroup(TyperGroup):
    """A command group that lists its commands in the order of ``cli.COMMANDS``: the order
    in which a user meets them, not the order in which the modules happen to import."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        from coded_events.cli import COMMANDS

        order = list(COMMANDS)
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: order.index(n) if n in order else len(order))

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """One row per command with its whole summary (wrapped, never cut with "...")."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = App(
    name="coded-events",
    cls=OrderedGroup,
    help="Hand-coded CAMEO-style political event data: schema, codebook, validator, builds."
    "\n\nRun `coded-events COMMAND --help` for the options of a command.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP_MODE,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coded-events {PACKAGE_VERSION} (schema {SCHEMA_VERSION})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Show the package and schema versions and exit.",
    ),
) -> None:
    """Hand-coded CAMEO-style political event data."""
