"""Reading PLOVER / POLECAT JSON: records streamed with the line each starts on (duplicate
keys and NaN/Infinity refused), and the framework's reader, one row per source-target pair
of a record (``RawBatch.pair`` gives its place in the record)."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.format import Issue
from coded_events.importers.raw import InputBroken, NotEventFile, RawBatch, record_numbers
from coded_events.importers.rules import json_cell

__all__ = [
    "COLUMNS",
    "OTHER_KEYS",
    "BrokenRecord",
    "JsonError",
    "pairs",
    "read_plover",
    "read_records",
]


class JsonError(ValueError):
    """Where the file stops being JSON records: the line and the reason."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(f"line {line}: {reason}")
        self.reason = reason
        self.line = line


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_constant)
_BLANK = " \t\r\n"
_NUMBER = "0123456789.eE+-"


def _decode(buffer: str, line: int, final: bool) -> tuple[Any, int] | None:
    """The JSON value at the start of ``buffer`` and where it ends; None when it may go on
    in text not read yet (not ``final``)."""
    try:
        value, end = _DECODER.raw_decode(buffer)
    except RecursionError:
        raise JsonError("a value is nested too deeply to be read", line) from None
    except json.JSONDecodeError as error:
        if not final:
            return None  # an incomplete value: read more
        raise JsonError(f"{error.msg} (line {line + error.lineno - 1})", line) from None
    except ValueError as error:
        raise JsonError(str(error), line) from None
    if end == len(buffer) and not final and buffer[-1] in _NUMBER:
        return None  # the number may go on in the next chunk
    return value, end


@dataclass(frozen=True)
class BrokenRecord:
    """A line of a JSON-lines file that is not one JSON value: its row is rejected."""

    reason: str


def _one_value(text: str, line: int) -> Any:
    """The JSON value a JSON-lines line holds, or a BrokenRecord saying why it holds none."""
    text = text.strip(_BLANK)
    try:
        value, end = _decode(text, line, final=True) or (None, 0)
    except JsonError as error:
        return BrokenRecord(error.reason)
    if text[end:].strip(_BLANK):
        return BrokenRecord(f"text after the value at column {end + 1}")
    return value


def _json_lines(buffer: str, line: int, final: bool) -> Iterator[tuple[int, Any]]:
    """The records of the complete lines of ``buffer`` (all of it when ``final``); returns
    what is left and the line it starts on."""
    while True:
        end = buffer.find("\n")
        if end < 0 and not final:
            return buffer, line  # type: ignore[return-value]
        text, buffer = (buffer, "") if end < 0 else (buffer[:end], buffer[end + 1 :])
        if text.strip(_BLANK):
            yield line, _one_value(text, line)
        if end < 0:
            return buffer, line  # type: ignore[return-value]
        line += 1


def read_records(stream: IO[str], chunk: int = 1 << 16) -> Iterator[tuple[int, Any]]:
    """Each record with the line it starts on: the elements of every top-level JSON array,
    and every top-level value that is not an array (JSON lines). Raises JsonError at what
    is not JSON (a value broken off, an array not closed, text after the records). A file
    whose first record is a value on one line, not in an array, is JSON lines: from there
    on each line is one record, and a line that is not one JSON value is a BrokenRecord
    (its row rejected, the lines after it read)."""
    buffer, line, inside = "", 1, 0  # inside: the line of the open top-level array
    final, lines_mode, started = False, False, False
    while not final:
        more = stream.read(chunk)
        final = not more
        buffer += more
        if lines_mode:
            buffer, line = yield from _json_lines(buffer, line, final)
            continue
        while True:
            stripped = buffer.lstrip(_BLANK + ("," if inside else ""))
            line += buffer.count("\n", 0, len(buffer) - len(stripped))
            buffer = stripped
            if not buffer:
                break
            if not inside and buffer[0] == "[":
                buffer, inside = buffer[1:], line
                continue
            if inside and buffer[0] == "]":
                buffer, inside = buffer[1:], 0
                continue
            found = _decode(buffer, line, final)
            if found is None:
                break
            record, end = found
            yield line, record
            if not inside and not started:  # one line, no array: a JSON-lines file
                lines_mode = "\n" not in buffer[:end]
            started = True
            line += buffer.count("\n", 0, end)
            buffer = buffer[end:]
            if lines_mode:  # the rest of this line, then line by line
                buffer, line = yield from _json_lines(buffer, line, final)
                break
    if inside:
        raise JsonError(f"the array opened on line {inside} is not closed", line)


def pairs(record: dict[str, Any]) -> tuple[list[tuple[Any, Any]], bool]:
    """The (source, target) entry pairs of a record (target None when there is none), and
    whether ``target`` held something that is not a list of actors (to report)."""
    sources = record.get("source") or [None]
    target = record.get("target")
    not_actors = bool(target) and not isinstance(target, list)
    targets = target if isinstance(target, list) and target else [None]
    if not isinstance(sources, list):
        sources = [None]
    return [(s, t) for s in sources for t in targets], not_actors


COLUMNS = (
    "id", "date", "event", "mode", "context", "eventText", "source", "target", "size",
    "casualties", "eventLoc", "text", "textInfo", "language", "publication", "coder",
    "version", "dateCoded", "comment", "license", "copyright",
)  # fmt: skip
"""The keys of a PLOVER record we know, in the order ``producer_fields`` keeps them."""

OTHER_KEYS = "(other keys)"
"""The column that holds a record's unknown keys, as one JSON object (nothing dropped)."""

RECORDS_PER_BATCH = 5000


def _rows(record: Any) -> tuple[list[dict[str, str | None]], bool]:
    """The rows of one record: one per (source, target) pair; ``source`` and ``target``
    hold that pair's entries (a target that is not a list of actors, verbatim)."""
    if not isinstance(record, dict):
        return [{"id": None, OTHER_KEYS: json_cell(record)}], False
    found, not_actors = pairs(record)
    base: dict[str, str | None] = {
        k: json_cell(record.get(k)) for k in COLUMNS if k not in ("source", "target")
    }
    other = {k: v for k, v in record.items() if k not in COLUMNS}
    base[OTHER_KEYS] = json_cell(other) if other else None
    rows = []
    for source, target in found:
        row = dict(base)
        row["source"] = json_cell(source)
        row["target"] = json_cell(record.get("target") if not_actors else target)
        rows.append(row)
    return rows, not_actors


class _Text:
    """A binary stream read as UTF-8 text (a BOM skipped): the text before a byte that is
    not UTF-8, then JsonError with that byte's line."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.lines = 1  # the line the next text starts on
        self.started = False
        self.broken: JsonError | None = None

    def read(self, size: int) -> str:
        text = ""
        while not text:
            if self.broken is not None:
                raise self.broken
            data = self.stream.read(size)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                text = bytes(error.object[: error.start]).decode("utf-8")
                line = self.lines + text.count("\n")
                self.broken = JsonError(f"not UTF-8 ({error.reason})", line)
            if not self.started and text:
                self.started, text = True, text.removeprefix("\ufeff")
            if not data:
                break
        self.lines += text.count("\n")
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings(values: list[str | None]) -> tuple[pa.Array, list[bool] | None]:
    """A column as Arrow strings; a lone surrogate (``\\ud800`` in the JSON: no UTF-8
    text) becomes U+FFFD, with a mask of the cells that held one (None: no cell did)."""
    try:
        return pa.array(values, pa.string()), None
    except UnicodeEncodeError:
        bad = [v is not None and _SURROGATE.search(v) is not None for v in values]
        fixed = [None if v is None else _SURROGATE.sub("\ufffd", v) for v in values]
        return pa.array(fixed, pa.string()), bad


def read_plover(
    stream: IO[bytes], label: str, fmt: Any, batch_bytes: int = 0
) -> Iterator[RawBatch]:
    """Raw batches of a PLOVER JSON file: one row per source-target pair (``pair`` says
    its place in the record), each row's line the line its record starts on. Raises
    NotEventFile when no record could be read, InputBroken (after the records before it)
    where the file stops being JSON records."""
    columns = (*COLUMNS, OTHER_KEYS)
    cells: dict[str, list[str | None]] = {c: [] for c in columns}
    lines: list[int] = []
    place: list[int | None] = []
    broken: list[str | None] = []  # why a JSON-lines line is no record (its row rejected)
    records = 0
    try:
        for line, record in read_records(_Text(stream)):
            if isinstance(record, BrokenRecord):
                rows: list[dict[str, str | None]] = [{}]
            else:
                rows, _ = _rows(record)
            for index, row in enumerate(rows):
                for column in columns:
                    cells[column].append(row.get(column))
                lines.append(line)
                place.append(index + 1 if len(rows) > 1 else None)
                broken.append(record.reason if isinstance(record, BrokenRecord) else None)
            records += 1
            if records % RECORDS_PER_BATCH == 0:
                yield _batch(cells, lines, place, broken)
                cells, lines, place, broken = {c: [] for c in columns}, [], [], []
    except JsonError as error:
        reason = error.reason if error.reason.startswith("not UTF-8") else (
            f"not JSON records ({error.reason})"
        )  # fmt: skip
        if not records:
            raise NotEventFile(f"line {error.line}: {reason}") from None
        if lines:
            yield _batch(cells, lines, place, broken)
        raise InputBroken(f"after {records} record(s), {reason}", error.line) from None
    if not records:
        raise NotEventFile("the file holds no records")
    if lines:
        yield _batch(cells, lines, place, broken)


def _batch(
    cells: dict[str, list[str | None]],
    lines: list[int],
    place: list[int | None],
    broken: list[str | None],
) -> RawBatch:
    columns: dict[str, pa.Array] = {}
    bad: list[bool] | None = None
    for name, values in cells.items():
        columns[name], found = _strings(values)
        if found is not None:
            bad = found if bad is None else [a or b for a, b in zip(bad, found, strict=True)]
    pair = pa.array(place, pa.int64())
    issues = []
    reasons = pa.array(broken, pa.string())
    if reasons.null_count < len(reasons):  # first: the reader's issues come before the rest
        issues.append(Issue("import-bad-record", pc.is_valid(reasons), None, {"reason": reasons}))
    if bad is not None:  # the record is rejected, once (on its first row)
        records = record_numbers(pair)
        mask = pc.is_in(records, value_set=records.filter(pa.array(bad, pa.bool_())))
        first = pc.fill_null(pc.less_equal(pair, 1), True)
        issues.append(Issue("import-not-utf8", pc.and_(mask, first), None, {}, ""))
    return RawBatch(columns, pa.array(lines, pa.int64()), issues, pair=pair)
