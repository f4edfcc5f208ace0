"""Downloads, the per-version cache and sha256 checks for published dataset releases.

A release is a folder holding ``datapackage.json`` and the data files at the paths the
manifest names. Remote releases live under a base URL template (``{dataset}`` and
``{version}`` placeholders); the package's ``registry.json`` gives the sha256 of every file
of every release it knows. Each file is streamed to a temporary file next to its final
place, hashed while it streams, checked, and only then renamed into
``<cache>/<dataset>/<version>/``. A file lock per release lets processes share the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from coded_events.versions import PACKAGE_VERSION

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
MANIFEST = "datapackage.json"
ENV_BASE_URL = "CODED_EVENTS_BASE_URL"
ENV_CACHE = "CODED_EVENTS_CACHE"
ENV_OFFLINE = "CODED_EVENTS_OFFLINE"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
LOCK_TIMEOUT = 600.0
_CHUNK = 1 << 20
_USER_AGENT = f"coded-events/{PACKAGE_VERSION} (+https://github.com/coded-events/coded-events)"


# ---------------------------------------------------------------------------- errors


class DataError(Exception):
    """Base class of every error raised while finding, downloading or checking data."""


class HashMismatchError(DataError):
    """A downloaded file does not have the sha256 it must have; it was deleted."""


class CacheModifiedError(DataError):
    """A file in the cache no longer has the sha256 it had when it was downloaded."""


class BundledDataError(DataError):
    """A data file shipped with the package does not match its manifest or the registry."""


class DownloadHTTPError(DataError):
    """The server answered with an HTTP error status."""

    def __init__(self, message: str, *, status: int, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class TruncatedDownloadError(DataError):
    """The transfer ended before the server's announced Content-Length; nothing was kept."""


class NetworkError(DataError):
    """The server could not be reached, or did not answer in time."""


class OfflineError(DataError):
    """Offline mode is on and the cache lacks files; ``missing`` lists them."""

    def __init__(self, message: str, missing: list[Path]) -> None:
        super().__init__(message)
        self.missing = missing


class ManifestError(DataError):
    """A ``datapackage.json`` is unreadable, or names a file outside its release folder."""


class UnverifiedReleaseWarning(UserWarning):
    """The registry does not know a release; it was checked against its own manifest only."""


# ------------------------------------------------------------------ settings and registry


def offline() -> bool:
    """Whether ``CODED_EVENTS_OFFLINE`` asks to use the cache only."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The cache root: ``override``, else ``CODED_EVENTS_CACHE``, else the user cache folder."""
    import platformdirs  # here, not at the top: `import coded_events` stays fast

    chosen = override or os.environ.get(ENV_CACHE) or platformdirs.user_cache_dir("coded-events")
    return Path(chosen).expanduser()


def read_registry() -> dict[str, Any]:
    """The registry shipped in the package: base URL template and per-release file hashes."""
    return json.loads(REGISTRY_PATH.read_text(encoding="utf-8"))


def registry_versions(dataset: str) -> dict[str, dict[str, str]]:
    """Version -> {file path: sha256} for every release of ``dataset`` the registry knows."""
    return read_registry().get("datasets", {}).get(dataset, {})


def base_url_for(dataset: str, version: str, override: str | None = None) -> str:
    """The URL of a release folder: ``override``, else ``CODED_EVENTS_BASE_URL``, else default.

    The template may use ``{dataset}`` and ``{version}``; a trailing slash is added if missing.
    """
    if override:
        template, source = override, "the base_url argument"
    elif os.environ.get(ENV_BASE_URL):
        template, source = os.environ[ENV_BASE_URL], ENV_BASE_URL
    else:
        template, source = read_registry()["base_url"], str(REGISTRY_PATH)
    try:
        url = str(template).format(dataset=dataset, version=version)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        raise DataError(
            f"the base URL template {template!r} (from {source}) cannot be filled in "
            f"({type(error).__name__}: {error}): the only placeholders allowed are "
            f"{{dataset}} and {{version}}; write a literal brace as {{{{ or }}}}. "
            f"Fix --base-url or {ENV_BASE_URL}."
        ) from None
    return url if url.endswith("/") else url + "/"


# --------------------------------------------------------------------------- hashing


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def parse_hash(value: object, where: str) -> str:
    """The hex digest of a Frictionless ``hash`` (``sha256:<hex>``); anything else is refused."""
    text = str(value or "")
    algorithm, _, digest = text.partition(":")
    digest = digest.lower()
    if algorithm.lower() != "sha256" or len(digest) != 64 or not _is_hex(digest):
        raise ManifestError(f"{where}: hash must be 'sha256:<64 hex digits>', found {text!r}")
    return digest


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


# ----------------------------------------------------------------------- path safety


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


# ------------------------------------------------------------------------- manifests


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
        text = path.read_bytes()
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


def manifest_hashes(manifest: dict[str, Any], root: Path, where: str) -> dict[str, str]:
    """{resource path: sha256} from a manifest, each path checked by :func:`safe_join`."""
    hashes: dict[str, str] = {}
    for index, resource in enumerate(manifest["resources"]):
        place = f"{where}: resources[{index}]"
        safe_join(root, resource_path(resource, place), place)
        hashes[resource["path"]] = parse_hash(resource.get("hash"), place)
    return hashes


# ---------------------------------------------------------------------------- HTTP


class _Retryable(Exception):
    """A transient failure worth another attempt; wraps the final user-facing error."""

    def __init__(self, error: DataError) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def _progress(total: int | None, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callback; draws a rich bar only when ``enabled``."""
    if not enabled:
        yield lambda _n: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, TransferSpeedColumn(), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _attempt(url: str, dest: Path, label: str, timeout: float, bar: bool) -> str:
    """One GET of ``url`` into ``dest`` (a new temp file); returns the sha256 of the body."""
    import http.client  # network modules load only when something is downloaded
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            total = int(announced) if announced and announced.isdigit() else None
            digest = hashlib.sha256()
            received = 0
            with dest.open("wb") as out, _progress(total, label, bar) as advance:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    advance(len(chunk))
                out.flush()
                os.fsync(out.fileno())
    except urllib.error.HTTPError as error:
        message = f"HTTP {error.code} {error.reason} for {url}"
        wrapped = DownloadHTTPError(message, status=error.code, url=url)
        if error.code >= 500 or error.code == 429:
            raise _Retryable(wrapped) from None
        raise wrapped from None
    except TimeoutError as error:
        raise _Retryable(
            NetworkError(f"timed out after {timeout:g} s on {url} ({error})")
        ) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            message = f"timed out after {timeout:g} s connecting to {url}"
        else:
            message = (
                f"could not reach {url}: {reason}. Check the network (or the base URL); "
                f"{ENV_OFFLINE}=1 uses only releases already in the cache"
            )
        raise _Retryable(NetworkError(message)) from None
    except (http.client.HTTPException, ConnectionError) as error:
        message = f"the connection broke while downloading {url}: {error!r}"
        raise _Retryable(TruncatedDownloadError(message)) from None
    if total is not None and received != total:
        message = (
            f"truncated transfer: {url} announced {total} bytes but sent {received}; "
            "nothing was kept"
        )
        raise _Retryable(TruncatedDownloadError(message))
    return digest.hexdigest()


def fetch_file(
    url: str,
    target: Path,
    expected: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    progress: bool | None = None,
) -> Path:
    """Download ``url`` to ``target`` atomically, checking its sha256 against ``expected``.

    The body streams to a temp file in ``target``'s folder and is hashed as it arrives; on
    success the temp file is renamed over ``target``. On any failure (HTTP error, broken or
    truncated transfer, hash mismatch, interrupt) the temp file is removed. Connection
    errors, timeouts, truncations, 429 and 5xx answers are retried ``retries`` times with
    exponential back-off; a hash mismatch is not (the server sent the wrong bytes).
    ``expected=None`` (only for a manifest the registry does not know) skips the check.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    bar = sys.stderr.isatty() if progress is None else progress
    for attempt in range(retries + 1):
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        os.close(handle)
        temp = Path(name)
        try:
            try:
                actual = _attempt(url, temp, target.name, timeout, bar)
            except _Retryable as retryable:
                if attempt == retries:
                    raise retryable.error from None
                time.sleep(backoff * 2**attempt)
                continue
            if expected is not None and actual != expected:
                raise HashMismatchError(
                    f"sha256 mismatch for {url}: expected {expected}, got {actual}. "
                    f"The downloaded file was deleted; nothing was written to {target}. "
                    "The server holds different bytes from the ones this release published."
                )
            os.replace(temp, target)
            return target
        finally:
            temp.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------- releases


def release_dir(dataset: str, version: str, cache: Path) -> Path:
    """The cache folder of one release: ``<cache>/<dataset>/<version>``."""
    return cache / dataset / version


@contextmanager
def release_lock(dataset: str, version: str, cache: Path) -> Iterator[None]:
    """Hold the cross-process lock of one release in the cache."""
    lock_path = cache / dataset / f".{version}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, Timeout

    try:
        with FileLock(str(lock_path), timeout=LOCK_TIMEOUT):
            yield
    except Timeout:
        raise DataError(
            f"another process has held the cache lock {lock_path} for {LOCK_TIMEOUT:g} s; "
            "if no download is running, delete that file"
        ) from None


def check_cached(file: Path, expected: str, how_to_fix: str) -> bool:
    """True if ``file`` exists with sha256 ``expected``; False if absent; raise if changed."""
    if not file.is_file():
        return False
    actual = sha256_file(file)
    if actual != expected:
        raise CacheModifiedError(
            f"the cached file {file} was changed after it was downloaded: its sha256 is "
            f"{actual}, the release says {expected}. Delete it and download again: "
            f"{how_to_fix}"
        )
    return True


def _remove_stale_parts(folder: Path) -> None:
    """Remove temp files left by a process that died mid-download (we hold the lock)."""
    if folder.is_dir():
        for part in folder.rglob(".*.part"):
            part.unlink(missing_ok=True)


def fetch_release(
    dataset: str,
    version: str,
    *,
    known: dict[str, str] | None,
    base_url: str | None = None,
    cache: Path,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    progress: bool | None = None,
    only: Collection[str] | None = None,
) -> Path:
    """Make sure ``<cache>/<dataset>/<version>`` holds the release (or ``only`` those files).

    ``known`` is the registry's {path: sha256} for this release (``datapackage.json``
    included), or None for a release the registry does not know: then the manifest is
    downloaded unchecked and the data files are verified against the hashes it declares,
    with an :class:`UnverifiedReleaseWarning`; a manifest naming another dataset or version
    raises :class:`ManifestError` and is removed. Files already cached are re-hashed; a changed
    one raises :class:`CacheModifiedError`. Offline mode raises :class:`OfflineError`
    naming every missing file. The manifest is always fetched and checked.
    """
    folder = release_dir(dataset, version, cache)
    fix = f"rm -r '{folder}' && coded-events download {dataset} --version {version}"
    url = base_url_for(dataset, version, base_url)
    fetch = {"timeout": timeout, "retries": retries, "backoff": backoff, "progress": progress}
    with release_lock(dataset, version, cache):
        _remove_stale_parts(folder)
        if known is not None:
            expected = dict(known)
            for path in expected:
                safe_join(folder, path, f"registry entry {dataset} {version}")
        else:
            manifest_file = folder / MANIFEST
            if not manifest_file.is_file():
                _require_online(dataset, version, [manifest_file], unknown_release=True)
                fetch_file(url + MANIFEST, manifest_file, None, **fetch)
            manifest = read_manifest(manifest_file)
            try:
                where = f"{manifest_file} (from {url}{MANIFEST})"
                check_manifest_identity(manifest, dataset, version, where)
            except ManifestError:
                manifest_file.unlink()  # unverified and wrong: do not keep it in the cache
                raise
            warnings.warn(
                f"{dataset} {version} is not in the registry of this coded-events "
                f"({PACKAGE_VERSION}); its files were checked against the sha256 hashes in "
                f"its own datapackage.json from {url}, not against hashes shipped in the "
                "package. Upgrade coded-events to check it against the registry.",
                UnverifiedReleaseWarning,
                stacklevel=3,
            )
            expected = manifest_hashes(manifest, folder, str(manifest_file))
        if only is not None:
            unknown = sorted(set(only) - set(expected))
            if unknown:
                raise ManifestError(
                    f"{dataset} {version}: {', '.join(unknown)} not in the release's hashes"
                )
            expected = {p: d for p, d in expected.items() if p in only or p == MANIFEST}
        missing = [
            path
            for path, digest in expected.items()
            if not check_cached(folder / path, digest, fix)
        ]
        if missing:
            _require_online(dataset, version, [folder / path for path in missing])
        for path in missing:
            fetch_file(url + path, folder / path, expected[path], **fetch)
    return folder


def _require_online(
    dataset: str, version: str, missing: list[Path], unknown_release: bool = False
) -> None:
    """Raise :class:`OfflineError` listing ``missing`` when offline mode is on."""
    if not offline():
        return
    lines = [
        f"{ENV_OFFLINE} is set and the cache lacks {len(missing)} file(s) of {dataset} {version}:"
    ]
    lines += [f"  {path}" for path in missing]
    if unknown_release:
        lines.append(
            "The registry does not know this release, so its data files are unknown "
            "until its datapackage.json is cached."
        )
    lines.append(f"Unset {ENV_OFFLINE} to download them, or copy them there.")
    raise OfflineError("\n".join(lines), missing)
