"""What a release file must be (sha256 and size), and parsing a written sha256."""

from __future__ import annotations

from dataclasses import dataclass

from coded_events.access.errors import ManifestError


@dataclass(frozen=True)
class Expected:
    """What one file of a release must be: its sha256 and, when known, its size in bytes."""

    sha256: str
    size: int | None = None


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
