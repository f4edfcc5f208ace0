"""Spreadsheet dialects (``;`` or ``,``, quotes honoured) read row by row by Python's
``csv`` module over the whole file, so that a quoted cell may hold the delimiter or a line
break; a row's line is the line it starts on."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pyarrow as pa

from coded_events.importers.fields import _columns, _drop_repeated_headers, _issues, _Rows
from coded_events.importers.format import Format
from coded_events.importers.raw import (
    BOM,
    FIELD_LIMIT,
    Dialect,
    InputBroken,
    Notice,
    RawBatch,
    _Broken,
    _reason,
    field_limit,
)

# --- spreadsheet dialects: quotes honoured, row by row --------------------------------------

_SURROGATE = re.compile("[\udc80-\udcff]")


def _text_lines(blocks: Iterator[bytes]) -> Iterator[str]:
    """The lines of blocks of whole lines, decoded (bytes that are not UTF-8 kept as
    surrogates), with their line ends (the ``csv`` module's ``newline=""`` input)."""
    for block in blocks:
        yield from io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")


class _QuotedRows:
    """The rows of one batch of a quoted dialect while they are collected."""

    def __init__(self) -> None:
        self.fields: list[list[str]] = []
        self.lines: list[int] = []
        self.not_utf8: list[bool] = []
        self.size = 0

    def add(self, line: int, fields: list[str]) -> None:
        bad = any(_SURROGATE.search(f) for f in fields)
        if bad:  # shown as U+FFFD; the row is rejected
            fields = [
                f.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for f in fields
            ]
        self.fields.append(fields)
        self.lines.append(line)
        self.not_utf8.append(bad)
        self.size += sum(len(f) for f in fields) + len(fields)

    def batch(self, dialect: Dialect, fmt: Format, notices: list[Notice]) -> RawBatch:
        numbers = pa.array(self.lines, pa.int64())
        not_utf8 = pa.array(self.not_utf8, pa.bool_()) if any(self.not_utf8) else None
        rows = _Rows(pa.nulls(len(numbers), pa.string()), numbers, not_utf8)
        rows.lists = pa.array(self.fields, pa.list_(pa.string()))
        notices = [*notices, *_drop_repeated_headers(rows, fmt)]
        columns, misfit = _columns(rows.lists, dialect)
        return RawBatch(columns, rows.numbers, _issues(rows, misfit, dialect), notices)


def _quoted_batches(
    lines: Iterator[str],
    dialect: Dialect,
    notices: list[Notice],
    fmt: Format,
    batch_bytes: int,
) -> Iterator[RawBatch]:
    """Raw batches of a file in a quoted dialect, split by the ``csv`` module; each row's
    line is the line it starts on. A ``csv`` error or a broken stream stops the reading
    there (``InputBroken``), after the rows before it."""
    field_limit(max(batch_bytes, FIELD_LIMIT))
    reader = csv.reader(lines, delimiter=dialect.delimiter)
    rows, start, stopped = _QuotedRows(), 1, None
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except (csv.Error, _Broken) as error:
            stopped = InputBroken(_reason(error), start)
            break
        line, start = start, reader.line_num + 1
        if not fields or line == dialect.header_line:
            continue  # a blank line is not a row
        rows.add(line, fields)
        if rows.size >= batch_bytes:
            yield rows.batch(dialect, fmt, notices)
            rows, notices = _QuotedRows(), []
    yield rows.batch(dialect, fmt, notices)
    if stopped is not None:
        raise stopped


def sniff_rows(head: bytes, delimiter: str) -> list[list[str]]:
    """The first complete, non-blank lines of ``head`` split by ``delimiter`` (for auto)."""
    text = head.removeprefix(BOM).decode("utf-8", "replace")
    lines = [line.rstrip("\r") for line in text.split("\n")[:-1] if line.strip()]
    return [line.split(delimiter) for line in lines[:5]]
