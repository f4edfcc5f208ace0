"""``coded-events import`` and ``coded-events importers``: producer files into our layout."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from coded_events.cli.base import app, write_lines
from coded_events.findings import visible


class Output(str, Enum):
    text = "text"
    json = "json"


def _text(summary: dict[str, object]) -> str:
    lines = []
    if summary["chosen"]:
        lines.append(f"auto: chose {summary['chosen']}")
    for f in summary["findings"]:  # type: ignore[attr-defined]
        where = ":".join(str(p) for p in (f["file"], f["line"]) if p is not None)
        at = f" [{f['pointer']}]" if f["pointer"] else ""
        lines.append(f"{where}: {f['severity']} {f['code']}: {f['message']}{at}")
    lines.append(
        f"{summary['format']}: {summary['rows_read']} row(s) read, {summary['rows_written']} "
        f"written, {summary['rows_rejected']} rejected"
        + (
            f" ({summary['events_written']} event(s) written)"
            if summary.get("events_written", summary["rows_written"]) != summary["rows_written"]
            else ""
        )
        + (f", {summary['files_refused']} file(s) refused" if summary["files_refused"] else "")
        + (
            f", {summary['files_partial']} file(s) read partially"
            if summary.get("files_partial")
            else ""
        )
    )
    for code, count in summary["counts"].items():  # type: ignore[attr-defined]
        lines.append(f"  {count:>7}  {code}")
    lines += [f"wrote {path}" for path in summary["written"]]  # type: ignore[attr-defined]
    return "\n".join(visible(line) for line in lines)  # names and values from the producer


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _runner(engine: str, csv: bool, scheduler: str | None) -> Callable[..., Any]:
    """The import function of ``--engine`` (usage errors for an unknown one, or for
    ``--csv`` or a missing extra with dask)."""
    from coded_events.importers.run import import_files

    if engine not in ("local", "dask"):
        raise _usage(f"unknown engine {engine!r}: local or dask")
    if engine == "local":
        if scheduler is not None:
            raise _usage("--scheduler is used with --engine dask only")
        return functools.partial(import_files, csv=csv)
    if csv:
        raise _usage("--csv is not written with --engine dask (Parquet parts only)")
    from coded_events.extras import ExtraMissing, require
    from coded_events.importers.distributed import import_files_dask

    try:
        require("dask", "dask", "distributed")
    except ExtraMissing as error:
        raise _usage(str(error)) from None
    return functools.partial(import_files_dask, scheduler=scheduler)


_OUT_HELP = "The dataset folder to write: new, empty, or an earlier import's output."


@app.command("import")
def import_command(
    format_name: str = typer.Argument(
        ...,
        metavar="FORMAT",
        help="gdelt1, gdelt2, icews, phoenix, acled, ucdp-ged, plover, or auto (recognised "
        "from the content).",
    ),
    inputs: list[Path] = typer.Argument(
        ..., metavar="INPUT", help="Producer files: plain, .zip or .gz (read as streams)."
    ),
    out: Path = typer.Option(..., "--out", metavar="DIR", help=_OUT_HELP),
    csv: bool = typer.Option(False, "--csv", help="Write the tables as CSV too."),
    output: Output = typer.Option(
        Output.text, "--format", "-f", metavar="FORMAT", help="text or json (the summary)."
    ),
    max_samples: int = typer.Option(
        20, "--max-samples", min=0, metavar="N", help="Findings shown per code and file."
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        metavar="ENGINE",
        help="local (this process) or dask (one task per input, a Parquet dataset partitioned "
        "by year; pip install coded-events[dask]; see docs/scaling.md).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the Dask scheduler (tcp://host:8786); default: threads here.",
    ),
) -> None:
    """Import GDELT, ICEWS, Phoenix, ACLED, UCDP GED or PLOVER files as a dataset in our layout.

    Writes DIR/data/{events,sources,provenance,...}.parquet, datapackage.json and dataset.json.
    Every row is written or rejected with a finding (file, line, rule). Exit status: 0 when
    every row was imported, 1 when any row or file was rejected, 2 on usage problems.
    """
    from coded_events import safe_files
    from coded_events.importers.inputs import InputError
    from coded_events.importers.run import UsageError

    run = _runner(engine, csv, scheduler)
    try:
        result = run(format_name, inputs, out, max_samples=max_samples)
    except (UsageError, InputError) as error:
        raise _usage(str(error)) from None
    except safe_files.UnsafePathError as error:
        raise _usage(f"{error} (the import writes real files only)") from None
    except OSError as error:
        typer.echo(f"error: {error.filename or out}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    summary = result.summary()
    if output is Output.json:
        write_lines([json.dumps(summary, indent=2, ensure_ascii=False)])
    else:
        write_lines([_text(summary)])
    raise typer.Exit(0 if result.complete else 1)


@app.command("importers")
def importers_command(
    as_markdown: bool = typer.Option(
        False, "--markdown", help="Print the column-by-column mappings (docs/importers.md)."
    ),
) -> None:
    """List the import formats; with --markdown, their mappings (docs/importers.md)."""
    from coded_events.importers.docs import markdown
    from coded_events.importers.registry import FORMATS

    if as_markdown:
        write_lines([markdown().rstrip("\n")])
        return
    for fmt in FORMATS.values():
        write_lines([f"{fmt.name:<10} {fmt.description}"])
