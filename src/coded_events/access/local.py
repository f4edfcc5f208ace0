"""Datasets on disk, given by path: ``coded_events.load(Path("out"))``, an import's output
or a release checkout, read through its ``datapackage.json``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from coded_events.access import fetch as _dl
from coded_events.access.fetch import DataError
from coded_events.access.hashes import parse_hash
from coded_events.safe_files import sha256_file
from coded_events.spec.layout import MANIFEST

__all__ = ["is_local", "manifest_of", "verified_file", "verified_files"]


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
    ``datapackage.json``, that file itself, or its ``data/`` folder)."""
    given = Path(dataset)
    folder = given.parent if given.name == MANIFEST else given
    if not (folder / MANIFEST).is_file() and (folder.parent / MANIFEST).is_file():
        folder = folder.parent  # DIR/data was given
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise DataError(
            f"{given}: no {MANIFEST} there; give a dataset folder (one holding {MANIFEST}), "
            "or a registered dataset name without a path separator"
        )
    return folder, _dl.read_manifest(manifest_file)


def verified_file(folder: Path, resource: dict[str, Any]) -> Path:
    """The file of a manifest ``resource`` below ``folder``, checked against the sha256
    the manifest gives (when it gives one)."""
    manifest_file = folder / MANIFEST
    file = _dl.safe_join(folder, str(resource.get("path")), str(manifest_file))
    if resource.get("hash") is not None:
        expected = parse_hash(resource["hash"], f"{manifest_file}: {resource.get('path')}")
        actual = sha256_file(file) if file.is_file() else "(missing)"
        if actual != expected:
            raise _dl.HashMismatchError(
                f"{file}: sha256 {actual}, but {manifest_file} says {expected}; the folder "
                "changed after it was written: rebuild or re-import it"
            )
    return file


def verified_files(folder: Path, resource: dict[str, Any]) -> list[Path]:
    """The files of a manifest ``resource``: its one file, or the parts its ``path`` lists
    (a partitioned import), each checked against the sha256 its ``parts`` entry gives."""
    paths = resource.get("path")
    if not isinstance(paths, list):
        return [verified_file(folder, resource)]
    parts = [p for p in resource.get("parts", []) if isinstance(p, dict)]
    hashes = {p.get("path"): p.get("hash") for p in parts}
    return [verified_file(folder, {"path": p, "hash": hashes.get(p)}) for p in paths]
