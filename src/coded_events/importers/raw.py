"""What a reader of producer files gives the converter: raw batches of text columns with
their line numbers, notices, the errors that refuse or break off a file, and the limits.
The readers themselves: ``reading`` (delimited text), ``spreadsheet`` (quoted dialects),
``quoted`` (quoted CSV formats), ``plover_reader`` (JSON)."""

from __future__ import annotations

import csv
import zipfile
import zlib
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.format import Issue, Layout

DEFAULT_BATCH_BYTES = 16 << 20
FIELD_LIMIT = DEFAULT_BATCH_BYTES
"""The least size (characters) the quoted readers allow a cell (``csv`` field size limit);
``batch_bytes`` when that is larger."""
READ_ERRORS = (EOFError, OSError, zlib.error, zipfile.BadZipFile)
"""What reading a stream raises when it breaks off (a truncated or corrupt archive)."""
SPREADSHEET_DELIMITERS = (";", ",")
BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 1 << 16


class NotEventFile(Exception):
    """The file is not an event file of the format: one finding, the file refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InputBroken(Exception):
    """Reading stopped inside the file: the rows before ``line`` were yielded, the rest
    is not read (the file was read partially)."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(f"line {line}: {reason}")
        self.reason = reason
        self.line = line


class _Broken(Exception):
    """The stream broke off (raised by ``_blocks`` after its last whole lines)."""


def field_limit(size: int) -> None:
    """Raise the ``csv`` module's field size limit (process-wide) to at least ``size``
    characters; never lowers it (readers in other threads may need it)."""
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


@dataclass(frozen=True)
class Notice:
    """A finding about a line that is not a row (a header line) or about the whole file."""

    code: str
    line: int | None
    value: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class RawBatch:
    """Rows of one block: producer columns as verbatim strings (null where the row's
    layout lacks the column), each row's line, and what the reader found."""

    columns: dict[str, pa.Array]
    lines: pa.Array
    issues: list[Issue] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    plain: bool = False
    """True when no cell holds a quote, a backslash or a control character (then the
    verbatim cells need no JSON escaping in provenance); False when unknown."""
    pair: pa.Array | None = None
    """For a reader that makes several rows of one producer record (PLOVER: one row per
    source-target pair): each row's 1-based place in its record, null for a record of one
    row. The rows of a record are consecutive (a record starts at each null or 1: several
    records may share a line) and share its line; they are written or rejected together,
    are counted once in rows read, and are tied by ``same_as`` links to the record's first
    row."""

    def __len__(self) -> int:
        return len(self.lines)


def record_numbers(pair: pa.Array) -> pa.Array:
    """Each row's record within its batch (1, 2, ...), from ``RawBatch.pair``: a record
    starts at each null or 1 (records, not lines, are the unit: several may share one)."""
    starts = pc.fill_null(pc.less_equal(pair, 1), True)
    return pc.cumulative_sum(pc.cast(starts, pa.int64()))


@dataclass(frozen=True)
class Dialect:
    """How a file's rows are written: its delimiter, whether quotes must be honoured, and
    the layouts its rows follow (by field count)."""

    delimiter: str
    quoted: bool
    layouts: dict[int, Layout]
    header_line: int | None = None
    header_names: tuple[str, ...] = ()
