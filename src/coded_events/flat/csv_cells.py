"""CSV cells (read as text) in their column's table type: dates, numbers, booleans and
lists of structs (compact JSON), with a :class:`~coded_events.flat.parts.Problem` for
each kind of cell that does not parse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.flat.parts import Problem
from coded_events.release import csv_dialect


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


def convert(name: str, column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[Problem]]:
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
