"""Downloads, the per-version cache and sha256 checks for published dataset releases.

A release is a folder holding ``datapackage.json`` and the data files at the paths the
manifest names. Remote releases live under a base URL template (``{dataset}`` and
``{version}`` placeholders); the package's ``registry.json`` gives the sha256 and size of
every file of every release it knows. Each file is streamed to a temporary file next to its
final place (:mod:`coded_events.safe_files`), hashed while it streams, checked, and only
then renamed into ``<cache>/<dataset>/<version>/``. A file lock per release lets processes
share the cache. Every file has an overall deadline (``deadline``, ``CODED_EVENTS_DEADLINE``)
on top of the per-read ``timeout``; redirects are followed only to http(s), never from
https to plain http.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO

from coded_events import safe_files
from coded_events.safe_files import sha256_file
from coded_events.spec.layout import MANIFEST
from coded_events.spec.versions import PACKAGE_VERSION

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
ENV_BASE_URL = "CODED_EVENTS_BASE_URL"
ENV_CACHE = "CODED_EVENTS_CACHE"
ENV_OFFLINE = "CODED_EVENTS_OFFLINE"
ENV_DEADLINE = "CODED_EVENTS_DEADLINE"
DEFAULT_TIMEOUT = 30.0
"""Seconds one socket operation (connect, one read) may wait for the server."""
DEFAULT_DEADLINE = 600.0
"""Seconds one file may take in all, retries and back-off included."""
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
LOCK_TIMEOUT = 600.0
FOLLOWED_SCHEMES = ("http", "https")
_CHUNK = 1 << 20
_USER_AGENT = f"coded-events/{PACKAGE_VERSION} (+https://github.com/coded-events/coded-events)"


# ---------------------------------------------------------------------------- errors


class DataError(Exception):
    """Base class of every error raised while finding, downloading or checking data."""


class HashMismatchError(DataError):
    """A downloaded file does not have the sha256 (or size) it must have; it was deleted."""


class CacheModifiedError(DataError):
    """A file in the cache no longer has the sha256 it had when it was downloaded."""


class CacheError(DataError):
    """The cache cannot be used: not writable, not a folder, a link inside it, disk full.

    ``path`` is the file or folder at fault.
    """

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


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


class DeadlineError(NetworkError):
    """One file took longer than its overall deadline (attempts and back-off included)."""


class RedirectRefusedError(NetworkError):
    """The server redirected to a scheme other than http(s), or from https to plain http."""


class OfflineError(DataError):
    """Offline mode is on and the cache lacks files; ``missing`` lists them."""

    def __init__(self, message: str, missing: list[Path]) -> None:
        super().__init__(message)
        self.missing = missing


class ManifestError(DataError):
    """A ``datapackage.json`` is unreadable, or names a file outside its release folder."""


class UnverifiedReleaseWarning(UserWarning):
    """A release the registry does not know, from the user's own base URL, was checked
    against its own manifest only."""


# ------------------------------------------------------------------ settings and registry


@dataclass(frozen=True)
class Expected:
    """What one file of a release must be: its sha256 and, when known, its size in bytes."""

    sha256: str
    size: int | None = None


def offline() -> bool:
    """Whether ``CODED_EVENTS_OFFLINE`` asks to use the cache only."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The cache root: ``override``, else ``CODED_EVENTS_CACHE``, else the user cache folder."""
    import platformdirs  # here, not at the top: `import coded_events` stays fast

    chosen = override or os.environ.get(ENV_CACHE) or platformdirs.user_cache_dir("coded-events")
    return Path(chosen).expanduser()


def deadline_seconds(override: float | None = None) -> float:
    """The per-file deadline: ``override``, else ``CODED_EVENTS_DEADLINE``, else 600 s."""
    if override is not None:
        return positive_seconds(override, "the deadline argument", DEFAULT_DEADLINE)
    if os.environ.get(ENV_DEADLINE, "").strip():
        text = os.environ[ENV_DEADLINE].strip()
        try:
            value: object = float(text)
        except ValueError:
            value = text
        return positive_seconds(value, ENV_DEADLINE, DEFAULT_DEADLINE, shown=text)
    return DEFAULT_DEADLINE


def timeout_seconds(value: object) -> float:
    """The per-read timeout, checked: a positive, finite number of seconds."""
    return positive_seconds(value, "the timeout argument", DEFAULT_TIMEOUT)


def positive_seconds(value: object, source: str, default: float, shown: object = None) -> float:
    """``value`` as seconds when it is a positive, finite number (not a string, not a bool);
    a :class:`DataError` naming ``source`` otherwise."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not 0 < value < float("inf"):  # type: ignore[operator]
        raise DataError(
            f"{source} must be a positive number of seconds, not "
            f"{value if shown is None else shown!r} (default {default:g})"
        )
    return float(value)  # type: ignore[arg-type]


def read_registry() -> dict[str, Any]:
    """The registry shipped in the package: base URL template and per-release files."""
    return json.loads(REGISTRY_PATH.read_text(encoding="utf-8"))


def registry_versions(dataset: str) -> dict[str, dict[str, Any]]:
    """Version -> {file path: {"sha256", "bytes"}} for every registered release of ``dataset``."""
    return read_registry().get("datasets", {}).get(dataset, {})


def registry_files(dataset: str, version: str) -> dict[str, Expected] | None:
    """{path: Expected} of a registered release, or None if the registry does not know it.

    An entry is ``{"sha256": hex, "bytes": size}``; a bare hex string (the first registry
    format) gives the hash without a size.
    """
    entry = registry_versions(dataset).get(version)
    if entry is None:
        return None
    where = f"{REGISTRY_PATH}: {dataset} {version}"
    files = {}
    for relative, item in entry.items():
        digest, size = (item, None) if isinstance(item, str) else (None, None)
        if isinstance(item, dict):
            digest, size = item.get("sha256"), item.get("bytes")
        if digest is None or (size is not None and (not isinstance(size, int) or size < 0)):
            raise DataError(f"{where}: {relative!r} needs 'sha256' and 'bytes'; found {item!r}")
        files[relative] = Expected(parse_hash(f"sha256:{digest}", where), size)
    return files


def user_base_url(override: str | None = None) -> str | None:
    """The base URL the user chose (argument, then ``CODED_EVENTS_BASE_URL``), or None."""
    return override or os.environ.get(ENV_BASE_URL) or None


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


# ------------------------------------------------------------------------- the cache

# errno -> (what is wrong with the path, what the user can do)
_CACHE_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("is not writable", "Make it writable, or choose another cache folder"),
    errno.EPERM: ("is not writable", "Make it writable, or choose another cache folder"),
    errno.EROFS: ("is on a read-only file system", "Choose a cache folder on a writable disk"),
    errno.ENOSPC: ("cannot be written: the disk is full", "Free some space, or move the cache"),
    errno.EDQUOT: ("cannot be written: the quota is used up", "Free some space, or move the cache"),
    errno.ENOTDIR: ("is not a folder", "Remove it, or choose another cache folder"),
    errno.EEXIST: ("is not a folder", "Remove it, or choose another cache folder"),
}
_CACHE_CHOICE = f"(cache_dir= in Python, --cache-dir on the command line, or {ENV_CACHE})"


def _not_a_folder(path: Path) -> Path:
    """The first existing path from the top down to ``path`` that is not a folder."""
    for candidate in [*reversed(path.parents), path]:
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return path


def cache_error(error: OSError, cache: Path) -> CacheError:
    """The loader's own error for an OS error met in the cache: the path and what to do."""
    if isinstance(error, safe_files.UnsafePathError):
        return CacheError(
            f"cannot use the cache {cache}: {error.path} {error.reason}. Links inside the "
            f"cache are refused (the cache folder itself may be a link): remove "
            f"{error.path}, or choose another cache folder {_CACHE_CHOICE}.",
            error.path,
        )
    code = error.errno if error.errno in _CACHE_PROBLEMS else errno.EACCES
    what, advice = _CACHE_PROBLEMS[code]
    path = Path(error.filename) if error.filename else cache
    if code in (errno.ENOTDIR, errno.EEXIST):
        path = _not_a_folder(path)
        kind = "" if not path.exists() else f", it is {safe_files.file_kind(path.lstat().st_mode)}"
        what = f"{what}{kind}"
    elif code in (errno.ENOSPC, errno.EDQUOT):
        path = cache
    elif not os.path.lexists(path):  # a folder it could not make: its parent is unwritable
        path = next((p for p in path.parents if os.path.lexists(p)), path)
    reason = error.strerror or type(error).__name__
    return CacheError(
        f"cannot use the cache {cache}: {path} {what} ({reason}). {advice} {_CACHE_CHOICE}.",
        path,
    )


@contextmanager
def _cache_errors(cache: Path) -> Iterator[None]:
    """Turn OS errors from cache operations into :class:`CacheError`."""
    try:
        yield
    except OSError as error:
        raise cache_error(error, cache) from None


# ---------------------------------------------------------------------------- HTTP


class _Retryable(Exception):
    """A transient failure worth another attempt; wraps the final user-facing error."""

    def __init__(self, error: DataError) -> None:
        super().__init__(str(error))
        self.error = error


class _DeadlinePassed(Exception):
    """The watchdog of one file fired; ``reason`` says what was going on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Clock:
    """The start and deadline of one file's download, over all its attempts."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()


class _Watchdog:
    """Shuts the sockets of one attempt down when the file's deadline passes.

    A socket timeout bounds each read, not the transfer: a server sending one byte a
    second never trips it. Shutting the socket down wakes a read blocked in the server's
    drip; the attempt then sees :attr:`fired` and reports the deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.sockets: list[socket.socket] = []
        self.fired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self.sockets:
                with suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self.sockets.append(sock)
            if self.fired:
                self._fire()

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _why(reason: object) -> str:
    """The reason of a failure in words, never empty."""
    text = str(reason).strip()
    return text or f"{type(reason).__name__} (no detail given)"


def _redirect_problem(source: str, target: str) -> str | None:
    """Why a redirect from ``source`` to ``target`` is refused, or None to follow it."""
    from urllib.parse import urlsplit

    old, new = urlsplit(source).scheme, urlsplit(target).scheme.lower()
    if new not in FOLLOWED_SCHEMES:
        return f"only {' and '.join(FOLLOWED_SCHEMES)} redirects are followed"
    if old == "https" and new == "http":
        return "a download over https is never continued over plain http"
    return None


def _opener(watchdog: _Watchdog, origin: str = "") -> Any:
    """A urllib opener whose sockets the watchdog can shut down, with our redirect policy
    (``origin``: the URL asked for, which a redirect loop's message names)."""
    import urllib.request  # network modules load only when something is downloaded
    from urllib.parse import urljoin

    class Tracking:
        def do_open(self, http_class: Any, request: Any, **kwargs: Any) -> Any:
            class Tracked(http_class):  # type: ignore[misc, valid-type]
                def __init__(self, *args: Any, **kw: Any) -> None:
                    super().__init__(*args, **kw)
                    create = self._create_connection

                    def create_tracked(*a: Any, **k: Any) -> socket.socket:
                        sock = create(*a, **k)
                        watchdog.track(sock)
                        return sock

                    self._create_connection = create_tracked

            return super().do_open(Tracked, request, **kwargs)  # type: ignore[misc]

    class HTTP(Tracking, urllib.request.HTTPHandler):
        pass

    class HTTPS(Tracking, urllib.request.HTTPSHandler):
        pass

    class Redirects(urllib.request.HTTPRedirectHandler):
        def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
            location = headers.get("location") or headers.get("uri")
            if location:
                target = urljoin(req.full_url, location)
                problem = _redirect_problem(req.full_url, target)
                visited = getattr(req, "redirect_dict", {})
                if visited.get(target, 0) >= self.max_repeats or (
                    len(visited) >= self.max_redirections
                ):  # where urllib gives up, with a message of its own
                    fp.close()
                    raise RedirectRefusedError(
                        f"too many redirects ({sum(visited.values()) + 1}) from "
                        f"{origin or req.full_url} (last to {target}). Check the base URL "
                        f"({ENV_BASE_URL}), or ask the server's owner to fix the redirect."
                    )
                if problem:
                    fp.close()
                    raise RedirectRefusedError(
                        f"refused the redirect (HTTP {code}) from {req.full_url} to {target}: "
                        f"{problem}. Check the base URL ({ENV_BASE_URL}), or ask the server's "
                        "owner to fix the redirect."
                    )
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return urllib.request.build_opener(HTTP, HTTPS, Redirects)


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


@contextmanager
def _network(url: str, timeout: float, watchdog: _Watchdog) -> Iterator[None]:
    """Turn the errors of one network step into our errors (retryable where transient)."""
    import http.client
    import urllib.error

    try:
        yield
    except urllib.error.HTTPError as error:
        message = f"HTTP {error.code} {_why(error.reason)} for {url}"
        wrapped = DownloadHTTPError(message, status=error.code, url=url)
        if error.code >= 500 or error.code == 429:
            raise _Retryable(wrapped) from None
        raise wrapped from None
    except (OSError, http.client.HTTPException) as error:
        if watchdog.fired:
            raise _DeadlinePassed(f"{url} was still answering") from None
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, TimeoutError):
            message = (
                f"timed out: {url} sent nothing for {timeout:g} s (the per-read timeout; "
                "timeout= in Python)"
            )
            raise _Retryable(NetworkError(message)) from None
        if isinstance(error, (http.client.HTTPException, ConnectionError)):
            message = f"the connection broke while downloading {url}: {_why(error)}"
            raise _Retryable(TruncatedDownloadError(message)) from None
        message = (
            f"could not reach {url}: {_why(reason)}. Check the network (or the base URL); "
            f"{ENV_OFFLINE}=1 uses only releases already in the cache"
        )
        raise _Retryable(NetworkError(message)) from None


def _attempt(
    url: str,
    out: BinaryIO,
    label: str,
    timeout: float,
    clock: _Clock,
    bar: bool,
    size: int | None,
) -> str:
    """One GET of ``url`` into ``out``; returns the sha256 of the body.

    Network failures become our errors (see :func:`_network`); write errors stay OSError,
    for the caller to report as cache errors.
    """
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with _Watchdog(clock.remaining()) as watchdog:
        with _network(url, timeout, watchdog):
            opener = _opener(watchdog, url)
            response = opener.open(request, timeout=min(timeout, clock.remaining()))
        with response:
            announced = response.headers.get("Content-Length")
            total = int(announced) if announced and announced.isdigit() else None
            if size is not None and total is not None and total != size:
                raise HashMismatchError(
                    f"{url} announces {total} bytes, but this file of the release has {size}; "
                    "nothing was downloaded. The server holds other bytes than the ones this "
                    "release published."
                )
            digest = hashlib.sha256()
            received = 0
            with _progress(total or size, label, bar) as advance:
                while True:
                    with _network(url, timeout, watchdog):
                        chunk = response.read1(_CHUNK)
                    if watchdog.fired:
                        raise _DeadlinePassed(f"{received} bytes of {url} received")
                    if not chunk:
                        break
                    received += len(chunk)
                    if size is not None and received > size:
                        raise HashMismatchError(
                            f"{url} sent more than the {size} bytes of this file of the "
                            "release; the download was stopped and deleted"
                        )
                    out.write(chunk)
                    digest.update(chunk)
                    advance(len(chunk))
    if total is not None and received != total:
        message = (
            f"truncated transfer: {url} announced {total} bytes but sent {received}; "
            "nothing was kept"
        )
        raise _Retryable(TruncatedDownloadError(message))
    return digest.hexdigest()


def _with_tally(error: DataError, attempts: int, clock: _Clock) -> DataError:
    """Add the attempts made and the real time spent to an error's message."""
    note = f" ({attempts} attempt{'s' if attempts > 1 else ''} over {clock.elapsed():.1f} s)"
    error.args = (f"{error.args[0] if error.args else error}{note}", *error.args[1:])
    return error


def _deadline_error(url: str, clock: _Clock, attempts: int, last: str) -> DeadlineError:
    return DeadlineError(
        f"gave up on {url} after {clock.elapsed():.1f} s and {attempts} attempt"
        f"{'s' if attempts > 1 else ''}: the deadline of {clock.seconds:g} s per file passed "
        f"(last: {last}). Allow more time with deadline= in Python, --deadline on the command "
        f"line, or {ENV_DEADLINE}; or try again when the server is faster."
    )


def fetch_file(
    url: str,
    target: Path,
    expected: str | None,
    *,
    size: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    deadline: float | None = None,
    progress: bool | None = None,
    root: Path | None = None,
) -> Path:
    """Download ``url`` to ``target`` atomically, checking its sha256 against ``expected``.

    The body streams to a temp file in ``target``'s folder (:func:`safe_files.atomic_writer`,
    no links below ``root``) and is hashed as it arrives; on success the temp file replaces
    ``target``. On any failure the temp file is removed. Connection errors, timeouts,
    truncations, 429 and 5xx answers are retried ``retries`` times with exponential
    back-off; a hash or size mismatch is not (the server sent the wrong bytes). ``timeout``
    bounds each socket operation; ``deadline`` (default :func:`deadline_seconds`) bounds
    the whole file, attempts and back-off included. ``expected=None`` (only for a manifest
    the registry does not know) skips the check. Errors from the target's folder raise
    :class:`CacheError`.
    """
    clock = _Clock(deadline_seconds(deadline))
    timeout = timeout_seconds(timeout)
    cache = root or target.parent
    with _cache_errors(cache):
        safe_files.make_dirs(target.parent, root)
    bar = sys.stderr.isatty() if progress is None else progress
    attempts, last = 0, "no attempt finished"
    while True:
        attempts += 1
        try:
            with _cache_errors(cache), safe_files.atomic_writer(target, root) as out:
                actual = _attempt(url, out, target.name, timeout, clock, bar, size)
                if expected is not None and actual != expected:
                    raise HashMismatchError(
                        f"sha256 mismatch for {url}: expected {expected}, got {actual}. "
                        f"The downloaded file was deleted; nothing was written to {target}. "
                        "The server holds different bytes from the ones this release published."
                    )
            return target
        except _DeadlinePassed as passed:
            raise _deadline_error(url, clock, attempts, passed.reason) from None
        except _Retryable as retryable:
            last = str(retryable.error)
            if attempts > retries:
                raise _with_tally(retryable.error, attempts, clock) from None
            wait = backoff * 2 ** (attempts - 1)
            if clock.remaining() <= wait:
                raise _deadline_error(url, clock, attempts, last) from None
            time.sleep(wait)


# ---------------------------------------------------------------------------- releases


def release_dir(dataset: str, version: str, cache: Path) -> Path:
    """The cache folder of one release: ``<cache>/<dataset>/<version>``."""
    return cache / dataset / version


_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextmanager
def release_lock(dataset: str, version: str, cache: Path) -> Iterator[bool]:
    """Hold the cross-process lock of one release in the cache; yield whether it is held.

    A cache the user cannot write to (a shared, read-only one) is used without the lock:
    files already there are still verified and served; writing one raises CacheError.
    """
    lock_path = cache / dataset / f".{version}.lock"
    from filelock import FileLock, Timeout

    with _cache_errors(cache):
        safe_files.make_dirs(lock_path.parent, cache)
        safe_files.check_no_links(lock_path, cache)  # filelock truncates what it opens
    lock = FileLock(str(lock_path), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
        held = True
    except Timeout:
        raise DataError(
            f"another process has held the cache lock {lock_path} for {LOCK_TIMEOUT:g} s; "
            "if no download is running, delete that file"
        ) from None
    except OSError as error:
        if error.errno not in _READ_ONLY:
            raise cache_error(error, cache) from None
        held = False
    try:
        yield held
    finally:
        if held:
            lock.release()


def check_cached(file: Path, expected: str | Expected, how_to_fix: str, cache: Path) -> bool:
    """True if ``file`` exists with sha256 ``expected``; False if absent; raise if changed.

    A link, or a folder, where the file should be raises :class:`CacheError`.
    """
    want = expected if isinstance(expected, Expected) else Expected(expected)
    with _cache_errors(cache):
        safe_files.check_no_links(file, cache)
        if not file.exists():
            return False
        actual = sha256_file(file)
    if actual != want.sha256:
        raise CacheModifiedError(
            f"the cached file {file} was changed after it was downloaded: its sha256 is "
            f"{actual}, the release says {want.sha256}. Delete it and download again: "
            f"{how_to_fix}"
        )
    return True


def _remove_stale_parts(folder: Path) -> None:
    """Remove temp files left by a process that died mid-download (we hold the lock)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for path, dirs, _files in os.walk(folder):  # os.walk does not follow links
        safe_files.remove_debris(Path(path))
        for part in Path(path).glob(".*.part"):  # left by coded-events before 1.0
            if part.is_file() and not part.is_symlink():
                part.unlink()
        dirs[:] = [d for d in dirs if not (Path(path) / d).is_symlink()]


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
    downloaded unchecked and the data files are verified against the hashes it declares,
    with an :class:`UnverifiedReleaseWarning`; a manifest naming another dataset or version
    raises :class:`ManifestError` and is removed. Files already cached are re-hashed; a changed
    one raises :class:`CacheModifiedError`. Offline mode raises :class:`OfflineError`
    naming every missing file; so does ``fetch_missing=False`` (nowhere to fetch from).
    Problems of the cache folder itself raise :class:`CacheError`.
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
                fetch_file(url + MANIFEST, manifest_file, None, **fetch)
            manifest = read_manifest(manifest_file)
            try:
                where = f"{manifest_file} (from {url}{MANIFEST})"
                check_manifest_identity(manifest, dataset, version, where)
            except ManifestError:
                manifest_file.unlink()  # unverified and wrong: do not keep it in the cache
                raise
            origin = f"served by {url}" if fetch_missing else f"cached in {folder}"
            _unverified_warning(dataset, version, origin)
            expected = manifest_files(manifest, folder, str(manifest_file))
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
            fetch_file(url + path, folder / path, item.sha256, size=item.size, **fetch)
    return folder


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
