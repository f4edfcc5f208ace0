"""Data versions follow rules: compare a new release with the previous one.

The dataset's ``version`` follows the Frictionless data-versioning recipe (see
``docs/versioning.md``), judged per table by primary key:

- **patch**: rows changed (a record fixed);
- **minor**: rows added, a table (resource) added;
- **major**: rows removed, a column added, removed or retyped, the column order or the
  primary key changed, a table (resource) removed.

``compare(previous_dir, files)`` reads the previous release (its ``datapackage.json`` and
Parquet files) and the freshly rendered files (``publish.render``) and lists every
change; ``Comparison.problem()`` says why a version bump is too small, or None.
Rows are matched with Arrow joins and compared column-wise with Arrow kernels; only
nested columns (lists, structs) of matched rows are compared as Python values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coded_events.access.fetch import (
    DataError,
    parse_manifest,
    read_manifest,
    registry_versions,
    resource_path,
    safe_join,
)
from coded_events.access.loader import release_folder, table_and_format
from coded_events.release.table_schema import PRIMARY_KEYS
from coded_events.spec import versions
from coded_events.spec.layout import MANIFEST, METADATA_FILE, DatasetLayout
from coded_events.spec.tables import TABLES
from coded_events.spec.versions import Level, bump_level

__all__ = [
    "Comparison",
    "DataChange",
    "DataVersionError",
    "compare",
    "compare_tables",
    "default_previous",
    "next_version",
    "read_release",
    "rendered_tables",
    "required_level",
    "resolve_previous",
    "version_check",
]

EXAMPLES = 3
"""How many example keys a change names."""

FIRST_RELEASE = "first release: no previous version to compare"

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


def _parse(text: bytes | str, where: str) -> dict[str, Any]:
    with _release_rules():
        return parse_manifest(text, where)


def read_release(folder: Path) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """A release folder's manifest and its Parquet tables (by table name)."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise DataVersionError(f"{folder}: no {MANIFEST} (not a release folder)")
    where = str(manifest_path)
    with _release_rules():
        manifest = read_manifest(manifest_path)
    tables = {}
    for table, resource in _parquet_resources(manifest, where).items():
        with _release_rules():
            path = safe_join(folder, resource["path"], where)
        try:
            tables[table] = pq.read_table(path)
        except (OSError, pa.ArrowException) as error:
            raise DataVersionError(f"{path}: cannot read the Parquet file ({error})") from None
    return manifest, tables


def rendered_tables(files: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """The manifest and Parquet tables of a build rendered in memory (``publish.render``)."""
    where = f"the rendered {MANIFEST}"
    manifest = _parse(files[MANIFEST], where)
    tables = {}
    for table, resource in _parquet_resources(manifest, where).items():
        if resource["path"] not in files:
            raise DataVersionError(f"{where}: {resource['path']} was not rendered")
        tables[table] = pq.read_table(pa.BufferReader(files[resource["path"]]))
    return manifest, tables


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


# --- versions --------------------------------------------------------------------------


def _parts(version: str, where: str) -> versions.Version:
    try:
        return versions.require(version, where)
    except versions.VersionError as error:
        raise DataVersionError(str(error)) from None


def next_version(version: str, level: Level) -> str:
    """The smallest version after ``version`` with a bump of ``level``."""
    _parts(version, "next_version")
    return versions.next_version(version, level)


@dataclass(frozen=True)
class Comparison:
    """A new build compared with the previous release."""

    dataset: str
    previous_version: str
    new_version: str
    previous_dir: Path
    changes: list[DataChange] = field(default_factory=list)

    @property
    def required(self) -> Level:
        """The smallest bump the changes need."""
        return required_level(self.changes)

    @property
    def bump(self) -> Level:
        """The bump from the previous version to the new one (none if not newer)."""
        return bump_level(self.previous_version, self.new_version)

    def problem(self, version_file: str = METADATA_FILE) -> str | None:
        """Why the new version is not allowed, or None when it is."""
        where = f"set version to {{}} in {version_file}"
        old = _parts(self.previous_version, f"{self.previous_dir / MANIFEST}").precedence
        new = _parts(self.new_version, version_file).precedence
        if new < old:
            return (
                f"dataset version {self.new_version} is older than the previous release "
                f"{self.previous_version}; " + where.format(self._suggestion())
            )
        if self.bump >= self.required:
            return None
        needed = "; ".join(c.description for c in self.changes if c.level == self.required)
        what = (
            "the previous release's version (no bump)"
            if new == old
            else f"a {self.bump} bump from {self.previous_version}"
        )
        return (
            f"dataset version {self.new_version} is {what}, but the changes need a "
            f"{self.required} bump: {needed}; " + where.format(self._suggestion())
        )

    def _suggestion(self) -> str:
        return next_version(self.previous_version, max(self.required, Level.patch))


def compare(previous_dir: Path, files: dict[str, bytes]) -> Comparison:
    """Compare the release in ``previous_dir`` with a build rendered in memory."""
    previous = read_release(previous_dir)
    current = rendered_tables(files)
    old_name, new_name = previous[0].get("name"), current[0].get("name")
    if old_name != new_name:
        raise DataVersionError(
            f"{previous_dir / MANIFEST}: the previous release is of dataset {old_name!r}, "
            f"not {new_name!r}"
        )
    return Comparison(
        dataset=str(new_name),
        previous_version=str(previous[0].get("version", "")),
        new_version=str(current[0].get("version", "")),
        previous_dir=previous_dir,
        changes=compare_tables(previous, current),
    )


# --- finding the previous release ------------------------------------------------------


def _version_tuple(version: str) -> versions.Precedence | None:
    parsed = versions.parse(version)
    return parsed.precedence if parsed is not None else None


def default_previous(dataset: str, version: str) -> str | None:
    """The newest registered release of ``dataset`` not newer than ``version``, or None.

    A registered release at the same version counts: a released version is frozen, so
    rebuilding it with different data must be refused.
    """
    current = _version_tuple(version)
    candidates = [
        (parsed, v)
        for v in registry_versions(dataset)
        if (parsed := _version_tuple(v)) is not None and current is not None and parsed <= current
    ]
    return max(candidates)[1] if candidates else None


def _fetch(dataset: str, version: str) -> Path:
    """The local folder of a published release (bundled, cached or downloaded)."""
    try:
        return release_folder(dataset, version)
    except DataError as error:
        raise DataVersionError(f"cannot get {dataset} {version}: {error}") from None


def resolve_previous(
    dataset: str, version: str, previous: str | None
) -> tuple[Path | None, str | None]:
    """The previous release's folder and a note for the user (None, note: nothing to compare).

    ``previous`` is a release folder or a version; None means the newest registered release
    of ``dataset`` not newer than ``version``. An explicit ``previous`` that cannot be had
    raises DataVersionError; a default one that cannot be had gives a warning note.
    """
    if previous is None:
        chosen = default_previous(dataset, version)
        if chosen is None:
            return None, FIRST_RELEASE
        try:
            return _fetch(dataset, chosen), None
        except DataVersionError as error:
            note = (
                f"warning: the previous release {dataset} {chosen} is not available, so the "
                f"version bump was not checked ({error}); pass --previous PATH to check it"
            )
            return None, note
    path = Path(previous)
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise DataVersionError(f"--previous {previous}: no {MANIFEST} in this folder")
        return path, None
    if path.exists() or not versions.looks_like_version(previous):
        raise DataVersionError(
            f"--previous {previous}: neither a release folder (with {MANIFEST}) nor a version "
            f"such as 1.0.0"
        )
    return _fetch(dataset, versions.without_v(previous)), None


# --- the build's check -----------------------------------------------------------------


def version_check(
    dataset_dir: Path, previous: str | None, echo: Callable[[str], None] = print
) -> Callable[[dict[str, bytes]], None]:
    """A ``publish.build`` inspect hook: refuse a version bump smaller than the changes need.

    ``previous`` is as in ``resolve_previous``. What was compared, and every change, is
    reported through ``echo``; a refusal raises ``publish.BuildError``.
    """
    from coded_events.release.build import BuildError

    def inspect(files: dict[str, bytes]) -> None:
        manifest = _parse(files[MANIFEST], f"the rendered {MANIFEST}")
        name, version = str(manifest.get("name")), str(manifest.get("version"))
        try:
            folder, note = resolve_previous(name, version, previous)
            if note:
                echo(note)
            if folder is None:
                return
            comparison = compare(folder, files)
            problem = comparison.problem(str(DatasetLayout(dataset_dir).metadata))
        except DataVersionError as error:
            raise BuildError([str(error)]) from None
        summary = f"needs a {comparison.required} bump" if comparison.changes else "no changes"
        echo(f"compared with {name} {comparison.previous_version} ({folder}): {summary}")
        for change in comparison.changes:
            echo(f"  {change.level}: {change.description}")
        if problem:
            raise BuildError([problem])

    return inspect
