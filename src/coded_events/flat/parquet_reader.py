"""Record batches of a Parquet file (or of some of its row groups), types as stored."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from coded_events.flat.column_types import column_problems
from coded_events.flat.parts import Batch, Problem, TablePart, unreadable
from coded_events.release.rows import ARROW_SCHEMAS


def parquet_batches(
    part: TablePart, needed: set[str], batch_size: int
) -> Iterator[Batch | Problem]:
    """Record batches of a Parquet file: only the columns rules need, types as stored."""
    try:
        handle = pq.ParquetFile(part.source if part.source is not None else part.path)
        schema = handle.schema_arrow
    except (OSError, pa.ArrowException, ValueError) as error:
        yield unreadable(error)
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
        yield unreadable(error, f" (after {row} rows)")
