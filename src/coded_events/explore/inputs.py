"""Where the explorer reads a dataset from.

``DATASET`` is a dataset folder (``datasets/south-caucasus``), its ``data/`` folder, a
``datapackage.json``, or the name of a published dataset (with ``version``: any release of
the registry, fetched and checked like ``coded-events download``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from coded_events import safe_files
from coded_events.spec.layout import MANIFEST

TABLES = ("events", "evidence", "sources", "links")
REQUIRED = ("events",)


class ExploreInputError(ValueError):
    """A dataset the explorer cannot read: names the path and what is wrong."""


@dataclass(frozen=True)
class Release:
    """A built dataset on disk: its manifest, table files and downloadable files."""

    folder: Path
    manifest: dict[str, Any]
    tables: dict[str, Path]
    downloads: dict[str, Path] = field(default_factory=dict)  # site path -> local file
    texts: Path | None = None  # the folder of source texts, when one sits beside the data


def _relative(path: str, where: Path) -> PurePosixPath:
    """A manifest path, refused when absolute or climbing out of the release folder."""
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or ".." in relative.parts:
        raise ExploreInputError(f"{where}: resource path {path!r} is not inside the release")
    return relative


def _from_manifest(manifest_file: Path) -> Release:
    try:
        manifest = json.loads(safe_files.read_regular(manifest_file).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExploreInputError(f"{manifest_file}: cannot read the manifest: {error}") from None
    folder = manifest_file.parent
    tables: dict[str, Path] = {}
    downloads = {MANIFEST: manifest_file}
    for resource in manifest.get("resources", []):
        relative = _relative(str(resource.get("path", "")), manifest_file)
        downloads[relative.as_posix()] = folder / relative
        file_format = str(resource.get("format") or relative.suffix.lstrip(".")).lower()
        if file_format == "parquet":
            tables[relative.stem] = folder / relative
    return _checked(Release(folder, manifest, tables, downloads, _texts(folder)))


def _from_bare_data(folder: Path) -> Release:
    tables = {t: folder / f"{t}.parquet" for t in TABLES if (folder / f"{t}.parquet").is_file()}
    downloads = {f"data/{p.name}": p for p in sorted(folder.iterdir()) if p.is_file()}
    manifest = {"name": folder.resolve().parent.name}
    return _checked(Release(folder, manifest, tables, downloads, _texts(folder.parent)))


def _texts(folder: Path) -> Path | None:
    texts = folder / "sources"
    return texts if texts.is_dir() else None


def _checked(release: Release) -> Release:
    for table in REQUIRED:
        file = release.tables.get(table)
        if file is None or not file.is_file():
            raise ExploreInputError(
                f"{release.folder}: no {table}.parquet (run coded-events build)"
            )
    return release


def _from_path(path: Path) -> Release:
    if path.is_file():
        return _from_manifest(path)
    if (path / MANIFEST).is_file():
        return _from_manifest(path / MANIFEST)
    if (path.parent / MANIFEST).is_file() and (path / "events.parquet").is_file():
        return _from_manifest(path.parent / MANIFEST)
    if (path / "events.parquet").is_file():
        return _from_bare_data(path)
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
