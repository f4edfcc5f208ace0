"""Record batches of a CSV file in the table's types, with each row's line.

The bytes are scanned first (Parquet bytes, text that is not UTF-8, an unclosed quote);
malformed rows are skipped and reported with their lines; blank lines are not rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from coded_events.flat.column_types import column_problems
from coded_events.flat.csv_cells import convert
from coded_events.flat.parts import Batch, Problem, TablePart, unreadable
from coded_events.release import csv_dialect
from coded_events.release.rows import ARROW_SCHEMAS


def _line_breaks(arrays: dict[str, pa.Array], types: dict[str, pa.DataType]) -> tuple[Any, int]:
    """Line breaks inside values: the count before each row (None when there are none), so
    that a row's CSV line can be computed, and the batch's total."""
    total = None
    for name, column in arrays.items():
        if not pa.types.is_string(types.get(name, pa.null())):
            continue
        counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
        if pc.max(counts).as_py():
            total = counts if total is None else pc.add(total, counts)
    if total is None:
        return None, 0
    cumulative = pc.cumulative_sum(total).to_numpy(zero_copy_only=False)
    return cumulative - total.to_numpy(zero_copy_only=False), int(cumulative[-1])


PARQUET_MAGIC = b"PAR1"


@dataclass
class _Scan:
    """What one pass over a CSV file's bytes tells before the CSV reader sees them."""

    odd_quotes: bool = False  # a quoted value is never closed (a truncated file)
    problem: Problem | None = None  # not CSV text: Parquet bytes, or bytes not UTF-8


def _scan(path: Path) -> _Scan:
    """One pass over a CSV file: its double quotes counted, its bytes checked as UTF-8.

    The CSV reader must never meet bytes that are not UTF-8: a malformed row holding them
    makes pyarrow's bad-row callback fail inside C++ (a traceback on stderr, at worst an
    abort), so such a file is reported here and not parsed.
    """
    quotes, start, line, pending = 0, 0, 1, b""  # start: the offset of ``pending``
    with path.open("rb") as handle:
        head = handle.read(len(PARQUET_MAGIC))
        if head == PARQUET_MAGIC:
            reason = "the file holds Parquet data (it starts with PAR1), not CSV text"
            return _Scan(problem=Problem("file-unreadable", {"reason": reason}))
        chunk = head + handle.read(16 * 1024 * 1024)
        while chunk:
            following = handle.read(16 * 1024 * 1024)
            quotes += chunk.count(b'"')
            data = pending + chunk
            try:
                data.decode("utf-8")
                valid = len(data)
            except UnicodeDecodeError as error:
                cut = following and error.reason == "unexpected end of data"
                if not (cut and error.end == len(data)):  # not a character split in two
                    line += data.count(b"\n", 0, error.start)
                    reason = (
                        f"not UTF-8 text ({error.reason} at byte {start + error.start}); "
                        "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)"
                    )
                    return _Scan(problem=Problem("file-unreadable", {"reason": reason}, line=line))
                valid = error.start
            line += data.count(b"\n", 0, valid)
            pending, start = data[valid:], start + valid
            chunk = following
    return _Scan(odd_quotes=quotes % 2 == 1)


def _record_lines(path: Path, columns: int) -> tuple[Any, Any, list[int]] | None:
    """Where the rows of a CSV file are, for exact lines once rows were skipped or lines were
    blank: the first line of each row the CSV reader yields (blank lines included, flagged
    in the second array) and of each row it skips as malformed. None when the file cannot
    be split into rows here."""
    lines, blank, skipped, last, header = [], [], [], 0, True
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            rows = csv.reader(handle)
            for record in rows:
                start, last = last + 1, rows.line_num
                if header:
                    header = bool(not record)  # blank lines before the header: skipped
                    continue
                if record and len(record) != columns:
                    skipped.append(start)
                    continue
                lines.append(start)
                blank.append(not record)
    except (OSError, csv.Error):
        return None
    return np.array(lines, np.int64), np.array(blank, bool), skipped


def _all_null(batch: pa.RecordBatch) -> Any:
    """Rows with no value at all (blank lines), as a numpy mask; None when there are none
    (known from the first column alone when it has no nulls)."""
    if batch.num_columns == 0 or batch.column(0).null_count == 0:
        return None
    mask = pc.is_null(batch.column(0))
    for column in batch.columns[1:]:
        mask = pc.and_(mask, pc.is_null(column))
    return mask.to_numpy(zero_copy_only=False) if pc.any(mask).as_py() else None


class _Malformed:
    """The CSV reader's bad-row handler: the rows it skips as malformed, in order (each
    reported, up to a limit), and how many it skipped."""

    def __init__(self) -> None:
        self.found: list[tuple[int, Problem]] = []
        self.calls = 0  # rows skipped so far

    def __call__(self, row: Any) -> str:
        if len(self.found) < 10_000:
            text = row.text if len(row.text) <= 120 else row.text[:119] + "…"
            params = {"actual": row.actual_columns, "expected": row.expected_columns, "text": text}
            self.found.append((self.calls, Problem("malformed-row", params)))
        self.calls += 1
        return "skip"

    def flush(self, exact: Any) -> Iterator[Problem]:
        """The rows skipped so far, with their lines once ``exact`` knows them."""
        for index, problem in self.found:
            if exact and index < len(exact[2]):
                problem.line = exact[2][index]
            yield problem
        self.found.clear()


def _open(path: Path, expected: pa.Schema, batch_size: int, malformed: _Malformed) -> Any:
    """The CSV reader of ``path``: every column as text, blank lines kept (to be counted)."""
    return pa_csv.open_csv(
        path,
        read_options=csv_dialect.read_options(block_size=batch_size * 400),
        parse_options=csv_dialect.parse_options(
            invalid_row_handler=malformed, ignore_empty_lines=False
        ),
        convert_options=csv_dialect.convert_options(
            {f.name: pa.string() for f in expected}, booleans=False
        ),
    )


def _typed(
    raw: dict[str, pa.Array], usable: set[str], types: dict[str, pa.DataType]
) -> tuple[dict[str, pa.Array], list[Problem]]:
    """The usable columns of a batch in their table types, and the cells that did not parse."""
    arrays, found = {}, []
    for name in usable:
        arrays[name], problems = convert(name, raw[name], types[name])
        found += problems
    return arrays, found


def csv_batches(part: TablePart, needed: set[str], batch_size: int) -> Iterator[Batch | Problem]:
    """Record batches of a CSV file in the table's types, cells that do not parse reported."""
    expected = ARROW_SCHEMAS[part.table]
    malformed = _Malformed()
    try:
        scan = _scan(part.path)
    except OSError as error:
        yield unreadable(error)
        return
    if scan.problem is not None:
        yield scan.problem
        return
    try:
        reader = _open(part.path, expected, batch_size, malformed)
        names = reader.schema.names  # not UTF-8: a ValueError
    except (OSError, pa.ArrowException, ValueError) as error:
        yield unreadable(error)
        return
    header = pa.schema([pa.field(n, expected.field(n).type if n in expected.names else pa.string())
                        for n in names])  # fmt: skip
    problems, usable = column_problems(part.table, header)
    yield from problems
    types = {f.name: f.type for f in expected}
    row, read, line = 0, 0, 2  # rows kept, rows read (blank lines too), the next row's line
    exact: Any = None  # once rows were skipped or lines blank: where every row is

    try:
        for record_batch in reader:
            count = record_batch.num_rows
            blank = _all_null(record_batch)
            if exact is None and (blank is not None or malformed.calls):
                exact = _record_lines(part.path, len(names)) or False
            yield from malformed.flush(exact)
            lines = None
            if exact and len(exact[0]) >= read + count:
                lines, flags = exact[0][read : read + count], exact[1][read : read + count]
                blank = flags if flags.any() else None  # a line of commas only is no blank
            if blank is not None:  # blank lines: not rows
                record_batch = record_batch.filter(pa.array(~blank))
                lines = lines[~blank] if lines is not None else None
            raw = dict(zip(record_batch.schema.names, record_batch.columns, strict=True))
            arrays, found = _typed(raw, usable, types)
            breaks, total = _line_breaks(raw, types)
            yield Batch(arrays, record_batch.num_rows, row, found, line, breaks, lines)
            row += record_batch.num_rows
            read += count
            line += count + total
        if exact is None and malformed.calls:
            exact = _record_lines(part.path, len(names)) or False
        yield from malformed.flush(exact)
        if scan.odd_quotes:
            reason = "the file ends inside a quoted value (is it truncated?)"
            yield Problem("file-unreadable", {"reason": reason})
    except (OSError, pa.ArrowException, ValueError) as error:
        yield from malformed.flush(exact)
        yield unreadable(error, f" (after {row} rows)")
