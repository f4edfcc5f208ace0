"""``coded-events validate`` and ``coded-events checks``: the contributor's validator."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from coded_events.cli.base import app, write_lines
from coded_events.findings import Finding, totals, visible
from coded_events.records.checks import CATALOGUE, markdown
from coded_events.records.validate import validate_paths


class Format(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def escape_data(text: str) -> str:
    """Escape a workflow command's message (GitHub Actions: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (also ':' and ',')."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(finding: Finding) -> str:
    """One finding as a GitHub Actions ``::error``/``::warning`` workflow command (control
    characters in values escaped visibly: a CI log is shown in a terminal too)."""
    props = {
        "file": finding.file,
        "line": finding.line,
        "col": finding.column,
        "title": finding.code,
    }
    shown = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    message = finding.message + (f" (fix: {finding.hint})" if finding.hint else "")
    if finding.pointer:
        message = f"{finding.pointer}: {message}"
    return visible(f"::{finding.severity} {shown}::{escape_data(message)}")


def text_lines(findings: list[Finding], files: int) -> list[str]:
    """Findings as ``file:line:column: severity code: message`` lines, hints and a summary.
    Control characters a file put in a value are shown as escapes (``\\x1b``), never sent
    to the terminal."""
    out = []
    for f in findings:
        where = ":".join(str(p) for p in (f.file, f.line, f.column) if p is not None)
        at = f" [{f.pointer}]" if f.pointer else ""
        out.append(f"{where}: {f.severity} {f.code}: {f.message}{at}")
        if f.hint:
            out.append(f"    hint: {f.hint}")
    counts = totals(findings)
    errors = sum(n for (_, severity), n in counts.items() if severity == "error")
    warnings = sum(counts.values()) - errors
    out.append(f"{files} file(s) checked: {errors} error(s), {warnings} warning(s)")
    for (code, severity), count in sorted(counts.items()):
        out.append(f"  {count:>5}  {severity:<7} {code}")
    return [visible(line) for line in out]  # one line each: a value cannot add lines


@app.command("validate")
def validate_command(
    paths: list[Path] = typer.Argument(
        ...,
        exists=True,
        metavar="PATH",
        help="Record files, folders of records, dataset folders, or flat tables (.csv, "
        ".parquet, a data/ folder, a partitioned table folder).",
    ),
    output: Format = typer.Option(
        Format.text,
        "--format",
        "-f",
        metavar="FORMAT",
        help="text (file:line:column lines and a summary), json, or github (annotations).",
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    max_samples: int = typer.Option(
        20,
        "--max-samples",
        min=0,
        metavar="N",
        help="Findings shown per code and file, in records and flat tables (all are counted).",
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        metavar="ENGINE",
        help="Flat tables: local (this process) or dask (one task per file or Parquet row "
        "group; pip install coded-events[dask]; see docs/scaling.md).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the Dask scheduler (tcp://host:8786); default: threads here.",
    ),
) -> None:
    """Check records and flat tables against the schema, the codebook and the source texts.

    Every finding names the file, the line and column, the check's code and a fix. Exit
    status: 0 when there is no error, 1 when there are errors, 2 on usage problems.
    """
    if scheduler is not None and engine != "dask":
        typer.echo("--scheduler is used with --engine dask only", err=True)
        raise typer.Exit(2)
    if engine == "dask":
        findings = _dask_findings(paths, strict, max_samples, scheduler)
    elif engine != "local":
        typer.echo(f"unknown engine {engine!r}: local or dask", err=True)
        raise typer.Exit(2)
    else:
        findings = validate_paths(paths, strict=strict, max_samples=max_samples)
    _emit(findings, output, paths)
    raise typer.Exit(1 if any(f.is_error for f in findings) else 0)


def _emit(findings: list[Finding], output: Format, paths: list[Path]) -> None:
    """Write the findings in the chosen format (text ends with a summary of files)."""
    from coded_events.flat import flat_files, is_flat
    from coded_events.records.validate import expand_paths

    if output is Format.json:
        write_lines([json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False)])
    elif output is Format.github:
        write_lines([github_line(f) for f in findings])
    else:
        flat = [p for p in paths if is_flat(p)]
        records = expand_paths([p for p in paths if p not in flat])
        write_lines(text_lines(findings, len(records) + len(flat_files(flat))))


def _dask_findings(
    paths: list[Path], strict: bool, max_samples: int, scheduler: str | None
) -> list[Finding]:
    """Flat tables validated on Dask; anything else is a usage error (exit 2)."""
    from coded_events.extras import ExtraMissing
    from coded_events.flat import is_flat, validate_flat
    from coded_events.records.validate import _finish

    records = [p for p in paths if not is_flat(p)]
    if records:
        typer.echo(f"--engine dask checks flat tables only, not {records[0]}", err=True)
        raise typer.Exit(2)
    try:
        report = validate_flat(paths, engine="dask", scheduler=scheduler, max_samples=max_samples)
    except ExtraMissing as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    except (OSError, TimeoutError) as error:  # the scheduler cannot be reached
        where = scheduler or "the local Dask scheduler"
        typer.echo(f"cannot run on {where}: {error}", err=True)
        raise typer.Exit(2) from None
    return _finish(report.findings, strict)  # the local run's severities and order


@app.command("checks")
def checks_command(
    as_markdown: bool = typer.Option(
        False, "--markdown", help="Print the catalogue as Markdown (docs/checks.md)."
    ),
) -> None:
    """List the catalogue of checks: code, severity, layer and title."""
    if as_markdown:
        write_lines([markdown().rstrip("\n")])
        return
    write_lines(
        [f"{c.code:<34} {c.severity:<8} {c.layer:<12} {c.title}" for c in CATALOGUE.values()]
    )
