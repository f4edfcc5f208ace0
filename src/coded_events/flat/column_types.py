"""A file's columns against its table's Arrow schema: missing, unknown, repeated and
mistyped columns (the items of a list-of-struct column field by field).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyarrow as pa

from coded_events.flat.parts import Problem
from coded_events.release.rows import ARROW_SCHEMAS


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


UNREADABLE = ("wrong-type", "event-code-not-string", "duplicate-column")
"""The column problems that stop a tool reading the column (compare, explore)."""


def unreadable_columns(table: str, actual: pa.Schema, read: Iterable[str]) -> list[str]:
    """``column X is T; the table spec says U`` (or ``appears N times``) for each column of
    ``read`` that a tool cannot read as the table spec types it."""
    wanted = set(read)
    out = []
    for problem in column_problems(table, actual)[0]:
        if problem.column in wanted and problem.code in UNREADABLE:
            params = problem.params
            what = (
                f"appears {params['count']} times"
                if problem.code == "duplicate-column"
                else f"is {params['found']}; the table spec says {params['expected']}"
            )
            out.append(f"column {problem.column} {what}")
    return out
