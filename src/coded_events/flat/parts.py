"""What the flat readers hand over: table files and sets of them, record batches, problems.

Every problem with a file itself (unreadable, wrong columns, wrong types, cells that do
not parse) comes back as a :class:`Problem`, never as an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}

TABLE_METADATA_KEY = b"coded_events.table"


@dataclass
class Problem:
    """A problem found while reading: a catalogue code, its message parameters, and where.

    ``column`` names the column (empty for the whole file); ``mask`` marks bad rows of the
    batch it came with (None for problems about the whole file or column)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    column: str = ""
    mask: pa.Array | None = None
    values: pa.Array | None = None
    line: int | None = None


@dataclass
class Batch:
    """Rows ``first_row`` .. ``first_row + rows - 1`` (0-based) of one file, column by column."""

    columns: dict[str, pa.Array]
    rows: int
    first_row: int
    problems: list[Problem] = field(default_factory=list)
    first_line: int | None = None  # CSV: the line of the batch's first row
    extra_lines: Any = None  # CSV: cumulative line breaks inside values before each row
    lines: Any = None  # CSV after skipped rows or blank lines: each row's line


@dataclass
class TablePart:
    """One file that holds rows of a table, or some of its Parquet row groups.

    ``row_groups`` (None: all) and ``first_row`` (the file row of the first one) make a
    partition of a file; ``label`` names a file read through ``source`` (an open file
    object, e.g. from fsspec) rather than from ``path``."""

    table: str
    path: Path
    fmt: str
    row_groups: tuple[int, ...] | None = None
    first_row: int = 0
    label: str | None = None
    source: Any = None

    @property
    def file(self) -> str:
        return self.label if self.label is not None else str(self.path)


@dataclass
class TableSet:
    """Tables checked together (their keys and foreign keys), and files no table claims."""

    parts: dict[str, list[TablePart]] = field(default_factory=dict)
    unknown: list[tuple[Path, str]] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)  # symbolic links: reported, not read
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # cannot be looked up
    irregular: list[tuple[Path, str]] = field(default_factory=list)  # FIFOs, devices, ...


def error_reason(error: Exception) -> str:
    """An error as one short line for a finding: its type and the first line of its text."""
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def unreadable(error: Exception, where: str = "") -> Problem:
    return Problem("file-unreadable", {"reason": error_reason(error) + where})
