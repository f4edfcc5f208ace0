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

import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from coded_events.importers.columns import NEEDS_ESCAPE
from coded_events.importers.format import Format, Issue, Layout

__all__ = [
    "FIELD_LIMIT",
    "Dialect",
    "InputBroken",
    "NotEventFile",
    "Notice",
    "RawBatch",
    "detect_dialect",
    "field_limit",
    "read_delimited",
]

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
    row. The rows of a record share its line; they are written or rejected together, are
    counted once in rows read, and are tied by ``same_as`` links to the record's first row."""

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class Dialect:
    """How a file's rows are written: its delimiter, whether quotes must be honoured, and
    the layouts its rows follow (by field count)."""

    delimiter: str
    quoted: bool
    layouts: dict[int, Layout]
    header_line: int | None = None
    header_names: tuple[str, ...] = ()


def _split_quoted(line: str, delimiter: str) -> list[str] | None:
    """One line split with quotes honoured; None when it is not CSV (a bare carriage
    return outside quotes)."""
    field_limit(len(line) + 1)  # a cell is never longer than its line
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return None


def _norm(name: str) -> str:
    return "".join(name.split()).lower()


def _header_layout(fmt: Format, names: list[str]) -> tuple[Layout, list[str], list[str]]:
    """The layout a header line gives, the names that are blank and those misplaced.

    Blank names take the format's name at that position (when a layout of this width
    exists); raises NotEventFile when a name is unknown or a required column is missing.
    """
    known = {_norm(c): c for c in fmt.columns}
    by_position = fmt.widths.get(len(names))
    columns, blank, misplaced = [], [], []
    for position, name in enumerate(names):
        if not name.strip():
            if by_position is None:
                raise NotEventFile(f"header column {position + 1} has no name")
            blank.append(str(position + 1))
            columns.append(by_position.columns[position])
            continue
        if _norm(name) not in known:
            raise NotEventFile(f"header column {position + 1} {name!r} is not a {fmt.name} column")
        column = known[_norm(name)]
        if by_position is not None and by_position.columns[position] != column:
            misplaced.append(name)
        columns.append(column)
    missing = [c for c in fmt.required_columns if c not in columns]
    if missing:
        raise NotEventFile(f"the header lacks the column(s) {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise NotEventFile("the header names a column twice")
    return Layout(tuple(columns), "as the header names them"), blank, misplaced


def _looks_like_header(fmt: Format, fields: list[str]) -> bool:
    known = {_norm(c) for c in fmt.columns}
    named = [f for f in fields if f.strip()]
    return bool(named) and sum(_norm(f) in known for f in named) * 2 >= len(named)


def detect_dialect(fmt: Format, first_lines: list[tuple[int, str]]) -> tuple[Dialect, list[Notice]]:
    """The dialect of a file from its first non-blank lines (line number, text).

    Raises NotEventFile when no delimiter gives rows of this format.
    """
    if not first_lines:
        raise NotEventFile("the file holds no rows")
    line_no, first = first_lines[0]
    candidates = (fmt.delimiter, *[d for d in SPREADSHEET_DELIMITERS if d != fmt.delimiter])
    for delimiter in candidates:
        quoted = delimiter != fmt.delimiter
        fields = _split_quoted(first, delimiter) if quoted else first.split(delimiter)
        if fields is None:
            continue
        notices = (
            []
            if not quoted
            else [Notice("import-delimiter", line_no, delimiter, {"delimiter": repr(delimiter)})]
        )
        if fmt.header == "required" or _looks_like_header(fmt, fields):
            if len(fields) < 2 or not _looks_like_header(fmt, fields):
                continue
            layout, blank, misplaced = _header_layout(fmt, fields)
            if fmt.header != "required":
                notices.append(Notice("import-header-added", line_no, first[:80]))
            if blank or misplaced:
                detail = "; ".join(
                    part
                    for part in (
                        f"blank name at column(s) {', '.join(blank)}" if blank else "",
                        f"misplaced: {', '.join(misplaced)}" if misplaced else "",
                    )
                    if part
                )
                notices.append(
                    Notice("import-header-mismatch", line_no, first[:80], {"detail": detail})
                )
            dialect = Dialect(delimiter, quoted, {layout.width: layout}, line_no, tuple(fields))
            return dialect, notices
        if len(fields) in fmt.widths:
            return Dialect(delimiter, quoted, fmt.widths), notices
    widths = " or ".join(str(w) for w in sorted(fmt.widths))
    if fmt.header == "required":
        reason = f"its first line is not a {fmt.name} header (columns such as "
        reason += f"{', '.join(fmt.required_columns[:4])})"
    else:
        count = len(first.split(fmt.delimiter))
        reason = f"its first row has {count} {fmt.delimiter!r}-separated field(s), not {widths}"
    raise NotEventFile(reason)


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


def _columns(lists: pa.ListArray, dialect: Dialect) -> tuple[dict[str, pa.Array], pa.Array]:
    """Producer columns by position per layout, and the mask of rows no layout fits."""
    counts = pc.list_value_length(lists)
    flat = lists.flatten()
    starts = lists.offsets.slice(0, len(lists)).cast(pa.int64())
    fits = pa.repeat(pa.scalar(False), len(lists))
    positions: dict[str, list[tuple[pa.Array, int]]] = {}
    for width, layout in dialect.layouts.items():
        mask = pc.equal(counts, width)
        fits = pc.or_(fits, mask)
        for position, name in enumerate(layout.columns):
            positions.setdefault(name, []).append((mask, position))
    null_index = pa.nulls(len(lists), pa.int64())
    columns = {}
    for name, places in positions.items():
        index = null_index
        for mask, position in places:
            index = pc.if_else(mask, pc.add(starts, position), index)
        columns[name] = flat.take(index)
    return columns, pc.invert(fits)


def _expected(dialect: Dialect) -> str:
    return " or ".join(str(w) for w in sorted(dialect.layouts))


@dataclass
class _Rows:
    """The rows of one block while the reader filters them: text, line, fields, and
    which rows are not UTF-8."""

    texts: pa.Array
    numbers: pa.Array
    not_utf8: pa.Array | None
    lists: pa.ListArray | None = None

    def keep(self, mask: pa.Array) -> None:
        self.texts, self.numbers = self.texts.filter(mask), self.numbers.filter(mask)
        if self.not_utf8 is not None:
            self.not_utf8 = self.not_utf8.filter(mask)
        if self.lists is not None:
            self.lists = self.lists.filter(mask)


def _first_field(lists: pa.ListArray) -> pa.Array:
    """Each row's first field, trimmed and lower case ("" for an empty row)."""
    nonempty = pc.if_else(
        pc.greater(pc.list_value_length(lists), 0), lists, pa.scalar([""], lists.type)
    )
    return pc.utf8_lower(pc.utf8_trim_whitespace(pc.list_element(nonempty, 0)))


def _drop_repeated_headers(rows: _Rows, fmt: Format) -> list[Notice]:
    """Header lines inside the file (the id field is the id column's name): skipped."""
    assert rows.lists is not None
    repeated = pc.is_in(_first_field(rows.lists), pa.array([_norm(fmt.id_column)]))
    if not pc.any(repeated).as_py():
        return []
    notices = [
        Notice("import-header-repeated", n) for n in rows.numbers.filter(repeated).to_pylist()
    ]
    rows.keep(pc.invert(repeated))
    return notices


def _issues(rows: _Rows, misfit: pa.Array, dialect: Dialect) -> list[Issue]:
    assert rows.lists is not None
    issues = [] if rows.not_utf8 is None else [Issue("import-not-utf8", rows.not_utf8)]
    counts = pc.cast(pc.list_value_length(rows.lists), pa.string())
    params = {
        "actual": counts,
        "expected": _expected(dialect),
        "delimiter": repr(dialect.delimiter),
    }
    return [*issues, Issue("import-wrong-width", misfit, counts, params)]


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
