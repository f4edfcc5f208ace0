"""HTTP download of one file: per-read timeout, overall deadline, retries, redirect
policy, streamed to a checked temporary file."""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from coded_events import safe_files
from coded_events.access.cache import ENV_OFFLINE, _cache_errors
from coded_events.access.errors import (
    DataError,
    DeadlineError,
    DownloadHTTPError,
    HashMismatchError,
    NetworkError,
    RedirectRefusedError,
    TooLargeError,
    TruncatedDownloadError,
)
from coded_events.access.registry import ENV_BASE_URL
from coded_events.spec.versions import PACKAGE_VERSION

ENV_DEADLINE = "CODED_EVENTS_DEADLINE"
DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE = 600.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
FOLLOWED_SCHEMES = ("http", "https")
_CHUNK = 1 << 20
_USER_AGENT = f"coded-events/{PACKAGE_VERSION} (+https://github.com/coded-events/coded-events)"


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


def _check_announced(url: str, total: int, size: int | None, cap: tuple[int, str] | None) -> None:
    """Refuse a Content-Length other than the file's ``size``, or over the ``cap``."""
    if size is not None and total != size:
        raise HashMismatchError(
            f"{url} announces {total} bytes, but this file of the release has {size}; "
            "nothing was downloaded. The server holds other bytes than the ones this "
            "release published."
        )
    if cap is not None and total > cap[0]:
        raise TooLargeError(f"{url} announces {total} bytes, but {cap[1]}; nothing was downloaded")


def _check_received(url: str, received: int, size: int | None, cap: tuple[int, str] | None) -> None:
    """Stop a body that has grown past the file's ``size`` or the ``cap``."""
    if size is not None and received > size:
        raise HashMismatchError(
            f"{url} sent more than the {size} bytes of this file of the release; the download "
            "was stopped and deleted"
        )
    if cap is not None and received > cap[0]:
        raise TooLargeError(
            f"{url} sent more than {cap[0]} bytes, but {cap[1]}; the download was stopped "
            "and deleted"
        )


def _attempt(
    url: str,
    out: BinaryIO,
    label: str,
    timeout: float,
    clock: _Clock,
    bar: bool,
    size: int | None,
    cap: tuple[int, str] | None = None,
) -> str:
    """One GET of ``url`` into ``out``; returns the sha256 of the body.

    ``cap`` (most bytes, the rule in words) stops a body that grows past it, and refuses
    one announced larger before reading it.

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
            if total is not None:
                _check_announced(url, total, size, cap)
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
                    _check_received(url, received, size, cap)
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
    cap: tuple[int, str] | None = None,
) -> Path:
    """Download ``url`` to ``target`` atomically, checking its sha256 against ``expected``.

    The body streams to a temp file in ``target``'s folder (:func:`safe_files.atomic_writer`,
    no links below ``root``) and is hashed as it arrives; on success the temp file replaces
    ``target``. On any failure the temp file is removed. Connection errors, timeouts,
    truncations, 429 and 5xx answers are retried ``retries`` times with exponential
    back-off; a hash or size mismatch is not (the server sent the wrong bytes). ``timeout``
    bounds each socket operation; ``deadline`` (default :func:`deadline_seconds`) bounds
    the whole file, attempts and back-off included. ``expected=None`` (only for a manifest
    the registry does not know) skips the check; ``cap`` (most bytes, the rule in words)
    then bounds the file: a larger one raises :class:`TooLargeError`, not retried. Errors
    from the target's folder raise :class:`CacheError`.
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
                actual = _attempt(url, out, target.name, timeout, clock, bar, size, cap)
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
