"""The evidence layer's checks: is the source text there and unchanged, and every quote in it?"""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

CHECKS = declare(
    "evidence",
    (
        "source-path-outside",
        "error",
        RECORDS,
        ("folder", "path", "value"),
        "Source text path leaves the sources folder",
        "source id {value} would read {path}, which is outside {folder}",
        "Use the plain source id (no '/', '..' or links); the text lives in sources/<id>.txt.",
        "Source texts are read only from the dataset's `sources/` folder. An id that "
        "resolves elsewhere (through `..` or a symbolic link) is reported, never read.",
    ),
    (
        "source-text-missing",
        "error",
        RECORDS,
        ("path", "value"),
        "Source text not found",
        "no source text for {value}: {path} does not exist",
        "Add the article text as {path} (sources/<source_id>.txt next to the records/ folder).",
        "Every source a document or a quote names needs its text in "
        "`<dataset>/sources/<source_id>.txt`, so that quotes can be verified.",
    ),
    (
        "source-text-unreadable",
        "error",
        RECORDS,
        ("path", "reason"),
        "Source text cannot be read",
        "cannot read {path}: {reason}",
        "Store the text as a UTF-8 file, byte for byte as retrieved.",
        "The source text exists but is not a readable UTF-8 file (or is too large).",
    ),
    (
        "source-text-hash-mismatch",
        "error",
        RECORDS,
        ("actual", "expected", "path"),
        "Source text changed",
        "sha256 of {path} is {actual}, but the document records {expected}",
        "If the text file is right, set source.text_sha256 to {actual}; if not, restore "
        "the text (and re-check every quote's offsets).",
        "`source.text_sha256` is the sha256 of the text file's bytes; a mismatch means the "
        "text or the record changed without the other.",
    ),
    (
        "evidence-missing",
        "error",
        BOTH,
        (),
        "Event has neither evidence nor provenance",
        "the event has no evidence quote and no provenance",
        "Quote the words of the source that support the event; if the event was taken from "
        "another producer (GDELT, ICEWS ...), give its provenance instead.",
        "A hand-coded event needs at least one verbatim quote (`evidence`). An event taken "
        "from another producer may have none, but then needs its `provenance` (schema "
        "1.2.0). In flat tables: each `events` row needs an `evidence` row or a "
        "`provenance` row with its `event_id` (checked when either table is given).",
    ),
    (
        "quote-blank",
        "error",
        BOTH,
        (),
        "Quote is blank",
        "the quote contains only white space",
        "Quote the words that support the event.",
        "An evidence quote must contain text.",
    ),
    (
        "quote-offsets-invalid",
        "error",
        BOTH,
        ("end", "length", "start", "where"),
        "Quote offsets impossible",
        "char_start {start} and char_end {end} do not delimit text in a source of "
        "{length} characters{where}",
        "char_end must be greater than char_start and at most the text's length; offsets "
        "count Unicode characters from 0.",
        "The offsets cannot hold the quote: char_end is not after char_start, or lies "
        "beyond the end of the text.",
    ),
    (
        "quote-mismatch",
        "error",
        RECORDS,
        ("actual", "end", "start", "where"),
        "Quote differs from the text at its offsets",
        "the text at {start}-{end} reads {actual!r}, not the quote{where}",
        "Copy the quote from the source text again, or set char_start/char_end to where it occurs.",
        "The text between char_start and char_end must be the quote, character for "
        "character. The message says where the quote does occur (or nearly occurs, "
        "differing only in white space or quotation marks), if anywhere.",
    ),
    (
        "quotes-overlap",
        "warning",
        RECORDS,
        ("end", "other", "other_end", "other_start", "start"),
        "Quotes of one event overlap",
        "this quote ({start}-{end}) overlaps quote {other} ({other_start}-{other_end}) "
        "of the same event",
        "Merge the two quotes into one, or trim them so that each adds something.",
        "Two quotes of the same event share characters of the same source; usually one "
        "is a copy or extension of the other.",
    ),
)
