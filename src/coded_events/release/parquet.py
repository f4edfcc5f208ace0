"""The published Parquet files: writer options, deterministic bytes, and a content comparison
that ignores only the writer (``created_by``, page layout, statistics)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coded_events.release.rows import (
    SORT_KEYS,
)
from coded_events.spec import codebook
from coded_events.spec.versions import SCHEMA_VERSION

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "version": "2.6",
    "data_page_version": "1.0",
    "write_statistics": True,
    "use_dictionary": True,
    "store_schema": True,
}
ROW_GROUP_SIZE = 1_000_000


# --- Parquet ------------------------------------------------------------------------


def file_metadata(table: str, meta: dict[str, Any]) -> dict[bytes, bytes]:
    values = {
        "coded_events.table": table,
        "coded_events.dataset": meta["name"],
        "coded_events.dataset_version": meta["version"],
        "coded_events.schema_version": SCHEMA_VERSION,
        "coded_events.codebook_version": codebook.codebook_version(),
    }
    return {k.encode(): v.encode() for k, v in values.items()}


def parquet_bytes(name: str, table: pa.Table, meta: dict[str, Any]) -> bytes:
    """One table as Parquet bytes: zstd, one row group, versions in the key-value metadata."""
    table = table.replace_schema_metadata(file_metadata(name, meta))
    sorting = [pq.SortingColumn(table.schema.get_field_index(c)) for c in SORT_KEYS[name]]
    sink = pa.BufferOutputStream()
    pq.write_table(
        table, sink, row_group_size=ROW_GROUP_SIZE, sorting_columns=sorting, **PARQUET_OPTIONS
    )
    return sink.getvalue().to_pybytes()


def parquet_writer(content: bytes) -> str:
    """The ``created_by`` string of a Parquet file (the library and version that wrote it)."""
    return str(pq.ParquetFile(pa.BufferReader(content)).metadata.created_by)


def _parquet_layout(meta: pq.FileMetaData) -> tuple[Any, ...]:
    """What a build sets in a Parquet file's metadata, without the writer's own marks."""
    kv = {k: v for k, v in (meta.metadata or {}).items() if k != b"ARROW:schema"}
    groups = [
        (
            group.num_rows,
            group.sorting_columns,
            tuple(group.column(i).compression for i in range(group.num_columns)),
        )
        for group in (meta.row_group(i) for i in range(meta.num_row_groups))
    ]
    return kv, meta.format_version, meta.num_rows, groups


def same_parquet_content(first: bytes, second: bytes) -> bool:
    """True when two Parquet files hold the same rows, schemas and metadata.

    They may differ in how they were written: the writer's ``created_by``, page layout,
    statistics and the encoding of the stored Arrow schema (compared decoded instead).
    Unreadable bytes are never the same content.
    """
    try:
        files = [pq.ParquetFile(pa.BufferReader(content)) for content in (first, second)]
        if _parquet_layout(files[0].metadata) != _parquet_layout(files[1].metadata):
            return False
        if not files[0].schema.equals(files[1].schema):
            return False
        tables = [file.read() for file in files]
    except (OSError, pa.ArrowException):
        return False
    return tables[0].equals(tables[1], check_metadata=True)
