"""The Typer application every command module registers on."""

from __future__ import annotations

import typer

from coded_events.versions import PACKAGE_VERSION, SCHEMA_VERSION

app = typer.Typer(
    name="coded-events",
    help="Hand-coded CAMEO-style political event data: schema, codebook, validator, builds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
