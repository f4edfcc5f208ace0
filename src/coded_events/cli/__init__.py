"""The ``coded-events`` command line: one module per command group."""

from __future__ import annotations

import importlib

import typer

from coded_events.versions import PACKAGE_VERSION, SCHEMA_VERSION

app = typer.Typer(
    name="coded-events",
    help="Hand-coded CAMEO-style political event data: schema, codebook, validator, builds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on ``app`` when imported.
COMMAND_MODULES = [
    "coded_events.cli.codebook_cmd",
    "coded_events.cli.schema_cmd",
    "coded_events.cli.migrate_cmd",
    "coded_events.cli.build_cmd",
    "coded_events.cli.validate_cmd",
    "coded_events.cli.data_cmd",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coded-events {PACKAGE_VERSION} (schema {SCHEMA_VERSION})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Hand-coded CAMEO-style political event data."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def main() -> None:
    """Entry point of the ``coded-events`` script."""
    app()
