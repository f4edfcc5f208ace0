"""Datasets on disk, given by path: ``coded_events.load(Path("out"))``, an import's output
or a release checkout, read through its ``datapackage.json``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coded_events import safe_files
from coded_events.access import fetch as _dl
from coded_events.access.fetch import (
    DataError,
    ManifestError,
    UnreadableDataError,
    UnsafeFileError,
)
from coded_events.access.hashes import parse_hash
from coded_events.safe_files import sha256_file
from coded_events.spec.layout import MANIFEST

if TYPE_CHECKING:
    pass

__all__ = [
    "check_paths",
    "is_local",
    "manifest_of",
    "read_parquet",
    "verified_file",
    "verified_files",
]


T = TypeVar("T")


def is_local(dataset: object) -> bool:
    """Whether ``dataset`` names a folder on disk rather than a registry name: a
    ``pathlib.Path`` (any ``os.PathLike``), or a string with a path separator or naming a
    ``datapackage.json``. A bare name (``"south-caucasus"``) stays a registry name."""
    if isinstance(dataset, os.PathLike):
        return True
    if not isinstance(dataset, str):
        return False
    separators = {"/", os.sep, os.altsep} - {None}
    return any(sep in dataset for sep in separators) or dataset.endswith(MANIFEST)


def manifest_of(dataset: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """The folder and manifest of the dataset folder ``dataset`` (the folder holding
    ``datapackage.json``, that file itself, or its ``data/`` folder); every resource's
    ``path`` checked by :func:`check_paths`."""
    given = Path(dataset)
    folder = given.parent if given.name == MANIFEST else given
    if not (folder / MANIFEST).is_file() and (folder.parent / MANIFEST).is_file():
        folder = folder.parent  # DIR/data was given
    manifest_file = folder / MANIFEST
    if given.is_file() and given.name != MANIFEST:
        home = next((p for p in given.parents[:2] if (p / MANIFEST).is_file()), None)
        advice = (
            f"a table of the dataset {home}: give that folder (or the table's name as `table=`)"
            if home is not None
            else "a producer's event file is read after `coded-events import auto FILE --out "
            "DIR`, as the dataset DIR"
        )
        raise DataError(f"{given}: a file, not a dataset folder; {advice}")
    if not manifest_file.is_file():
        raise DataError(
            f"{given}: no {MANIFEST} there; give a dataset folder (one holding {MANIFEST}), "
            "or a registered dataset name without a path separator"
        )
    manifest = _dl.read_manifest(manifest_file)
    check_paths([r for r in manifest["resources"] if isinstance(r, dict)], manifest_file)
    return folder, manifest


def verified_file(folder: Path, resource: dict[str, Any]) -> Path:
    """The file of a manifest ``resource`` below ``folder``: a regular file reached through
    no symbolic link (:class:`UnsafeFileError`), checked against the sha256 the manifest
    gives (when it gives one)."""
    manifest_file = folder / MANIFEST
    relative = _file_path(resource.get("path"), resource, manifest_file)
    file = _dl.safe_join(folder, relative, str(manifest_file))
    try:
        safe_files.check_no_links(file, folder)
        if file.exists() and not file.is_file():
            raise safe_files.NotRegularFile(file, file.stat().st_mode)
        actual = sha256_file(file) if resource.get("hash") is not None and file.exists() else None
    except safe_files.UnsafePathError as error:
        raise UnsafeFileError(
            f"{manifest_file}: resource {relative!r}: {error.path} {error.reason}; a dataset "
            "folder is read only from its own regular files"
        ) from None
    if resource.get("hash") is None and not file.exists():
        raise DataError(f"{manifest_file}: resource {relative!r}: {file} is missing")
    if resource.get("hash") is not None:
        expected = parse_hash(resource["hash"], f"{manifest_file}: {relative}")
        if actual != expected:
            raise _dl.HashMismatchError(
                f"{file}: sha256 {actual or '(missing)'}, but {manifest_file} says {expected}; "
                "the folder changed after it was written: rebuild or re-import it"
            )
    return file


def _file_path(value: object, resource: dict[str, Any], manifest_file: Path) -> str:
    """``value`` as one file's path of ``resource``; anything else is a ManifestError
    naming the manifest and the resource."""
    if isinstance(value, str):
        return value
    raise ManifestError(
        f"{manifest_file}: resource {_label(resource)}: 'path' must be a file path (a string) "
        f"or a non-empty list of them, found {value!r}"
    )


def _label(resource: dict[str, Any]) -> str:
    return repr(str(resource.get("name") or resource.get("path")))


def check_paths(resources: list[dict[str, Any]], manifest_file: Path) -> None:
    """Refuse (ManifestError) a resource whose ``path`` is neither a file path nor a
    non-empty list of them, naming the manifest and the resource."""
    for resource in resources:
        paths = resource.get("path")
        listed = paths if isinstance(paths, list) and paths else [paths]
        for value in listed:
            _file_path(value, resource, manifest_file)


def verified_files(folder: Path, resource: dict[str, Any]) -> list[Path]:
    """The files of a manifest ``resource``: its one file, or the parts its ``path`` lists
    (a partitioned import), each checked against the sha256 its ``parts`` entry gives."""
    paths = resource.get("path")
    if not isinstance(paths, list):
        return [verified_file(folder, resource)]
    check_paths([resource], folder / MANIFEST)
    parts = [p for p in resource.get("parts", []) if isinstance(p, dict)]
    hashes = {p.get("path"): p.get("hash") for p in parts if isinstance(p.get("path"), str)}
    return [
        verified_file(folder, {"name": resource.get("name"), "path": p, "hash": hashes.get(p)})
        for p in paths
    ]


def read_parquet(what: Path | str, read: Callable[[], T]) -> T:
    """``read()`` (a Parquet read of ``what``: a table, or its footer), with what pyarrow
    says about a damaged file raised as :class:`UnreadableDataError` naming ``what``."""
    import pyarrow as pa

    try:
        return read()
    except pa.ArrowException as error:
        raise UnreadableDataError(
            f"{what}: not a readable Parquet table: pyarrow says: {error}. Its sha256 may "
            "match its manifest (written damaged): rebuild or re-import it"
        ) from None
