"""Writing an import: the published layout, streamed batch by batch, atomic, deterministic.

``DIR/data/<table>.parquet`` for every table of the layout (events, sources and provenance
filled; evidence and links empty: imported events have no quotes or links), the same as
CSV with ``csv=True`` (the one CSV dialect, ``coded_events.release.csv_dialect``),
``DIR/datapackage.json`` (written by the build's ``package_manifest``, Table Schemas from
``coded_events.release.table_schema``) and ``DIR/dataset.json``. Each batch is one Parquet
row group, in input order: the same input gives the same bytes. Every file goes to a
temporary file and is renamed into place when the import ends (``safe_files``; no link is
written through); an import that fails leaves the old files as they were.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from coded_events import safe_files
from coded_events.release import package, parquet
from coded_events.release.csv_dialect import csv_bytes
from coded_events.release.rows import ARROW_SCHEMAS, TABLE_NAMES
from coded_events.spec.layout import MANIFEST, METADATA_FILE, DatasetLayout, data_path

__all__ = ["PARQUET_OPTIONS", "DatasetWriter", "prefetch"]

_DONE = object()


def prefetch(items: Iterator[Any], ahead: int = 1) -> Iterator[Any]:
    """``items`` produced in a thread, ``ahead`` at most waiting: the next batch is read
    and split (pyarrow releases the GIL) while this one is converted. Order is kept; an
    exception of the producer is raised here, where the consumer would have met it."""
    waiting: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as error:  # handed to the consumer
            waiting.put(error)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


PARQUET_OPTIONS: dict[str, Any] = {**parquet.PARQUET_OPTIONS, "compression_level": 3}
"""The build's Parquet options, with a faster zstd level (imports are large)."""


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

    def __enter__(self) -> DatasetWriter:
        data = DatasetLayout(self.out).data
        safe_files.check_no_links(self.out)
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
                **PARQUET_OPTIONS,
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
