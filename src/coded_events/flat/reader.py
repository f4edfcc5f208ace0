"""Flat-table inputs: which files hold which table, read as record batches with explicit types.

Inputs are ``.parquet`` and ``.csv`` files, folders in the published layout (a dataset's
``data/`` folder, or a folder holding ``events.parquet``, ``evidence.csv`` ...), and
partitioned datasets (a folder named after its table holding Parquet or CSV parts). Every
problem with the file itself (unreadable, wrong columns, wrong types, cells that do not
parse) comes back as a :class:`Problem`, never as an exception.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from coded_events.release import csv_dialect
from coded_events.release.rows import ARROW_SCHEMAS, TABLE_NAMES
from coded_events.release.table_schema import PRIMARY_KEYS
from coded_events.safe_files import file_kind
from coded_events.spec.layout import DATA_DIR, RECORDS_DIR
from coded_events.spec.tables import TABLES

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}

SKIPPED_COLUMNS = {"events": {"notes", "date_note", "location_admin1", "location_admin2"}}
"""Optional free-text columns with no rule but their type: Parquet readers check their type
from the file's schema and never decode them. (CSV has no types to trust: all are read.)"""

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


def table_order() -> list[str]:
    """Every table, each after the tables its foreign keys reference (manifest order
    otherwise; from the table spec), so that foreign keys can be checked while streaming."""
    order: list[str] = []
    while len(order) < len(TABLES):
        ready = [
            t.name
            for t in TABLES
            if t.name not in order
            and all(k.reference in order or k.reference == t.name for k in t.foreign_keys)
        ]
        if not ready:
            raise ValueError(f"foreign keys form a cycle among {set(TABLE_NAMES) - set(order)}")
        order.append(ready[0])
    return order


# --- which table ----------------------------------------------------------------------


def _table_named(name: str) -> str | None:
    name = name.split("=")[-1]
    for table in TABLE_NAMES:
        if name == table or name.startswith((f"{table}-", f"{table}_", f"{table}.")):
            return table
    return None


def _table_from_name(path: Path, root: Path | None) -> str | None:
    """The table named by the file's stem, else by a folder between ``root`` (the input
    folder, included) and the file; folders above the input never count."""
    names = [path.stem]
    if root is not None:
        names += [p.name for p in path.parents if p == root or root in p.parents]
    return next((t for t in map(_table_named, names) if t), None)


def _columns_of(path: Path, fmt: str, source: Any = None) -> tuple[list[str], dict[bytes, bytes]]:
    try:
        if fmt == "parquet":
            schema = pq.read_schema(path if source is None else source)
            return schema.names, dict(schema.metadata or {})
        if source is not None:
            header = source.readline().decode("utf-8", "replace").strip().lstrip("\ufeff")
            return [c.strip('"') for c in header.split(",")], {}
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8", "replace").strip().lstrip("\ufeff")
        return [c.strip('"') for c in header.split(",")], {}
    except (OSError, pa.ArrowException):
        return [], {}


def table_of(
    path: Path, fmt: str, root: Path | None = None, source: Any = None
) -> tuple[str | None, str]:
    """The table a file holds (by Parquet metadata, its name, the folders below the input
    folder ``root``, or its columns), or None and why not. ``source``: the file opened
    elsewhere (an fsspec file object), ``path`` then only names it."""
    names, metadata = _columns_of(path, fmt, source)
    declared = metadata.get(TABLE_METADATA_KEY, b"").decode("utf-8", "replace")
    if declared in TABLE_NAMES:
        return declared, ""
    by_name = _table_from_name(path, root)
    if by_name:
        return by_name, ""
    best = max(TABLE_NAMES, key=lambda t: len(set(names) & set(ARROW_SCHEMAS[t].names)))
    if set(PRIMARY_KEYS[best]) <= set(names) and 2 * len(
        set(names) & set(ARROW_SCHEMAS[best].names)
    ) >= len(ARROW_SCHEMAS[best].names):
        return best, ""
    known = ", ".join(TABLE_NAMES)
    return None, f"neither its name, its metadata nor its columns match a table ({known})"


# --- which files ----------------------------------------------------------------------


def _table_files(folder: Path) -> list[Path]:
    """Files of the published layout in ``folder``: ``<table>.<fmt>`` and ``<table>/`` parts.
    Symbolic links, FIFOs and devices are listed (to be reported), never followed or
    opened; a folder ``<table>.<fmt>/`` is a partitioned table."""
    out = []
    for table in TABLE_NAMES:
        for suffix in FORMATS:
            candidate = folder / f"{table}{suffix}"
            if candidate.is_dir() and not candidate.is_symlink():
                out += _parts(candidate)
            elif os.path.lexists(candidate):
                out.append(candidate)
        sub = folder / table
        if sub.is_symlink():
            out.append(sub)
        elif sub.is_dir():
            out += _parts(sub)
    return out


def _parts(folder: Path) -> list[Path]:
    """Table files under ``folder``, in folder order; links to folders or files are listed,
    not entered (``os.walk`` does not follow them)."""
    if folder.is_symlink():
        return [folder]
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        here = Path(root)
        found += [here / d for d in dirs if (here / d).is_symlink()]
        found += [here / n for n in sorted(names) if Path(n).suffix.lower() in FORMATS]
    return found


def _data_folder(folder: Path) -> Path:
    data = folder / DATA_DIR
    return data if data.is_symlink() or _table_files(data) else folder


def is_flat(path: Path) -> bool:
    """Whether ``path`` is a flat-table input (a table file or a folder of tables)."""
    if path.is_dir():
        if (path / RECORDS_DIR).is_dir() or (path / RECORDS_DIR).is_symlink():
            return False
        if path.name in TABLE_NAMES and _parts(path):
            return True
        return bool(_table_files(_data_folder(path)))
    return path.suffix.lower() in FORMATS


def expand(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """The table files of flat inputs (links among them, to be reported), each once, with
    the input folder they were found in (None for a file given itself)."""
    files: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_symlink() or not path.is_dir():
            files.append((path, None))
        elif path.name in TABLE_NAMES:
            files += [(p, path) for p in _parts(path)]
        else:
            data = _data_folder(path)
            files += (
                [(data, None)] if data.is_symlink() else [(p, data) for p in _table_files(data)]
            )
    seen: set[str] = set()
    out = []
    for path, root in files:
        if os.path.abspath(path) not in seen:
            seen.add(os.path.abspath(path))
            out.append((path, root))
    return out


def _irregular(path: Path) -> tuple[str, str]:
    """Why ``path`` is not read: ("", "") for a regular file, else ("unreadable", the
    error) or ("irregular", what it is: "a FIFO", "a directory", ...)."""
    try:
        info = path.lstat()
    except OSError as error:
        return "unreadable", f"{type(error).__name__}: {error}"
    return ("", "") if stat.S_ISREG(info.st_mode) else ("irregular", file_kind(info.st_mode))


def table_sets(paths: list[Path]) -> list[TableSet]:
    """Group flat inputs into sets checked together: one per format (Parquet, CSV)."""
    sets: dict[str, TableSet] = {}
    links: list[Path] = []
    odd: dict[str, list[tuple[Path, str]]] = {"unreadable": [], "irregular": []}
    for path, root in expand(paths):
        if path.is_symlink():
            links.append(path)
            continue
        kind, reason = _irregular(path)
        if kind:
            odd[kind].append((path, reason))
            continue
        fmt = FORMATS.get(path.suffix.lower(), "csv")
        group = sets.setdefault(fmt, TableSet())
        table, reason = table_of(path, fmt, root)
        if table is None:
            group.unknown.append((path, reason))
        else:
            group.parts.setdefault(table, []).append(TablePart(table, path, fmt))
    out = [sets[f] for f in ("parquet", "csv") if f in sets] or [TableSet()]
    out[0].links, out[0].unreadable, out[0].irregular = links, odd["unreadable"], odd["irregular"]
    return out


# --- column types -----------------------------------------------------------------------


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _compatible(expected: pa.DataType, actual: pa.DataType) -> bool:
    if pa.types.is_dictionary(actual):
        actual = actual.value_type
    if pa.types.is_dictionary(expected) or _is_text(expected):
        return _is_text(actual)
    if pa.types.is_floating(expected):
        return pa.types.is_floating(actual) or pa.types.is_integer(actual)
    if pa.types.is_integer(expected):
        return pa.types.is_integer(actual)
    if pa.types.is_list(expected):
        if not (pa.types.is_list(actual) or pa.types.is_large_list(actual)):
            return False
        inner = expected.value_type
        if pa.types.is_struct(inner):
            return pa.types.is_struct(actual.value_type)  # fields: see _item_problems
        return _compatible(inner, actual.value_type)
    return actual == expected


def _item_problems(column: str, expected: pa.DataType, actual: pa.DataType) -> list[Problem]:
    """A list-of-struct column (``quantities``): the struct's fields, one by one."""
    if not (pa.types.is_list(expected) and pa.types.is_struct(expected.value_type)):
        return []
    want, got = expected.value_type, actual.value_type
    names = Counter(got.field(i).name for i in range(got.num_fields))
    problems = []
    for name, count in names.items():
        where = f"'{name}' (of an item of {column})"
        if count > 1:
            problems.append(Problem("duplicate-column", {"name": where, "count": count}, column))
        elif want.get_field_index(name) < 0:
            problems.append(Problem("unknown-field", {"name": where}, column))
    for f in want:
        where = f"'{f.name}' (of an item of {column})"
        if f.name not in names:
            problems.append(Problem("missing-field", {"name": where}, column))
        elif names[f.name] == 1 and not _compatible(f.type, got.field(f.name).type):
            found = _type_name(got.field(f.name).type)
            expected = f"{_type_name(f.type)} for {where}"
            params = {"expected": expected, "found": found, "value": "?", "fixed": "?"}
            problems.append(Problem("wrong-type", params, column))
    return problems


def _type_name(t: pa.DataType) -> str:
    return str(t.value_type) + " (dictionary)" if pa.types.is_dictionary(t) else str(t)


def _wrong_type_code(column: str, actual: pa.DataType) -> str:
    if column in ("cameo_code", "root_code") and pa.types.is_integer(actual):
        return "event-code-not-string"
    return "wrong-type"


def column_problems(table: str, actual: pa.Schema) -> tuple[list[Problem], set[str]]:
    """Missing, unknown and mistyped columns, and the columns fit to be read."""
    expected = ARROW_SCHEMAS[table]
    problems, usable = [], set()
    counts = Counter(actual.names)
    for name, count in counts.items():
        if count > 1:
            problems.append(Problem("duplicate-column", {"name": repr(name), "count": count}, name))
    for f in expected:
        if f.name not in actual.names:
            problems.append(Problem("missing-field", {"name": repr(f.name)}, f.name))
            continue
        if counts[f.name] > 1:
            continue
        got = actual.field(f.name).type
        if _compatible(f.type, got):
            items = _item_problems(f.name, f.type, got)
            problems += items
            if not items:
                usable.add(f.name)
        else:
            code = _wrong_type_code(f.name, got)
            problems.append(
                Problem(
                    code,
                    {
                        "expected": _type_name(f.type),
                        "found": _type_name(got),
                        "value": "?",
                        "fixed": "?",
                    },
                    f.name,
                )
            )
    for name in counts:
        if name not in expected.names and counts[name] == 1:
            problems.append(Problem("unknown-field", {"name": repr(name)}, name))
    return problems, usable


# --- Parquet ------------------------------------------------------------------------------


def _unreadable(error: Exception, where: str = "") -> Problem:
    reason = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    return Problem("file-unreadable", {"reason": reason + where})


def parquet_batches(
    part: TablePart, needed: set[str], batch_size: int
) -> Iterator[Batch | Problem]:
    """Record batches of a Parquet file: only the columns rules need, types as stored."""
    try:
        handle = pq.ParquetFile(part.source if part.source is not None else part.path)
        schema = handle.schema_arrow
    except (OSError, pa.ArrowException, ValueError) as error:
        yield _unreadable(error)
        return
    problems, usable = column_problems(part.table, schema)
    if part.row_groups is None or 0 in part.row_groups:  # once per file
        yield from problems
    columns = [c for c in ARROW_SCHEMAS[part.table].names if c in usable and c in needed]
    row = part.first_row
    groups = range(handle.num_row_groups) if part.row_groups is None else part.row_groups
    try:  # row group by row group: a batch never spans two, whoever reads them
        for group in groups:
            for record_batch in handle.iter_batches(
                batch_size=batch_size, columns=columns, row_groups=[group]
            ):
                arrays = dict(zip(record_batch.schema.names, record_batch.columns, strict=True))
                yield Batch(arrays, record_batch.num_rows, row)
                row += record_batch.num_rows
    except (OSError, pa.ArrowException, ValueError) as error:
        yield _unreadable(error, f" (after {row} rows)")


# --- CSV ----------------------------------------------------------------------------------


def _strict_date(text: str | None) -> dt.date | None:
    if text is None or len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_dates(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Strict ISO dates (distinct values parsed once); the bad mask."""
    encoded = pc.dictionary_encode(column)
    parsed = pa.array([_strict_date(v) for v in encoded.dictionary.to_pylist()], pa.date32())
    values = parsed.take(encoded.indices)
    return values, pc.and_(pc.is_valid(column), pc.is_null(values))


INTEGER_TEXT = r"^-?[0-9]+$"
NUMBER_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
"""Plain numbers, cast together; other text is cast value by value (Arrow's own rules)."""


def _cast_each(column: pa.Array, target: pa.DataType) -> pa.Array:
    """Arrow's cast of each distinct value on its own: null where it fails."""
    encoded = pc.dictionary_encode(column)
    out = []
    for value in encoded.dictionary.to_pylist():
        try:
            out.append(pc.cast(pa.array([value], pa.string()), target)[0].as_py())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out.append(None)
    return pa.array(out, target).take(encoded.indices)


def _parse_numbers(column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[Problem]]:
    """Numbers in ``target`` as Arrow casts text (no spaces, ``_`` or non-ASCII digits);
    integers beyond ``target`` are out-of-range, other text is wrong-type."""
    try:
        return pc.cast(column, target), []
    except pa.ArrowInvalid:
        pass
    integer = pa.types.is_integer(target)
    plain = pc.fill_null(
        pc.match_substring_regex(column, INTEGER_TEXT if integer else NUMBER_TEXT), False
    )
    none = pa.scalar(None, pa.string())
    candidates, others = pc.if_else(plain, column, none), pc.if_else(plain, none, column)
    if integer:  # beyond the type: left null, reported as out of range below
        info = np.iinfo(target.to_pandas_dtype())
        wide = pc.cast(candidates, pa.float64())
        outside = pc.or_(pc.less(wide, float(info.min)), pc.greater(wide, float(info.max)))
        candidates = pc.if_else(pc.fill_null(outside, False), none, candidates)
    try:
        values = pc.cast(candidates, target)
    except pa.ArrowInvalid:  # at the edge of the type's range
        values = _cast_each(candidates, target)
    if others.null_count < len(others):
        values = pc.coalesce(values, _cast_each(others, target))
    bad = pc.and_(pc.is_valid(column), pc.is_null(values))
    kind = "an integer" if integer else "a number"
    found = [("wrong-type", pc.and_(bad, pc.invert(plain)), {"expected": kind, "found": "text"})]
    if integer:
        rule = f"{target} ({info.min} .. {info.max})"
        found.append(("out-of-range", pc.and_(bad, plain), {"rule": rule}))
    problems = [Problem(code, params, mask=mask) for code, mask, params in found
                if pc.any(mask).as_py()]  # fmt: skip
    return values, problems


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = Counter(k for k, _ in pairs)
    repeated = [k for k, n in keys.items() if n > 1]
    if repeated:
        raise _Repeated(repeated[0])
    return dict(pairs)


class _Repeated(ValueError):
    """A JSON object names a key twice (Python's json keeps the last one silently)."""


JSON_KINDS = {"number": (int, float), "string": str}


def _item_reason(items: Any, struct: pa.StructType) -> tuple[str, dict[str, Any]] | None:
    """Why a parsed CSV list cell does not fit ``list<struct>`` (None when it does)."""
    if not isinstance(items, list):
        return "wrong-type", {"expected": "a JSON array", "found": type(items).__name__}
    for item in items:
        if not isinstance(item, dict):
            return "wrong-type", {"expected": "JSON objects", "found": type(item).__name__}
        for key in item:
            if struct.get_field_index(key) < 0:
                return "unknown-field", {"name": f"{key!r} (of a quantity)"}
        for f in struct:
            value = item.get(f.name)
            if value is None:
                if f.name not in item or not f.nullable:
                    return "missing-field", {"name": f"{f.name!r} (of a quantity)"}
                continue
            kind = "number" if pa.types.is_floating(f.type) else "string"
            if isinstance(value, bool) or not isinstance(value, JSON_KINDS[kind]):
                found = type(value).__name__
                return "wrong-type", {"expected": f"a {kind} for {f.name!r}", "found": found}
            if isinstance(value, int):
                try:
                    item[f.name] = float(value)
                except OverflowError:
                    return "out-of-range", {"rule": f"{f.name!r} is beyond a 64-bit float"}
    return None


def _parse_items(column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[Problem]]:
    """A CSV list-of-struct column (``quantities``, compact JSON) in ``target``: every item
    has every field of the struct, in its type (NaN is left to the rules to report)."""
    struct = target.value_type
    encoded = pc.dictionary_encode(column)
    parsed, by_reason = [], {}
    for index, text in enumerate(encoded.dictionary.to_pylist()):
        try:
            items = json.loads(text, object_pairs_hook=_json_object)
            reason = _item_reason(items, struct)
        except _Repeated as error:
            reason = "duplicate-key", {"key": repr(str(error))}
        except ValueError as error:
            reason = "wrong-type", {"expected": "a JSON array", "found": f"bad JSON ({error})"}
        parsed.append(None if reason else items)
        if reason:
            by_reason.setdefault((reason[0], tuple(reason[1].items())), []).append(index)
    values = pa.array(parsed, target).take(encoded.indices)
    problems = []
    for (code, params), indices in by_reason.items():
        mask = pc.is_in(encoded.indices, pa.array(indices, encoded.indices.type))
        problems.append(Problem(code, dict(params), mask=mask))
    return values, problems


def _convert(name: str, column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[Problem]]:
    """One CSV column (read as text) in its table type; Problems for cells that do not parse."""
    if pa.types.is_list(target) and pa.types.is_struct(target.value_type):
        values, problems = _parse_items(column, target)
    elif pa.types.is_string(target) or pa.types.is_dictionary(target) or pa.types.is_list(target):
        return csv_dialect.unescape_text(column), []
    elif pa.types.is_date(target):
        values, bad = _parse_dates(column)
        problems = [Problem("invalid-date", {}, mask=bad)]
    elif pa.types.is_boolean(target):
        values = pc.equal(column, csv_dialect.TRUE)
        words = pa.array([csv_dialect.TRUE, csv_dialect.FALSE])
        bad = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, words)))
        params = {"expected": "true or false", "found": "text"}
        problems = [Problem("wrong-type", params, mask=bad)]
    else:
        values, problems = _parse_numbers(column, target)
    out = []
    for problem in problems:
        if pc.any(problem.mask).as_py():
            out.append(dataclasses.replace(problem, column=name, values=column))
    return values, out


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


def csv_batches(part: TablePart, needed: set[str], batch_size: int) -> Iterator[Batch | Problem]:
    """Record batches of a CSV file in the table's types, cells that do not parse reported."""
    expected = ARROW_SCHEMAS[part.table]
    malformed: list[tuple[int, Problem]] = []
    calls = [0]  # rows skipped so far (each reported, up to a limit)
    try:
        scan = _scan(part.path)
    except OSError as error:
        yield _unreadable(error)
        return
    if scan.problem is not None:
        yield scan.problem
        return

    def on_invalid(row: Any) -> str:
        if len(malformed) < 10_000:
            text = row.text if len(row.text) <= 120 else row.text[:119] + "…"
            params = {"actual": row.actual_columns, "expected": row.expected_columns, "text": text}
            malformed.append((calls[0], Problem("malformed-row", params)))
        calls[0] += 1
        return "skip"

    try:
        reader = pa_csv.open_csv(
            part.path,
            read_options=csv_dialect.read_options(block_size=batch_size * 400),
            parse_options=csv_dialect.parse_options(
                invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=csv_dialect.convert_options(
                {f.name: pa.string() for f in expected}, booleans=False
            ),
        )
        names = reader.schema.names  # not UTF-8: a ValueError
    except (OSError, pa.ArrowException, ValueError) as error:
        yield _unreadable(error)
        return
    header = pa.schema([pa.field(n, expected.field(n).type if n in expected.names else pa.string())
                        for n in names])  # fmt: skip
    problems, usable = column_problems(part.table, header)
    yield from problems
    types = {f.name: f.type for f in expected}
    row, read, line = 0, 0, 2  # rows kept, rows read (blank lines too), the next row's line
    exact: Any = None  # once rows were skipped or lines blank: where every row is

    def skipped() -> Iterator[Problem]:
        for index, problem in malformed:
            if exact and index < len(exact[2]):
                problem.line = exact[2][index]
            yield problem
        malformed.clear()

    try:
        for record_batch in reader:
            count = record_batch.num_rows
            blank = _all_null(record_batch)
            if exact is None and (blank is not None or calls[0]):
                exact = _record_lines(part.path, len(names)) or False
            yield from skipped()
            lines = None
            if exact and len(exact[0]) >= read + count:
                lines, flags = exact[0][read : read + count], exact[1][read : read + count]
                blank = flags if flags.any() else None  # a line of commas only is no blank
            if blank is not None:  # blank lines: not rows
                record_batch = record_batch.filter(pa.array(~blank))
                lines = lines[~blank] if lines is not None else None
            raw = dict(zip(record_batch.schema.names, record_batch.columns, strict=True))
            arrays, found = {}, []
            for name in usable:
                arrays[name], problems = _convert(name, raw[name], types[name])
                found += problems
            breaks, total = _line_breaks(raw, types)
            yield Batch(arrays, record_batch.num_rows, row, found, line, breaks, lines)
            row += record_batch.num_rows
            read += count
            line += count + total
        if exact is None and calls[0]:
            exact = _record_lines(part.path, len(names)) or False
        yield from skipped()
        if scan.odd_quotes:
            reason = "the file ends inside a quoted value (is it truncated?)"
            yield Problem("file-unreadable", {"reason": reason})
    except (OSError, pa.ArrowException, ValueError) as error:
        yield from skipped()
        yield _unreadable(error, f" (after {row} rows)")


READERS: dict[str, Callable[[TablePart, set[str], int], Iterator[Batch | Problem]]] = {
    "parquet": parquet_batches,
    "csv": csv_batches,
}


def batches(part: TablePart, needed: set[str], batch_size: int) -> Iterator[Batch | Problem]:
    """The batches of one table file (Parquet or CSV), and the problems met reading it."""
    return READERS[part.fmt](part, needed, batch_size)
