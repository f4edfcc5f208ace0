"""Reading a release's ``datapackage.json`` safely: paths inside the release folder,
its files and their hashes."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from coded_events import safe_files
from coded_events.access.errors import ManifestError
from coded_events.access.hashes import Expected, parse_hash
from coded_events.access.registry import ENV_BASE_URL


def check_relative_path(relative: str, where: str) -> None:
    """Refuse a resource path that could leave its release folder (ManifestError).

    Refused: empty paths, URLs, absolute POSIX or Windows paths, backslashes, ``..``, empty
    segments (``data//x``) and NUL bytes. :func:`safe_join` adds the check on disk.
    """
    text = str(relative)
    problem = None
    if not text or text.strip() != text:
        problem = "is empty or has surrounding spaces"
    elif "://" in text or text.startswith("//"):
        problem = "is a URL; resources must be files inside the release"
    elif "\\" in text or PureWindowsPath(text).drive or PurePosixPath(text).is_absolute():
        problem = "is absolute or uses backslashes"
    elif any(part in {"..", ""} for part in text.split("/")) or "\0" in text:
        problem = "contains '..' or empty segments"
    if problem:
        raise ManifestError(f"{where}: refused resource path {text!r}: it {problem}")


def safe_join(root: Path, relative: str, where: str) -> Path:
    """``root / relative`` if it stays inside ``root``; hostile paths raise ManifestError.

    The rules of :func:`check_relative_path`, and the joined path must not resolve (through
    symlinks too) outside ``root``.
    """
    check_relative_path(relative, where)
    text = str(relative)
    if not (root / text).resolve().is_relative_to(root.resolve()):
        raise ManifestError(
            f"{where}: refused resource path {text!r}: it resolves outside the release folder"
        )
    return root / text


def parse_manifest(text: str | bytes, where: str) -> dict[str, Any]:
    """Parse the text of a ``datapackage.json``; refuse anything but an object with resources."""
    try:
        manifest = json.loads(text)
    except ValueError as error:
        raise ManifestError(f"{where}: not a readable datapackage.json ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("resources"), list):
        raise ManifestError(f"{where}: a datapackage.json must be an object with 'resources'")
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and parse a ``datapackage.json`` file (see :func:`parse_manifest`)."""
    try:
        text = safe_files.read_regular(path)
    except OSError as error:
        raise ManifestError(f"{path}: not a readable datapackage.json ({error})") from None
    return parse_manifest(text, str(path))


def resource_path(resource: object, where: str) -> str:
    """The ``path`` of one manifest resource, checked by :func:`check_relative_path`."""
    if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
        raise ManifestError(f"{where}: a resource needs a single 'path' string")
    check_relative_path(resource["path"], where)
    return resource["path"]


def check_manifest_identity(
    manifest: dict[str, Any], dataset: str, version: str, where: str
) -> None:
    """Refuse a manifest whose ``name`` or ``version`` is not the release that was asked for.

    A misconfigured base URL (or a mirror) could otherwise serve another release's files
    under this one's name; they would pass their own hashes.
    """
    found = {"name": manifest.get("name"), "version": manifest.get("version")}
    wanted = {"name": dataset, "version": version}
    wrong = [
        f"{key} {str(found[key])!r}, not {wanted[key]!r}"
        for key in wanted
        if found[key] is None or str(found[key]) != wanted[key]
    ]
    if wrong:
        raise ManifestError(
            f"{where}: this is not the manifest of {dataset} {version}: it gives "
            f"{' and '.join(wrong)}. Check the base URL ({ENV_BASE_URL})."
        )


def manifest_files(manifest: dict[str, Any], root: Path, where: str) -> dict[str, Expected]:
    """{resource path: Expected} from a manifest (``hash``, and ``bytes`` when declared)."""
    files: dict[str, Expected] = {}
    for index, resource in enumerate(manifest["resources"]):
        place = f"{where}: resources[{index}]"
        safe_join(root, resource_path(resource, place), place)
        size = resource.get("bytes")
        size = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
        files[resource["path"]] = Expected(parse_hash(resource.get("hash"), place), size)
    return files


def manifest_hashes(manifest: dict[str, Any], root: Path, where: str) -> dict[str, str]:
    """{resource path: sha256} from a manifest, each path checked by :func:`safe_join`."""
    return {path: item.sha256 for path, item in manifest_files(manifest, root, where).items()}
