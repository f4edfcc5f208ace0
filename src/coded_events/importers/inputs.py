"""Opening import inputs: plain, gzip or zip files, streamed, recognised by their bytes.

A zip archive yields each of its members in turn (``archive.zip!member.csv``; a second
member of the same name ``archive.zip!member.csv#2``), each opened by its entry in the
archive, never by its name; a member that cannot be read (encrypted, an unknown compression
method) is refused on its own. A gzip file yields its one stream. Nothing is read whole
into memory. Links are refused (the final path component is opened with ``O_NOFOLLOW``).
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from coded_events import safe_files

__all__ = ["InputError", "Member", "compression", "members", "open_member"]

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


class InputError(Exception):
    """An input that cannot be opened as an event file (not found, a link, a broken
    archive); the message names the file and the reason."""


@dataclass(frozen=True)
class Member:
    """One stream of event rows: a plain file, a gzip file's content or a zip member."""

    path: Path
    label: str
    """How findings name it: the path, or ``archive.zip!member`` (``archive.zip!member#2``
    for the second member of that name)."""
    name: str = ""
    """The member's part of the label (``member``, ``member#2``); empty for a plain or
    gzip file."""
    entry: int | None = None
    """The member's place in the archive's entries (``ZipFile.infolist()``): the member is
    opened by it, never by its name (names may repeat, and hold ``!``)."""


def compression(path: Path) -> str:
    """``"zip"``, ``"gzip"`` or ``"plain"``, from the file's first bytes (not its name)."""
    with safe_files.open_regular(path) as handle:
        head = handle.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        return "zip"
    return "plain"


def _zip_entries(path: Path) -> list[tuple[int, str]]:
    """The archive's files (folders left out): their place in its entries, and their names
    made unique (the second entry of a name gets ``#2``, and so on)."""
    with safe_files.open_regular(path) as handle, zipfile.ZipFile(handle) as archive:
        entries = [(n, i.filename) for n, i in enumerate(archive.infolist()) if not i.is_dir()]
    taken: set[str] = set()
    unique = []
    for entry, name in entries:
        label, count = name, 1
        while label in taken:
            count += 1
            label = f"{name}#{count}"
        taken.add(label)
        unique.append((entry, label))
    return unique


def members(path: Path) -> list[Member]:
    """The streams of ``path``: one, or one per member of a zip archive (in its order)."""
    try:
        kind = compression(path)
        if kind != "zip":
            return [Member(path, str(path))]
        entries = _zip_entries(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: cannot be opened ({error})") from None
    if not entries:
        raise InputError(f"{path}: the zip archive holds no file")
    return [Member(path, f"{path}!{name}", name, entry) for entry, name in entries]


METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
"""The compression methods a zip member may use (zipfile reads these)."""


def _readable(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member cannot be read (encrypted, compressed by an unknown method), or
    None."""
    if info.flag_bits & 0x1:
        return "it is encrypted (a password is needed; encrypted members are not read)"
    if info.compress_type not in METHODS:
        known = ", ".join(METHODS.values())
        return f"its compression method {info.compress_type} is not supported ({known} are)"
    return None


def _open_entry(archive: zipfile.ZipFile, member: Member) -> IO[bytes]:
    """The zip member's stream, opened by its entry; InputError when it cannot be read."""
    entries = archive.infolist()
    if member.entry is None or member.entry >= len(entries):
        raise InputError(f"{member.label}: the archive changed while it was read")
    info = entries[member.entry]
    why = _readable(info)
    if why is None:
        try:
            return archive.open(info)
        except (NotImplementedError, RuntimeError, ValueError) as error:
            why = str(error)
    raise InputError(f"{member.label}: {why}")


@contextmanager
def open_member(member: Member) -> Iterator[IO[bytes]]:
    """The member's decompressed bytes as a stream."""
    try:
        with safe_files.open_regular(member.path) as handle:
            kind = compression(member.path)
            if kind == "gzip":
                with gzip.GzipFile(fileobj=handle) as stream:
                    yield stream
            elif kind == "zip":
                with zipfile.ZipFile(handle) as archive, _open_entry(archive, member) as stream:
                    yield stream
            else:
                yield handle
    except (zipfile.BadZipFile, gzip.BadGzipFile, EOFError) as error:
        raise InputError(f"{member.label}: broken archive ({error})") from None
