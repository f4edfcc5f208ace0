"""``coded-events new``, ``new-dataset``, ``fix`` and ``agree``: the coder's workflow."""

from __future__ import annotations

import difflib
import json
from enum import Enum
from pathlib import Path

import typer

from coded_events.cli.base import app, write_lines
from coded_events.coding import fix as fixing
from coded_events.coding.new import NewError, new_coding, new_dataset, new_source


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _check_usage(dataset: Path, coding: str | None, source: dict[str, object]) -> None:
    """Usage errors (exit 2): a dataset folder or text file that does not exist, or source
    details given with --coding (a second coding takes the dataset's source as it is)."""
    given = [f"--{name}" for name, value in source.items() if value is not None]
    if coding is not None and given:
        raise _usage(
            f"{', '.join(given)} cannot be given with --coding (a second coding starts from "
            "the source the dataset already holds)"
        )
    text = source.get("text")
    for path in (dataset, text if isinstance(text, Path) else None):
        if path is not None and not (path.exists() or path.is_symlink()):
            raise _usage(f"{path}: no such file or folder")


def _require(options: dict[str, object]) -> None:
    """A usage error (exit 2) when an option a new source needs is not given."""
    missing = [f"--{name}" for name, value in options.items() if value is None]
    if missing:
        raise _usage(f"missing {', '.join(missing)} (needed to start a new source)")


@app.command("new")
def new_command(
    dataset: Path = typer.Argument(
        ..., metavar="DATASET", help="The dataset folder (the one holding records/)."
    ),
    source_id: str = typer.Option(
        ..., "--source-id", metavar="ID", help="The source's id: sources/ID.txt, records/ID.json."
    ),
    text: Path = typer.Option(
        None,
        "--text",
        metavar="FILE",
        help="The article text, UTF-8 without a BOM, stored byte for byte.",
    ),
    title: str = typer.Option(None, "--title", metavar="TEXT", help="The headline as published."),
    publisher: str = typer.Option(None, "--publisher", metavar="NAME", help="Who published it."),
    published: str = typer.Option(
        None, "--published", metavar="DATE", help="Publication date, YYYY-MM-DD."
    ),
    url: str = typer.Option(None, "--url", metavar="URL", help="Where it was published."),
    language: str = typer.Option(
        "en", "--language", metavar="TAG", help="BCP 47 language tag of the text."
    ),
    coding: str = typer.Option(
        None,
        "--coding",
        metavar="CODER",
        help="Start a blind second coding of a source the dataset holds, in "
        "codings/CODER/records/ (no --text or source details then).",
    ),
) -> None:
    """Start a source document: store the text, compute its sha256, write the record.

    Writes sources/ID.txt (the text, bytes unchanged) and records/ID.json with $schema,
    schema_version and the source block, ready for events. Never overwrites; refuses an id
    the dataset already has or has retired. Exit status 0 when written, 1 when refused, 2
    on a usage error (a path that does not exist, a missing --text, --title, --publisher or
    --published, or --text or source details with --coding).
    """
    details = {"title": title, "publisher": publisher, "published": published}
    _check_usage(dataset, coding, {"text": text, "url": url, **details})
    if coding is None:
        _require({"text": text, **details})
    try:
        if coding is not None:
            created = new_coding(dataset, coding, source_id)
        else:
            created = new_source(
                dataset, text, source_id=source_id, url=url, language=language, **details
            )
    except (NewError, OSError) as error:
        raise _fail(str(error)) from None
    lines = [f"wrote {created.record}"]
    if created.text is not None:
        lines.append(f"wrote {created.text} (sha256 {created.sha256})")
    lines.append("next: add events, then run coded-events fix and coded-events validate")
    write_lines(lines)


@app.command("new-dataset")
def new_dataset_command(
    name: str = typer.Argument(..., metavar="NAME", help="Dataset name, e.g. south-caucasus."),
    title: str = typer.Option(..., "--title", metavar="TEXT", help="The dataset's title."),
    licence: str = typer.Option(
        ..., "--licence", metavar="ID", help="SPDX licence id of the coding, e.g. CC-BY-4.0."
    ),
    description: str = typer.Option(
        None, "--description", metavar="TEXT", help="What the dataset codes (default: title)."
    ),
    licence_url: str = typer.Option(
        None, "--licence-url", metavar="URL", help="The licence's URL (known ids have one)."
    ),
    author: str = typer.Option(
        "coded-events team", "--author", metavar="NAME", help="The dataset's author."
    ),
    into: Path = typer.Option(
        Path("datasets"), "--into", metavar="DIR", help="Where the dataset folder is made."
    ),
) -> None:
    """Create a dataset folder: dataset.json, records/, sources/ and retired_ids.txt.

    Exit status 0 when created, 1 when refused (the folder exists, a bad name).
    """
    try:
        root = new_dataset(
            into,
            name,
            title=title,
            licence=licence,
            description=description,
            licence_url=licence_url,
            author=author,
        )
    except (NewError, OSError) as error:
        raise _fail(str(error)) from None
    write_lines(
        [f"created {root}", f"next: coded-events new {root} --text FILE --source-id ID ..."]
    )


def _value(value: object) -> str:
    if value is None:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _report(fixed: fixing.FileFix) -> list[str]:
    lines = []
    if fixed.changed or fixed.notes:
        state = f"{len(fixed.changes)} change(s)" if fixed.changes else "no value changed"
        lines.append(f"{fixed.file}: {'not fixed' if fixed.after is None else state}")
    for change in fixed.changes:
        lines.append(f"  {change.pointer}: {_value(change.before)} -> {_value(change.after)}")
    if fixed.bom_removed:
        lines.append("  formatting normalised: byte-order mark removed")
    if fixed.reformatted:
        lines.append("  formatting normalised (2-space JSON, keys in schema order)")
    for note in fixed.notes:
        lines.append(f"  note {note.pointer or '(file)'}: {note.message}")
    return lines


def _diff(fixed: fixing.FileFix) -> list[str]:
    if not fixed.changed or fixed.after is None:
        return []
    before = fixed.before.decode("utf-8", "replace").splitlines(keepends=True)
    after = fixed.after.decode("utf-8").splitlines(keepends=True)
    diff = difflib.unified_diff(before, after, fixed.file, fixed.file)
    return [line.rstrip("\n") for line in diff]


@app.command("fix")
def fix_command(
    paths: list[Path] = typer.Argument(
        ..., exists=True, metavar="PATH", help="Record files, folders of records, dataset folders."
    ),
    diff: bool = typer.Option(
        False, "--diff", help="Show a unified diff of what would change; write nothing."
    ),
    accept_text: bool = typer.Option(
        False,
        "--accept-text",
        help="The source text changed knowingly: replace a wrong text_sha256 and move quotes.",
    ),
) -> None:
    """Repair what is mechanical: quote offsets, codebook-derived values, a missing hash, format.

    Quote offsets are set to the quote's occurrence nearest the old ones (ambiguity and near
    matches are reported, not guessed); stored labels, root codes, QuadClass and Goldstein
    scores are set from the codebook (a label that is another code's label is reported as a
    likely mistyped code, not rewritten); a missing text_sha256 is computed (a wrong one is kept
    and the quotes into a changed text, the record's or another source's, stay where they are,
    unless --accept-text); JSON is written with 2 spaces and keys in schema order, without a
    byte-order mark. Codes, dates, actors and quote texts are never changed. Files are written
    atomically; a malformed record or one reached through a link below its dataset folder is
    reported and left alone. Exit status: 0 when the files validate after the fixes, 1 when
    errors remain or a file could not be fixed.
    """
    from coded_events.cli.validate_cmd import text_lines
    from coded_events.records.validate import validate_document_bytes, validate_paths

    fixes = fixing.fix_paths(paths, accept_text=accept_text)
    lines: list[str] = []
    for fixed in fixes:
        lines += _diff(fixed) if diff else _report(fixed)
    if diff:
        findings = [
            finding
            for fixed in fixes
            for finding in validate_document_bytes(fixed.after or fixed.before, fixed.file)
        ]
    else:
        written = fixing.write(fixes)
        lines.append(f"{len(fixes)} file(s) read, {len(written)} rewritten")
        findings = validate_paths(paths)
    errors = [f for f in findings if f.is_error]
    status = ["after fixing, these errors remain:", *text_lines(errors, len(fixes))]
    unfixed = [fixed.file for fixed in fixes if fixed.after is None]
    if not errors:
        status = [] if unfixed else ["the files validate" + (" once fixed" if diff else "")]
    if unfixed:  # refused (a link, a malformed file): an error even where validate is silent
        status.append(f"{len(unfixed)} file(s) not fixed (see the notes): {', '.join(unfixed)}")
    if diff:  # stdout holds the diff alone (for patch or a review); the rest goes to stderr
        write_lines(lines)
        for fixed in fixes:
            for line in _report(fixed):
                typer.echo(line, err=True)
        typer.echo("\n".join(status), err=True)
    else:
        write_lines(lines + status)
    raise typer.Exit(1 if errors or unfixed else 0)


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command("agree")
def agree_command(
    a: Path = typer.Argument(
        ..., exists=True, metavar="A", help="A coding: a record file, records folder or dataset."
    ),
    b: Path = typer.Argument(
        ...,
        exists=True,
        metavar="B",
        help="The other coding (e.g. DATASET/codings/CODER for a second coding).",
    ),
    output: Format = typer.Option(
        Format.text, "--format", "-f", metavar="FORMAT", help="text or json."
    ),
    resamples: int = typer.Option(
        1000, "--resamples", min=0, metavar="N", help="Bootstrap resamples (0: no interval)."
    ),
    seed: int = typer.Option(17, "--seed", metavar="N", help="Seed of the bootstrap."),
) -> None:
    """Measure agreement between two codings of the same sources: Krippendorff's alpha per field.

    Events are matched one to one within each source (overlapping evidence quotes first,
    then actors, date and code; ids are never used). Reports the events each coder found
    that the other did not, alpha per field with a bootstrap interval (seed and count
    stated), and the most frequent disagreements per field. Exit status 0 when compared,
    1 when a coding cannot be read (validate it first).
    """
    from coded_events.coding.agree import AgreeError, agreement, text_report

    try:
        report = agreement(a, b, seed=seed, resamples=resamples)
    except AgreeError as error:
        raise _fail(str(error)) from None
    if output is Format.json:
        write_lines([json.dumps(report, indent=2, ensure_ascii=False)])
    else:
        write_lines(text_report(report))
