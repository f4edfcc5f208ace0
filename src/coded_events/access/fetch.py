"""Fetch a published dataset release into the cache, verified: the download API.

A release is a folder holding ``datapackage.json`` and the data files at the paths the
manifest names. Remote releases live under a base URL template (``{dataset}`` and
``{version}`` placeholders); the package's ``registry.json`` gives the sha256 and size of
every file of every release it knows. Each file is streamed to a temporary file next to its
final place (:mod:`coded_events.safe_files`), hashed while it streams, checked, and only
then renamed into ``<cache>/<dataset>/<version>/``. A file lock per release lets processes
share the cache. Every file has an overall deadline (``deadline``, ``CODED_EVENTS_DEADLINE``)
on top of the per-read ``timeout``; redirects are followed only to http(s), never from
https to plain http.

The parts live beside it: ``errors``, ``hashes``, ``registry``, ``manifest``, ``cache`` and
``http``; the names users and tools reach through this module are re-exported here.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

from coded_events import safe_files
from coded_events.access.cache import (
    ENV_CACHE,
    ENV_OFFLINE,
    _cache_errors,
    _remove_stale_parts,
    cache_dir,
    check_cached,
    offline,
    release_dir,
    release_lock,
)
from coded_events.access.errors import (
    BundledDataError,
    CacheError,
    CacheModifiedError,
    DataError,
    DeadlineError,
    DownloadHTTPError,
    HashMismatchError,
    ManifestError,
    NetworkError,
    OfflineError,
    RedirectRefusedError,
    TooLargeError,
    TruncatedDownloadError,
    UnreadableDataError,
    UnsafeFileError,
    UnverifiedReleaseWarning,
)
from coded_events.access.hashes import Expected
from coded_events.access.http import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_DEADLINE,
    deadline_seconds,
    fetch_file,
    timeout_seconds,
)
from coded_events.access.manifest import (
    MAX_MANIFEST_BYTES,
    check_manifest_identity,
    manifest_files,
    manifest_hashes,
    manifest_too_large,
    parse_manifest,
    read_manifest,
    resource_path,
    safe_join,
)
from coded_events.access.registry import (
    ENV_BASE_URL,
    REGISTRY_PATH,
    base_url_for,
    read_registry,
    registry_files,
    registry_versions,
    user_base_url,
)
from coded_events.spec.layout import MANIFEST
from coded_events.spec.versions import PACKAGE_VERSION

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_BASE_URL",
    "ENV_CACHE",
    "ENV_DEADLINE",
    "ENV_OFFLINE",
    "MAX_MANIFEST_BYTES",
    "REGISTRY_PATH",
    "BundledDataError",
    "CacheError",
    "CacheModifiedError",
    "DataError",
    "DeadlineError",
    "DownloadHTTPError",
    "HashMismatchError",
    "ManifestError",
    "NetworkError",
    "OfflineError",
    "RedirectRefusedError",
    "TooLargeError",
    "TruncatedDownloadError",
    "UnreadableDataError",
    "UnsafeFileError",
    "UnverifiedReleaseWarning",
    "cache_dir",
    "check_manifest_identity",
    "fetch_file",
    "fetch_release",
    "manifest_files",
    "manifest_hashes",
    "parse_manifest",
    "path_url",
    "read_manifest",
    "read_registry",
    "registry_files",
    "registry_versions",
    "release_dir",
    "resource_path",
    "safe_join",
    "user_base_url",
]


def _unverified_warning(dataset: str, version: str, origin: str) -> None:
    warnings.warn(
        f"{dataset} {version} is not in the registry of this coded-events "
        f"({PACKAGE_VERSION}), so its files were checked only against the sha256 hashes in "
        f"the datapackage.json {origin}: that shows they arrived intact, not that "
        "they are a published release. Use a base URL you trust; to hide this warning, "
        "filter coded_events.access.fetch.UnverifiedReleaseWarning.",
        UnverifiedReleaseWarning,
        stacklevel=4,
    )


def fetch_release(
    dataset: str,
    version: str,
    *,
    known: dict[str, Expected] | dict[str, str] | None,
    base_url: str | None = None,
    cache: Path,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    deadline: float | None = None,
    progress: bool | None = None,
    only: Collection[str] | None = None,
    fetch_missing: bool = True,
) -> Path:
    """Make sure ``<cache>/<dataset>/<version>`` holds the release (or ``only`` those files).

    ``known`` is the registry's {path: Expected} for this release (``datapackage.json``
    included), or None for a release the registry does not know: then the manifest is
    downloaded with no hash, capped at :data:`MAX_MANIFEST_BYTES` (:class:`TooLargeError`),
    every resource must declare its ``bytes`` and sha256 ``hash`` (:class:`ManifestError`
    before any download), and the data files are verified against them, with an
    :class:`UnverifiedReleaseWarning`; a manifest over the cap, or naming another dataset or
    version, is refused and removed. Resource paths are quoted into URLs (:func:`path_url`).
    Files already cached are re-hashed; a changed one raises :class:`CacheModifiedError`.
    Offline mode raises :class:`OfflineError` naming every missing file; so does
    ``fetch_missing=False`` (nowhere to fetch from).
    Problems of the cache folder itself raise :class:`CacheError`.

    Long because: the download with its limits, retries and cache bookkeeping, in the order they
    apply.
    """
    timeout, _ = timeout_seconds(timeout), deadline_seconds(deadline)  # bad ones, before all
    folder = release_dir(dataset, version, cache)
    fix = f"rm -r '{folder}' && coded-events download {dataset} --version {version}"
    url = base_url_for(dataset, version, base_url)
    fetch = {
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "deadline": deadline,
        "progress": progress,
        "root": cache,
    }
    with release_lock(dataset, version, cache) as locked:
        if locked:
            with _cache_errors(cache):
                _remove_stale_parts(folder)
        if known is not None:
            expected = {
                path: item if isinstance(item, Expected) else Expected(item)
                for path, item in known.items()
            }
            for path in expected:
                safe_join(folder, path, f"registry entry {dataset} {version}")
        else:
            manifest_file = folder / MANIFEST
            if not _exists(manifest_file, cache):
                _require_online(dataset, version, [manifest_file], fetch_missing, True)
                cap = (MAX_MANIFEST_BYTES, manifest_too_large())
                fetch_file(url + MANIFEST, manifest_file, None, cap=cap, **fetch)
            try:
                manifest = read_manifest(manifest_file)
                where = f"{manifest_file} (from {url}{MANIFEST})"
                check_manifest_identity(manifest, dataset, version, where)
            except (ManifestError, TooLargeError):
                with suppress(OSError):  # unverified and wrong: do not keep it in the cache
                    manifest_file.unlink()
                raise
            origin = f"served by {url}" if fetch_missing else f"cached in {folder}"
            _unverified_warning(dataset, version, origin)
            expected = manifest_files(manifest, folder, str(manifest_file), sizes=True)
        if only is not None:
            unknown = sorted(set(only) - set(expected))
            if unknown:
                raise ManifestError(
                    f"{dataset} {version}: {', '.join(unknown)} not in the release's hashes"
                )
            expected = {p: d for p, d in expected.items() if p in only or p == MANIFEST}
        missing = [
            path
            for path, item in expected.items()
            if not check_cached(folder / path, item, fix, cache)
        ]
        if missing:
            _require_online(dataset, version, [folder / path for path in missing], fetch_missing)
        for path in missing:
            item = expected[path]
            fetch_file(url + path_url(path), folder / path, item.sha256, size=item.size, **fetch)
    return folder


def path_url(relative: str) -> str:
    """A checked resource path as the path of a URL: each segment percent-quoted
    (``data/é b`` -> ``data/%C3%A9%20b``), so ``#``, ``?``, ``%``, spaces and non-ASCII
    letters name the file, never a fragment or query."""
    return "/".join(quote(segment, safe="") for segment in relative.split("/"))


def _exists(file: Path, cache: Path) -> bool:
    with _cache_errors(cache):
        safe_files.check_no_links(file, cache)
        return file.exists()


def _require_online(
    dataset: str,
    version: str,
    missing: list[Path],
    fetch_missing: bool = True,
    unknown_release: bool = False,
) -> None:
    """Raise :class:`OfflineError` listing ``missing`` when there is nowhere to fetch from."""
    if fetch_missing and not offline():
        return
    why = f"{ENV_OFFLINE} is set and the cache" if fetch_missing else "The cache"
    lines = [f"{why} lacks {len(missing)} file(s) of {dataset} {version}:"]
    lines += [f"  {path}" for path in missing]
    if unknown_release:
        lines.append(
            "The registry does not know this release, so its data files are unknown "
            "until its datapackage.json is cached."
        )
    if fetch_missing:
        lines.append(f"Unset {ENV_OFFLINE} to download them, or copy them there.")
    else:
        lines.append(
            "The registry does not know this release, so there is no official place to "
            f"fetch them from: pass the base URL it came from (base_url= in Python, "
            f"--base-url on the command line, or {ENV_BASE_URL})."
        )
    raise OfflineError("\n".join(lines), missing)
