"""``coded-events datasets``, ``download`` and ``info``: published releases and the cache."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer

from coded_events.access import loader
from coded_events.cli.base import app
from coded_events.findings import visible
from coded_events.release.citation import dataset_citation
from coded_events.spec.layout import MANIFEST, DatasetLayout

_dl = importlib.import_module("coded_events.access.fetch")
T = TypeVar("T")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Print data errors and warnings as one-line messages; exit 1 on an error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", _dl.UnverifiedReleaseWarning)
        try:
            yield
        except (_dl.DataError, OSError) as error:  # OSError: a file outside the cache
            typer.echo(visible(f"error: {error}"), err=True)
            raise typer.Exit(1) from None
        finally:
            for warning in {str(w.message): w for w in caught}.values():
                typer.echo(visible(f"warning: {warning.message}"), err=True)


def exit_if_missing(*datasets: str | Path) -> None:
    """A usage error (exit 2) when a dataset given as a path (``load``'s rule: a Path, a
    string with a separator or naming a datapackage.json) does not exist."""
    from coded_events.access.local import is_local

    for dataset in datasets:
        path = Path(dataset)
        if is_local(dataset) and not (path.exists() or path.is_symlink()):
            typer.echo(f"error: {dataset}: no such file or folder", err=True)
            raise typer.Exit(2)


def _run(action: Callable[[], T]) -> T:
    with _user_errors():
        return action()


def _cached_versions(dataset: str) -> list[str]:
    folder = _dl.cache_dir() / dataset
    try:
        found = [p.name for p in folder.iterdir() if (p / MANIFEST).is_file()]
    except OSError:  # no cache yet, or one that cannot be read: nothing cached to list
        return []
    return sorted(found, key=loader.version_sort_key)


def _where(dataset: str, version: str) -> str:
    places = []
    if version == loader.bundled_version(dataset):
        places.append("bundled")
    if version in _dl.registry_versions(dataset):
        places.append("registry")
    if version in _cached_versions(dataset):
        places.append("cached")
    return ", ".join(places)


@app.command("datasets")
def datasets_command() -> None:
    """List the known datasets and versions: bundled, in the registry, or in the cache."""
    known = loader.datasets()
    for dataset, versions in known.items():
        typer.echo(dataset)
        for version in sorted(
            set(versions) | set(_cached_versions(dataset)), key=loader.version_sort_key
        ):
            typer.echo(f"  {version:<10} {_where(dataset, version)}")
    typer.echo(f"cache: {_dl.cache_dir()}")


def _seconds(value: float | None) -> float | None:
    """A --timeout or --deadline: a positive, finite number of seconds (exit 2 otherwise)."""
    if value is not None and not 0 < value < float("inf"):
        raise typer.BadParameter(f"must be a positive number of seconds, not {value:g}")
    return value


@app.command("download")
def download_command(
    dataset: str = typer.Argument(
        ..., metavar="DATASET", help="Dataset name, e.g. south-caucasus."
    ),
    version: str = typer.Option(
        None, "--version", metavar="VERSION", help="The release, e.g. 1.0.0 (default: newest)."
    ),
    base_url: str = typer.Option(
        None,
        "--base-url",
        metavar="URL",
        help="URL template with {dataset} and {version} (or CODED_EVENTS_BASE_URL).",
    ),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", metavar="DIR", help="Cache root (or CODED_EVENTS_CACHE)."
    ),
    timeout: float = typer.Option(
        _dl.DEFAULT_TIMEOUT,
        "--timeout",
        metavar="SECONDS",
        help="Wait per network read.",
        callback=_seconds,
    ),
    deadline: float = typer.Option(
        None,
        "--deadline",
        metavar="SECONDS",
        callback=_seconds,
        help="Time allowed per file, retries included (or CODED_EVENTS_DEADLINE; default 600).",
    ),
) -> None:
    """Download a release into the cache, verify every file's sha256, print its folder.

    The bundled release is served from the package, without the network.
    """
    folder = _run(
        lambda: loader.download(
            dataset,
            version,
            base_url=base_url,
            cache_dir=cache_dir,
            timeout=timeout,
            deadline=deadline,
        )
    )
    typer.echo(str(folder))


def _rows_in(file: Path) -> int:
    """The rows a Parquet file's footer gives; DataError naming the file when it cannot be
    read (a truncated or damaged file, whatever its manifest hash says)."""
    import pyarrow.parquet as pq

    from coded_events.access.local import read_parquet

    try:
        return read_parquet(file, lambda: pq.read_metadata(file)).num_rows
    except OSError as error:  # unreadable (permissions): its message names the file
        raise _dl.DataError(f"{file}: cannot be read ({error.strerror or error})") from None


def _row_counts(folder: Path, manifest: dict[str, Any]) -> dict[str, str]:
    counts = {}
    for resource in manifest["resources"]:
        table, file_format = loader.table_and_format(resource)
        if file_format != "parquet":
            continue
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        files = [_dl.safe_join(folder, p, str(folder / MANIFEST)) for p in paths]
        whole = all(f.is_file() for f in files)
        rows = sum(_rows_in(f) for f in files) if whole else None
        counts[table] = f"{rows}" if rows is not None else "(not cached)"
    return counts


def _citation(dataset: str, manifest: dict[str, Any]) -> str:
    """Generated from the release's metadata (``coded_events.release.citation``); the manifest's own
    text only for a release whose metadata lacks a title or version."""
    return dataset_citation(manifest) or str(manifest.get("citation") or "")


def _agreement_lines(folder: Path) -> list[str]:
    """Agreement of each second coding (``codings/<coder>/``) with ``records/``, when the
    folder is a dataset folder that holds one (a checkout); second codings are not counted
    in the rows. No bootstrap here: ``coded-events agree`` gives the intervals."""
    layout = DatasetLayout(folder)
    coders = layout.coders() if layout.records.is_dir() else []
    if not coders:
        return []
    from coded_events.coding.agree import AgreeError, agreement, short_summary

    lines = ["agreement (second coding vs records/, Krippendorff's alpha; see coded-events agree):"]
    for coder in coders:
        try:
            report = agreement(folder, layout.coding(coder).root, resamples=0)
        except AgreeError as error:
            lines.append(f"  {coder}: not measured: {error}")
            continue
        lines.append(f"  {coder}: {short_summary(report)}")
    return lines


def _release(dataset: str, version: str | None) -> tuple[Path, dict[str, Any], str]:
    """The folder, manifest and versions line of a registered release or a folder on disk."""
    from coded_events.access.local import is_local, manifest_of

    if is_local(dataset):
        exit_if_missing(dataset)
        if version is not None:
            typer.echo(
                f"error: --version names a registry release; {dataset} is a folder", err=True
            )
            raise typer.Exit(2)
        folder, manifest = _run(lambda: manifest_of(dataset))
        return folder, manifest, f"versions: {manifest.get('version', 'unknown')} (this folder)"
    folder = _run(lambda: loader.release_folder(dataset, version, only=[]))
    manifest = _run(lambda: _dl.read_manifest(folder / MANIFEST))
    versions = sorted(
        set(loader.datasets().get(dataset, [])) | set(_cached_versions(dataset)),
        key=loader.version_sort_key,
    )
    return (
        folder,
        manifest,
        "versions: " + ", ".join(f"{v} ({_where(dataset, v)})" for v in versions),
    )


@app.command("info")
def info_command(
    dataset: str = typer.Argument(
        loader.DEFAULT_DATASET,
        metavar="DATASET",
        help="A registered dataset name, or a dataset folder given as a path (./NAME, or its "
        "datapackage.json).",
    ),
    version: str = typer.Option(
        None, "--version", metavar="VERSION", help="The release, e.g. 1.0.0 (default: bundled)."
    ),
) -> None:
    """Show a release: versions, row counts, schema version, licence and how to cite it.

    Given a dataset folder (a checkout), also the agreement of each second coding it holds
    (codings/CODER/) with records/.
    """
    folder, manifest, versions_line = _release(dataset, version)
    counts = _run(lambda: _row_counts(folder, manifest))  # a damaged file: exit 1 first
    shown = str(manifest.get("version", version))
    name = str(manifest.get("name") or dataset)
    _say(f"{name} {shown}  {manifest.get('title', '')}".rstrip())
    _say(versions_line)
    _say(f"folder: {folder}")
    _say(f"schema version: {manifest.get('schema_version', 'unknown')}")
    if manifest.get("codebook_version"):
        _say(f"codebook version: {manifest['codebook_version']}")
    licences = [lic.get("name") or lic.get("path", "") for lic in manifest.get("licenses", [])]
    _say(f"licence: {', '.join(licences) or 'not stated'}")
    _say("rows:")
    for table, count in counts.items():
        _say(f"  {table:<10} {count}")
    for line in _agreement_lines(folder):
        _say(line)
    citation = _citation(str(name), manifest)
    if citation:
        _say(f"cite as: {citation}")


def _say(line: str) -> None:
    """One line of ``info``: values come from a manifest, so control characters are shown
    as escapes, never sent to the terminal."""
    typer.echo(visible(line))
