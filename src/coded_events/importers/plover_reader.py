"""Reading PLOVER / POLECAT JSON: records streamed with the line each starts on (duplicate
keys and NaN/Infinity refused), and the framework's reader, one row per source-target pair
of a record (``RawBatch.pair`` gives its place in the record)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

import pyarrow as pa

from coded_events.importers.inputs import InputError
from coded_events.importers.raw import NotEventFile, RawBatch
from coded_events.importers.rules import json_cell

__all__ = ["COLUMNS", "OTHER_KEYS", "JsonError", "pairs", "read_plover", "read_records"]


class JsonError(ValueError):
    """A record that is not valid JSON, with the line it starts on."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_constant)


def read_records(stream: IO[str], chunk: int = 1 << 16) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record of a JSON array (or JSON-lines file) with the line it starts on."""
    buffer, line, started = "", 1, False
    while True:
        more = stream.read(chunk)
        buffer += more
        while True:
            stripped = buffer.lstrip(" \t\r\n,")
            line += buffer[: len(buffer) - len(stripped)].count("\n")
            buffer = stripped
            if not started and buffer.startswith("["):
                buffer, started = buffer[1:], True
                continue
            if not buffer or buffer.startswith("]"):
                break
            try:
                record, end = _DECODER.raw_decode(buffer)
            except (json.JSONDecodeError, ValueError) as error:
                if more and isinstance(error, json.JSONDecodeError):
                    break  # an incomplete record: read more
                raise JsonError(f"line {line}: {error}") from None
            yield line, record
            line += buffer[:end].count("\n")
            buffer = buffer[end:]
        if not more:
            return


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


def read_plover(
    stream: IO[bytes], label: str, fmt: Any, batch_bytes: int = 0
) -> Iterator[RawBatch]:
    """Raw batches of a PLOVER JSON file: one row per source-target pair (``pair`` says
    its place in the record), each row's line the line its record starts on."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    columns = (*COLUMNS, OTHER_KEYS)
    cells: dict[str, list[str | None]] = {c: [] for c in columns}
    lines: list[int] = []
    place: list[int | None] = []
    records = 0
    try:
        for line, record in read_records(text):
            rows, _ = _rows(record)
            for index, row in enumerate(rows):
                for column in columns:
                    cells[column].append(row.get(column))
                lines.append(line)
                place.append(index + 1 if len(rows) > 1 else None)
            records += 1
            if records % RECORDS_PER_BATCH == 0:
                yield _batch(cells, lines, place)
                cells, lines, place = {c: [] for c in columns}, [], []
    except (JsonError, UnicodeDecodeError) as error:
        reason = f"not JSON records ({error})" if isinstance(error, JsonError) else (
            f"not UTF-8 ({error})"
        )  # fmt: skip
        if not records:
            raise NotEventFile(reason) from None
        raise InputError(f"{label}: after {records} record(s), {reason}") from None
    if not records:
        raise NotEventFile("the file holds no records")
    if lines:
        yield _batch(cells, lines, place)


def _batch(
    cells: dict[str, list[str | None]], lines: list[int], place: list[int | None]
) -> RawBatch:
    columns = {k: pa.array(v, pa.string()) for k, v in cells.items()}
    return RawBatch(columns, pa.array(lines, pa.int64()), pair=pa.array(place, pa.int64()))
