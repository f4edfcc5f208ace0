"""The one place that reads and writes files safely: no symbolic links, atomic replacement.

Every file the project writes (build outputs, migrated records, registry updates,
downloads, caches) goes through :func:`write_atomic` or :func:`atomic_writer`: the bytes
go to a temporary file in the target's folder, are flushed to disk, and are renamed over
the target, so a reader sees the complete old file or the complete new one, never a
half-written one. A symbolic link in the way (the target itself, or any folder between the
root the user named and the target) is refused with :class:`LinkRefused`; links in the
folders *above* that root are the user's choice and are left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".coded-events-tmp-"
"""Temporary files start with this; :func:`remove_debris` clears those a crash left."""


class UnsafePathError(OSError):
    """A path the project refuses to read or write, with the path and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class LinkRefused(UnsafePathError):
    """A symbolic link where a file or folder is read or written."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "is a symbolic link; links are never followed")


class NotRegularFile(UnsafePathError):
    """A directory, FIFO, socket or device where a regular file is expected."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(path, f"is not a regular file (it is {file_kind(mode)})")


class NotAFolder(UnsafePathError):
    """A link or a file where a tool's output folder goes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "--out must be a folder (not a link or a file)")


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISLNK, "a symbolic link"),
)


def file_kind(mode: int) -> str:
    """What a file's ``st_mode`` says it is, in words ("a directory", "a FIFO", ...)."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file")


def check_no_links(path: Path, root: Path | None = None) -> None:
    """Refuse ``path`` if it, or any folder from ``root`` (exclusive) down to it, is a link.

    ``root`` is the path the user named; the folders above it are not checked. Without a
    root only ``path`` itself is checked. Missing components are fine (they will be made).
    """
    path = Path(path)
    chain = [path]
    if root is not None:
        root = Path(root)
        with contextlib.suppress(ValueError):
            relative = path.relative_to(root)
            chain = [root.joinpath(*relative.parts[:i]) for i in range(1, len(relative.parts) + 1)]
    for part in chain:
        if part.is_symlink():
            raise LinkRefused(part)


def output_entries(out: Path, beside: Callable[[Path], bool] | None = None) -> list[Path] | None:
    """What a tool's output folder already holds, for the tool to tell whether it is its
    own earlier output: None when ``out`` does not exist; else every entry below it (but
    those ``beside`` keeps, given relative to ``out``), none of them a link (LinkRefused).
    A link or a file at ``out`` raises NotAFolder."""
    out = Path(out)
    if not os.path.lexists(out):
        return None
    if out.is_symlink() or not out.is_dir():
        raise NotAFolder(out)
    found = [p for p in out.rglob("*") if beside is None or not beside(p.relative_to(out))]
    for path in found:  # what the tool would replace or remove is never a link
        check_no_links(path, out)
    return found


def make_dirs(folder: Path, root: Path | None = None) -> None:
    """Create ``folder`` and its missing parents, refusing links below ``root``."""
    check_no_links(folder, root)
    folder.mkdir(parents=True, exist_ok=True)
    check_no_links(folder, root)  # a link planted while we created it
    if not folder.is_dir():
        raise UnsafePathError(folder, "is not a folder")


@contextlib.contextmanager
def atomic_writer(
    target: Path, root: Path | None = None, *, exclusive: bool = False
) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``target``; on success it replaces ``target`` atomically.

    On any exception the temporary file is removed and ``target`` is left as it was. With
    ``exclusive`` the file is created whole or not at all and never replaces one: it is
    hard-linked to the name (``link`` fails with FileExistsError when the name exists, also
    when it appeared meanwhile, where a rename would replace it).
    """
    target = Path(target)
    check_no_links(target, root)
    if target.exists() and not target.is_file():
        raise NotRegularFile(target, target.lstat().st_mode)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        check_no_links(target, root)
        if exclusive:
            os.link(temp, target)
            temp.unlink()
        else:
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomic(
    target: Path, data: bytes, root: Path | None = None, *, exclusive: bool = False
) -> None:
    """Write ``data`` to ``target`` through a temporary file and an atomic rename (or, with
    ``exclusive``, a link that never replaces an existing file)."""
    with atomic_writer(target, root, exclusive=exclusive) as out:
        out.write(data)


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading in binary, refusing a final link (for streaming)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError as error:
        if path.is_symlink():
            raise LinkRefused(path) from error
        raise
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(path, mode)
    return os.fdopen(fd, "rb")


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, opened without following a final symbolic link."""
    with open_regular(path) as handle:
        return handle.read()


_HASH_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The hex sha256 of a regular file, read in chunks (a final symbolic link is refused)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_debris(folder: Path) -> list[Path]:
    """Delete temporary files an interrupted write left in ``folder``; return them."""
    removed = []
    for entry in sorted(folder.glob(TEMP_PREFIX + "*")):
        if entry.is_file() and not entry.is_symlink():
            entry.unlink()
            removed.append(entry)
    return removed


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (the renames done in it) to disk, where the OS allows."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the renames are still atomic
    finally:
        os.close(fd)
