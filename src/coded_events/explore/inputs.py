"""Where the explorer reads a dataset from.

``DATASET`` is a dataset folder (``datasets/south-caucasus``), its ``data/`` folder, a
``datapackage.json``, or the name of a published dataset (with ``version``: any release of
the registry, fetched and checked like ``coded-events download``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coded_events import safe_files
from coded_events.explore import manifest as manifests
from coded_events.explore.manifest import ExploreInputError
from coded_events.spec.layout import DATA_DIR, MANIFEST

__all__ = ["ExploreInputError", "Release", "resolve"]

TABLES = ("events", "evidence", "sources", "links")
REQUIRED = ("events",)


@dataclass(frozen=True)
class Release:
    """A built dataset on disk: its manifest, table files and downloadable files.

    ``contents`` holds every file's bytes as read (and checked against the manifest) once:
    the tables are parsed from them and the site copies them, so a file changed meanwhile
    is never rendered or published unchecked.
    """

    folder: Path
    manifest: dict[str, Any]
    tables: dict[str, Path]
    downloads: dict[str, Path] = field(default_factory=dict)  # site path -> local file
    texts: Path | None = None  # the folder of source texts, when one sits beside the data
    contents: dict[Path, bytes] = field(default_factory=dict)  # local file -> its bytes


def _from_manifest(manifest_file: Path) -> Release:
    try:
        data = safe_files.read_regular(manifest_file)
    except OSError as error:
        raise ExploreInputError(f"{manifest_file}: cannot read the manifest: {error}") from None
    manifest = manifests.parse(data, manifest_file)
    folder = manifest_file.parent
    tables: dict[str, Path] = {}
    downloads = {MANIFEST: manifest_file}
    contents = {manifest_file: data}
    for resource in manifests.resources(manifest, manifest_file):
        local = folder.joinpath(*resource.path.parts)
        contents[local] = manifests.read(folder, resource, manifest_file)
        downloads[resource.path.as_posix()] = local
        if resource.file_format == "parquet":
            tables[resource.path.stem] = local
    return _checked(Release(folder, manifest, tables, downloads, _texts(folder), contents))


def _from_bare_data(folder: Path) -> Release:
    contents = {}
    for file in sorted(folder.iterdir()):
        if file.is_file() or file.is_symlink():
            try:
                contents[file] = safe_files.read_regular(file)
            except OSError as error:
                raise ExploreInputError(f"{file}: cannot read: {error}") from None
    tables = {t: folder / f"{t}.parquet" for t in TABLES if folder / f"{t}.parquet" in contents}
    downloads = {f"{DATA_DIR}/{p.name}": p for p in contents}
    manifest = {"name": folder.resolve().parent.name}
    return _checked(Release(folder, manifest, tables, downloads, _texts(folder.parent), contents))


def _texts(folder: Path) -> Path | None:
    texts = folder / "sources"
    return texts if texts.is_dir() else None


def _checked(release: Release) -> Release:
    for table in REQUIRED:
        file = release.tables.get(table)
        if file is None or file not in release.contents:
            raise ExploreInputError(f"{release.folder}: no {table}.parquet{_why(release.folder)}")
    return release


def _why(folder: Path) -> str:
    """What to do about a folder without the tables the page needs."""
    data = folder if folder.name == DATA_DIR else folder / DATA_DIR
    if any((data / table).is_dir() for table in REQUIRED):  # parts of ``import --engine dask``
        return (
            ": its tables are partitioned (written by `import --engine dask`), which the "
            "explorer does not read; import without --engine dask to explore it"
        )
    return " (run coded-events build)"


def _from_path(path: Path) -> Release:
    if path.is_file():
        return _from_manifest(path)
    if (path / MANIFEST).is_file():
        return _from_manifest(path / MANIFEST)
    if (path.parent / MANIFEST).is_file() and (path / "events.parquet").is_file():
        return _from_manifest(path.parent / MANIFEST)
    if (path / "events.parquet").is_file():
        return _from_bare_data(path)
    if (path / MANIFEST).exists() or (path.parent / MANIFEST).exists():
        raise ExploreInputError(f"{path}: no events.parquet{_why(path)}")
    raise ExploreInputError(
        f"{path}: neither a built dataset folder ({MANIFEST}) nor a data folder "
        "(events.parquet); run coded-events build first"
    )


def _from_registry(name: str, version: str | None) -> Release:
    import coded_events

    events = coded_events.path(name, "events", version)
    for folder in events.parents:
        if (folder / MANIFEST).is_file():
            return _from_manifest(folder / MANIFEST)
    raise ExploreInputError(f"{events}: no {MANIFEST} above the events table")


def resolve(dataset: str, version: str | None = None) -> Release:
    """The release ``dataset`` names: a path on disk, or a published name (and version)."""
    path = Path(dataset)
    if path.exists():
        if version is not None:
            raise ExploreInputError(
                f"{dataset}: --version picks a release of a published dataset by name; "
                "a folder or file is read as it is"
            )
        return _from_path(path)
    if "/" in dataset or "\\" in dataset or dataset.endswith(".json"):
        raise ExploreInputError(f"{dataset}: no such file or folder")
    return _from_registry(dataset, version)
