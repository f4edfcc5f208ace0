"""The errors of finding, downloading and checking dataset releases (one base: ``DataError``)."""

from __future__ import annotations

from pathlib import Path


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


class TooLargeError(DataError):
    """A file is larger than the most it may be (a ``datapackage.json`` over its cap); a
    download was stopped and nothing was kept."""


class UnsafeFileError(DataError):
    """A file of a dataset folder is reached through a symbolic link, or is not a regular
    file; it was not read."""


class UnreadableDataError(DataError):
    """A data file that passed its checks cannot be read (a truncated or damaged Parquet)."""


class UnverifiedReleaseWarning(UserWarning):
    """A release the registry does not know, from the user's own base URL, was checked
    against its own manifest only."""
