"""Compare two releases' tables by primary key, column-wise with Arrow kernels.

Each change is a :class:`DataChange` with the version level it requires (see
``coded_events.release.data_versions`` for the rules and ``docs/versioning.md``); only
nested columns (lists, structs) of matched rows are compared as Python values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.access.fetch import DataError, resource_path
from coded_events.access.loader import table_and_format
from coded_events.release.table_schema import PRIMARY_KEYS
from coded_events.spec.layout import MANIFEST
from coded_events.spec.tables import TABLES
from coded_events.spec.versions import Level

EXAMPLES = 3
"""How many example keys a change names."""

# table -> (singular, plural) used in descriptions ("3 events added"), from the table spec.
ROW_NOUNS: dict[str, tuple[str, str]] = {table.name: table.nouns for table in TABLES}

# What each kind of row difference costs.
ROW_LEVELS: dict[str, Level] = {
    "removed": Level.major,
    "added": Level.minor,
    "changed": Level.patch,
}

# What adding or removing a whole table (a resource) costs: a column-level change.
# A new table breaks no reader of the old ones (Frictionless: new resources are minor);
# a removed table does.
TABLE_LEVELS: dict[str, Level] = {"added": Level.minor, "removed": Level.major}

_ROW = "__coded_events_row"


class DataVersionError(Exception):
    """The previous release cannot be found or read, or a version is malformed."""


@dataclass(frozen=True)
class DataChange:
    """One difference between two releases of a dataset."""

    table: str
    level: Level
    description: str


def _noun(table: str, count: int) -> str:
    singular, plural = ROW_NOUNS.get(table, (f"{table} row", f"{table} rows"))
    return singular if count == 1 else plural


def _examples(labels: Sequence[str], total: int) -> str:
    shown = ", ".join(labels[:EXAMPLES])
    return f" ({shown}{' ...' if total > EXAMPLES else ''})" if shown else ""


# --- reading releases ------------------------------------------------------------------


@contextmanager
def _release_rules() -> Iterator[None]:
    """Report the download module's manifest errors as DataVersionError (one set of rules)."""
    try:
        yield
    except DataError as error:
        raise DataVersionError(str(error)) from None


def _parquet_resources(
    manifest: dict[str, Any], where: str = f"the {MANIFEST}"
) -> dict[str, dict[str, Any]]:
    """Table name -> resource, for the Parquet resources of a manifest (paths checked)."""
    out = {}
    with _release_rules():
        for index, resource in enumerate(manifest["resources"]):
            resource_path(resource, f"{where}: resources[{index}]")
            table, file_format = table_and_format(resource)
            if file_format == "parquet":
                out[table] = resource
    return out


# --- comparing tables ------------------------------------------------------------------


def _primary_key(table: str, manifest: dict[str, Any]) -> list[str]:
    resource = _parquet_resources(manifest).get(table, {})
    key = resource.get("schema", {}).get("primaryKey") or PRIMARY_KEYS.get(table, [])
    return [key] if isinstance(key, str) else list(key)


def _plain(array: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous array; dictionary-encoded columns decoded to their values."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    return array


def _key_table(table: pa.Table, key: list[str], row_name: str) -> pa.Table:
    columns = [_plain(table.column(k)) for k in key]
    rows = pa.array(range(table.num_rows), pa.int64())
    return pa.Table.from_arrays([*columns, rows], names=[*key, row_name])


def _labels(table: pa.Table, key: list[str], rows: pa.Array, limit: int = EXAMPLES) -> list[str]:
    picked = table.select(key).take(rows.slice(0, limit)).to_pylist()
    return ["/".join(str(row[k]) for k in key) for row in picked]


def _validity_differs(old: pa.Array, new: pa.Array) -> pa.Array:
    return pc.not_equal(pc.is_valid(old), pc.is_valid(new))


def _struct_differs(old: pa.StructArray, new: pa.StructArray) -> pa.Array:
    inner = pa.array([False] * len(old))
    for before, after in zip(old.flatten(), new.flatten(), strict=True):  # honours offsets
        inner = pc.or_(inner, _differs(before, after))
    both = pc.and_(pc.is_valid(old), pc.is_valid(new))
    return pc.or_(_validity_differs(old, new), pc.and_(both, inner))


def _list_differs(old: pa.ListArray, new: pa.ListArray) -> pa.Array:
    """Lists differ in validity, length, or an item; items are compared in one flat pass."""
    both = pc.and_(pc.is_valid(old), pc.is_valid(new))
    lengths = pc.fill_null(
        pc.not_equal(pc.list_value_length(old), pc.list_value_length(new)), False
    )
    comparable = pc.and_(both, pc.invert(lengths))
    old_kept, new_kept = old.filter(comparable), new.filter(comparable)
    items = _differs(pc.list_flatten(old_kept), pc.list_flatten(new_kept))
    bad = pc.unique(pc.filter(pc.list_parent_indices(old_kept), items))
    bad_rows = pc.take(pc.indices_nonzero(comparable), bad)
    inner = pc.is_in(pa.array(range(len(old)), pa.uint64()), value_set=bad_rows.cast(pa.uint64()))
    return pc.or_(pc.or_(_validity_differs(old, new), pc.and_(both, lengths)), inner)


def _differs(old: pa.Array, new: pa.Array) -> pa.Array:
    """Per row: do the two values differ? (null equals null; NaN equals NaN).

    Lists and structs are compared item by item with Arrow kernels; other nested types
    (maps, unions) fall back to Python values.
    """
    old, new = _plain(old), _plain(new)
    if pa.types.is_list(old.type) or pa.types.is_large_list(old.type):
        return _list_differs(old, new)
    if pa.types.is_struct(old.type):
        return _struct_differs(old, new)
    if pa.types.is_nested(old.type):
        return pa.array([a != b for a, b in zip(old.to_pylist(), new.to_pylist(), strict=True)])
    same = pc.fill_null(pc.equal(old, new), False)
    same = pc.or_(same, pc.and_(pc.is_null(old), pc.is_null(new)))
    if pa.types.is_floating(old.type):
        same = pc.or_(same, pc.fill_null(pc.and_(pc.is_nan(old), pc.is_nan(new)), False))
    return pc.invert(same)


def _column_changes(table: str, old: pa.Schema, new: pa.Schema) -> list[DataChange]:
    removed = [n for n in old.names if n not in new.names]
    added = [n for n in new.names if n not in old.names]
    texts = [f"column(s) removed: {', '.join(removed)}"] if removed else []
    texts += [f"column(s) added: {', '.join(added)}"] if added else []
    texts += [
        f"column {name} retyped: {old.field(name).type} -> {new.field(name).type}"
        for name in new.names
        if name in old.names and old.field(name).type != new.field(name).type
    ]
    if [n for n in old.names if n in new.names] != [n for n in new.names if n in old.names]:
        texts.append("column order changed")
    return [DataChange(table, Level.major, f"{table}: {text}") for text in texts]


def _row_changes(
    table: str, old: pa.Table, new: pa.Table, key: list[str], columns: list[str]
) -> list[DataChange]:
    joined = _key_table(new, key, "__new").join(
        _key_table(old, key, "__old"), keys=key, join_type="full outer"
    )
    joined = joined.sort_by([(k, "ascending") for k in key])  # examples in key order
    new_rows, old_rows = joined.column("__new"), joined.column("__old")
    added = _plain(pc.filter(new_rows, pc.is_null(old_rows)))
    removed = _plain(pc.filter(old_rows, pc.is_null(new_rows)))
    matched = joined.filter(pc.and_(pc.is_valid(new_rows), pc.is_valid(old_rows)))
    changes = []
    for kind, source, rows in (("removed", old, removed), ("added", new, added)):
        count = len(rows)
        if count:
            labels = _labels(source, key, _plain(rows))
            text = f"{count} {_noun(table, count)} {kind}{_examples(labels, count)}"
            changes.append(DataChange(table, ROW_LEVELS[kind], text))
    if matched.num_rows and columns:
        old_taken = old.select(columns).take(matched.column("__old"))
        new_taken = new.select(columns).take(matched.column("__new"))
        masks = {c: _differs(old_taken.column(c), new_taken.column(c)) for c in columns}
        changed = masks[columns[0]]
        for mask in list(masks.values())[1:]:
            changed = pc.or_(changed, mask)
        count = pc.sum(changed).as_py() or 0
        if count:
            positions = pc.indices_nonzero(changed).slice(0, EXAMPLES)
            labels = _labels(new, key, pc.take(matched.column("__new"), positions))
            details = [
                f"{label}: {', '.join(c for c in columns if masks[c][i].as_py())}"
                for label, i in zip(labels, positions.to_pylist(), strict=True)
            ]
            text = f"{count} {_noun(table, count)} changed{_examples(details, count)}"
            changes.append(DataChange(table, ROW_LEVELS["changed"], text))
    return changes


def compare_tables(
    previous: tuple[dict[str, Any], dict[str, pa.Table]],
    current: tuple[dict[str, Any], dict[str, pa.Table]],
) -> list[DataChange]:
    """Every change from ``previous`` to ``current`` (each a manifest and its tables)."""
    old_manifest, old_tables = previous
    new_manifest, new_tables = current
    changes = []
    for table in sorted(set(old_tables) - set(new_tables)):
        changes.append(DataChange(table, TABLE_LEVELS["removed"], f"table {table} removed"))
    for table in sorted(set(new_tables) - set(old_tables)):
        changes.append(DataChange(table, TABLE_LEVELS["added"], f"table {table} added"))
    for table in (t for t in new_tables if t in old_tables):
        old, new = old_tables[table], new_tables[table]
        column_changes = _column_changes(table, old.schema, new.schema)
        changes.extend(column_changes)
        old_key, new_key = _primary_key(table, old_manifest), _primary_key(table, new_manifest)
        if old_key != new_key:
            text = f"{table}: primary key changed: {old_key} -> {new_key}"
            changes.append(DataChange(table, Level.major, text))
            continue
        key_types_same = all(
            k in old.schema.names
            and k in new.schema.names
            and _plain(old.column(k)[:0]).type == _plain(new.column(k)[:0]).type
            for k in new_key
        )
        if not new_key or not key_types_same:
            if not old.equals(new):
                text = f"{table}: rows differ (no usable primary key to match them by)"
                changes.append(DataChange(table, Level.major, text))
            continue
        columns = [
            n for n in new.schema.names
            if n in old.schema.names and n not in new_key
            and old.schema.field(n).type == new.schema.field(n).type
        ]  # fmt: skip
        changes.extend(_row_changes(table, old, new, new_key, columns))
    return changes


def required_level(changes: Sequence[DataChange]) -> Level:
    """The smallest bump the changes need (``Level.none`` when nothing changed)."""
    return max((c.level for c in changes), default=Level.none)
