"""``coded-events schema``: generate and check the published JSON Schema files."""

from __future__ import annotations

from pathlib import Path

import typer

from coded_events.cli.base import MARKUP_MODE, App, OrderedGroup, app
from coded_events.safe_files import UnsafePathError
from coded_events.spec import schema_files
from coded_events.spec.versions import SCHEMA_VERSION

schema_app = App(
    help="Generate, compare and check the published JSON Schema files.",
    no_args_is_help=True,
    cls=OrderedGroup,
    rich_markup_mode=MARKUP_MODE,
)
app.add_typer(schema_app, name="schema")


@schema_app.command("generate")
def generate(
    out: Path = typer.Option(
        Path("schema"), "--out", metavar="DIR", help="The schema/ folder of the repository."
    ),
    check: bool = typer.Option(False, "--check", help="Only report stale files; exit 1 if any."),
) -> None:
    """Write the current schema version's files from the models (or check them)."""
    if check:
        names = schema_files.stale(out, SCHEMA_VERSION)
        for name in names:
            typer.echo(f"stale: {out / SCHEMA_VERSION / name}", err=True)
        raise typer.Exit(1 if names else 0)
    try:
        written = schema_files.write(out, SCHEMA_VERSION)
    except schema_files.FrozenSchemaError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except UnsafePathError as error:  # a link, or a file where a folder goes
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(f"wrote {path}")


@schema_app.command("diff")
def diff_command(
    old: str = typer.Argument(
        ..., metavar="OLD", help="Old schema: a published version (1.0.0) or a file."
    ),
    new: str = typer.Argument(
        ..., metavar="NEW", help="New schema: a published version or a file."
    ),
) -> None:
    """List every change between two schemas and classify it: patch, minor or major."""
    from coded_events.spec import schema_diff

    try:
        old_name, old_schema = schema_files.load_schema(old)
        new_name, new_schema = schema_files.load_schema(new)
    except (OSError, ValueError) as error:  # OSError: a link, a folder, unreadable
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    changes = schema_diff.diff(old_schema, new_schema)
    for change in changes:
        typer.echo(f"{change.level!s:<5}  {change.pointer}  {change.description}")
    level = schema_diff.required_level(changes)
    typer.echo(f"{old_name} -> {new_name}: {len(changes)} change(s); required bump: {level}")


@schema_app.command("check")
def check_command(
    out: Path = typer.Option(
        Path("schema"), "--out", metavar="DIR", help="The schema/ folder of the repository."
    ),
) -> None:
    """Check that released schemas are unchanged and the current one is generated.

    Also checks that the version bump is large enough for the change.
    """
    if not out.is_dir():
        typer.echo(f"error: {out}: no such folder (--out names the schema/ folder)", err=True)
        raise typer.Exit(2)
    problems = schema_files.frozen_violations(out)
    if not problems:  # the staleness and the bump are judged on intact released files
        problems += [
            f"{out / SCHEMA_VERSION / name}: stale; run `{schema_files.GENERATE_COMMAND}`"
            for name in schema_files.stale(out, SCHEMA_VERSION)
        ]
        bump = schema_files.bump_problem(SCHEMA_VERSION, root=out)
        problems += [bump] if bump else []
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if not problems:
        typer.echo(f"schema {SCHEMA_VERSION}: released files intact, current, bump sufficient")
    raise typer.Exit(1 if problems else 0)
