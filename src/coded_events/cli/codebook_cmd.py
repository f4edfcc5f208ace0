"""``coded-events codebook``: look up CAMEO event and actor codes."""

from __future__ import annotations

import typer

from coded_events.cli.base import app
from coded_events.spec import codebook


def _show_event(entry: codebook.EventCode) -> None:
    goldstein = "n/a" if entry.goldstein is None else f"{entry.goldstein:+.1f}"
    typer.echo(f"{entry.code}  {entry.label}")
    typer.echo(f"  root code   {entry.root_code}  ({codebook.event(entry.root_code).label})")
    typer.echo(f"  QuadClass   {entry.quad_class}  ({entry.quad_label})")
    typer.echo(f"  Goldstein   {goldstein}")
    if entry.goldstein_icews is not None and entry.goldstein_icews != entry.goldstein:
        typer.echo(f"  note        ICEWS gives Goldstein {entry.goldstein_icews:+.1f}")
    if entry.deprecated:
        typer.echo(
            f"  deprecated  since {entry.deprecated_since}; use {entry.replaced_by} "
            f"({entry.deprecation_note})"
        )


def _show_actor(parsed: codebook.ActorCode) -> None:
    typer.echo(parsed.code)
    for segment in parsed.segments:
        typer.echo(f"  {segment.code}  {segment.kind:<12} {segment.label}")


@app.command("codebook")
def codebook_command(
    code: str = typer.Argument(
        None, metavar="CODE", help="An event code (0874) or an actor code (RUSMIL)."
    ),
    search: str = typer.Option(
        None, "--search", "-s", metavar="TEXT", help="Find event codes by label."
    ),
) -> None:
    """Look up a CAMEO event code or actor code, or search event labels."""
    if search:
        hits = codebook.search(search)
        for entry in hits:
            typer.echo(f"{entry.code:<5} {entry.label}")
        if not hits:
            typer.echo(f"no event code label contains {search!r}", err=True)
            raise typer.Exit(1)
        return
    if not code:
        typer.echo("give a code, or --search TEXT", err=True)
        raise typer.Exit(2)
    try:
        if code.isdigit():
            _show_event(codebook.event(code))
        else:
            _show_actor(codebook.actor(code.upper()))
    except codebook.UnknownCodeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
