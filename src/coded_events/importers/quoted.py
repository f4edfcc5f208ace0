"""Quoted CSV with a header (ACLED, UCDP GED): a reader for files whose cells may hold the
delimiter or line breaks inside quotes, so that a line is not a row.

Rows are split by Python's ``csv`` module (quotes honoured; the only per-row Python loop
of the importers, because a quoted line break cannot be found column-wise) and handed on
as Arrow string columns, batch by batch. Each row's line is the line it **starts** on
(1-based, the header is line 1). What the reader reports, like the delimited reader:

- the header: read by name (unknown names or missing required columns refuse the file,
  ``import-not-event-file``); a header line again later is skipped
  (``import-header-repeated``); a spreadsheet's ``;`` or tab instead of ``,`` is read and
  reported (``import-delimiter``);
- a pandas index column (a first column named ``""`` or ``Unnamed: 0``) is not the
  producer's: dropped and reported (``import-index-column``), when the format allows it;
- a tag row under the header (HDX ``#event+code``...) is not a row
  (``import-tag-row``), when the format says what one looks like;
- rows with another field count than the header (a truncated last row) and rows that are
  not UTF-8: rejected (``import-wrong-width``, ``import-not-utf8``).

A cell may be as long as ``max(batch_bytes, FIELD_LIMIT)`` characters (the ``csv`` field
size limit, raised by the reader: see ``reading``). A ``csv`` error in the header refuses
the file (``import-not-event-file``); later, or when the stream breaks off (a truncated
``.gz``), the rows before are yielded and reading stops at the row's line
(``InputBroken``: ``import-unreadable``, the file read partially).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from typing import IO

import pyarrow as pa

from coded_events.importers.dialect import _header_layout, _norm
from coded_events.importers.format import Format, Issue, Reader
from coded_events.importers.raw import (
    DEFAULT_BATCH_BYTES,
    FIELD_LIMIT,
    READ_ERRORS,
    InputBroken,
    NotEventFile,
    Notice,
    RawBatch,
    _reason,
    field_limit,
)

__all__ = ["INDEX_NAMES", "quoted_csv_reader"]

INDEX_NAMES = ("", "Unnamed: 0")
"""First-column names pandas writes for its index (``to_csv`` without ``index=False``)."""

_SURROGATE = re.compile("[\udc80-\udcff]")
_DELIMITERS = (",", ";", "\t")


def _delimiter(fmt: Format, first: str) -> str:
    """The delimiter that splits the header into the most known column names."""
    known = {_norm(c) for c in fmt.columns}

    def score(delimiter: str) -> int:
        try:
            names = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:
            return -1
        return sum(_norm(n) in known for n in names)

    ordered = (fmt.delimiter, *[d for d in _DELIMITERS if d != fmt.delimiter])
    return max(ordered, key=score)


def _repair(fields: list[str]) -> list[str]:
    """Fields with undecodable bytes shown as U+FFFD (the row is rejected anyway)."""
    return [
        f.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if _SURROGATE.search(f)
        else f
        for f in fields
    ]


class _Rows:
    """One batch of rows being collected."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.cells: list[list[str | None]] = [[] for _ in range(width)]
        self.lines: list[int] = []
        self.counts: list[int] = []
        self.not_utf8: list[bool] = []
        self.notices: list[Notice] = []
        self.size = 0

    def add(self, line: int, fields: list[str]) -> None:
        bad = any(_SURROGATE.search(f) for f in fields)
        if bad:
            fields = _repair(fields)
        fits = len(fields) == self.width
        for position in range(self.width):
            self.cells[position].append(fields[position] if fits else None)
        self.lines.append(line)
        self.counts.append(len(fields))
        self.not_utf8.append(bad)
        self.size += sum(len(f) for f in fields) + len(fields)

    def batch(self, columns: tuple[str, ...], delimiter: str) -> RawBatch:
        arrays = {
            name: pa.array(self.cells[position], pa.string())
            for position, name in enumerate(columns)
        }
        counts = pa.array([str(c) for c in self.counts], pa.string())
        misfit = pa.array([c != self.width for c in self.counts], pa.bool_())
        issues = [
            Issue("import-not-utf8", pa.array(self.not_utf8, pa.bool_())),
            Issue(
                "import-wrong-width",
                misfit,
                counts,
                {"actual": counts, "expected": str(self.width), "delimiter": repr(delimiter)},
            ),
        ]
        lines = pa.array(self.lines, pa.int64())
        return RawBatch(arrays, lines, issues, self.notices)


def quoted_csv_reader(
    *, tag_row: Callable[[list[str]], bool] | None = None, index_column: bool = False
) -> Reader:
    """A reader for quoted CSV with a header. ``tag_row`` recognises a row of tags under
    the header (skipped); ``index_column`` drops a pandas index column.

    Long because: the reader is a closure over those two options; its body is below.
    """

    def read(
        stream: IO[bytes], label: str, fmt: Format, batch_bytes: int = DEFAULT_BATCH_BYTES
    ) -> Iterator[RawBatch]:
        """Rows of ``stream`` in batches, each with the line it starts on.

        Long because: the header (blank lines before it, the delimiter, an index column),
        then each row's traps (a break, a blank line, the tag row, a repeated header) in
        the order they are met, in one pass over the csv module's reader.
        """
        field_limit(max(batch_bytes, FIELD_LIMIT))
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            first, skipped = text.readline(), 0  # blank lines before the header are skipped
            while first and not first.strip():
                first, skipped = text.readline(), skipped + 1
        except READ_ERRORS as error:
            raise InputBroken(_reason(error), 1) from None
        if not first:
            raise NotEventFile("the file holds no rows")
        delimiter = _delimiter(fmt, first)
        source = itertools.chain([first], text)
        reader = csv.reader(source, delimiter=delimiter)
        try:
            names = next(reader)
        except csv.Error as error:
            raise NotEventFile(f"its header is not CSV ({error})") from None
        except READ_ERRORS as error:
            raise InputBroken(_reason(error), skipped + 1) from None
        header_line = reader.line_num + skipped
        notices: list[Notice] = []
        if delimiter != fmt.delimiter:
            notices.append(
                Notice("import-delimiter", header_line, delimiter, {"delimiter": repr(delimiter)})
            )
        drop_first = index_column and names and names[0].strip() in INDEX_NAMES
        if drop_first:
            notices.append(Notice("import-index-column", header_line, names[0]))
            names = names[1:]
        layout, _, _ = _header_layout(fmt, names)
        columns = layout.columns
        id_position = columns.index(fmt.id_column) if fmt.id_column in columns else None
        rows = _Rows(len(columns))
        rows.notices = notices
        start = header_line + 1
        stopped: InputBroken | None = None
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except (csv.Error, *READ_ERRORS) as error:  # reading stops at this row
                stopped = InputBroken(_reason(error), start)
                break
            line, start = start, reader.line_num + skipped + 1
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line is not a row
            if drop_first:
                fields = fields[1:]
            if tag_row is not None and line == header_line + 1 and tag_row(fields):
                rows.notices.append(Notice("import-tag-row", line, ",".join(fields)[:80]))
                continue
            if id_position is not None and fields == names:
                rows.notices.append(Notice("import-header-repeated", line))
                continue
            rows.add(line, fields)
            if rows.size >= batch_bytes:
                yield rows.batch(columns, delimiter)
                rows = _Rows(len(columns))
        if rows.lines or rows.notices:
            yield rows.batch(columns, delimiter)
        if stopped is not None:
            raise stopped

    return read
