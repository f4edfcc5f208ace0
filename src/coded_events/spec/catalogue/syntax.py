"""The syntax layer's checks: is the file there, readable, UTF-8, and strict JSON?"""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

MAX_BYTES = 20 * 1024 * 1024
"""Record files above this size are not read."""
MAX_DEPTH = 64
"""Documents nested deeper than this are not checked further."""

CHECKS = declare(
    "syntax",
    (
        "file-unreadable",
        "error",
        BOTH,
        ("reason",),
        "File cannot be read",
        "cannot read the file: {reason}",
        "Check that the path names a regular file you can read, and that a text file (a "
        "table, a record, a source text) is saved as UTF-8.",
        "The path does not lead to a readable regular file (a broken link, a device, "
        "a permission problem).",
    ),
    (
        "symlinked-file",
        "error",
        BOTH,
        ("target",),
        "File is a symbolic link",
        "the file is a symbolic link (to {target}); it is not read",
        "Commit the file itself, not a link to it.",
        "Record files and flat tables (and folders inside a table folder) must be regular "
        "files. Links are reported and never followed, so that a pull request cannot make "
        "the validator read files outside the repository.",
    ),
    (
        "file-too-large",
        "error",
        RECORDS,
        ("limit", "size"),
        "File too large",
        "the file has {size} bytes, more than the limit of {limit}",
        "Split the article's events over smaller files, or check that this is a record.",
        f"Record files above {MAX_BYTES // (1024 * 1024)} MiB are not read. One article's "
        "events take a few kilobytes.",
    ),
    (
        "file-empty",
        "error",
        RECORDS,
        (),
        "Empty file",
        "the file is empty",
        "Start from tests/fixtures/valid/minimal.json.",
        "The file has no content, or only white space.",
    ),
    (
        "file-binary",
        "error",
        RECORDS,
        ("offset",),
        "Binary file",
        "the file contains a NUL byte at byte offset {offset}: it is binary, not JSON text",
        "Save the record as UTF-8 JSON text.",
        "JSON is text; a NUL byte means the file is binary (or UTF-16/UTF-32 encoded).",
    ),
    (
        "invalid-utf8",
        "error",
        RECORDS,
        ("offset", "reason"),
        "Not UTF-8",
        "the file is not valid UTF-8: {reason} at byte offset {offset}",
        "Save the file as UTF-8 (without BOM) in your editor.",
        "JSON files must be UTF-8 (RFC 8259). The finding gives the byte offset of the "
        "first byte that is not UTF-8.",
    ),
    (
        "utf8-bom",
        "error",
        RECORDS,
        (),
        "Byte-order mark",
        "the file starts with a UTF-8 byte-order mark",
        "Save the file as 'UTF-8' rather than 'UTF-8 with BOM'.",
        "RFC 8259 forbids a byte-order mark in JSON texts, and several parsers reject it. "
        "The rest of the file is still checked.",
    ),
    (
        "json-syntax",
        "error",
        RECORDS,
        ("reason",),
        "Malformed JSON",
        "the file is not valid JSON: {reason}",
        "Look at the position given (and just before it): a missing comma, quote or "
        "bracket, a trailing comma, or a comment.",
        "The JSON parser stopped at this line and column. Nothing else in the file is "
        "checked until it parses.",
    ),
    (
        "duplicate-key",
        "error",
        BOTH,
        ("key",),
        "Duplicate key",
        "the key {key!s} appears more than once in the same object",
        "Keep one of the two entries; JSON readers silently keep only the last.",
        "An object has the same key twice. Python's `json` and most readers keep the "
        "last value without a word, so the first one is lost.",
    ),
    (
        "non-finite-number",
        "error",
        BOTH,
        ("token",),
        "Number JSON cannot hold",
        "{token} is not a finite JSON number",
        "Write a finite number, or leave the field out when the value is unknown.",
        "`NaN`, `Infinity` and numbers too large for a double (such as `1e400`, which "
        "readers turn into infinity, or an integer of hundreds of digits, which some "
        "readers refuse outright) are not portable JSON.",
    ),
    (
        "nesting-too-deep",
        "error",
        RECORDS,
        ("limit",),
        "JSON nested too deeply",
        "the JSON is nested more than {limit} levels deep",
        "A record is about six levels deep; look for runaway brackets.",
        f"Documents nested more than {MAX_DEPTH} levels deep are not checked further.",
    ),
)
