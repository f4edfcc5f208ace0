"""``coded-events migrate``: upgrade source documents to a newer schema version."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import typer

from coded_events import safe_files
from coded_events.cli.base import app
from coded_events.records.checks.inputs import is_metadata
from coded_events.spec import migrate
from coded_events.spec.layout import (
    CODINGS_DIR,
    METADATA_FILE,
    RECORDS_DIR,
    DatasetLayout,
    link_root,
)
from coded_events.spec.versions import SCHEMA_VERSION


@dataclass
class Job:
    """Record files to migrate, each with the folder below which links are refused, and
    the dataset whose ``dataset.json`` follows when every one of them migrated."""

    files: list[tuple[Path, Path | None]] = field(default_factory=list)
    dataset: Path | None = None
    root: Path | None = None


def _is_dataset(folder: Path) -> bool:
    return os.path.lexists(folder / METADATA_FILE) or (folder / RECORDS_DIR).is_dir()


def _dataset_records(dataset: Path) -> list[Path]:
    """The record files of a dataset: ``records/*.json`` and each second coding's."""
    layout = DatasetLayout(dataset)
    files = sorted(layout.records.glob("*.json"))
    return files + sorted(layout.codings.glob(f"*/{RECORDS_DIR}/*.json"))


def _jobs(paths: list[Path]) -> list[Job]:
    """What to migrate: a file named; a dataset folder's record files (not its metadata,
    not its built ``data/``); in any other folder, the datasets in it and the other
    ``*.json`` files that are not metadata. A folder named may be a link (the user's
    choice); links below it are refused file by file."""
    jobs = []
    for path in paths:
        if not path.is_dir():
            jobs.append(Job([(path, link_root(path))]))
            continue
        datasets = [path] if _is_dataset(path) else _datasets_below(path)
        for dataset in datasets:
            jobs.append(Job([(f, path) for f in _dataset_records(dataset)], dataset, path))
        loose = [
            file
            for file in sorted(path.rglob("*.json"))
            if not is_metadata(file) and not any(file.is_relative_to(d) for d in datasets)
        ]
        if loose:
            jobs.append(Job([(file, path) for file in loose]))
    return jobs


def _datasets_below(folder: Path) -> list[Path]:
    """The dataset folders inside ``folder`` (not those inside another one)."""
    found = {meta.parent for meta in folder.rglob(METADATA_FILE)}
    found |= {
        r.parent
        for r in folder.rglob(RECORDS_DIR)
        if r.is_dir() and r.parent.parent.name != CODINGS_DIR
    }
    return sorted(d for d in found if not any(d.is_relative_to(o) and d != o for o in found))


def _migrate_one(path: Path, root: Path | None, to: str, dry_run: bool) -> bool:
    """Migrate one file and say what happened; whether it is now (or would be) at ``to``."""
    try:
        result = migrate.migrate_file(path, to, write=not dry_run, root=root)
    except safe_files.UnsafePathError as error:
        typer.echo(f"{path}: error: {error}; not migrated", err=True)
        return False
    except (migrate.MigrationError, OSError, ValueError) as error:
        typer.echo(f"{path}: error: {error}", err=True)
        return False
    if result.problems:
        typer.echo(f"{path}: not written: the migrated document does not validate:", err=True)
        for problem in result.problems[:20]:
            typer.echo(f"  {problem}", err=True)
        return False
    if result.source_version == result.target_version:
        typer.echo(f"{path}: already {result.target_version}")
    else:
        verb = "migrated" if result.written else "would migrate"
        typer.echo(f"{path}: {verb} {result.source_version} -> {result.target_version}")
    return True


def _follow(job: Job, to: str, dry_run: bool, all_migrated: bool) -> bool:
    """Set the dataset's ``dataset.json`` schema_version to ``to`` once all its records
    are there; otherwise say why it was left. Whether that went well."""
    assert job.dataset is not None
    meta = job.dataset / METADATA_FILE
    if not os.path.lexists(meta):
        return True
    if not all_migrated:
        typer.echo(
            f"{meta}: schema_version left as it was: not every record file migrated; fix "
            f"them and run `coded-events migrate {job.dataset}` again",
            err=True,
        )
        return False
    try:
        before = migrate.set_dataset_version(meta, to, write=not dry_run, root=job.root)
    except (migrate.MigrationError, OSError) as error:
        typer.echo(f"{meta}: error: {error}; schema_version not updated", err=True)
        return False
    if before is not None and before != to:
        verb = "set" if not dry_run else "would set"
        typer.echo(f"{meta}: {verb} schema_version {before} -> {to}")
    return True


@app.command("migrate")
def migrate_command(
    paths: list[Path] = typer.Argument(
        ..., metavar="PATH", help="Source-document files, folders or dataset folders."
    ),
    to: str = typer.Option(
        SCHEMA_VERSION, "--to", metavar="VERSION", help="Target schema version."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check only; write nothing."),
) -> None:
    """Upgrade records to a newer schema version.

    One version at a time; a file is written only when the migrated document validates.
    A dataset folder's record files are migrated (records/ and codings/*/records/), then
    its dataset.json schema_version when every one of them migrated.
    """
    missing = [p for p in paths if not os.path.lexists(p)]
    for path in missing:
        typer.echo(f"{path}: no such file", err=True)
    if missing:
        raise typer.Exit(2)
    failed = False
    for job in _jobs(paths):
        results = [_migrate_one(path, root, to, dry_run) for path, root in job.files]
        failed |= not all(results)
        if job.dataset is not None:
            failed |= not _follow(job, to, dry_run, all(results))
    raise typer.Exit(1 if failed else 0)
