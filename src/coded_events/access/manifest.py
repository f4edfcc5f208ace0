"""Reading a release's ``datapackage.json`` safely: paths inside the release folder,
its files and their hashes."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from coded_events import safe_files
from coded_events.access.errors import ManifestError, TooLargeError
from coded_events.access.hashes import Expected, parse_hash
from coded_events.access.registry import ENV_BASE_URL

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
"""The most a ``datapackage.json`` may be, in bytes (8 MiB; the bundled one is about 0.2 MiB).

A manifest the registry does not know arrives with no expected size: its download stops at
this cap (the partial file is deleted), and :func:`read_manifest` refuses a larger file."""


def check_relative_path(relative: str, where: str) -> None:
    """Refuse a resource path that could leave its release folder (ManifestError).

    Refused: empty paths, URLs, absolute POSIX or Windows paths, backslashes, ``..``, ``.``
    and empty segments (``data//x``, ``data/.``) and NUL bytes. :func:`safe_join` adds the
    check on disk.
    """
    text = str(relative)
    problem = None
    if not text or text.strip() != text:
        problem = "is empty or has surrounding spaces"
    elif "://" in text or text.startswith("//"):
        problem = "is a URL; resources must be files inside the release"
    elif "\\" in text or PureWindowsPath(text).drive or PurePosixPath(text).is_absolute():
        problem = "is absolute or uses backslashes"
    elif any(part in {"..", ".", ""} for part in text.split("/")) or "\0" in text:
        problem = "contains '..', '.' or empty segments, or a NUL byte"
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
    """Read and parse a ``datapackage.json`` file (see :func:`parse_manifest`); a file over
    :data:`MAX_MANIFEST_BYTES` raises :class:`TooLargeError` unread."""
    try:
        with safe_files.open_regular(path) as handle:
            text = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as error:
        raise ManifestError(f"{path}: not a readable datapackage.json ({error})") from None
    if len(text) > MAX_MANIFEST_BYTES:
        raise TooLargeError(f"{path}: {manifest_too_large()}; it was not read")
    return parse_manifest(text, str(path))


def manifest_too_large() -> str:
    """The rule a ``datapackage.json`` over the cap breaks, in words."""
    return (
        f"a datapackage.json may be at most {MAX_MANIFEST_BYTES} bytes "
        "(coded_events.access.manifest.MAX_MANIFEST_BYTES)"
    )


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


def manifest_files(
    manifest: dict[str, Any], root: Path, where: str, *, sizes: bool = False
) -> dict[str, Expected]:
    """{resource path: Expected} from a manifest: every resource needs a sha256 ``hash``;
    ``bytes`` must be a size when given, and given at all with ``sizes`` (files to download
    from a release the registry does not know). Else :class:`ManifestError` naming it."""
    files: dict[str, Expected] = {}
    for index, resource in enumerate(manifest["resources"]):
        place = f"{where}: resources[{index}]"
        relative = resource_path(resource, place)
        place = f"{place} ({relative!r})"
        safe_join(root, relative, place)
        size = resource.get("bytes")
        if (size is not None or sizes) and not is_size(size):
            raise ManifestError(
                f"{place}: 'bytes' must give the file's size (a whole number of bytes, 0 or "
                f"more), found {size!r}; a file is downloaded only with its size and sha256 known"
            )
        files[relative] = Expected(parse_hash(resource.get("hash"), place), size)
    return files


def is_size(value: object) -> bool:
    """Whether ``value`` is a manifest ``bytes``: a whole number, 0 or more."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def manifest_hashes(manifest: dict[str, Any], root: Path, where: str) -> dict[str, str]:
    """{resource path: sha256} from a manifest, each path checked by :func:`safe_join`."""
    return {path: item.sha256 for path, item in manifest_files(manifest, root, where).items()}
