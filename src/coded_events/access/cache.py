"""The per-version download cache: where it is, offline mode, the lock per release,
and checks of cached files."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coded_events import safe_files
from coded_events.access.errors import CacheError, CacheModifiedError, DataError
from coded_events.access.hashes import Expected
from coded_events.safe_files import sha256_file

ENV_CACHE = "CODED_EVENTS_CACHE"
ENV_OFFLINE = "CODED_EVENTS_OFFLINE"
LOCK_TIMEOUT = 600.0


def offline() -> bool:
    """Whether ``CODED_EVENTS_OFFLINE`` asks to use the cache only."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The cache root: ``override``, else ``CODED_EVENTS_CACHE``, else the user cache folder."""
    import platformdirs  # here, not at the top: `import coded_events` stays fast

    chosen = override or os.environ.get(ENV_CACHE) or platformdirs.user_cache_dir("coded-events")
    return Path(chosen).expanduser()


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
