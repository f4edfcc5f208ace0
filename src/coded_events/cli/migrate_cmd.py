"""``coded-events migrate``: upgrade source documents to a newer schema version."""

from __future__ import annotations

from pathlib import Path

import typer

from coded_events import safe_files
from coded_events.cli.base import app
from coded_events.spec import migrate
from coded_events.spec.versions import SCHEMA_VERSION


def _files(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Each file to migrate with the folder the user named (None for a file named)."""
    out: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():  # a folder the user names may itself be a link: their choice
            out.extend((file, path) for file in sorted(path.rglob("*.json")))
        else:
            out.append((path, None))
    return out


@app.command("migrate")
def migrate_command(
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH", help="Source-document files or folders."
    ),
    to: str = typer.Option(
        SCHEMA_VERSION, "--to", metavar="VERSION", help="Target schema version."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check only; write nothing."),
) -> None:
    """Upgrade records to a newer schema version.

    One version at a time; a file is written only when the migrated document validates.
    """
    failed = False
    for path, root in _files(paths):
        if not path.is_file() and not path.is_symlink():
            typer.echo(f"{path}: no such file", err=True)
            raise typer.Exit(2)
        try:
            result = migrate.migrate_file(path, to, write=not dry_run, root=root)
        except safe_files.UnsafePathError as error:
            typer.echo(f"{path}: error: {error}; not migrated", err=True)
            failed = True
            continue
        except (migrate.MigrationError, OSError, ValueError) as error:
            typer.echo(f"{path}: error: {error}", err=True)
            failed = True
            continue
        if result.problems:
            failed = True
            typer.echo(f"{path}: not written: the migrated document does not validate:", err=True)
            for problem in result.problems[:20]:
                typer.echo(f"  {problem}", err=True)
        elif result.source_version == result.target_version:
            typer.echo(f"{path}: already {result.target_version}")
        else:
            verb = "migrated" if result.written else "would migrate"
            typer.echo(f"{path}: {verb} {result.source_version} -> {result.target_version}")
    raise typer.Exit(1 if failed else 0)
