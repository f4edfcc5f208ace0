"""Opening import inputs: plain, gzip or zip files, streamed, recognised by their bytes.

A zip archive yields each of its members in turn (``archive.zip!member.csv``); a gzip
file its one stream. Nothing is read whole into memory. Links are refused (the final
path component is opened with ``O_NOFOLLOW``).
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

__all__ = ["InputError", "Member", "compression", "members"]

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
    """How findings name it: the path, or ``archive.zip!member``."""


def compression(path: Path) -> str:
    """``"zip"``, ``"gzip"`` or ``"plain"``, from the file's first bytes (not its name)."""
    with safe_files.open_regular(path) as handle:
        head = handle.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        return "zip"
    return "plain"


def _zip_names(path: Path) -> list[str]:
    with safe_files.open_regular(path) as handle, zipfile.ZipFile(handle) as archive:
        return [i.filename for i in archive.infolist() if not i.is_dir()]


def members(path: Path) -> list[Member]:
    """The streams of ``path``: one, or one per member of a zip archive (in its order)."""
    try:
        kind = compression(path)
        if kind != "zip":
            return [Member(path, str(path))]
        names = _zip_names(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: cannot be opened ({error})") from None
    if not names:
        raise InputError(f"{path}: the zip archive holds no file")
    return [Member(path, f"{path}!{name}") for name in names]


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
                name = member.label.rsplit("!", 1)[1]
                with zipfile.ZipFile(handle) as archive, archive.open(name) as stream:
                    yield stream
            else:
                yield handle
    except (zipfile.BadZipFile, gzip.BadGzipFile, EOFError) as error:
        raise InputError(f"{member.label}: broken archive ({error})") from None
