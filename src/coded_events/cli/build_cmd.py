"""``coded-events build``: Parquet, CSV and datapackage.json from a dataset's records."""

from __future__ import annotations

from pathlib import Path

import typer

from coded_events import data_versions, publish
from coded_events.cli.base import app


@app.command("build")
def build_command(
    dataset_dir: Path = typer.Argument(
        ..., help="The dataset folder (holds dataset.json, records/ and sources/)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Build in memory and exit 1 if the committed files differ."
    ),
    previous: str | None = typer.Option(
        None,
        "--previous",
        metavar="PATH_OR_VERSION",
        help="The previous release to check the version bump against: a release folder or a "
        "version (fetched like `coded-events download`). Default: the newest registered "
        "release not newer than dataset.json's version.",
    ),
) -> None:
    """Build data/{events,evidence,sources,links}.{parquet,csv} and datapackage.json."""
    if not dataset_dir.is_dir():
        typer.echo(f"error: {dataset_dir}: not a folder", err=True)
        raise typer.Exit(2)
    inspect = data_versions.version_check(dataset_dir, previous, echo=typer.echo)
    try:
        if check:
            stale = publish.check(dataset_dir, inspect=inspect)
            for relative in stale:
                typer.echo(f"stale: {dataset_dir / relative}", err=True)
            if stale:
                typer.echo(f"run `coded-events build {dataset_dir}` and commit", err=True)
                raise typer.Exit(1)
            typer.echo(f"{dataset_dir}: built files are up to date")
            return
        written = publish.build(dataset_dir, inspect=inspect)
    except publish.BuildError as error:
        typer.echo(f"error: cannot build {dataset_dir}:", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        typer.echo(f"wrote {path}")


@app.command("data-dictionary")
def data_dictionary_command(
    out: Path = typer.Option(Path("docs/data-dictionary.md"), help="Where to write it."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if the file is stale."),
) -> None:
    """Write the data dictionary of the published tables (generated from table_schema.py)."""
    from coded_events.table_schema import data_dictionary

    text = data_dictionary()
    if check:
        current = out.read_text("utf-8") if out.is_file() else None
        if current != text:
            typer.echo(f"stale: {out}; run `coded-events data-dictionary`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is up to date")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
