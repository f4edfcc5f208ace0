"""Column-wise building blocks for rules: parse numbers and dates strictly, look values up
in tables, map distinct values through a Python function, build JSON object text.

Everything works on whole Arrow arrays with ``pyarrow.compute``; where a Python function
is needed (an actor code rebuilt from its parts) it runs once per *distinct* value of the
batch (:func:`map_distinct`), never once per row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "INTEGER",
    "NUMBER",
    "distinct_rows",
    "empty_as_null",
    "false_mask",
    "json_objects",
    "lookup",
    "map_distinct",
    "map_rows",
    "matches",
    "parse_float",
    "parse_int",
    "row_wise",
    "strict_date",
]

INTEGER = r"^-?[0-9]{1,18}$"
"""An integer that fits in int64 (at most 18 digits; a longer one is not a number here)."""
NUMBER = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$"
SCIENTIFIC = r"^-?[0-9.]+[eE][+-]?[0-9]+$"


_F = TypeVar("_F", bound=Callable[..., Any])


def row_wise(converter: _F) -> _F:
    """Mark a rule's converter as row-wise: what it returns for a row depends only on that
    row's source cells (and the batch's file and format), so the framework may run it once
    per distinct combination of its source cells and spread the results over the rows."""
    converter.row_wise = True  # type: ignore[attr-defined]
    return converter


def false_mask(length: int) -> pa.Array:
    """An all-false mask."""
    return pa.repeat(pa.scalar(False), length)


def matches(values: pa.Array, pattern: str) -> pa.Array:
    """True where the value matches ``pattern``; false where it does not or is null."""
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def parse_int(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Integers (null where empty or not an integer) and the mask of bad, non-null cells."""
    text = pc.utf8_trim_whitespace(values)
    good = matches(text, INTEGER)
    bad = pc.and_(pc.invert(good), pc.fill_null(pc.not_equal(text, ""), False))
    return pc.cast(pc.if_else(good, text, None), pa.int64()), bad


def parse_float(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Floats (null where empty or not a plain decimal) and the mask of bad, non-null cells."""
    text = pc.utf8_trim_whitespace(values)
    good = matches(text, NUMBER)
    bad = pc.and_(pc.invert(good), pc.fill_null(pc.not_equal(text, ""), False))
    return pc.cast(pc.if_else(good, text, None), pa.float64()), bad


def _iso_text(text: pa.Array, fmt: str) -> pa.Array | None:
    """``YYYY-MM-DD`` text from ``text`` in ``fmt`` when that is a plain rearrangement."""
    if fmt == "%Y-%m-%d":
        return text
    if fmt == "%Y%m%d":
        parts = [pc.utf8_slice_codeunits(text, a, b) for a, b in ((0, 4), (4, 6), (6, 8))]
        return pc.binary_join_element_wise(*parts, "-")
    return None


def strict_date(text: pa.Array, fmt: str) -> pa.Array:
    """Dates from ``text`` in the strptime format ``fmt``, null where the text is not
    exactly a real date in it. Fast path: Arrow's strict cast of ISO text to date32 (it
    refuses 2023-02-30, but fails a whole array); when it fails, each value is parsed and
    formatted back and compared (pyarrow's strptime alone turns 2023-02-30 into 03-02)."""
    iso = _iso_text(text, fmt)
    if iso is not None:
        shaped = pc.if_else(matches(iso, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), iso, None)
        if fmt == "%Y%m%d":
            shaped = pc.if_else(matches(text, r"^[0-9]{8}$"), shaped, None)
        try:
            return shaped.cast(pa.date32())
        except pa.ArrowInvalid:
            pass
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), text)
    return pc.cast(pc.if_else(pc.fill_null(same, False), parsed, None), pa.date32())


def lookup(values: pa.Array, table: Mapping[str, Any], arrow_type: pa.DataType) -> pa.Array:
    """Each value looked up in ``table`` (null where absent)."""
    keys = pa.array(list(table), pa.string())
    found = pa.array(list(table.values()), arrow_type)
    return found.take(pc.index_in(values, value_set=keys))


def map_distinct(
    values: pa.Array, function: Callable[[Any], Any], arrow_type: pa.DataType
) -> pa.Array:
    """``function`` applied to each distinct value of ``values`` (nulls included), the
    results spread back over the rows."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    try:  # one hash pass: the distinct values and each row's place among them
        encoded = pc.dictionary_encode(values, null_encoding="encode")
    except pa.ArrowNotImplementedError:
        distinct = pc.unique(values)
        results = pa.array([function(v) for v in distinct.to_pylist()], arrow_type)
        return results.take(pc.index_in(values, value_set=distinct, skip_nulls=False))
    results = pa.array([function(v) for v in encoded.dictionary.to_pylist()], arrow_type)
    return results.take(encoded.indices)


def distinct_rows(columns: Sequence[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """A row of each distinct combination of the cells of ``columns`` (a null is a value of
    its own) and, per row, the place of its combination among them (numbered in order of
    first appearance)."""
    length = len(columns[0])
    key = np.zeros(length, np.int64)
    bound = 1
    for column in columns:
        encoded = pc.dictionary_encode(column)
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        size = len(encoded.dictionary) + 1
        if bound * size >= 1 << 62:  # renumber before the key could overflow
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
            bound = int(key.max()) + 1
        key = key * size + (codes.astype(np.int64) + 1)
        bound *= size
    inverse = pc.dictionary_encode(pa.array(key)).indices.to_numpy(zero_copy_only=False)
    # a row is the first of its combination when its number is above every one before it
    before = np.maximum.accumulate(np.concatenate([[-1], inverse[:-1]]))
    return np.flatnonzero(inverse > before), inverse


def map_rows(
    columns: Sequence[pa.Array],
    function: Callable[..., Any],
    arrow_type: pa.DataType,
    *,
    null: Any = "",
) -> pa.Array:
    """``function(*cells)`` once per distinct combination of a row's cells in ``columns``
    (a null cell passed as ``null``), the results spread back over the rows. The cells are
    never joined into one text, so no separator can clash with what a cell holds."""
    columns = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
    if not len(columns[0]):
        return pa.array([], arrow_type)
    first, inverse = distinct_rows(columns)
    rows = pa.array(first)
    picked = [c.take(rows).to_pylist() for c in columns]
    rows_of_cells = zip(*picked, strict=True)
    results = [function(*(null if v is None else v for v in cells)) for cells in rows_of_cells]
    return pa.array(results, arrow_type).take(pa.array(inverse))


_SHORT_ESCAPES = (
    ("\\", "\\\\"),
    ('"', '\\"'),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\b", "\\b"),
    ("\f", "\\f"),
)
_OTHER_CONTROL = r"[\x00-\x1f]"
NEEDS_ESCAPE = r'["\\\x00-\x1f]'
"""A quote, a backslash or a control character: the texts JSON must escape."""


def empty_as_null(values: pa.Array) -> pa.Array:
    """``values`` with empty texts as null: for a plain string array, the same buffers
    under a new validity bitmap computed from the offsets (the texts are not copied)."""
    if not isinstance(values, pa.StringArray):
        return pc.if_else(pc.fill_null(pc.equal(values, ""), False), None, values)
    start, length = values.offset, len(values)
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], np.int32, start + length + 1)
    present = offsets[1:] != offsets[:-1]
    if values.null_count:
        present[start:] &= values.is_valid().to_numpy(zero_copy_only=False)
    bits = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), length, [bits, *buffers[1:]], offset=start)


def json_objects(
    names: Sequence[str], columns: Sequence[pa.Array], length: int, *, plain: bool = False
) -> pa.Array:
    """One JSON object text per row, keys ``names`` in order, values the texts; a null or
    empty cell leaves its key out. Same bytes as ``json.dumps(d, ensure_ascii=False,
    separators=(",", ":"))``; ``{}`` when a row has none. ``plain``: the caller knows that
    no value holds a quote, a backslash or a control character (nothing to escape)."""
    if not names:
        return pa.repeat(pa.scalar("{}"), length)
    parts: list[pa.Array] = []
    run: list[pa.Array | str] = []  # keys and values of columns with a value on every row
    for name, column in zip(names, columns, strict=True):
        # the previous value's closing quote, a comma and the key go in front of the value
        key = '","' + json.dumps(name, ensure_ascii=False)[1:] + ':"'
        value = empty_as_null(column if plain else _escaped(column))
        if not value.null_count:
            run += [key, value]
            continue
        parts += _run_part(run)
        run = []
        parts.append(pc.binary_replace_slice(value, 0, 0, key))  # null where no value
    parts += _run_part(run)
    # '{","K":"v","L":"w"}': the '","' after "{" goes; a row without parts is '{"}'.
    # ("{" and '"}' keep every row non-null: pyarrow 26 drops rows whose parts are all
    # null under "skip".)
    joined = pc.binary_join_element_wise("{", *parts, '"}', "", null_handling="skip")
    empty = pc.equal(pc.binary_length(joined), 3)
    objects = pc.binary_replace_slice(joined, 1, 3, "")
    if pc.any(empty).as_py():
        objects = pc.if_else(empty, "{}", objects)
    return objects


def _run_part(run: list[pa.Array | str]) -> list[pa.Array]:
    """The part of consecutive columns with a value on every row: one join of their keys
    and values (fewer arrays for the final join); none for an empty run."""
    if not run:
        return []
    if len(run) == 2:
        return [pc.binary_replace_slice(run[1], 0, 0, run[0])]
    return [pc.binary_join_element_wise(*run, "")]


def _escaped(values: pa.Array) -> pa.Array:
    """The texts as JSON string contents (without the quotes)."""
    if pc.any(pc.match_substring_regex(values, NEEDS_ESCAPE)).as_py():
        for raw, escaped in _SHORT_ESCAPES:
            values = pc.replace_substring(values, raw, escaped)
        if pc.any(pc.match_substring_regex(values, _OTHER_CONTROL)).as_py():
            fix = re.compile(_OTHER_CONTROL)
            values = pa.array(
                [
                    None if v is None else fix.sub(lambda m: f"\\u{ord(m.group()):04x}", v)
                    for v in values.to_pylist()
                ],
                pa.string(),
            )
    return values
