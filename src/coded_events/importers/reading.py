"""Delimited text to raw Arrow batches, column-wise: the default reader of a format.

A file is read in blocks of ``batch_bytes`` cut at a line break; each block's lines are
split with ``pyarrow.compute`` (``split_pattern``), so that a row is never handled in a
Python loop (only rows with quotes in a spreadsheet dialect are, being rare). What a
reader reports:

- the delimiter: the format's own, or ``;`` / ``,`` after a spreadsheet round trip
  (``import-delimiter``); CRLF line ends and a UTF-8 byte order mark are accepted;
- a header line: for headerless formats, one a spreadsheet added is skipped
  (``import-header-added``), with blank or misplaced names read by name
  (``import-header-mismatch``); a header line again later is skipped
  (``import-header-repeated``);
- rows with a field count no layout has (``import-wrong-width``) and rows that are not
  UTF-8 (``import-not-utf8``): rejected.

Blank lines are not rows. Line numbers are 1-based lines of the (decompressed) file.

Spreadsheet dialects (``;`` or ``,``, quotes honoured) are read row by row by Python's
``csv`` module over the whole file, so that a quoted cell may hold the delimiter or a line
break; a row's line is the line it starts on. The ``csv`` module's field size limit is a
process-wide setting: the readers raise it (never lower it) to what the input needs, a
line's length when one line is split, ``max(batch_bytes, FIELD_LIMIT)`` characters when a
file is read (a cell is at most that large: a quote never closed does not take the rest
of the file into memory). A ``csv`` error never escapes: on the first line it means the
dialect does not fit; later, reading stops there (``InputBroken``).

A file whose reading breaks off (a truncated ``.gz`` or zip member, a cell beyond the
field limit) yields every whole row decoded before the break, then raises
``InputBroken`` with the line where reading stopped: the file was read partially.

Fast path: a block with none of these traps (no header line, no carriage return, one
layout's width on every line, valid UTF-8, no blank line, not a spreadsheet dialect) is
parsed by Arrow's C++ CSV reader (every column a string, no quoting); its row
count is checked against the block's line count, and any block where that reader fails or
disagrees is split by the column-wise splitter above, so the result is the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from coded_events.importers.columns import NEEDS_ESCAPE
from coded_events.importers.dialect import _norm, detect_dialect
from coded_events.importers.fields import _columns, _drop_repeated_headers, _issues, _Rows
from coded_events.importers.format import Format
from coded_events.importers.raw import (
    BOM,
    DEFAULT_BATCH_BYTES,
    READ_ERRORS,
    Dialect,
    InputBroken,
    NotEventFile,
    Notice,
    RawBatch,
    _Broken,
    _reason,
)
from coded_events.importers.spreadsheet import _quoted_batches, _text_lines

__all__ = ["read_delimited"]


# --- blocks of lines ----------------------------------------------------------------------


def _read(stream: IO[bytes], size: int) -> tuple[bytes, BaseException | None]:
    """Up to ``size`` bytes, and the error that broke the stream off (None): every byte
    decoded before the break is returned (``read1`` pieces, where ``read`` would drop the
    piece it was filling)."""
    read1 = getattr(stream, "read1", None)
    try:
        if read1 is None:
            return stream.read(size), None
        parts, got = [], 0
        while got < size:
            part = read1(size - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
    except READ_ERRORS as error:
        return b"".join(parts) if read1 is not None else b"", error
    return b"".join(parts), None


def _blocks(stream: IO[bytes], batch_bytes: int) -> Iterator[bytes]:
    """Blocks of whole lines (each ends with a line break, but maybe the last). Raises
    ``_Broken`` after the last whole lines when the stream breaks off (the incomplete
    line is not yielded)."""
    carry = b""
    first = True
    while True:
        chunk, broken = _read(stream, batch_bytes)
        if first and chunk.startswith(BOM):
            chunk = chunk[len(BOM) :]
        first = False
        if not chunk and broken is None:
            if carry:
                yield carry
            return
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut >= 0:
            carry = data[cut + 1 :]
            yield data[: cut + 1]
        else:
            carry = data
        if broken is not None:
            raise _Broken(_reason(broken))


def _decode(lines: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Binary lines as UTF-8 strings; rows that are not UTF-8 become U+FFFD (and a mask)."""
    try:
        return lines.cast(pa.string()), None
    except pa.ArrowInvalid:
        texts, bad = [], []
        for raw in lines.to_pylist():
            try:
                texts.append(raw.decode("utf-8"))
                bad.append(False)
            except UnicodeDecodeError:
                texts.append("\ufffd")
                bad.append(True)
        return pa.array(texts, pa.string()), pa.array(bad, pa.bool_())


def _lines(block: bytes) -> pa.Array:
    split = pc.split_pattern(pa.array([block], pa.large_binary()), pattern=b"\n")
    lines = split.flatten()
    if block.endswith(b"\n"):
        lines = lines.slice(0, len(lines) - 1)
    return lines.cast(pa.binary())


def _fields(lines: pa.Array, dialect: Dialect) -> pa.ListArray:
    """Each line split into its fields (a dialect without quotes; see ``_quoted_batches``)."""
    return pc.split_pattern(lines, pattern=dialect.delimiter)


def _plain(texts: pa.Array, dialect: Dialect) -> bool:
    """Whether no cell holds a quote, a backslash or a control character."""
    special = r'["\\\x00-\x08\x0a-\x1f]' if dialect.delimiter == "\t" else NEEDS_ESCAPE
    return not dialect.quoted and not pc.any(pc.match_substring_regex(texts, special)).as_py()


def _head(block: bytes, count: int = 50) -> list[tuple[int, str]]:
    """The first ``count`` lines of the first block, as the dialect is detected from
    them: (line number, text without trailing carriage returns), blank ones left out;
    a line that is not UTF-8 reads as U+FFFD."""
    lines = block.split(b"\n", count)[:count]
    if len(lines) < count and block.endswith(b"\n"):
        lines = lines[:-1]
    head = []
    for number, line in enumerate(lines, 1):
        try:
            text = line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            text = "\ufffd"
        if text:
            head.append((number, text))
    return head


def _line_count(block: bytes) -> int:
    return block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


@cache
def _special_bytes(delimiter: str) -> bytes:
    """The bytes a block may not hold to be ``plain`` (see ``_plain``), to delete from
    a copy: every byte but a quote, a backslash and the control characters (the
    delimiter and the line feed excepted)."""
    special = {ord('"'), ord("\\"), *range(0x20)} - {ord("\n")}
    if delimiter == "\t":
        special.discard(ord("\t"))
    return bytes(b for b in range(256) if b not in special)


def _fast_batch(block: bytes, first_line: int, dialect: Dialect, fmt: Format) -> RawBatch | None:
    """The block parsed by Arrow's CSV reader, or None when it has a trap (see the module
    docs) and must be split column-wise."""
    if dialect.quoted or b"\r" in block or len(dialect.delimiter) != 1:
        return None
    end = block.find(b"\n")
    width = block[: end if end >= 0 else len(block)].count(dialect.delimiter.encode()) + 1
    layout = dialect.layouts.get(width)
    if layout is None:
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(block),
            # one thread: the reader already runs beside the rules, producer_fields and
            # the writer, and Arrow's own threads cost more CPU than they save there
            read_options=pa_csv.ReadOptions(column_names=list(layout.columns), use_threads=False),
            parse_options=pa_csv.ParseOptions(delimiter=dialect.delimiter, quote_char=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in layout.columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    length = _line_count(block)
    if table.num_rows != length:  # blank lines (skipped by Arrow) are not rows here
        return None
    found = dict(zip(layout.columns, table.columns, strict=True))
    first = found[layout.columns[0]]
    if not pc.all(pc.ascii_is_decimal(first)).as_py():  # digits only: no header line
        first = pc.utf8_lower(pc.utf8_trim_whitespace(first))
        if pc.any(pc.equal(first, _norm(fmt.id_column))).as_py():
            return None  # a header line again: the splitter reports and skips it
    nothing = pa.nulls(length, pa.string())
    columns = {}
    for name in dict.fromkeys(c for lay in dialect.layouts.values() for c in lay.columns):
        column = found.get(name)
        columns[name] = nothing if column is None else column.combine_chunks()
    numbers = pa.array(np.arange(first_line, first_line + length, dtype=np.int64))
    plain = not block.translate(None, _special_bytes(dialect.delimiter))
    return RawBatch(columns, numbers, [], [], plain)


def _split_batch(
    block: bytes, first_line: int, dialect: Dialect | None, fmt: Format
) -> tuple[RawBatch, Dialect]:
    """The block split column-wise (every trap handled); detects the dialect on the
    first block."""
    raw = _lines(block)
    numbers = pa.array(range(first_line, first_line + len(raw)), pa.int64())
    texts, not_utf8 = _decode(raw)
    rows = _Rows(pc.utf8_rtrim(texts, characters="\r"), numbers, not_utf8)
    keep = pc.not_equal(rows.texts, "")
    notices: list[Notice] = []
    if dialect is None:
        dialect, notices = detect_dialect(fmt, _head(block)[:5])
        if dialect.header_line is not None:
            keep = pc.and_(keep, pc.not_equal(numbers, dialect.header_line))
    rows.keep(keep)
    rows.lists = _fields(rows.texts, dialect)
    notices += _drop_repeated_headers(rows, fmt)
    columns, misfit = _columns(rows.lists, dialect)
    issues = _issues(rows, misfit, dialect)
    batch = RawBatch(columns, rows.numbers, issues, notices, _plain(rows.texts, dialect))
    return batch, dialect


def read_delimited(
    stream: IO[bytes], label: str, fmt: Format, batch_bytes: int = DEFAULT_BATCH_BYTES
) -> Iterator[RawBatch]:
    """Raw batches of a delimited text file (see the module docs). Raises NotEventFile
    before the first batch when the file is not of this format, InputBroken after the
    rows read when the file breaks off."""
    dialect: Dialect | None = None
    next_line = 1
    blocks = _blocks(stream, batch_bytes)
    try:
        for block in blocks:
            first = dialect is None
            notices: list[Notice] = []
            if dialect is None:
                dialect, notices = detect_dialect(fmt, _head(block)[:5])
                if dialect.quoted:  # a spreadsheet's quotes: row by row (line breaks in cells)
                    lines = _text_lines(itertools.chain([block], blocks))
                    yield from _quoted_batches(lines, dialect, notices, fmt, batch_bytes)
                    return
            batch = None
            if not (first and dialect.header_line is not None):
                batch = _fast_batch(block, next_line, dialect, fmt)
            if batch is not None:
                batch.notices = notices
            else:  # the first block is split with the dialect detected again (its notices)
                batch, dialect = _split_batch(block, next_line, None if first else dialect, fmt)
            next_line += _line_count(block)
            yield batch
    except _Broken as broken:
        raise InputBroken(str(broken), next_line) from None
    if dialect is None:
        raise NotEventFile("the file holds no rows")
