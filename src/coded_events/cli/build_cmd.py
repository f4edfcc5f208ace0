"""``coded-events build``: Parquet, CSV and datapackage.json from a dataset's records."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import typer

from coded_events import safe_files
from coded_events.cli.base import app
from coded_events.release import build as publish
from coded_events.release import data_versions
from coded_events.spec.layout import DatasetLayout


@app.command("build")
def build_command(
    dataset_dir: Path = typer.Argument(
        ...,
        metavar="DATASET_DIR",
        help="The dataset folder (holds dataset.json, records/ and sources/).",
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
    """Build a dataset's Parquet and CSV tables and its datapackage.json from its records.

    Writes data/{events,evidence,sources,links}.{parquet,csv} and datapackage.json in the
    dataset folder.
    """
    if not dataset_dir.is_dir():
        typer.echo(f"error: {dataset_dir}: not a folder", err=True)
        raise typer.Exit(2)
    inspect = data_versions.version_check(dataset_dir, previous, echo=typer.echo)
    try:
        if check:
            _check(dataset_dir, inspect)
            return
        result = publish.build(dataset_dir, inspect=inspect)
    except publish.BuildError as error:
        _refuse(dataset_dir, error.problems)
    except safe_files.UnsafePathError as error:
        _refuse(dataset_dir, [f"{error} (the build writes real files only: remove it)"])
    except OSError as error:
        _refuse(dataset_dir, [f"{error.filename or dataset_dir}: {error.strerror or error}"])
    for path in result.debris:
        typer.echo(f"removed {path} (left by an interrupted build)")
    for path in result.written:
        typer.echo(f"wrote {path}")
    for path, reason in result.kept.items():
        typer.echo(f"kept {path}: {reason}")
    if result.unchanged and not result.written:
        typer.echo(f"{dataset_dir}: built files were already up to date; nothing written")
    elif result.unchanged:
        typer.echo(f"{len(result.unchanged)} file(s) already up to date; not rewritten")


def _refuse(dataset_dir: Path, problems: list[str]) -> NoReturn:
    typer.echo(f"error: cannot build {dataset_dir}:", err=True)
    for problem in problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


def _check(dataset_dir: Path, inspect: Callable[[dict[str, bytes]], None]) -> None:
    """``build --check``: stale files and a manifest that does not describe the files."""
    stale = publish.check(dataset_dir, inspect=inspect, echo=typer.echo)
    built = DatasetLayout(dataset_dir).data.is_dir()
    torn = publish.manifest_mismatches(dataset_dir) if built else []
    for relative in stale:
        typer.echo(f"stale: {dataset_dir / relative}", err=True)
    for problem in torn:
        typer.echo(f"manifest: {problem}", err=True)
    if stale or torn:
        typer.echo(f"run `coded-events build {dataset_dir}` and commit", err=True)
        raise typer.Exit(1)
    typer.echo(f"{dataset_dir}: built files are up to date")


@app.command("data-dictionary")
def data_dictionary_command(
    out: Path = typer.Option(
        Path("docs/data-dictionary.md"), "--out", metavar="FILE", help="Where to write it."
    ),
    check: bool = typer.Option(False, "--check", help="Exit 1 if the file is stale."),
) -> None:
    """Write the data dictionary of the published tables (generated from spec/tables.py)."""
    from coded_events.release.table_schema import data_dictionary

    text = data_dictionary()
    if check:
        try:  # compared byte for byte, never through a link; absent or not UTF-8: stale
            current = safe_files.read_regular(out) if os.path.lexists(out) else None
        except safe_files.UnsafePathError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None
        except OSError as error:
            typer.echo(f"error: cannot read {out}: {error.strerror or error}", err=True)
            raise typer.Exit(1) from None
        if current != text.encode("utf-8"):
            typer.echo(f"stale: {out}; run `coded-events data-dictionary`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is up to date")
        return
    try:
        safe_files.make_dirs(out.parent)
        safe_files.write_atomic(out, text.encode("utf-8"))
    except OSError as error:
        typer.echo(f"error: cannot write {out}: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {out}")
