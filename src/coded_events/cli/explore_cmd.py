"""``coded-events explore``: a static explorer site for a built dataset."""

from __future__ import annotations

from pathlib import Path

import typer

from coded_events.cli.base import app


@app.command("explore")
def explore_command(
    dataset: str = typer.Argument(
        ...,
        metavar="DATASET",
        help="A built dataset folder, its data/ folder, a datapackage.json, or the name of "
        "a published dataset.",
    ),
    out: Path = typer.Option(..., "--out", metavar="SITE", help="The folder to write into."),
    version: str | None = typer.Option(
        None,
        "--version",
        metavar="VERSION",
        help="With a dataset name: the release to show (fetched like `coded-events "
        "download`). Default: the bundled release.",
    ),
    with_sources: bool = typer.Option(
        False,
        "--with-sources",
        help="Include the source texts from the dataset's sources/ folder and highlight "
        "every quote in place (for coders and reviewers; the texts belong to their "
        "publishers, so do not publish such a site).",
    ),
) -> None:
    """Write a static explorer site: timeline, map, actor network, events and evidence.

    Open SITE/index.html straight from disk; it needs no server and no network.
    """
    from coded_events.access.fetch import DataError
    from coded_events.cli.data_cmd import exit_if_missing
    from coded_events.explore import ExploreInputError, build_site
    from coded_events.findings import visible

    exit_if_missing(dataset)

    try:
        site = build_site(dataset, out, version=version, with_sources=with_sources)
    except (ExploreInputError, DataError, OSError) as error:  # may quote a manifest's values
        typer.echo(visible(f"error: {error}"), err=True)
        raise typer.Exit(1) from None
    counts = ", ".join(f"{n} {table}" for table, n in site.counts.items())
    typer.echo(f"wrote {len(site.files)} files to {site.folder} ({counts})")
    if with_sources and not site.counts.get("evidence"):
        typer.echo("note: no event has a quote (imported events carry provenance instead), so "
                   "--with-sources has no text to show")  # fmt: skip
    typer.echo(f"open {site.folder / 'index.html'}")
