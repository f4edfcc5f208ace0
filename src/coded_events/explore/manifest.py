"""A release's ``datapackage.json`` as the explorer trusts it: every field it uses checked,
every resource under ``data/`` and read without following a link, as the manifest
describes it (bytes, sha256).

Refusals are :class:`ExploreInputError` naming the manifest and the field
(``resources[3].path``), never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from coded_events import safe_files
from coded_events.access.errors import ManifestError
from coded_events.access.hashes import parse_hash
from coded_events.access.manifest import check_relative_path, is_size
from coded_events.spec.layout import DATA_DIR


class ExploreInputError(ValueError):
    """A dataset the explorer cannot read: names the path and what is wrong."""


LICENCE_FIELDS = ("name", "path", "title")


@dataclass(frozen=True)
class Resource:
    """One checked entry of ``resources``."""

    path: PurePosixPath  # below the release folder, under data/
    file_format: str
    size: int | None
    sha256: str | None  # "sha256:<hex>"
    where: str  # "resources[3]"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")  # fmt: skip


def _refuse(file: Path, where: str, rule: str) -> ExploreInputError:
    return ExploreInputError(f"{file}: {where}: {rule}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse(data: bytes, file: Path) -> dict[str, Any]:
    """The manifest's JSON object, with its licences checked."""
    try:
        manifest = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ExploreInputError(f"{file}: cannot read the manifest: {error}") from None
    if not isinstance(manifest, dict):
        raise ExploreInputError(f"{file}: a manifest is a JSON object, this is {_kind(manifest)}")
    _check_licences(manifest.get("licenses"), file)
    return manifest


def _check_licences(licences: Any, file: Path) -> None:
    if licences is None:
        return
    if not isinstance(licences, list):
        raise _refuse(file, "licenses", f"must be a list of objects, not {_kind(licences)}")
    for i, licence in enumerate(licences):
        if not isinstance(licence, dict):
            raise _refuse(file, f"licenses[{i}]", f"must be an object, not {_kind(licence)}")
        for key in LICENCE_FIELDS:
            if key in licence and not isinstance(licence[key], str):
                raise _refuse(
                    file, f"licenses[{i}].{key}", f"must be a string, not {_kind(licence[key])}"
                )


def _path(value: Any, file: Path, where: str) -> PurePosixPath:
    if isinstance(value, list):  # a table in parts (``import --engine dask``)
        raise _refuse(
            file,
            f"{where}.path",
            "lists parts: the table is partitioned (written by `import --engine dask`), "
            "which the explorer does not read; import without --engine dask to explore it",
        )
    if not isinstance(value, str) or not value:
        raise _refuse(file, f"{where}.path", f"must be a non-empty string, not {value!r}")
    relative = PurePosixPath(value)
    if len(relative.parts) < 2 or relative.parts[0] != DATA_DIR:
        raise _refuse(
            file,
            f"{where}.path",
            f"{value!r} is not a file under {DATA_DIR}/ (a release's files lie there; the "
            "site's own page and assets are never taken from a dataset)",
        )
    try:  # the download's rules (no URL, no absolute path, no '..', '.' or empty segment)
        check_relative_path(value, f"{file}: {where}.path")
    except ManifestError as error:
        raise ExploreInputError(str(error)) from None
    return relative


def resources(manifest: dict[str, Any], file: Path) -> list[Resource]:
    """The manifest's resources, each field the explorer uses checked."""
    entries = manifest.get("resources", [])
    if not isinstance(entries, list):
        raise _refuse(file, "resources", f"must be a list of objects, not {_kind(entries)}")
    out = []
    for i, entry in enumerate(entries):
        where = f"resources[{i}]"
        if not isinstance(entry, dict):
            raise _refuse(file, where, f"must be an object, not {_kind(entry)}")
        relative = _path(entry.get("path"), file, where)
        file_format = entry.get("format", relative.suffix.lstrip("."))
        if not isinstance(file_format, str):
            raise _refuse(file, f"{where}.format", f"must be a string, not {_kind(file_format)}")
        size = entry.get("bytes")
        if size is not None and not is_size(size):
            raise _refuse(file, f"{where}.bytes", f"must be a whole number of bytes, not {size!r}")
        digest = entry.get("hash")
        if digest is not None:
            try:
                digest = "sha256:" + parse_hash(digest, f"{file}: {where}.hash")
            except ManifestError as error:
                raise ExploreInputError(str(error)) from None
        out.append(Resource(relative, file_format.lower(), size, digest, where))
    return out


def read(folder: Path, resource: Resource, file: Path) -> bytes:
    """A resource's bytes: no link on its way below ``folder``, as the manifest describes."""
    target = folder.joinpath(*resource.path.parts)
    try:
        safe_files.check_no_links(target, folder)
        data = safe_files.read_regular(target)
    except OSError as error:
        raise ExploreInputError(f"{file}: {resource.where} ({resource.path}): {error}") from None
    if resource.size is not None and len(data) != resource.size:
        raise ExploreInputError(
            f"{file}: {resource.where}.bytes: {resource.path} has {len(data)} bytes, the "
            f"manifest says {resource.size} (a changed or partly copied file)"
        )
    if resource.sha256 is not None and f"sha256:{safe_files.sha256_bytes(data)}" != (
        resource.sha256
    ):
        raise ExploreInputError(
            f"{file}: {resource.where}.hash: the sha256 of {resource.path} differs from the "
            "manifest's (a changed file)"
        )
    return data
