"""Writing an import: the published layout, streamed batch by batch, atomic, deterministic.

``DIR/data/<table>.parquet`` for every table of the layout (events, sources and provenance
filled; evidence and links empty: imported events have no quotes or links), the same as
CSV with ``csv=True`` (the one CSV dialect, ``coded_events.release.csv_dialect``),
``DIR/datapackage.json`` (written by the build's ``package_manifest``, Table Schemas from
``coded_events.release.table_schema``) and ``DIR/dataset.json``. Each batch is one Parquet
row group, in input order: the same input gives the same bytes. Every file goes to a
temporary file and is renamed into place when the import ends (``safe_files``; no link is
written through); an import that fails leaves the old files as they were, and removes the
folders (``DIR``, its missing parents, ``DIR/data``) it created.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coded_events import safe_files
from coded_events.release import package, parquet
from coded_events.release.csv_dialect import csv_bytes
from coded_events.release.rows import ARROW_SCHEMAS, TABLE_NAMES
from coded_events.spec.layout import DATA_DIR, MANIFEST, METADATA_FILE, DatasetLayout, data_path

__all__ = [
    "PARQUET_OPTIONS",
    "DatasetWriter",
    "PartFile",
    "PartitionedWriter",
    "partitioned_manifest",
]

_DONE = object()

PARQUET_OPTIONS: dict[str, Any] = {**parquet.PARQUET_OPTIONS, "compression_level": 3}
"""The build's Parquet options, with a faster zstd level (imports are large)."""

NO_DICTIONARY = {"provenance": ("event_id", "producer_event_id", "input_line", "producer_fields")}
"""Columns with a value of their own on each row: a dictionary would be built and dropped
on every page (a third of the time of writing provenance, and a larger file)."""


def parquet_options(table: str) -> dict[str, Any]:
    """``PARQUET_OPTIONS`` for one table (no dictionary for its ``NO_DICTIONARY`` columns)."""
    plain = NO_DICTIONARY.get(table)
    if not plain:
        return PARQUET_OPTIONS
    names = [f.name for f in ARROW_SCHEMAS[table] if f.name not in plain]
    return {**PARQUET_OPTIONS, "use_dictionary": names}


class DatasetWriter:
    """Open the output files of an import; :meth:`write` batches; :meth:`finish`."""

    def __init__(self, out: Path, meta: dict[str, Any], *, csv: bool = False) -> None:
        self.out = Path(out)
        self.meta = meta
        self.formats = ("parquet", "csv") if csv else ("parquet",)
        self.stack = ExitStack()
        self.handles: dict[str, IO[bytes]] = {}
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = dict.fromkeys(TABLE_NAMES, 0)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.created: list[Path] = []

    def __enter__(self) -> DatasetWriter:
        data = DatasetLayout(self.out).data
        safe_files.check_no_links(self.out)
        # the folders this import creates: removed again if it fails (``__exit__``)
        missing = [p for p in (self.out, *self.out.parents) if not os.path.lexists(p)]
        self.created = [*reversed(missing), *([data] if not os.path.lexists(data) else [])]
        safe_files.make_dirs(data, self.out)
        safe_files.remove_debris(data)
        for table in TABLE_NAMES:
            for fmt in self.formats:
                relative = data_path(table, fmt)
                handle = self.stack.enter_context(
                    safe_files.atomic_writer(self.out / relative, self.out)
                )
                self.handles[relative] = handle
            schema = ARROW_SCHEMAS[table].with_metadata(parquet.file_metadata(table, self.meta))
            self.parquet[table] = pq.ParquetWriter(
                pa.PythonFile(self.handles[data_path(table, "parquet")], mode="w"),
                schema,
                **parquet_options(table),
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread is not None:  # an import that failed: stop the writing thread
            self._queue.put(_DONE)
            self._thread.join()
        if exc_info[0] is not None:
            for writer in self.parquet.values():
                writer.close()
        self.stack.__exit__(*exc_info)  # type: ignore[arg-type]
        if exc_info[0] is not None:  # a failed import leaves the folder as it was
            for folder in reversed(self.created):
                try:
                    folder.rmdir()  # only when empty: nothing else is removed
                except OSError:
                    break

    def write(self, tables: dict[str, pa.Table]) -> None:
        """Append one batch's rows to each table, in a thread of its own (Parquet
        compression releases the GIL), in order; the next batch converts meanwhile."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, daemon=True)
            self._thread.start()
        self._raise()
        self._queue.put(tables)

    def _drain(self) -> None:
        while (tables := self._queue.get()) is not _DONE:
            if self._error is None:
                try:
                    self._write(tables)
                except BaseException as error:  # raised in the importing thread
                    self._error = error

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _join(self) -> None:
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
        self._raise()

    def _write(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if not table.num_rows:
                continue
            metadata = self.parquet[name].schema.metadata
            self.parquet[name].write_table(table.replace_schema_metadata(metadata))
            if "csv" in self.formats:
                text = csv_bytes(table)
                if self.rows[name]:
                    text = text.split(b"\r\n", 1)[1]  # the header once, at the top
                self.handles[data_path(name, "csv")].write(text)
            self.rows[name] += table.num_rows

    def finish(self, dataset: dict[str, Any], sources: list[dict[str, Any]]) -> list[Path]:
        """Close the tables, then write datapackage.json and dataset.json; the files."""
        self._join()
        for name, writer in self.parquet.items():
            if not self.rows[name] and "csv" in self.formats:
                self.handles[data_path(name, "csv")].write(
                    csv_bytes(ARROW_SCHEMAS[name].empty_table())
                )
            writer.close()
        self.parquet = {}
        self.stack.close()  # every table renamed into place
        data = DatasetLayout(self.out).data
        for table in TABLE_NAMES:  # a CSV of an earlier import with --csv is no longer ours
            if "csv" not in self.formats:
                stale = self.out / data_path(table, "csv")
                safe_files.check_no_links(stale, self.out)
                stale.unlink(missing_ok=True)
            # nor are the parts of an earlier ``--engine dask`` import (``data/<table>/``)
            parts = data / table
            safe_files.check_no_links(parts, self.out)
            if parts.is_dir():
                shutil.rmtree(parts)
        safe_files.sync_folder(data)
        digests = {}
        for relative in self.handles:
            path = self.out / relative
            digests[relative] = (path.stat().st_size, safe_files.sha256_file(path))
        manifest = package.package_manifest(self.meta, sources, digests, self.formats)
        written = [self.out / r for r in self.handles]
        for name, content in ((METADATA_FILE, dataset), (MANIFEST, manifest)):
            text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
            safe_files.write_atomic(self.out / name, text.encode("utf-8"), root=self.out)
            written.append(self.out / name)
        safe_files.sync_folder(self.out)
        return written


# --- the partitioned layout (``coded-events import --engine dask``) --------------------------

BY_YEAR = ("events", "provenance")
"""Tables split hive-style by the event's year (``year=2019/``); the others (sources,
links: no date of their own) are one part per input, unpartitioned."""


@dataclass(frozen=True)
class PartFile:
    """One Parquet part written: its table, path below the dataset folder, size, sha256."""

    table: str
    path: str
    bytes: int
    sha256: str
    rows: int


def part_path(table: str, name: str, year: int | None = None) -> str:
    """``data/<table>/[year=<year>/]<name>``, relative to the dataset folder."""
    hive = () if year is None else (f"year={year}",)
    return str(PurePosixPath(DATA_DIR, table, *hive, name))


def part_file(root: Path, relative: str, table: str, rows: int) -> PartFile:
    """The :class:`PartFile` of a part written below ``root``."""
    path = root / relative
    return PartFile(table, relative, path.stat().st_size, safe_files.sha256_file(path), rows)


class PartitionedWriter:
    """The tables of one input as Parquet parts below ``root``: events and provenance in
    ``data/<table>/year=<year of the event>/<name>`` (a provenance row sits beside its
    event), sources and links in ``data/<table>/<name>``. Batches are appended in input
    order (one row group per batch and partition), files written atomically."""

    def __init__(self, root: Path, name: str, meta: dict[str, Any]) -> None:
        self.root = Path(root)
        self.name = name
        self.meta = meta
        self.stack = ExitStack()
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, tuple[str, int]] = {}

    def __enter__(self) -> PartitionedWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None:
            for writer in self.writers.values():
                writer.close()
        self.stack.__exit__(*exc_info)  # type: ignore[arg-type]

    def _append(self, table: str, relative: str, rows: pa.Table) -> None:
        if relative not in self.writers:
            target = self.root / relative
            safe_files.make_dirs(target.parent, self.root)
            handle = self.stack.enter_context(safe_files.atomic_writer(target, self.root))
            schema = ARROW_SCHEMAS[table].with_metadata(parquet.file_metadata(table, self.meta))
            self.writers[relative] = pq.ParquetWriter(
                pa.PythonFile(handle, mode="w"), schema, **PARQUET_OPTIONS
            )
        metadata = self.writers[relative].schema.metadata
        self.writers[relative].write_table(rows.replace_schema_metadata(metadata))
        self.rows[relative] = (table, self.rows.get(relative, (table, 0))[1] + rows.num_rows)

    def write(self, tables: dict[str, pa.Table]) -> None:
        """Append one batch's rows (events and provenance row for row, as converted)."""
        years = pc.year(tables["events"].column("date_start"))
        distinct = pc.unique(years).to_pylist()
        for name, rows in tables.items():
            if not rows.num_rows:
                continue
            if name not in BY_YEAR:
                self._append(name, part_path(name, self.name), rows)
                continue
            for year in distinct:
                chosen = rows if len(distinct) == 1 else rows.filter(pc.equal(years, year))
                self._append(name, part_path(name, self.name, year), chosen)

    def close(self) -> list[PartFile]:
        """Close and rename every part into place; the parts, in path order."""
        for writer in self.writers.values():
            writer.close()
        self.stack.close()
        return [part_file(self.root, r, t, n) for r, (t, n) in sorted(self.rows.items())]


def empty_part(root: Path, table: str, meta: dict[str, Any]) -> PartFile:
    """An empty part for a table no input filled (``data/<table>/part-empty.parquet``)."""
    with PartitionedWriter(root, "part-empty.parquet", meta) as writer:
        writer._append(table, part_path(table, writer.name), ARROW_SCHEMAS[table].empty_table())
        return writer.close()[0]


def partitioned_manifest(
    meta: dict[str, Any], sources: list[dict[str, Any]], parts: list[PartFile]
) -> dict[str, Any]:
    """``datapackage.json`` for a partitioned import: one Parquet resource per table whose
    ``path`` lists its part files (Data Package allows a list), ``bytes`` their total, and
    ``parts`` each file's path, bytes and sha256 (``load()`` checks them; a resource-level
    ``hash`` would be of the parts concatenated, which nobody reads)."""
    placeholder = {data_path(t, "parquet"): (0, "") for t in TABLE_NAMES}
    manifest = package.package_manifest(meta, sources, placeholder, ("parquet",))
    for resource in manifest["resources"]:
        files = [p for p in parts if p.table == resource["name"]]
        resource["path"] = [p.path for p in files]
        resource["bytes"] = sum(p.bytes for p in files)
        del resource["hash"]
        resource["parts"] = [
            {"path": p.path, "bytes": p.bytes, "hash": f"sha256:{p.sha256}"} for p in files
        ]
    return manifest
