"""``coded-events compare``: a machine-coded candidate held against a hand-coded reference."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from coded_events.cli.base import app, write_lines


class Format(str, Enum):
    text = "text"
    json = "json"


class Level(str, Enum):
    quadclass = "quadclass"
    root = "root"
    code = "code"


REFERENCE = typer.Argument(
    ...,
    metavar="REFERENCE",
    help="The hand-coded reference: a dataset folder, its data/ folder, a "
    "datapackage.json, or a published dataset's name.",
)
CANDIDATE = typer.Argument(
    ...,
    metavar="CANDIDATE",
    help="The dataset to judge, e.g. the output of coded-events import; the same forms.",
)
LEVEL = typer.Option(
    Level.root,
    "--level",
    metavar="LEVEL",
    help="How far codes must agree for a match: quadclass, root or code. Recall is "
    "reported at every level.",
)
WINDOW = typer.Option(
    3,
    "--window",
    min=0,
    metavar="DAYS",
    help="Days a candidate date may lie outside a reference date given to the day.",
)
UNDIRECTED = typer.Option(
    False, "--undirected", help="Also match a candidate whose dyad is reversed."
)
SCOPE_FROM = typer.Option(
    None,
    "--from",
    metavar="DATE",
    help="First day of the scope (default: the reference's first day minus the window).",
)
SCOPE_TO = typer.Option(
    None,
    "--to",
    metavar="DATE",
    help="Last day of the scope (default: the reference's last day plus the window).",
)
COUNTRIES = typer.Option(
    None,
    "--countries",
    metavar="CODES",
    help="Countries of the scope, comma-separated (default: the reference's actor and "
    "location countries).",
)
BEST = typer.Option(
    3, "--best", min=0, metavar="N", help="Candidate rows listed per reference event."
)
OUTPUT = typer.Option(Format.text, "--format", "-f", metavar="FORMAT", help="text or json.")
HTML = typer.Option(
    None,
    "--html",
    metavar="FOLDER",
    help="Also write an HTML report (index.html with a chart, opens from disk).",
)


@app.command("compare")
def compare_command(
    reference: str = REFERENCE,
    candidate: str = CANDIDATE,
    level: Level = LEVEL,
    window: int = WINDOW,
    undirected: bool = UNDIRECTED,
    scope_from: str = SCOPE_FROM,
    scope_to: str = SCOPE_TO,
    countries: str = COUNTRIES,
    best: int = BEST,
    output: Format = OUTPUT,
    html: Path = HTML,
) -> None:
    """Compare a candidate dataset with a hand-coded reference: recall, duplicates, codes.

    The candidate is restricted to the reference's scope, then matched one to one: same
    actor countries, dates within the window, codes agreeing at the level. Reports recall
    at each level, the share of in-scope candidate rows that match, duplicates, bare
    statements apart, a confusion table of root codes and, per reference event, the best
    candidate rows with their producer ids and URLs. Exit status 0 when compared, 1 when a
    dataset cannot be read, 2 when a path given does not exist. See docs/compare.md.
    """
    from coded_events.access.fetch import DataError
    from coded_events.cli.data_cmd import exit_if_missing
    from coded_events.compare import CompareError, compare, report, text_report, write_report
    from coded_events.findings import visible

    exit_if_missing(reference, candidate)
    try:
        result = compare(
            reference,
            candidate,
            level=level.value,
            window=window,
            undirected=undirected,
            scope_from=scope_from,
            scope_to=scope_to,
            countries=countries.split(",") if countries else None,
        )
        data = report(result, best=best)
        if html is not None:
            write_report(data, html)
    except (CompareError, DataError, OSError) as error:
        typer.echo(visible(f"error: {error}"), err=True)
        raise typer.Exit(1) from None
    if output is Format.json:
        write_lines([json.dumps(data, indent=2, ensure_ascii=False)])
    else:
        write_lines(text_report(data))
    if html is not None:
        typer.echo(f"wrote {html / 'index.html'}", err=True)
