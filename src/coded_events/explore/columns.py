"""A loaded table's columns against the package's table spec, before the explorer uses them.

A column of the wrong type, a column the explorer needs that is missing or has empty
values, or a number that is not finite (JSON has no NaN) is refused with the file, the
column and the rule. Columns the spec does not know, and optional columns an older release
lacks, are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.explore.manifest import ExploreInputError
from coded_events.flat.column_types import unreadable_columns
from coded_events.release.rows import ARROW_SCHEMAS

# table -> the columns the explorer reads without a default (they must be there)
NEEDED = {
    "events": ("event_id", "date_start", "date_end", "date_start_text", "date_approximate",
               "quad_class", "root_code", "source_actor_code"),
    "evidence": ("event_id", "evidence_index", "source_id", "char_start", "char_end", "quote"),
    "sources": ("source_id",),
    "links": ("event_id", "link_index", "type", "target_event_id"),
}  # fmt: skip


def _type_problems(table: str, schema: pa.Schema) -> Iterator[str]:
    missing = [n for n in NEEDED[table] if n not in schema.names]
    yield from (f"column {n} is missing (the explorer needs it)" for n in missing)
    yield from unreadable_columns(table, schema, schema.names)


def _not_finite(name: str, array: pa.Array) -> Iterator[str]:
    """The float columns (and struct fields, list items) holding NaN or an infinity."""
    kind = array.type
    if pa.types.is_floating(kind):
        if pc.any(pc.invert(pc.is_finite(array))).as_py():
            yield f"column {name!r} holds NaN or an infinity (JSON has no such number)"
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        yield from _not_finite(name, array.flatten())
    elif pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            yield from _not_finite(f"{name}.{kind.field(i).name}", array.field(i))


def check(table: str, data: pa.Table, file: Path) -> None:
    """Refuse ``data`` (the ``table`` table read from ``file``) if the explorer cannot use it."""
    problems = list(_type_problems(table, data.schema))
    if not problems:
        for column in NEEDED[table]:
            if not ARROW_SCHEMAS[table].field(column).nullable and data[column].null_count:
                problems.append(f"column {column!r} has empty values (null); it may not")
        for column in data.column_names:
            problems += _not_finite(column, data[column].combine_chunks())
    if problems:
        raise ExploreInputError(f"{file}: {problems[0]}")
