"""``coded-events schema``: generate and check the published JSON Schema files."""

from __future__ import annotations

from pathlib import Path

import typer

from coded_events import schema_files
from coded_events.cli import app
from coded_events.versions import SCHEMA_VERSION

schema_app = typer.Typer(help="The published JSON Schema files.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("generate")
def generate(
    out: Path = typer.Option(Path("schema"), help="The schema/ folder of the repository."),
    check: bool = typer.Option(False, help="Only report stale files; exit 1 if any."),
) -> None:
    """Write schema/<version>/ from the models (or check that it is current)."""
    if check:
        names = schema_files.stale(out, SCHEMA_VERSION)
        for name in names:
            typer.echo(f"stale: {out / SCHEMA_VERSION / name}", err=True)
        raise typer.Exit(1 if names else 0)
    for path in schema_files.write(out, SCHEMA_VERSION):
        typer.echo(f"wrote {path}")
